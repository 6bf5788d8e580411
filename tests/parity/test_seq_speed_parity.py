"""The fused sequence-model paths side by side with PyTorch: the LSTM's one-call recurrence
(values, gradients, grad_fn names, a token-by-token inference loop), layer_norm, attention's
safe softmax, the bulk bernoulli_ draws behind dropout, and the small-batch linear."""
import numpy as np
import pytest

import pytorchlite as pl
import pytorchlite.nn as plnn
import pytorchlite.nn.functional as plF

torch = pytest.importorskip("torch")


def arr(t):
    return t.detach().numpy()


def pair_lstm(dtype, **kw):
    """A torch LSTM and a pytorchlite LSTM holding the same weights."""
    torch.manual_seed(3)
    tm = torch.nn.LSTM(dtype=getattr(torch, dtype), **kw)
    pm = plnn.LSTM(dtype=getattr(pl, dtype), **kw)
    pm.load_state_dict({k: pl.tensor(arr(v)) for k, v in tm.state_dict().items()})
    assert list(pm.state_dict()) == list(tm.state_dict())
    return tm, pm


CASES = [
    (dict(input_size=5, hidden_size=7, num_layers=2), (6, 3), True),
    (dict(input_size=3, hidden_size=9, bias=False), (4, 6), True),
    (dict(input_size=4, hidden_size=5, num_layers=2, bidirectional=True), (5, 7), False),
    (dict(input_size=6, hidden_size=11, batch_first=True), (3, 5), True),
    (dict(input_size=2, hidden_size=3), (1, 1), False),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw,tb,with_hx", CASES)
def test_lstm_matches_torch(dtype, kw, tb, with_hx):
    tm, pm = pair_lstm(dtype, **kw)
    T, B = tb
    dirs = 2 if kw.get("bidirectional") else 1
    L, H = kw.get("num_layers", 1), kw["hidden_size"]
    rng = np.random.default_rng(5)
    shape = (B, T, kw["input_size"]) if kw.get("batch_first") else (T, B, kw["input_size"])
    x_np = rng.normal(size=shape).astype(dtype)
    hx_np = [rng.normal(size=(L * dirs, B, H)).astype(dtype) for _ in range(2)]
    tx = torch.tensor(x_np, requires_grad=True)
    px = pl.tensor(x_np, requires_grad=True)
    thx = tuple(torch.tensor(h, requires_grad=True) for h in hx_np) if with_hx else None
    phx = tuple(pl.tensor(h, requires_grad=True) for h in hx_np) if with_hx else None
    to, (th, tc) = tm(tx, thx)
    po, (ph, pc) = pm(px, phx)
    for p, t in ((po, to), (ph, th), (pc, tc)):
        assert type(p.grad_fn).__name__ == type(t.grad_fn).__name__
    w = rng.normal(size=tuple(to.shape)).astype(dtype)
    (to * torch.tensor(w)).sum().backward(retain_graph=True)
    (po * pl.tensor(w)).sum().backward(retain_graph=True)
    ((th * th).sum() + tc.sum()).backward()
    ((ph * ph).sum() + pc.sum()).backward()
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    for p, t in ((po, to), (ph, th), (pc, tc), (px.grad, tx.grad)):
        np.testing.assert_allclose(arr(p), arr(t), **tol)
    if with_hx:
        for p, t in zip(phx, thx):
            np.testing.assert_allclose(arr(p.grad), arr(t.grad), **tol)
    for (name, p), t in zip(pm.named_parameters(), tm.parameters()):
        np.testing.assert_allclose(arr(p.grad), arr(t.grad), err_msg=name, **tol)


def test_token_by_token_inference_matches_torch():
    V, H = 50, 16
    torch.manual_seed(0)
    t_emb, t_lstm, t_out = torch.nn.Embedding(V, H), torch.nn.LSTM(H, H), torch.nn.Linear(H, V)
    p_emb, p_lstm, p_out = plnn.Embedding(V, H), plnn.LSTM(H, H), plnn.Linear(H, V)
    for p, t in ((p_emb, t_emb), (p_lstm, t_lstm), (p_out, t_out)):
        p.load_state_dict({k: pl.tensor(arr(v)) for k, v in t.state_dict().items()})
    tok_t, tok_p = torch.zeros((1, 1), dtype=torch.int64), pl.zeros((1, 1), dtype=pl.int64)
    hid_t = hid_p = None
    tokens = []
    with torch.no_grad(), pl.no_grad():
        for _ in range(20):
            o_t, hid_t = t_lstm(t_emb(tok_t), hid_t)
            o_p, hid_p = p_lstm(p_emb(tok_p), hid_p)
            lt, lp = t_out(o_t[0]), p_out(o_p[0])
            np.testing.assert_allclose(arr(lp), arr(lt), rtol=1e-5, atol=1e-5)
            tok_t, tok_p = lt.argmax(dim=1, keepdim=True), lp.argmax(dim=1, keepdim=True)
            tokens.append(int(tok_t))
            assert int(tok_p) == tokens[-1]
    assert len(set(tokens)) > 1  # the loop really moved through different tokens


@pytest.mark.parametrize("shape,ns,affine", [((4, 7, 13), (13,), True),
                                             ((3, 5, 6), (5, 6), False), ((2, 9), (9,), True)])
def test_layer_norm_matches_torch(shape, ns, affine):
    rng = np.random.default_rng(2)
    x_np = (rng.normal(size=shape) * 2 + 0.5).astype(np.float32)
    g_np = rng.normal(size=shape).astype(np.float32)
    w_np, b_np = rng.normal(size=ns).astype(np.float32), rng.normal(size=ns).astype(np.float32)
    outs = []
    for lib, F in ((torch, torch.nn.functional), (pl, plF)):
        x = lib.tensor(x_np, requires_grad=True)
        w = lib.tensor(w_np, requires_grad=True) if affine else None
        b = lib.tensor(b_np, requires_grad=True) if affine else None
        y = F.layer_norm(x, ns, w, b)
        (y * lib.tensor(g_np)).sum().backward()
        outs.append((type(y.grad_fn).__name__,
                     [arr(y), arr(x.grad)] + ([arr(w.grad), arr(b.grad)] if affine else [])))
    assert outs[0][0] == outs[1][0] == "NativeLayerNormBackward0"
    for t, p in zip(outs[0][1], outs[1][1]):
        np.testing.assert_allclose(p, t, rtol=1e-5, atol=2e-5)


def test_safe_softmax_and_masked_attention_match_torch():
    rng = np.random.default_rng(4)
    x_np = rng.normal(size=(2, 3, 5)).astype(np.float32)
    x_np[0, 1, :] = -np.inf
    x_np[1, 2, 1:3] = -np.inf
    xt, xp = torch.tensor(x_np, requires_grad=True), pl.tensor(x_np, requires_grad=True)
    yt, yp = torch._safe_softmax(xt, -1), pl._C._softmax_rows(xp, 2)
    assert type(yp.grad_fn).__name__ == type(yt.grad_fn).__name__
    np.testing.assert_allclose(arr(yp), arr(yt), rtol=1e-6, atol=1e-7)
    g = rng.normal(size=(2, 3, 5)).astype(np.float32)
    (yt * torch.tensor(g)).sum().backward()
    (yp * pl.tensor(g)).sum().backward()
    np.testing.assert_allclose(arr(xp.grad), arr(xt.grad), rtol=1e-6, atol=1e-7)
    # a query whose keys are all masked out gives zeros through scaled_dot_product_attention
    q, k, v = (rng.normal(size=(1, 2, 4, 8)).astype(np.float32) for _ in range(3))
    mask = np.ones((4, 4), dtype=bool)
    mask[2] = False
    ot = torch.nn.functional.scaled_dot_product_attention(
        *(torch.tensor(a) for a in (q, k, v)), attn_mask=torch.tensor(mask))
    op = plF.scaled_dot_product_attention(*(pl.tensor(a) for a in (q, k, v)),
                                          attn_mask=pl.tensor(mask))
    np.testing.assert_allclose(arr(op), arr(ot), rtol=1e-5, atol=1e-6)
    assert not np.isnan(arr(op)).any()


@pytest.mark.parametrize("n", [1, 311, 312, 313, 624, 1000, 5003])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bulk_bernoulli_draws_match_torch(n, dtype):
    torch.manual_seed(11)
    pl.manual_seed(11)
    for _ in range(3):  # successive calls continue the same stream
        t = torch.empty(n, dtype=getattr(torch, dtype)).bernoulli_(0.7)
        p = pl.empty(n, dtype=getattr(pl, dtype)).bernoulli_(0.7)
        np.testing.assert_array_equal(arr(p), arr(t))
    # and the word after them is the same too
    assert float(torch.rand(1)) == float(pl.rand(1))


def test_dropout_masks_match_torch_after_the_bulk_draws():
    torch.manual_seed(2)
    pl.manual_seed(2)
    x = np.random.default_rng(0).normal(size=(16, 64, 24)).astype(np.float32)
    yt = torch.nn.functional.dropout(torch.tensor(x), 0.1, True)
    yp = plF.dropout(pl.tensor(x), 0.1, True)
    np.testing.assert_array_equal(arr(yp), arr(yt))
    # a transposed input draws in its stride order (the element-by-element path)
    yt = torch.nn.functional.dropout(torch.tensor(x).transpose(0, 2), 0.3, True)
    yp = plF.dropout(pl.tensor(x).transpose(0, 2), 0.3, True)
    np.testing.assert_array_equal(arr(yp), arr(yt))


@pytest.mark.parametrize("rows", [1, 3, 4, 5])
def test_small_batch_linear_matches_torch(rows):
    torch.manual_seed(1)
    lin = torch.nn.Linear(257, 1031)
    x = torch.randn(rows, 257)
    y = pl.nn.functional.linear(pl.tensor(arr(x)), pl.tensor(arr(lin.weight)),
                                           pl.tensor(arr(lin.bias)))
    np.testing.assert_allclose(arr(y), arr(lin(x)), rtol=1e-4, atol=1e-4)
    assert tuple(y.shape) == (rows, 1031)


def grad_fn_chain(t, depth=3):
    names, f = [], t.grad_fn
    for _ in range(depth):
        if f is None:
            break
        names.append(type(f).__name__)
        nxt = [n for n, _ in f.next_functions
               if n is not None and type(n).__name__ != "AccumulateGrad"]
        f = nxt[0] if nxt else None
    return names


@pytest.mark.parametrize("contiguous", [True, False])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_on_3d_input_folds_into_one_product_as_torch(contiguous, bias):
    """A 3-D (e.g. transposed, as in batch_first attention) input: one mm, torch's grad_fns."""
    rng = np.random.default_rng(6)
    x_np, w_np = rng.normal(size=(4, 3, 5)), rng.normal(size=(6, 5))
    b_np, g_np = rng.normal(size=(6,)), rng.normal(size=(3, 4, 6) if not contiguous else (4, 3, 6))
    outs = []
    for lib in (torch, pl):
        x = lib.tensor(x_np, requires_grad=True)
        w = lib.tensor(w_np, requires_grad=True)
        b = lib.tensor(b_np, requires_grad=True) if bias else None
        y = lib.nn.functional.linear(x if contiguous else x.transpose(0, 1), w, b)
        y.backward(lib.tensor(g_np))
        outs.append((grad_fn_chain(y), [arr(y), arr(x.grad), arr(w.grad)]
                     + ([arr(b.grad)] if bias else [])))
    assert outs[0][0] == outs[1][0]
    for t, p in zip(outs[0][1], outs[1][1]):
        np.testing.assert_allclose(p, t, rtol=1e-12, atol=1e-12)
