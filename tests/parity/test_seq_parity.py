"""Sequence-model layers side by side with PyTorch: seeded init bit for bit, forward values,
gradients, state_dicts both ways, reprs and the exceptions bad input raises."""
import warnings

import numpy as np
import pytest

import pytorchlite as pl
import pytorchlite.nn as plnn
import pytorchlite.nn.functional as plF
from pytorchlite.nn.utils import rnn as pl_rnn

torch = pytest.importorskip("torch")
tnn = torch.nn
tF = torch.nn.functional
t_rnn = torch.nn.utils.rnn

RTOL, ATOL = 1e-5, 1e-6


def arr(t):
    return t.detach().numpy()


def close(a, b, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(arr(a), arr(b), rtol=rtol, atol=atol)


def both(seed, make_pl, make_torch):
    pl.manual_seed(seed)
    a = make_pl()
    torch.manual_seed(seed)
    b = make_torch()
    return a, b


def exc(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - type and message are what is compared
        # class paths name the package they live in; the rest must be identical
        return type(e).__name__, str(e).replace("pytorchlite.Tensor", "torch.Tensor")
    return None


def same_exc(pl_fn, torch_fn):
    got, want = exc(pl_fn), exc(torch_fn)
    assert want is not None
    assert got == want


def same_params(m, tm):
    names = [n for n, _ in m.named_parameters()]
    assert names == [n for n, _ in tm.named_parameters()]
    for (n, p), (_, q) in zip(m.named_parameters(), tm.named_parameters()):
        assert tuple(p.shape) == tuple(q.shape), n
        np.testing.assert_array_equal(arr(p), arr(q), err_msg=n)


def grads_close(m, tm, rtol=1e-4, atol=1e-5):
    for (n, p), (_, q) in zip(m.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=n)


# ------------------------------------------------------------------------------ Embedding
@pytest.mark.parametrize("kw", [dict(), dict(padding_idx=0), dict(padding_idx=-2),
                                dict(scale_grad_by_freq=True, padding_idx=3)])
def test_embedding_init_forward_backward(kw):
    m, tm = both(7, lambda: plnn.Embedding(10, 4, **kw), lambda: tnn.Embedding(10, 4, **kw))
    same_params(m, tm)
    assert repr(m) == repr(tm)
    idx = [[1, 3, 3, 8], [0, 3, 9, 1]]
    c = np.random.default_rng(0).normal(size=(2, 4, 4)).astype(np.float32)
    out, tout = m(pl.tensor(idx)), tm(torch.tensor(idx))
    close(out, tout)
    (out * pl.tensor(c)).sum().backward()
    (tout * torch.tensor(c)).sum().backward()
    close(m.weight.grad, tm.weight.grad)


def test_embedding_max_norm_matches_torch():
    w = np.random.default_rng(1).normal(size=(6, 3)).astype(np.float32) * 3
    m = plnn.Embedding.from_pretrained(pl.tensor(w), freeze=False, max_norm=1.5, norm_type=3.0)
    tm = tnn.Embedding.from_pretrained(torch.tensor(w), freeze=False, max_norm=1.5,
                                       norm_type=3.0)
    assert repr(m) == repr(tm)
    idx = [4, 0, 4, 2]
    out, tout = m(pl.tensor(idx)), tm(torch.tensor(idx))
    close(out, tout)
    close(m.weight, tm.weight)


def test_embedding_reprs_and_errors():
    for args, kw in [((10, 3), dict(padding_idx=0)), ((5, 2), dict(sparse=True)),
                     ((5, 2), dict(max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True))]:
        assert repr(plnn.Embedding(*args, **kw)) == repr(tnn.Embedding(*args, **kw))
    same_exc(lambda: plnn.Embedding(10, 3)(pl.tensor([10])),
             lambda: tnn.Embedding(10, 3)(torch.tensor([10])))
    same_exc(lambda: plnn.Embedding(10, 3)(pl.tensor([1.0])),
             lambda: tnn.Embedding(10, 3)(torch.tensor([1.0])))
    same_exc(lambda: plnn.Embedding(10, 3, padding_idx=-11),
             lambda: tnn.Embedding(10, 3, padding_idx=-11))


def test_embedding_state_dict_both_ways():
    m, tm = plnn.Embedding(6, 2, padding_idx=1), tnn.Embedding(6, 2, padding_idx=1)
    tm.load_state_dict({k: torch.tensor(arr(v)) for k, v in m.state_dict().items()})
    close(m.weight, tm.weight)
    tm2 = tnn.Embedding(6, 2)
    m.load_state_dict({k: pl.tensor(v.detach().numpy()) for k, v in tm2.state_dict().items()})
    close(m.weight, tm2.weight)


# ------------------------------------------------------------------------------ norms
@pytest.mark.parametrize("shape,norm", [((4, 8), (8,)), ((2, 3, 4), (3, 4)), ((5,), (5,))])
def test_layer_norm_and_rms_norm_against_torch(shape, norm):
    g = np.random.default_rng(2)
    x = g.normal(size=shape).astype(np.float32) * 3 + 1
    c = g.normal(size=shape).astype(np.float32)
    for make, tmake in [(lambda: plnn.LayerNorm(norm), lambda: tnn.LayerNorm(norm)),
                        (lambda: plnn.LayerNorm(norm, bias=False),
                         lambda: tnn.LayerNorm(norm, bias=False)),
                        (lambda: plnn.RMSNorm(norm), lambda: tnn.RMSNorm(norm)),
                        (lambda: plnn.RMSNorm(norm, eps=1e-3),
                         lambda: tnn.RMSNorm(norm, eps=1e-3))]:
        m, tm = make(), tmake()
        assert repr(m) == repr(tm)
        w = g.normal(size=norm).astype(np.float32)
        with pl.no_grad():
            m.weight.copy_(pl.tensor(w))
        with torch.no_grad():
            tm.weight.copy_(torch.tensor(w))
        xp, xt = pl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, tout = m(xp), tm(xt)
        close(out, tout)
        (out * pl.tensor(c)).sum().backward()
        (tout * torch.tensor(c)).sum().backward()
        close(xp.grad, xt.grad, rtol=1e-4, atol=1e-5)
        grads_close(m, tm)
        assert list(m.state_dict()) == list(tm.state_dict())


def test_functional_norms_and_errors():
    x = np.random.default_rng(3).normal(size=(3, 6)).astype(np.float32)
    close(plF.layer_norm(pl.tensor(x), (6,)), tF.layer_norm(torch.tensor(x), (6,)))
    close(plF.rms_norm(pl.tensor(x), [6]), tF.rms_norm(torch.tensor(x), [6]))
    same_exc(lambda: plF.layer_norm(pl.tensor(x), (5,)),
             lambda: tF.layer_norm(torch.tensor(x), (5,)))
    assert repr(plnn.LayerNorm(8, elementwise_affine=False)) == \
        repr(tnn.LayerNorm(8, elementwise_affine=False))


# ------------------------------------------------------------------------------ recurrences
RNN_CASES = [
    ("LSTM", dict()),
    ("LSTM", dict(num_layers=2, bidirectional=True)),
    ("LSTM", dict(proj_size=3, num_layers=2, batch_first=True)),
    ("LSTM", dict(bias=False, bidirectional=True, proj_size=2)),
    ("GRU", dict(num_layers=2, bidirectional=True, batch_first=True)),
    ("GRU", dict(bias=False)),
    ("RNN", dict(nonlinearity="relu", num_layers=2)),
    ("RNN", dict(bidirectional=True, num_layers=3)),
]


def _run_pair(m, tm, x, hx=None):
    if hx is None:
        return m(pl.tensor(x)), tm(torch.tensor(x))
    if isinstance(hx, tuple):
        return (m(pl.tensor(x), tuple(pl.tensor(h) for h in hx)),
                tm(torch.tensor(x), tuple(torch.tensor(h) for h in hx)))
    return m(pl.tensor(x), pl.tensor(hx)), tm(torch.tensor(x), torch.tensor(hx))


def _flat(h):
    return list(h) if isinstance(h, tuple) else [h]


@pytest.mark.parametrize("name,kw", RNN_CASES)
def test_recurrent_layers_against_torch(name, kw):
    warnings.simplefilter("ignore", UserWarning)  # torch: projections not in oneDNN
    m, tm = both(11, lambda: getattr(plnn, name)(5, 6, **kw),
                 lambda: getattr(tnn, name)(5, 6, **kw))
    same_params(m, tm)
    assert repr(m) == repr(tm)
    g = np.random.default_rng(4)
    x = g.normal(size=(3, 4, 5)).astype(np.float32)
    layers = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    h_out = kw.get("proj_size", 0) or 6
    h0 = g.normal(size=(layers, 3 if kw.get("batch_first") else 4, h_out)).astype(np.float32)
    hx = h0
    if name == "LSTM":
        hx = (h0, g.normal(size=h0.shape[:2] + (6,)).astype(np.float32))
    for state in (None, hx):
        (out, h), (tout, th) = _run_pair(m, tm, x, state)
        assert tuple(out.shape) == tuple(tout.shape)
        close(out, tout)
        for a, b in zip(_flat(h), _flat(th)):
            close(a, b)
    loss = (out * out).sum() + sum(a.sum() for a in _flat(h))
    tloss = (tout * tout).sum() + sum(b.sum() for b in _flat(th))
    loss.backward()
    tloss.backward()
    grads_close(m, tm)


@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
def test_state_dict_both_ways(name):
    kw = dict(num_layers=2, bidirectional=True)
    m, tm = getattr(plnn, name)(3, 4, **kw), getattr(tnn, name)(3, 4, **kw)
    sd = m.state_dict()
    assert list(sd) == list(tm.state_dict())
    tm.load_state_dict({k: torch.tensor(arr(v)) for k, v in sd.items()})
    x = np.random.default_rng(5).normal(size=(2, 3, 3)).astype(np.float32)
    (out, _), (tout, _) = _run_pair(m, tm, x)
    close(out, tout)
    tm2 = getattr(tnn, name)(3, 4, **kw)
    m.load_state_dict({k: pl.tensor(v.detach().numpy()) for k, v in tm2.state_dict().items()})
    (out, _), (tout, _) = _run_pair(m, tm2, x)
    close(out, tout)


def test_dropout_between_layers_follows_torch_stream_and_eval():
    m, tm = both(1, lambda: plnn.LSTM(3, 6, num_layers=3, dropout=0.5),
                 lambda: tnn.LSTM(3, 6, num_layers=3, dropout=0.5))
    x = np.random.default_rng(6).normal(size=(4, 2, 3)).astype(np.float32)
    pl.manual_seed(5)
    torch.manual_seed(5)
    (out, _), (tout, _) = _run_pair(m, tm, x)
    close(out, tout)
    m.eval()
    tm.eval()
    (out, _), (tout, _) = _run_pair(m, tm, x)
    close(out, tout)


def test_unbatched_input_against_torch():
    for bf in (False, True):
        m, tm = both(2, lambda: plnn.GRU(5, 4, num_layers=2, batch_first=bf),
                     lambda: tnn.GRU(5, 4, num_layers=2, batch_first=bf))
        x = np.random.default_rng(7).normal(size=(3, 5)).astype(np.float32)
        h0 = np.random.default_rng(8).normal(size=(2, 4)).astype(np.float32)
        (out, h), (tout, th) = _run_pair(m, tm, x, h0)
        assert tuple(out.shape) == tuple(tout.shape) and tuple(h.shape) == tuple(th.shape)
        close(out, tout)
        close(h, th)


@pytest.mark.parametrize("name,kw", [("LSTMCell", {}), ("GRUCell", {}), ("RNNCell", {}),
                                     ("RNNCell", dict(nonlinearity="relu", bias=False))])
def test_cells_against_torch(name, kw):
    m, tm = both(3, lambda: getattr(plnn, name)(5, 4, **kw),
                 lambda: getattr(tnn, name)(5, 4, **kw))
    same_params(m, tm)
    assert repr(m) == repr(tm)
    g = np.random.default_rng(9)
    x = g.normal(size=(3, 5)).astype(np.float32)
    h = g.normal(size=(3, 4)).astype(np.float32)
    hx = (h, h * 0.5) if name == "LSTMCell" else h
    for state in (None, hx):
        (out), (tout) = _run_pair(m, tm, x, state)
        for a, b in zip(_flat(out), _flat(tout)):
            close(a, b)
    sum(a.sum() for a in _flat(out)).backward()
    sum(b.sum() for b in _flat(tout)).backward()
    grads_close(m, tm)
    one, tone = m(pl.tensor(x[0])), tm(torch.tensor(x[0]))  # unbatched
    for a, b in zip(_flat(one), _flat(tone)):
        assert tuple(a.shape) == tuple(b.shape)
        close(a, b)


def test_recurrent_reprs():
    for name, args, kw in [("LSTM", (10, 20), dict(num_layers=2, batch_first=True)),
                           ("LSTM", (10, 20), dict(proj_size=5, dropout=0.25, num_layers=2)),
                           ("GRU", (3, 4), dict(bias=False, bidirectional=True)),
                           ("RNN", (3, 4), dict(nonlinearity="relu")),
                           ("LSTMCell", (10, 20), {}),
                           ("RNNCell", (3, 4), dict(bias=False, nonlinearity="relu"))]:
        assert repr(getattr(plnn, name)(*args, **kw)) == repr(getattr(tnn, name)(*args, **kw))


def test_recurrent_bad_input_matches_torch():
    warnings.simplefilter("ignore", UserWarning)
    cases = [
        ("LSTM", (10, 20, 2), lambda T: (T.randn(5, 3, 7),)),
        ("LSTM", (10, 20, 2), lambda T: (T.randn(5, 3, 10), (T.zeros(1, 3, 20),
                                                             T.zeros(2, 3, 20)))),
        ("LSTM", (10, 20, 2), lambda T: (T.randn(5, 3, 10), (T.zeros(2, 3, 20),
                                                             T.zeros(2, 4, 20)))),
        ("LSTM", (10, 20, 2), lambda T: (T.randn(5, 3, 10), (T.zeros(2, 3, 20),
                                                             T.zeros(3, 20)))),
        ("LSTM", (10, 20), lambda T: (T.randn(2, 5, 3, 10),)),
        ("GRU", (10, 20), lambda T: (T.randn(5, 3, 10), T.zeros(1, 4, 20))),
        ("GRU", (10, 20), lambda T: (T.randn(5, 3, 10), T.zeros(3, 20))),
        ("RNN", (10, 20), lambda T: (T.randn(5, 10), T.zeros(1, 3, 20))),
        ("LSTMCell", (10, 20), lambda T: (T.randn(5, 3, 10),)),
        ("LSTMCell", (10, 20), lambda T: (T.randn(3, 7),)),
        ("GRUCell", (10, 20), lambda T: (T.randn(3, 10), T.zeros(4, 20))),
    ]
    for name, args, make in cases:
        m, tm = getattr(plnn, name)(*args), getattr(tnn, name)(*args)
        same_exc(lambda: m(*make(pl)), lambda: tm(*make(torch)))
    for kw in [dict(proj_size=20), dict(dropout=1.5), dict(num_layers=0)]:
        same_exc(lambda: plnn.LSTM(10, 20, **kw), lambda: tnn.LSTM(10, 20, **kw))
    same_exc(lambda: plnn.RNN(3, 4, nonlinearity="x"), lambda: tnn.RNN(3, 4, nonlinearity="x"))
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        plnn.GRU(3, 4, dropout=0.5)
    with warnings.catch_warnings(record=True) as want:
        warnings.simplefilter("always")
        tnn.GRU(3, 4, dropout=0.5)
    assert [str(w.message) for w in got] == [str(w.message) for w in want]


# ------------------------------------------------------------------------------ packing
@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_sequences_against_torch(name, enforce_sorted):
    kw = dict(num_layers=2, bidirectional=True)
    m, tm = both(12, lambda: getattr(plnn, name)(3, 5, **kw),
                 lambda: getattr(tnn, name)(3, 5, **kw))
    g = np.random.default_rng(10)
    x = g.normal(size=(4, 5, 3)).astype(np.float32)
    lengths = [5, 4, 4, 2] if enforce_sorted else [3, 5, 1, 4]
    p = pl_rnn.pack_padded_sequence(pl.tensor(x), lengths, batch_first=True,
                                    enforce_sorted=enforce_sorted)
    tp = t_rnn.pack_padded_sequence(torch.tensor(x), lengths, batch_first=True,
                                    enforce_sorted=enforce_sorted)
    close(p.data, tp.data)
    assert p.batch_sizes.tolist() == tp.batch_sizes.tolist()
    for a, b in [(p.sorted_indices, tp.sorted_indices),
                 (p.unsorted_indices, tp.unsorted_indices)]:
        assert (a is None and b is None) or a.tolist() == b.tolist()
    h0 = g.normal(size=(4, 4, 5)).astype(np.float32)
    hx = (h0, h0 * 2) if name == "LSTM" else h0
    if name == "LSTM":
        out, h = m(p, tuple(pl.tensor(v) for v in hx))
        tout, th = tm(tp, tuple(torch.tensor(v) for v in hx))
    else:
        out, h = m(p, pl.tensor(hx))
        tout, th = tm(tp, torch.tensor(hx))
    assert isinstance(out, pl_rnn.PackedSequence)
    close(out.data, tout.data)
    for a, b in zip(_flat(h), _flat(th)):
        close(a, b)
    pad, lens = pl_rnn.pad_packed_sequence(out, batch_first=True, padding_value=-2.0,
                                           total_length=6)
    tpad, tlens = t_rnn.pad_packed_sequence(tout, batch_first=True, padding_value=-2.0,
                                            total_length=6)
    close(pad, tpad)
    assert lens.tolist() == tlens.tolist()
    (pad.sum() + _flat(h)[-1].sum()).backward()
    (tpad.sum() + _flat(th)[-1].sum()).backward()
    grads_close(m, tm)


def test_pad_and_pack_helpers_against_torch():
    g = np.random.default_rng(11)
    seqs = [g.normal(size=(n, 2)).astype(np.float32) for n in (4, 2, 3)]
    for kw in [dict(), dict(batch_first=True, padding_value=-1.0), dict(padding_side="left")]:
        close(pl_rnn.pad_sequence([pl.tensor(s) for s in seqs], **kw),
              t_rnn.pad_sequence([torch.tensor(s) for s in seqs], **kw))
    p = pl_rnn.pack_sequence([pl.tensor(s) for s in seqs], enforce_sorted=False)
    tp = t_rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    close(p.data, tp.data)
    assert p.batch_sizes.tolist() == tp.batch_sizes.tolist()
    same_exc(lambda: pl_rnn.pack_sequence([pl.tensor(s) for s in seqs]),
             lambda: t_rnn.pack_sequence([torch.tensor(s) for s in seqs]))
    same_exc(lambda: pl_rnn.pad_packed_sequence(p, total_length=3),
             lambda: t_rnn.pad_packed_sequence(tp, total_length=3))
    same_exc(lambda: pl_rnn.pad_sequence([pl.tensor(s) for s in seqs], padding_side="mid"),
             lambda: t_rnn.pad_sequence([torch.tensor(s) for s in seqs], padding_side="mid"))
    assert p.to(pl.float64).data.dtype == pl.float64


# ------------------------------------------------------------------------------ EmbeddingBag
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("kw", [dict(), dict(padding_idx=2), dict(padding_idx=-1),
                                dict(include_last_offset=True)])
def test_embedding_bag_against_torch(mode, kw):
    m, tm = both(13, lambda: plnn.EmbeddingBag(6, 3, mode=mode, **kw),
                 lambda: tnn.EmbeddingBag(6, 3, mode=mode, **kw))
    same_params(m, tm)
    assert repr(m) == repr(tm)
    idx = [1, 2, 2, 5, 0, 3, 2, 5]
    # include_last_offset: the last offset closes the last bag at the input's end
    off = [0, 3, 3, 5, 8] if kw.get("include_last_offset") else [0, 3, 3, 5]
    out, tout = m(pl.tensor(idx), pl.tensor(off)), tm(torch.tensor(idx), torch.tensor(off))
    close(out, tout)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    grads_close(m, tm)
    two = [[1, 2, 5], [5, 5, 0]]  # 2-D input: fixed-size bags
    close(m(pl.tensor(two)), tm(torch.tensor(two)))


def test_embedding_bag_per_sample_weights_and_errors():
    m, tm = both(14, lambda: plnn.EmbeddingBag(5, 2, mode="sum"),
                 lambda: tnn.EmbeddingBag(5, 2, mode="sum"))
    psw = np.random.default_rng(12).normal(size=(2, 3)).astype(np.float32)
    pp, tp = pl.tensor(psw, requires_grad=True), torch.tensor(psw, requires_grad=True)
    idx = [[1, 2, 3], [4, 4, 0]]
    out, tout = m(pl.tensor(idx), per_sample_weights=pp), tm(torch.tensor(idx),
                                                             per_sample_weights=tp)
    close(out, tout)
    out.sum().backward()
    tout.sum().backward()
    close(pp.grad, tp.grad)
    grads_close(m, tm)
    w = np.ones((5, 2), dtype=np.float32)
    cases = [
        (lambda T: (T.tensor([1, 2]),), {}),
        (lambda T: (T.tensor([[1, 2]]), T.tensor([0])), {}),
        (lambda T: (T.tensor([[[1, 2]]]),), {}),
        (lambda T: (T.tensor([1, 2]), T.tensor([0])), dict(mode="x")),
        (lambda T: (T.tensor([1, 2]), T.tensor([0])), dict(per_sample_weights="ones")),
        (lambda T: (T.tensor([1, 7]), T.tensor([0])), {}),
        (lambda T: (T.tensor([1, 2]), T.tensor([0, 3])), {}),
        (lambda T: (T.tensor([1, 2]), T.tensor([[0]])), {}),
    ]
    for make, kw in cases:
        def call(T, F, make=make, kw=kw):
            kw = dict(kw)
            if kw.get("per_sample_weights") == "ones":
                kw["per_sample_weights"] = T.ones(2)
            return F.embedding_bag(*make(T)[:1], T.tensor(w), *make(T)[1:], **kw)
        same_exc(lambda: call(pl, plF), lambda: call(torch, tF))
    got, want = exc(lambda: plF.embedding_bag(pl.tensor([1, 2]), pl.tensor(w), pl.tensor([1]))), \
        exc(lambda: tF.embedding_bag(torch.tensor([1, 2]), torch.tensor(w), torch.tensor([1])))
    assert got[0] == want[0] and want[1].startswith(got[1])


def test_empty_lookups_and_packed_hidden_errors():
    assert tuple(plnn.Embedding(4, 2)(pl.tensor([[]], dtype=pl.int64)).shape) == \
        tuple(tnn.Embedding(4, 2)(torch.tensor([[]], dtype=torch.int64)).shape)
    close(plnn.EmbeddingBag(4, 2)(pl.tensor([], dtype=pl.int64), pl.tensor([0])),
          tnn.EmbeddingBag(4, 2)(torch.tensor([], dtype=torch.int64), torch.tensor([0])))
    seqs = [np.ones((3, 2), np.float32), np.ones((2, 2), np.float32)]
    p = pl_rnn.pack_sequence([pl.tensor(s) for s in seqs])
    tp = t_rnn.pack_sequence([torch.tensor(s) for s in seqs])
    m, tm = plnn.RNN(2, 3), tnn.RNN(2, 3)
    for shape in [(2, 3), (1, 1, 2, 3), (1, 3, 3)]:
        same_exc(lambda: m(p, pl.zeros(shape)), lambda: tm(tp, torch.zeros(shape)))


def test_embedding_bag_scale_grad_by_freq_and_max_norm_against_torch():
    """Values and max_norm against torch's embedding_bag; the frequency-scaled gradient
    against torch's embedding summed per bag (its documented meaning: torch 2.13's CPU
    embedding_bag backward divides some rows by another index's count)."""
    kw = dict(mode="sum", scale_grad_by_freq=True, max_norm=1.0)
    m, tm = both(15, lambda: plnn.EmbeddingBag(6, 3, **kw), lambda: tnn.EmbeddingBag(6, 3, **kw))
    idx, off = [1, 1, 4, 1, 0], [0, 2]
    out, tout = m(pl.tensor(idx), pl.tensor(off)), tm(torch.tensor(idx), torch.tensor(off))
    close(out, tout)
    close(m.weight, tm.weight)
    (out * out).sum().backward()
    w = tm.weight.detach().clone().requires_grad_(True)
    rows = tF.embedding(torch.tensor(idx), w, scale_grad_by_freq=True)
    ref = torch.stack([rows[:2].sum(0), rows[2:].sum(0)])
    (ref * ref).sum().backward()
    close(m.weight.grad, w.grad)
