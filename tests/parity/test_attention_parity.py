"""Attention and transformer layers side by side with PyTorch: seeded init bit for bit, forward
values and gradients, dropout streams, reprs, state_dicts both ways, bad-input exceptions."""
import warnings

import numpy as np
import pytest

import pytorchlite as pl
import pytorchlite.nn as plnn
import pytorchlite.nn.functional as plF

torch = pytest.importorskip("torch")
tnn = torch.nn
tF = torch.nn.functional

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


def same_params(m, tm):
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]
    for (n, p), (_, q) in zip(m.named_parameters(), tm.named_parameters()):
        np.testing.assert_array_equal(arr(p), arr(q), err_msg=n)


def exc(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - type and message are what is compared
        return type(e).__name__, str(e)
    return None


def same_exc(pl_fn, torch_fn):
    want = exc(torch_fn)
    assert want is not None
    assert exc(pl_fn) == want


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def pair(x, grad=False):
    return (pl.tensor(x, requires_grad=grad), torch.tensor(x, requires_grad=grad))


# ------------------------------------------------------------ scaled_dot_product_attention
@pytest.mark.parametrize("kw", [{}, {"is_causal": True}, {"scale": 0.3}, {"scale": -0.5},
                                {"mask": "bool"}, {"mask": "float"}])
def test_sdpa_values_and_gradients(kw):
    kw = dict(kw)
    (q, tq), (k, tk), (v, tv) = (pair(rand(2, 3, 4, 8, seed=1), True),
                                 pair(rand(2, 3, 5, 8, seed=2), True),
                                 pair(rand(2, 3, 5, 6, seed=3), True))
    mask = kw.pop("mask", None)
    if mask == "bool":
        m = np.random.default_rng(4).random((4, 5)) > 0.3
        m[:, 0] = True
        kw["attn_mask"] = (pl.tensor(m), torch.tensor(m))
    elif mask == "float":
        kw["attn_mask"] = pair(rand(3, 4, 5, seed=5))
    pk = {n: (v_[0] if isinstance(v_, tuple) else v_) for n, v_ in kw.items()}
    tk_ = {n: (v_[1] if isinstance(v_, tuple) else v_) for n, v_ in kw.items()}
    a = plF.scaled_dot_product_attention(q, k, v, **pk)
    b = tF.scaled_dot_product_attention(tq, tk, tv, **tk_)
    close(a, b)
    (a * a).sum().backward()
    (b * b).sum().backward()
    for x, y in ((q, tq), (k, tk), (v, tv)):
        close(x.grad, y.grad, rtol=1e-4, atol=1e-5)


def test_sdpa_dropout_draws_as_torch():
    q, tq = pair(rand(2, 2, 4, 8, seed=1))
    pl.manual_seed(3)
    torch.manual_seed(3)
    a = plF.scaled_dot_product_attention(q, q, q, dropout_p=0.4)
    b = tF.scaled_dot_product_attention(tq, tq, tq, dropout_p=0.4)
    np.testing.assert_array_equal(arr(a) == 0, arr(b) == 0)
    close(a, b)


def test_sdpa_fully_masked_row_is_zero_as_torch():
    q, tq = pair(rand(1, 3, 4))
    m = np.ones((3, 3), dtype=bool)
    m[1] = False
    a = plF.scaled_dot_product_attention(q, q, q, attn_mask=pl.tensor(m))
    b = tF.scaled_dot_product_attention(tq, tq, tq, attn_mask=torch.tensor(m))
    close(a, b)


def test_sdpa_causal_with_mask_raises_as_torch():
    q, tq = pair(rand(1, 3, 4))
    m = np.ones((3, 3), dtype=bool)
    same_exc(lambda: plF.scaled_dot_product_attention(q, q, q, pl.tensor(m), is_causal=True),
             lambda: tF.scaled_dot_product_attention(tq, tq, tq, torch.tensor(m),
                                                     is_causal=True))


# ------------------------------------------------------------------- MultiheadAttention
MHA_CASES = [{}, {"bias": False}, {"add_bias_kv": True}, {"add_zero_attn": True},
             {"kdim": 5, "vdim": 3}, {"batch_first": True}]


@pytest.mark.parametrize("kw", MHA_CASES)
def test_mha_init_repr_and_state_dict(kw):
    m, tm = both(0, lambda: plnn.MultiheadAttention(8, 2, **kw),
                 lambda: tnn.MultiheadAttention(8, 2, **kw))
    same_params(m, tm)
    assert repr(m) == repr(tm)
    assert list(m.state_dict()) == list(tm.state_dict())
    m2, tm2 = both(5, lambda: plnn.MultiheadAttention(8, 2, **kw),
                   lambda: tnn.MultiheadAttention(8, 2, **kw))
    tm2.load_state_dict({k: torch.tensor(arr(v)) for k, v in m.state_dict().items()})
    m2.load_state_dict({k: pl.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    same_params(m2, tm2)


@pytest.mark.parametrize("kw", MHA_CASES)
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("masks", ["none", "kpm", "both_bool", "float3d"])
def test_mha_forward_and_gradients(kw, need_weights, masks):
    m, tm = both(0, lambda: plnn.MultiheadAttention(8, 2, **kw),
                 lambda: tnn.MultiheadAttention(8, 2, **kw))
    bf = kw.get("batch_first", False)
    shp = (lambda L, d: (3, L, d)) if bf else (lambda L, d: (L, 3, d))
    q, tq = pair(rand(*shp(4, 8), seed=1), True)
    k, tk = pair(rand(*shp(5, kw.get("kdim", 8)), seed=2), True)
    v, tv = pair(rand(*shp(5, kw.get("vdim", 8)), seed=3))
    extra = 1 if kw.get("add_bias_kv") or kw.get("add_zero_attn") else 0
    g = np.random.default_rng(7)
    pk, tk_ = {}, {}
    if masks in ("kpm", "both_bool"):
        kpm = g.random((3, 5)) < 0.3
        kpm[:, 0] = False
        pk["key_padding_mask"], tk_["key_padding_mask"] = pl.tensor(kpm), torch.tensor(kpm)
    if masks == "both_bool":
        am = g.random((4, 5)) < 0.2
        am[:, 0] = False
        pk["attn_mask"], tk_["attn_mask"] = pl.tensor(am), torch.tensor(am)
    if masks == "float3d":
        pk["attn_mask"], tk_["attn_mask"] = pair(rand(6, 4, 5, seed=8))
    del extra
    a, wa = m(q, k, v, need_weights=need_weights, **pk)
    b, wb = tm(tq, tk, tv, need_weights=need_weights, **tk_)
    close(a, b)
    assert (wa is None) == (wb is None)
    if wb is not None:
        close(wa, wb)
    (a * a).sum().backward()
    (b * b).sum().backward()
    close(q.grad, tq.grad, rtol=1e-4, atol=1e-5)
    for (n, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters()):
        close(p.grad, tp.grad, rtol=1e-4, atol=1e-5)


def test_mha_unbatched_per_head_weights_and_causal():
    m, tm = both(0, lambda: plnn.MultiheadAttention(8, 2), lambda: tnn.MultiheadAttention(8, 2))
    x, tx = pair(rand(4, 8))
    a, wa = m(x, x, x, average_attn_weights=False)
    b, wb = tm(tx, tx, tx, average_attn_weights=False)
    close(a, b)
    close(wa, wb)
    mask = plnn.Transformer.generate_square_subsequent_mask(4)
    tmask = tnn.Transformer.generate_square_subsequent_mask(4)
    for nw in (True, False):
        close(m(x, x, x, attn_mask=mask, is_causal=True, need_weights=nw)[0],
              tm(tx, tx, tx, attn_mask=tmask, is_causal=True, need_weights=nw)[0])


def test_mha_dropout_draws_as_torch():
    m, tm = both(0, lambda: plnn.MultiheadAttention(8, 2, dropout=0.5),
                 lambda: tnn.MultiheadAttention(8, 2, dropout=0.5))
    x, tx = pair(rand(4, 3, 8))
    for nw in (True, False):
        pl.manual_seed(1)
        torch.manual_seed(1)
        close(m(x, x, x, need_weights=nw)[0], tm(tx, tx, tx, need_weights=nw)[0])


def test_mha_bad_input_as_torch():
    same_exc(lambda: plnn.MultiheadAttention(8, 3), lambda: tnn.MultiheadAttention(8, 3))
    same_exc(lambda: plnn.MultiheadAttention(0, 3), lambda: tnn.MultiheadAttention(0, 3))
    m, tm = both(0, lambda: plnn.MultiheadAttention(8, 2), lambda: tnn.MultiheadAttention(8, 2))
    x, tx = pair(rand(4, 3, 8))
    y, ty = pair(rand(4, 3, 6))
    u, tu = pair(rand(4, 8))
    for bad, tbad in [(pl.zeros(3, 3), torch.zeros(3, 3)),
                      (pl.zeros(5, 4, 4), torch.zeros(5, 4, 4)),
                      (pl.zeros(1, 1, 4, 4), torch.zeros(1, 1, 4, 4)),
                      (pl.zeros(4, 4, dtype=pl.int64), torch.zeros(4, 4, dtype=torch.int64))]:
        same_exc(lambda: m(x, x, x, attn_mask=bad), lambda: tm(tx, tx, tx, attn_mask=tbad))
    same_exc(lambda: m(x, x, x, key_padding_mask=pl.zeros(3, 5, dtype=pl.bool)),
             lambda: tm(tx, tx, tx, key_padding_mask=torch.zeros(3, 5, dtype=torch.bool)))
    same_exc(lambda: m(y, y, y), lambda: tm(ty, ty, ty))
    same_exc(lambda: m(x, u, u), lambda: tm(tx, tu, tu))
    same_exc(lambda: m(u, x, x), lambda: tm(tu, tx, tx))
    same_exc(lambda: m(x, x, x, is_causal=True), lambda: tm(tx, tx, tx, is_causal=True))


# --------------------------------------------------------------------------- transformers
ENC_CASES = [{}, {"norm_first": True, "activation": "gelu"}, {"bias": False},
             {"batch_first": True}]


@pytest.mark.filterwarnings("ignore:Support for mismatched src_key_padding_mask")
@pytest.mark.parametrize("kw", ENC_CASES)
def test_encoder_layer_and_stack(kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m, tm = both(0, lambda: plnn.TransformerEncoder(
            plnn.TransformerEncoderLayer(8, 2, 16, **kw), 2, norm=plnn.LayerNorm(8)),
            lambda: tnn.TransformerEncoder(
                tnn.TransformerEncoderLayer(8, 2, 16, **kw), 2, norm=tnn.LayerNorm(8)))
    same_params(m, tm)
    assert repr(m) == repr(tm)
    x, tx = pair(rand(5, 5, 8), True)
    mask, tmask = (plnn.Transformer.generate_square_subsequent_mask(5),
                   tnn.Transformer.generate_square_subsequent_mask(5))
    kpm = np.zeros((5, 5), dtype=bool)
    kpm[1, 3:] = True
    for train in (False, True):
        m.train(train)
        tm.train(train)
        pl.manual_seed(2)
        torch.manual_seed(2)
        a = m(x, mask=mask, src_key_padding_mask=pl.tensor(kpm))
        b = tm(tx, mask=tmask, src_key_padding_mask=torch.tensor(kpm))
        close(a, b, rtol=1e-5, atol=1e-5)
    a.sum().backward()
    b.sum().backward()
    close(x.grad, tx.grad, rtol=1e-4, atol=1e-4)


def test_encoder_nested_tensor_warning_as_torch():
    msgs = []
    for lib in (plnn, tnn):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.TransformerEncoder(lib.TransformerEncoderLayer(8, 2, 16), 2)
        msgs.append([str(x.message) for x in w])
    assert msgs[0] == msgs[1] and msgs[0]


def test_transformer_init_values_and_gradients():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m, tm = both(0, lambda: plnn.Transformer(8, 2, 2, 2, 16),
                     lambda: tnn.Transformer(8, 2, 2, 2, 16))
    same_params(m, tm)
    assert repr(m) == repr(tm)
    src, tsrc = pair(rand(5, 3, 8, seed=1))
    tgt, ttgt = pair(rand(4, 3, 8, seed=2))
    pl.manual_seed(1)
    torch.manual_seed(1)
    a = m(src, tgt, tgt_mask=m.generate_square_subsequent_mask(4))
    b = tm(tsrc, ttgt, tgt_mask=tm.generate_square_subsequent_mask(4))
    close(a, b, atol=1e-5)
    a.sum().backward()
    b.sum().backward()
    for (n, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters()):
        close(p.grad, tp.grad, rtol=1e-4, atol=1e-5)
    sd = {k: torch.tensor(arr(v)) for k, v in m.state_dict().items()}
    tm.load_state_dict(sd)
    same_exc(lambda: m(src, tgt[:, :2]), lambda: tm(tsrc, ttgt[:, :2]))
    same_exc(lambda: m(src[..., :4], tgt), lambda: tm(tsrc[..., :4], ttgt))


def test_square_subsequent_mask_repr_as_torch():
    assert repr(plnn.Transformer.generate_square_subsequent_mask(4)) == \
        repr(tnn.Transformer.generate_square_subsequent_mask(4))


def test_bad_activation_as_torch():
    same_exc(lambda: plnn.TransformerEncoderLayer(8, 2, activation="tanh"),
             lambda: tnn.TransformerEncoderLayer(8, 2, activation="tanh"))


@pytest.mark.parametrize("view", ["t01", "perm201", "slice", "t01_inplace"])
def test_dropout_on_strided_input_draws_in_storage_order_as_torch(view):
    """Regression: dropout on a transposed tensor (batch_first attention's output) drew its
    mask in logical order; PyTorch's empty_like keeps the stride order."""
    x, tx = pair(rand(5, 4, 3) + 5)
    make = {"t01": lambda t: t.transpose(0, 1), "perm201": lambda t: t.permute(2, 0, 1),
            "slice": lambda t: t.transpose(0, 1)[:, 1:], "t01_inplace": lambda t:
            t.transpose(0, 1)}[view]
    pl.manual_seed(1)
    torch.manual_seed(1)
    inplace = view.endswith("inplace")
    a = plF.dropout(make(x.clone()), 0.5, inplace=inplace)
    b = tF.dropout(make(tx.clone()), 0.5, inplace=inplace)
    np.testing.assert_array_equal(arr(a), arr(b))


def test_mismatched_mask_types_warn_as_torch():
    msgs = []
    for lib, mk in ((plnn, pl), (tnn, torch)):
        mk.manual_seed(0)
        m = lib.MultiheadAttention(8, 2)
        x = mk.ones(4, 3, 8)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m(x, x, x, key_padding_mask=mk.zeros(3, 4, dtype=mk.bool), attn_mask=mk.zeros(4, 4))
        msgs.append([str(x.message) for x in w])
    assert msgs[0] == msgs[1] and msgs[0]


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_eval_no_grad_matches_torch_fast_path(need_weights):
    m, tm = both(0, lambda: plnn.MultiheadAttention(8, 2, batch_first=True),
                 lambda: tnn.MultiheadAttention(8, 2, batch_first=True))
    m.eval()
    tm.eval()
    x, tx = pair(rand(3, 4, 8))
    kpm = np.zeros((3, 4), dtype=bool)
    kpm[0, 2:] = True
    with pl.no_grad(), torch.no_grad():
        a, wa = m(x, x, x, key_padding_mask=pl.tensor(kpm), need_weights=need_weights)
        b, wb = tm(tx, tx, tx, key_padding_mask=torch.tensor(kpm), need_weights=need_weights)
    close(a, b)
    assert (wa is None) == (wb is None)
    if wb is not None:
        close(wa, wb)


def test_sdpa_grouped_query_heads_as_torch():
    (q, tq), (k, tk), (v, tv) = (pair(rand(2, 4, 3, 8, seed=1), True),
                                 pair(rand(2, 2, 5, 8, seed=2), True),
                                 pair(rand(2, 1, 5, 6, seed=3), True))
    a = plF.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    b = tF.scaled_dot_product_attention(tq, tk, tv, enable_gqa=True)
    close(a, b)
    a.sum().backward()
    b.sum().backward()
    close(k.grad, tk.grad, rtol=1e-4, atol=1e-5)
    close(v.grad, tv.grad, rtol=1e-4, atol=1e-5)


def test_sdpa_bad_input_as_torch():
    q, k = rand(2, 4, 3, 8, seed=1), rand(2, 2, 5, 8, seed=2)
    cases = [
        lambda L: (L.tensor(q), L.tensor(k), L.tensor(k)),
        lambda L: (L.tensor(q), L.tensor(k).repeat(1, 3, 1, 1)[:, :3],
                   L.tensor(k).repeat(1, 3, 1, 1)[:, :3], {"enable_gqa": True}),
        lambda L: (L.tensor(q), L.tensor(q).double(), L.tensor(q)),
        lambda L: (L.tensor(q[0, 0, 0]),) * 3,
        lambda L: (L.tensor(q), L.tensor(q), L.tensor(q), {"attn_mask": L.ones(3, 4)}),
        lambda L: (L.tensor(q), L.tensor(q), L.tensor(q),
                   {"attn_mask": L.ones(3, 3, dtype=L.int64)}),
        lambda L: (L.tensor(q), L.tensor(q[..., :5]), L.tensor(q)),
    ]

    def call(F, L, case):
        args = case(L)
        kw = args[-1] if isinstance(args[-1], dict) else {}
        args = args[:-1] if kw else args
        return lambda: F.scaled_dot_product_attention(*args, **kw)

    for case in cases:
        same_exc(call(plF, pl, case), call(tF, torch, case))


def test_encoder_layer_with_activation_module_repr_and_values():
    m, tm = both(0, lambda: plnn.TransformerEncoderLayer(8, 2, 16, activation=plnn.GELU()),
                 lambda: tnn.TransformerEncoderLayer(8, 2, 16, activation=tnn.GELU()))
    assert repr(m) == repr(tm)
    assert m.activation_relu_or_gelu == tm.activation_relu_or_gelu == 2
    x, tx = pair(rand(4, 2, 8))
    m.eval()
    tm.eval()
    close(m(x), tm(tx), atol=1e-5)


@pytest.mark.filterwarnings("ignore:Support for mismatched")
@pytest.mark.parametrize("kw", [{}, {"batch_first": True, "norm_first": True}])
def test_transformer_masks_training_and_state_dict_from_torch(kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m, tm = both(0, lambda: plnn.Transformer(8, 2, 1, 2, 16, **kw),
                     lambda: tnn.Transformer(8, 2, 1, 2, 16, **kw))
        m2, tm2 = both(9, lambda: plnn.Transformer(8, 2, 1, 2, 16, **kw),
                       lambda: tnn.Transformer(8, 2, 1, 2, 16, **kw))
    m2.load_state_dict({k: pl.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    same_params(m2, tm)
    bf = kw.get("batch_first", False)
    shp = (lambda L: (3, L, 8)) if bf else (lambda L: (L, 3, 8))
    src, tsrc = pair(rand(*shp(5), seed=1))
    tgt, ttgt = pair(rand(*shp(4), seed=2))
    skpm = np.zeros((3, 5), dtype=bool)
    skpm[2, 3:] = True
    tkpm = np.zeros((3, 4), dtype=bool)
    tkpm[0, 3] = True
    pl.manual_seed(4)
    torch.manual_seed(4)
    a = m2(src, tgt, tgt_mask=plnn.Transformer.generate_square_subsequent_mask(4),
           src_key_padding_mask=pl.tensor(skpm), tgt_key_padding_mask=pl.tensor(tkpm),
           memory_key_padding_mask=pl.tensor(skpm))
    b = tm(tsrc, ttgt, tgt_mask=tnn.Transformer.generate_square_subsequent_mask(4),
           src_key_padding_mask=torch.tensor(skpm), tgt_key_padding_mask=torch.tensor(tkpm),
           memory_key_padding_mask=torch.tensor(skpm))
    close(a, b, atol=1e-5)


def test_mha_merge_masks_as_torch():
    m, tm = both(0, lambda: plnn.MultiheadAttention(8, 2), lambda: tnn.MultiheadAttention(8, 2))
    am, kpm = rand(4, 4, seed=1), rand(3, 4, seed=2)
    for a_, k_ in ((am, kpm), (None, kpm), (am, None), (None, None)):
        got = m.merge_masks(None if a_ is None else pl.tensor(a_),
                            None if k_ is None else pl.tensor(k_), pl.ones(3, 4, 8))
        want = tm.merge_masks(None if a_ is None else torch.tensor(a_),
                              None if k_ is None else torch.tensor(k_), torch.ones(3, 4, 8))
        assert got[1] == want[1]
        assert (got[0] is None) == (want[0] is None)
        if want[0] is not None:
            close(got[0], want[0])


@pytest.mark.parametrize("batch_first", [True, False])
def test_mha_batch_mismatch_and_unbatched_mask_errors_as_torch(batch_first):
    m, tm = both(0, lambda: plnn.MultiheadAttention(8, 2, batch_first=batch_first),
                 lambda: tnn.MultiheadAttention(8, 2, batch_first=batch_first))
    kshape = (2, 5, 8) if batch_first else (5, 2, 8)
    for nw in (True, False):
        same_exc(lambda: m(pl.ones(3, 4, 8), pl.ones(*kshape), pl.ones(*kshape),
                           need_weights=nw),
                 lambda: tm(torch.ones(3, 4, 8), torch.ones(*kshape), torch.ones(*kshape),
                            need_weights=nw))
    u, tu = pl.ones(4, 8), torch.ones(4, 8)
    same_exc(lambda: m(u, u, u, attn_mask=pl.zeros(3, 4, 4)),
             lambda: tm(tu, tu, tu, attn_mask=torch.zeros(3, 4, 4)))
    same_exc(lambda: m(u, u, u, key_padding_mask=pl.zeros(1, 4)),
             lambda: tm(tu, tu, tu, key_padding_mask=torch.zeros(1, 4)))
    same_exc(lambda: m(pl.ones(8), pl.ones(8), pl.ones(8)),
             lambda: tm(torch.ones(8), torch.ones(8), torch.ones(8)))
