"""The fused sequence-model kernels against their plain reference paths (no torch needed).

- LSTM: the fused C recurrence (_C._lstm_layer) against the composition of Tensor ops
  (nn.modules.rnn._FUSED_LSTM off), forward and backward, odd sizes, both GEMM routes (a batch
  of at most 4 rows uses dot products, more rows a transposed weight), and float64 central
  differences;
- attention's safe softmax (_C._softmax_rows) against softmax plus a masked-row fix-up;
- layer_norm (_C._layer_norm) against the composition (_functional_seq._FUSED_LAYER_NORM off);
- the small-batch linear (the GEMM's dot-product path) against float64 NumPy.
Their comparisons with torch are in tests/parity/test_seq_speed_parity.py.
"""
import numpy as np
import pytest

import pytorchlite as torch
import pytorchlite.nn as nn
import pytorchlite.nn.functional as F
from conftest import fd_check
from pytorchlite.nn import _functional_seq
from pytorchlite.nn.modules import rnn as rnn_mod


def arr(t):
    return t.detach().numpy()


def run_lstm(monkeypatch, fused, seed, kw, x_np, hx_np, loss_w):
    """Output, final states and every gradient of one LSTM run (fused or reference path)."""
    monkeypatch.setattr(rnn_mod, "_FUSED_LSTM", fused)
    dtype = torch.float64 if x_np.dtype == np.float64 else torch.float32
    torch.manual_seed(seed)
    m = nn.LSTM(dtype=dtype, **kw)
    x = torch.tensor(x_np, requires_grad=True)
    hx = None
    if hx_np is not None:
        hx = tuple(torch.tensor(h, requires_grad=True) for h in hx_np)
    out, (h, c) = m(x, hx)
    loss = (out * torch.tensor(loss_w[0])).sum() + (h * h).sum() + (c * torch.tensor(loss_w[1])).sum()
    loss.backward()
    grads = [x.grad] + ([t.grad for t in hx] if hx else []) + [p.grad for p in m.parameters()]
    return [arr(out), arr(h), arr(c)] + [arr(g) for g in grads], out


LSTM_CASES = [
    # (kwargs, T, B, batch_first, with hx)
    (dict(input_size=5, hidden_size=7, num_layers=2), 6, 3, False, True),   # dot path (B <= 4)
    (dict(input_size=3, hidden_size=9, num_layers=1, bias=False), 4, 6, False, True),  # B > 4
    (dict(input_size=4, hidden_size=5, num_layers=2, bidirectional=True), 5, 7, True, False),
    (dict(input_size=2, hidden_size=3, num_layers=1), 1, 1, False, False),
    (dict(input_size=6, hidden_size=11, num_layers=3, batch_first=True), 3, 5, True, True),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw,T,B,batch_first,with_hx", LSTM_CASES)
def test_fused_lstm_matches_reference(monkeypatch, rng, dtype, kw, T, B, batch_first, with_hx):
    kw = dict(kw, batch_first=batch_first)
    dirs = 2 if kw.get("bidirectional") else 1
    layers, H = kw["num_layers"], kw["hidden_size"]
    shape = (B, T, kw["input_size"]) if batch_first else (T, B, kw["input_size"])
    x = rng.normal(size=shape).astype(dtype)
    hx = None
    if with_hx:
        hx = tuple(rng.normal(size=(layers * dirs, B, H)).astype(dtype) for _ in range(2))
    out_shape = (B, T, dirs * H) if batch_first else (T, B, dirs * H)
    loss_w = (rng.normal(size=out_shape).astype(dtype),
              rng.normal(size=(layers * dirs, B, H)).astype(dtype))
    fused, out = run_lstm(monkeypatch, True, 7, kw, x, hx, loss_w)
    ref, ref_out = run_lstm(monkeypatch, False, 7, kw, x, hx, loss_w)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert len(fused) == len(ref)
    for a, b in zip(fused, ref):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
    if dirs == 1 and not batch_first:  # the names PyTorch prints, float32 and float64
        name = "MkldnnRnnLayerBackward0" if dtype == np.float32 else "StackBackward0"
        assert type(out.grad_fn).__name__ == name
        assert type(ref_out.grad_fn).__name__ != "MkldnnRnnLayerBackward0"


def test_fused_lstm_finite_differences(rng):
    assert rnn_mod._FUSED_LSTM
    m = nn.LSTM(3, 4, num_layers=2, dtype=torch.float64)
    x = torch.tensor(rng.normal(size=(3, 2, 3)), requires_grad=True)
    h0 = torch.tensor(rng.normal(size=(2, 2, 4)), requires_grad=True)
    c0 = torch.tensor(rng.normal(size=(2, 2, 4)), requires_grad=True)
    w = torch.tensor(rng.normal(size=(3, 2, 4)))

    def loss():
        out, (h, c) = m(x, (h0, c0))
        return (out * w).sum() + (h * c).sum()
    fd_check([x, h0, c0] + list(m.parameters()), loss)


@pytest.mark.parametrize("reverse", [False, True])
def test_lstm_layer_gradient_of_the_cell_state_alone(rng, reverse):
    """Only c_n reaches the loss: the node runs with no gradient for its output 0."""
    T, B, H = 4, 5, 3
    gi = torch.tensor(rng.normal(size=(T, B, 4 * H)), requires_grad=True)
    h0 = torch.tensor(rng.normal(size=(B, H)), requires_grad=True)
    c0 = torch.tensor(rng.normal(size=(B, H)), requires_grad=True)
    w = torch.tensor(rng.normal(size=(4 * H, H)), requires_grad=True)

    def loss():
        out, c_n = torch._C._lstm_layer(gi, h0, c0, w, reverse)
        return (c_n * c_n).sum()
    fd_check([gi, h0, c0, w], loss)
    out, c_n = torch._C._lstm_layer(gi, h0, c0, w, reverse)
    assert out.grad_fn is c_n.grad_fn


def test_lstm_layer_reverse_is_the_forward_run_on_flipped_time(rng):
    T, B, H = 5, 2, 3
    gi = rng.normal(size=(T, B, 4 * H))
    h0, c0, w = (torch.tensor(rng.normal(size=s)) for s in [(B, H), (B, H), (4 * H, H)])
    out_r, c_r = torch._C._lstm_layer(torch.tensor(gi), h0, c0, w, True)
    out_f, c_f = torch._C._lstm_layer(torch.tensor(gi[::-1].copy()), h0, c0, w, False)
    np.testing.assert_array_equal(arr(out_r), arr(out_f)[::-1])
    np.testing.assert_array_equal(arr(c_r), arr(c_f))


def test_lstm_layer_no_grad_matches_recorded_and_reference(monkeypatch, rng):
    m = nn.LSTM(4, 6)
    x = torch.tensor(rng.normal(size=(5, 1, 4)).astype(np.float32))
    with torch.no_grad():
        out_ng, (h_ng, c_ng) = m(x)
    out, (h, c) = m(x)
    monkeypatch.setattr(rnn_mod, "_FUSED_LSTM", False)
    with torch.no_grad():
        out_ref, (h_ref, c_ref) = m(x)
    np.testing.assert_array_equal(arr(out_ng), arr(out))
    np.testing.assert_array_equal(arr(c_ng), arr(c))
    np.testing.assert_allclose(arr(out_ng), arr(out_ref), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(arr(h_ng), arr(h_ref), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(arr(c_ng), arr(c_ref), rtol=1e-5, atol=1e-6)
    assert out_ng.grad_fn is None and not out_ng.requires_grad


def test_lstm_layer_refuses_bad_arguments():
    gi, h, w = torch.zeros(2, 3, 8), torch.zeros(3, 2), torch.zeros(8, 2)
    with pytest.raises(RuntimeError, match="inconsistent sizes"):
        torch._C._lstm_layer(gi, h, h, torch.zeros(8, 3), False)
    with pytest.raises(RuntimeError, match="one floating dtype"):
        torch._C._lstm_layer(gi, h.double(), h, w, False)
    with pytest.raises(RuntimeError, match="expected gates"):
        torch._C._lstm_layer(gi[0], h, h, w, False)


def test_lstm_weight_changed_in_place_before_backward_raises():
    m = nn.LSTM(2, 3)
    out, _ = m(torch.ones(2, 1, 2))
    with torch.no_grad():
        m.weight_hh_l0.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


# --------------------------------------------------------------------------- safe softmax
def reference_safe_softmax(x):
    out = torch.softmax(x, -1)
    masked = arr(x).max(axis=-1, keepdims=True) == -np.inf
    return torch.where(torch.tensor(masked), torch.zeros_like(out), out)


@pytest.mark.parametrize("shape", [(3, 5), (2, 3, 4, 7), (1, 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_safe_softmax_matches_reference(rng, shape, dtype):
    x_np = rng.normal(size=shape).astype(dtype)
    x_np.reshape(-1, shape[-1])[0, :] = -np.inf  # one fully masked row
    if x_np.reshape(-1, shape[-1]).shape[0] > 1:
        x_np.reshape(-1, shape[-1])[1, 0] = -np.inf  # and one partly masked row
    x = torch.tensor(x_np, requires_grad=True)
    xr = torch.tensor(x_np, requires_grad=True)
    g = torch.tensor(rng.normal(size=shape).astype(dtype))
    y = torch._C._softmax_rows(x, 2)
    yr = reference_safe_softmax(xr)
    tol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(arr(y), arr(yr), rtol=tol, atol=tol)
    assert not np.isnan(arr(y)).any()
    np.testing.assert_array_equal(arr(y).reshape(-1, shape[-1])[0], 0.0)
    (y * g).sum().backward()
    (yr * g).sum().backward()
    np.testing.assert_allclose(arr(x.grad), np.nan_to_num(arr(xr.grad)), rtol=tol, atol=tol)
    assert type(y.grad_fn).__name__ == "SafeSoftmaxBackward0"


@pytest.mark.parametrize("which", [0, 1])
def test_softmax_rows_match_softmax_and_log_softmax(rng, which):
    x_np = rng.normal(size=(4, 9))
    x, xr = torch.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    y = torch._C._softmax_rows(x, which)
    yr = torch.log_softmax(xr, -1) if which else torch.softmax(xr, -1)
    np.testing.assert_array_equal(arr(y), arr(yr))  # the same forward arithmetic
    g = torch.tensor(rng.normal(size=(4, 9)))
    (y * g).sum().backward()
    (yr * g).sum().backward()
    np.testing.assert_allclose(arr(x.grad), arr(xr.grad), rtol=1e-12, atol=1e-12)


def test_safe_softmax_finite_differences(rng):
    x = torch.tensor(rng.normal(size=(3, 6)), requires_grad=True)
    w = torch.tensor(rng.normal(size=(3, 6)))
    fd_check([x], lambda: (torch._C._softmax_rows(x, 2) * w).sum())


# ----------------------------------------------------------------------------- layer_norm
LN_CASES = [((4, 7, 13), (13,), True), ((3, 5, 6), (5, 6), False), ((2, 9), (9,), True),
            ((5, 1), (1,), True)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,ns,affine", LN_CASES)
def test_fused_layer_norm_matches_reference(monkeypatch, rng, dtype, shape, ns, affine):
    x_np = (rng.normal(size=shape) * 3 + 1).astype(dtype)
    w_np = rng.normal(size=ns).astype(dtype)
    b_np = rng.normal(size=ns).astype(dtype)
    g = torch.tensor(rng.normal(size=shape).astype(dtype))
    results = []
    for fused in (True, False):
        monkeypatch.setattr(_functional_seq, "_FUSED_LAYER_NORM", fused)
        x = torch.tensor(x_np, requires_grad=True)
        w = torch.tensor(w_np, requires_grad=True) if affine else None
        b = torch.tensor(b_np, requires_grad=True) if affine else None
        y = F.layer_norm(x, ns, w, b, eps=1e-5)
        (y * g).sum().backward()
        results.append([arr(y), arr(x.grad)] + ([arr(w.grad), arr(b.grad)] if affine else []))
        if fused:
            assert type(y.grad_fn).__name__ == "NativeLayerNormBackward0"
    tol = 2e-5 if dtype == np.float32 else 1e-12
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_fused_layer_norm_finite_differences(rng):
    assert _functional_seq._FUSED_LAYER_NORM
    x = torch.tensor(rng.normal(size=(3, 5)), requires_grad=True)
    w = torch.tensor(rng.normal(size=(5,)), requires_grad=True)
    b = torch.tensor(rng.normal(size=(5,)), requires_grad=True)
    c = torch.tensor(rng.normal(size=(3, 5)))
    fd_check([x, w, b], lambda: (F.layer_norm(x, (5,), w, b) * c).sum())


# ---------------------------------------------------------------- small-batch linear (GEMM)
@pytest.mark.parametrize("rows", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_small_batch_linear_against_float64_numpy(rng, rows, dtype):
    x = rng.normal(size=(rows, 37)).astype(dtype)
    w = rng.normal(size=(53, 37)).astype(dtype)
    b = rng.normal(size=(53,)).astype(dtype)
    y = F.linear(torch.tensor(x), torch.tensor(w), torch.tensor(b))
    want = x.astype(np.float64) @ w.astype(np.float64).T + b
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(arr(y), want, rtol=tol, atol=tol)


@pytest.mark.parametrize("H", [1, 8, 13, 40])
def test_simd_cell_matches_plain_cell(rng, H):
    """The AVX2 cell (vector exp) against the plain libm cell, values of every size."""
    T, B = 3, 5
    gi_np = (rng.normal(size=(T, B, 4 * H)) * rng.choice([0.01, 1.0, 8.0, 60.0],
                                                         size=(T, B, 4 * H))).astype(np.float32)
    h0_np, c0_np = (rng.normal(size=(B, H)).astype(np.float32) for _ in range(2))
    w_np = (rng.normal(size=(4 * H, H)) * 0.3).astype(np.float32)
    g_np = rng.normal(size=(T, B, H)).astype(np.float32)
    results = []
    for reference in (False, True):
        torch._C._lstm_force_reference(reference)
        try:
            ins = [torch.tensor(a, requires_grad=True) for a in (gi_np, h0_np, c0_np, w_np)]
            out, c_n = torch._C._lstm_layer(*ins, False)
            ((out * torch.tensor(g_np)).sum() + c_n.sum()).backward()
        finally:
            torch._C._lstm_force_reference(False)
        results.append([arr(out), arr(c_n)] + [arr(t.grad) for t in ins])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("which", [0, 1, 2])
@pytest.mark.parametrize("n", [1, 7, 8, 29, 2000])
def test_simd_softmax_rows_against_the_float64_plain_kernel(rng, which, n):
    """float32 rows take the AVX2 kernel (vector exp); float64 rows the plain loops."""
    x_np = (rng.normal(size=(6, n)) * 4).astype(np.float32)
    x_np[1, ::3] = -np.inf
    x_np[2, :] = -np.inf
    y32 = arr(torch._C._softmax_rows(torch.tensor(x_np), which))
    y64 = arr(torch._C._softmax_rows(torch.tensor(x_np.astype(np.float64)), which))
    # the same non-finite entries (a fully masked row: NaN, or zeros when safe; -inf logs)
    np.testing.assert_array_equal(np.isfinite(y32), np.isfinite(y64))
    finite = np.isfinite(y64)
    np.testing.assert_allclose(y32[finite], y64[finite], rtol=2e-6, atol=2e-6)
    if which == 2:
        assert (y32[2] == 0).all()
    if which != 1 and n > 3:  # masked entries of a partly masked row are exact zeros
        assert (y32[1, ::3] == 0).all()
    nan_row = x_np.copy()
    nan_row[0, n // 2] = np.nan
    assert np.isnan(arr(torch._C._softmax_rows(torch.tensor(nan_row), which))[0]).all()


def test_cross_entropy_runs_the_fused_log_softmax(rng):
    x = torch.tensor(rng.normal(size=(5, 11)).astype(np.float32), requires_grad=True)
    t = torch.tensor(rng.integers(0, 11, size=5))
    loss = F.cross_entropy(x, t)
    loss.backward()
    xr = torch.tensor(arr(x).astype(np.float64), requires_grad=True)
    ref = -torch.log_softmax(xr, 1)[torch.arange(5), t].mean()
    ref.backward()
    np.testing.assert_allclose(loss.item(), ref.item(), rtol=1e-6)
    np.testing.assert_allclose(arr(x.grad), arr(xr.grad), rtol=1e-5, atol=1e-7)
