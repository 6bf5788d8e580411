"""Conv3d and the transposed convolutions (F.conv3d, F.conv_transpose1d/2d/3d, nn.Conv3d,
nn.ConvTranspose1d/2d/3d): the im2col kernels against their direct-loop reference, values
against NumPy loops, gradients against float64 central differences (gradcheck, gradgradcheck),
and, when torch is importable, values, gradients, double backward, seeded initialisation bit for
bit, reprs and error messages against PyTorch."""
import re
import warnings

import numpy as np
import pytest

import pytorchlite as pl
import pytorchlite.nn as nn
import pytorchlite.nn.functional as F
from conftest import numeric_grad, to_pl

# (input shape, weight shape, stride, padding, dilation, groups)
CONV3D_CASES = [
    ((2, 3, 5, 6, 7), (4, 3, 3, 3, 3), 1, 0, 1, 1),
    ((1, 4, 7, 6, 5), (6, 2, 3, 2, 3), (2, 1, 2), (1, 2, 0), (1, 2, 1), 2),
    ((2, 3, 5, 5, 6), (3, 1, 3, 3, 3), 2, 1, 1, 3),                 # depthwise
    ((1, 2, 4, 5, 3), (2, 2, 1, 1, 1), (3, 2, 2), 0, 1, 1),          # strides past the edge
    ((3, 5, 6, 4), (2, 3, 2, 3, 3), 1, 1, 1, 1),                     # unbatched
    ((0, 2, 4, 4, 4), (3, 2, 2, 2, 2), 1, 0, 1, 1),                  # empty batch
]

# (input shape, weight shape, stride, padding, output_padding, groups, dilation)
TRANSPOSED_CASES = [
    ((2, 4, 5), (4, 3, 3), 2, 1, 1, 1, 1),
    ((1, 4, 7), (4, 2, 4), 3, 2, 2, 2, 2),
    ((4, 6), (4, 3, 3), 1, 0, 0, 1, 1),                              # unbatched 1-D
    ((2, 4, 5, 6), (4, 3, 3, 3), 2, 1, 1, 1, 1),
    ((1, 6, 4, 5), (6, 2, 3, 2), (2, 3), (1, 0), (1, 2), 3, (1, 2)),
    ((2, 3, 3, 4), (3, 1, 3, 3), 1, 1, 0, 3, 2),                     # depthwise
    ((1, 2, 3, 3), (2, 2, 4, 4), 2, 1, 0, 1, 1),                     # DCGAN-style upsampling
    ((1, 2, 4, 4), (2, 3, 3, 3), 1, 0, 1, 1, 2),                     # output_padding < dilation
    ((1, 4, 3, 4, 3), (4, 2, 3, 3, 2), 2, 1, 1, 2, 1),
    ((2, 2, 3, 3, 3), (2, 3, 2, 2, 2), (1, 2, 2), 0, (0, 1, 0), 1, (2, 1, 1)),
    ((0, 2, 3, 3), (2, 3, 2, 2), 2, 0, 0, 1, 1),                     # empty batch
]


def _nsp(ws):
    return len(ws) - 2


def _tup(v, n):
    return tuple(v) if isinstance(v, tuple) else (v,) * n


def _conv3d(x, w, b, case):
    _, _, stride, padding, dilation, groups = case
    return F.conv3d(x, w, b, stride, padding, dilation, groups)


def _conv_t(x, w, b, case, F=F):
    _, ws, stride, padding, output_padding, groups, dilation = case
    fn = getattr(F, f"conv_transpose{_nsp(ws)}d")
    return fn(x, w, b, stride, padding, output_padding, groups, dilation)


def _bias_len(case, transposed):
    ws, groups = case[1], case[5]
    return ws[1] * groups if transposed else ws[0]


# ---- NumPy loops, the independent reference ----

def np_conv(x, w, b, stride, padding, dilation, groups):
    """Direct convolution over any number of spatial dims, one kernel tap at a time."""
    unb = x.ndim == w.ndim - 1
    x = x[None] if unb else x
    nsp = w.ndim - 2
    stride, padding, dilation = (_tup(v, nsp) for v in (stride, padding, dilation))
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])
    k = w.shape[2:]
    out = [(xp.shape[2 + i] - dilation[i] * (k[i] - 1) - 1) // stride[i] + 1 for i in range(nsp)]
    N, C, O = x.shape[0], x.shape[1], w.shape[0]
    cg, og = C // groups, O // groups
    y = np.zeros((N, O, *out))
    for tap in np.ndindex(*k):
        sl = tuple(slice(tap[i] * dilation[i], tap[i] * dilation[i] + (out[i] - 1) * stride[i] + 1,
                         stride[i]) for i in range(nsp))
        patch = xp[(slice(None), slice(None)) + sl]
        for g in range(groups):
            wt = w[(slice(g * og, (g + 1) * og), slice(None)) + tap]  # (og, cg)
            y[:, g * og:(g + 1) * og] += np.einsum("nc...,oc->no...", patch[:, g * cg:(g + 1) * cg], wt)
    if b is not None:
        y += b.reshape((1, -1) + (1,) * nsp)
    return y[0] if unb else y


def np_conv_transpose(x, w, b, stride, padding, output_padding, groups, dilation):
    """Transposed convolution as a scatter: each input element adds w times itself at
    i * stride + tap * dilation - padding."""
    unb = x.ndim == w.ndim - 1
    x = x[None] if unb else x
    nsp = w.ndim - 2
    stride, padding, output_padding, dilation = (_tup(v, nsp) for v in
                                                 (stride, padding, output_padding, dilation))
    N, cin = x.shape[:2]
    k, cog = w.shape[2:], w.shape[1]
    cig = cin // groups
    full = [(x.shape[2 + i] - 1) * stride[i] + dilation[i] * (k[i] - 1) + 1 + output_padding[i]
            for i in range(nsp)]
    y = np.zeros((N, cog * groups, *full))
    for tap in np.ndindex(*k):
        sl = tuple(slice(tap[i] * dilation[i], tap[i] * dilation[i] + (x.shape[2 + i] - 1) * stride[i] + 1,
                         stride[i]) for i in range(nsp))
        for g in range(groups):
            wt = w[(slice(g * cig, (g + 1) * cig), slice(None)) + tap]  # (cig, cog)
            y[(slice(None), slice(g * cog, (g + 1) * cog)) + sl] += np.einsum(
                "nc...,co->no...", x[:, g * cig:(g + 1) * cig], wt)
    y = y[(slice(None), slice(None)) + tuple(slice(p, f - p) for p, f in zip(padding, full))]
    if b is not None:
        y += b.reshape((1, -1) + (1,) * nsp)
    return y[0] if unb else y


def _data(rng, case, transposed, dtype=np.float64):
    x = rng.standard_normal(case[0]).astype(dtype)
    w = rng.standard_normal(case[1]).astype(dtype)
    b = rng.standard_normal(_bias_len(case, transposed)).astype(dtype)
    return x, w, b


@pytest.mark.parametrize("case", CONV3D_CASES)
def test_conv3d_matches_numpy_loops(case, rng):
    x, w, b = _data(rng, case, False)
    y = _conv3d(to_pl(x), to_pl(w), to_pl(b), case).numpy()
    np.testing.assert_allclose(y, np_conv(x, w, b, *case[2:]), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", TRANSPOSED_CASES)
def test_conv_transpose_matches_numpy_scatter(case, rng):
    x, w, b = _data(rng, case, True)
    y = _conv_t(to_pl(x), to_pl(w), to_pl(b), case).numpy()
    np.testing.assert_allclose(y, np_conv_transpose(x, w, b, *case[2:]), rtol=1e-10, atol=1e-12)


def test_conv_transpose_is_the_input_gradient_of_conv(rng):
    """conv_transpose2d(g, w) equals d/dx <conv2d(x, w), g>, computed by conv.c's kernels."""
    x = to_pl(rng.standard_normal((2, 3, 9, 8)), True)
    w = rng.standard_normal((4, 3, 3, 2))
    y = F.conv2d(x, to_pl(w), stride=(2, 3), padding=1, dilation=(1, 2))
    g = rng.standard_normal(tuple(y.shape))
    y.backward(to_pl(g))
    t = F.conv_transpose2d(to_pl(g), to_pl(w), stride=(2, 3), padding=1, dilation=(1, 2),
                           output_padding=(0, 1))
    np.testing.assert_allclose(t.numpy(), x.grad.numpy(), rtol=1e-12, atol=1e-12)


# ---- the im2col kernels against their direct-loop reference ----

@pytest.fixture
def reference_kernel():
    yield lambda on: pl._C._conv_nd_force_reference(on)
    pl._C._conv_nd_force_reference(False)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", [(c, False) for c in CONV3D_CASES] + [(c, True) for c in TRANSPOSED_CASES])
def test_im2col_matches_reference_kernel(case, dtype, rng, reference_kernel):
    case, transposed = case
    x, w, b = _data(rng, case, transposed, dtype)
    results = []
    for ref in (False, True):
        reference_kernel(ref)
        X, W, B = to_pl(x, True), to_pl(w, True), to_pl(b, True)
        y = (_conv_t if transposed else _conv3d)(X, W, B, case)
        gy = np.cos(np.arange(y.numel())).reshape(tuple(y.shape)).astype(dtype)
        y.backward(to_pl(gy))
        results.append([y.detach().numpy(), X.grad.numpy(), W.grad.numpy(), B.grad.numpy()])
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for fast, slow in zip(*results):
        np.testing.assert_allclose(fast, slow, rtol=tol, atol=tol)


# ---- gradients against central differences ----

@pytest.mark.parametrize("case", [(c, False) for c in CONV3D_CASES[:5]] +
                         [(c, True) for c in TRANSPOSED_CASES[:10]])
def test_gradients_match_central_differences(case, rng):
    case, transposed = case
    op = _conv_t if transposed else _conv3d
    x, w, b = _data(rng, case, transposed)
    X, W, B = to_pl(x, True), to_pl(w, True), to_pl(b, True)
    y = op(X, W, B, case)
    gy = rng.standard_normal(tuple(y.shape))
    (y * to_pl(gy)).sum().backward()

    def loss(xa, wa, ba):
        return float((op(to_pl(xa), to_pl(wa), to_pl(ba), case).numpy() * gy).sum())

    for got, want in zip((X.grad, W.grad, B.grad), numeric_grad(loss, [x, w, b])):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("transposed", [False, True])
def test_gradcheck_and_gradgradcheck(transposed, rng):
    case = TRANSPOSED_CASES[8] if transposed else CONV3D_CASES[1]
    op = _conv_t if transposed else _conv3d
    x, w, b = (to_pl(a, True) for a in _data(rng, case, transposed))
    fn = lambda x, w, b: op(x, w, b, case)  # noqa: E731
    assert pl.autograd.gradcheck(fn, (x, w, b))
    assert pl.autograd.gradgradcheck(fn, (x, w, b))


def test_grad_fn_names_and_unbatched():
    x = pl.randn(2, 4, 5, 6, 7, requires_grad=True)
    assert type(F.conv3d(x, pl.randn(3, 4, 2, 2, 2)).grad_fn).__name__ == "ConvolutionBackward0"
    y = F.conv_transpose2d(x[0, :, 0], pl.randn(4, 2, 3, 3, requires_grad=True))
    assert tuple(y.shape) == (2, 8, 9)
    assert type(y.grad_fn).__name__ == "SqueezeBackward1"  # unbatched, as PyTorch
    assert type(y.grad_fn.next_functions[0][0]).__name__ == "ConvolutionBackward0"
    assert type(F.conv_transpose3d(x, pl.randn(4, 2, 1, 1, 1)).grad_fn).__name__ == "ConvolutionBackward0"
    assert type(F.conv3d(x[0], pl.randn(3, 4, 2, 2, 2)).grad_fn).__name__ == "SqueezeBackward1"
    leaf = pl.randn(1, 4, 3, 3, requires_grad=True)
    w = pl.randn(4, 2, 2, 2, requires_grad=True)
    gx, gw = pl.autograd.grad((F.conv_transpose2d(leaf, w, stride=2) ** 2).sum(), (leaf, w),
                              create_graph=True)
    assert type(gx.grad_fn).__name__ == "ConvolutionBackwardBackward0"
    assert type(gw.grad_fn).__name__ == "ConvolutionBackwardBackward0"


def test_conv3d_same_padding_and_modes(rng):
    x, w = rng.standard_normal((1, 2, 5, 4, 6)), rng.standard_normal((3, 2, 3, 2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an even kernel: PyTorch warns about the padded copy
        y = F.conv3d(to_pl(x), to_pl(w), padding="same").numpy()
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (0, 1), (1, 1)))
    np.testing.assert_allclose(y, np_conv(xp, w, None, 1, 0, 1, 1), rtol=1e-12, atol=1e-13)
    for mode, np_mode in (("reflect", "reflect"), ("replicate", "edge"), ("circular", "wrap")):
        m = nn.Conv3d(2, 3, 3, padding=(1, 2, 1), padding_mode=mode, bias=False).double()
        got = m(to_pl(x)).detach().numpy()
        want = np_conv(np.pad(x, ((0, 0), (0, 0), (1, 1), (2, 2), (1, 1)), mode=np_mode),
                       m.weight.detach().numpy(), None, 1, 0, 1, 1)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)  # sums of O(1) products


def test_integer_dtypes_are_a_documented_limit():
    with pytest.raises(NotImplementedError):
        F.conv3d(pl.ones(1, 1, 2, 2, 2, dtype=pl.int64), pl.ones(1, 1, 1, 1, 1, dtype=pl.int64))
    with pytest.raises(NotImplementedError):  # (int64 conv_transpose1d/2d are computed)
        F.conv_transpose3d(pl.ones(1, 1, 2, 2, 2, dtype=pl.int64),
                           pl.ones(1, 1, 1, 1, 1, dtype=pl.int64))


def test_output_size_picks_output_padding(rng):
    m = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1).double()
    x = to_pl(rng.standard_normal((1, 2, 4, 5)))
    assert tuple(m(x).shape) == (1, 3, 7, 9)
    assert tuple(m(x, output_size=[8, 10]).shape) == (1, 3, 8, 10)
    assert tuple(m(x, output_size=(1, 3, 8, 9)).shape) == (1, 3, 8, 9)
    with pytest.raises(ValueError, match="valid sizes range from"):
        m(x, output_size=[9, 9])
    with pytest.raises(ValueError, match="output_size must have 2 or 4 elements"):
        m(x, output_size=[9])


# ---- against PyTorch ----

def _both(fn_pl, fn_torch, arrays, torch, grads=True):
    out = []
    for lib, fn in ((pl, fn_pl), (torch, fn_torch)):
        ts = [lib.tensor(a, requires_grad=grads) for a in arrays]
        y = fn(*ts)
        gy = np.sin(np.arange(y.numel())).reshape(tuple(y.shape)).astype(arrays[0].dtype)
        if grads and y.numel():
            y.backward(lib.tensor(gy))
        out.append((y.detach().numpy(), [t.grad.numpy() if t.grad is not None else None for t in ts],
                    type(y.grad_fn).__name__))
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", [(c, False) for c in CONV3D_CASES] + [(c, True) for c in TRANSPOSED_CASES])
def test_values_and_gradients_match_torch(case, dtype, rng):
    torch = pytest.importorskip("torch")
    case, transposed = case
    arrays = _data(rng, case, transposed, dtype)
    if transposed:
        fns = (lambda x, w, b: _conv_t(x, w, b, case), lambda x, w, b: _conv_t(x, w, b, case, torch.nn.functional))
    else:
        fns = (lambda x, w, b: F.conv3d(x, w, b, *case[2:]),
               lambda x, w, b: torch.nn.functional.conv3d(x, w, b, *case[2:]))
    (y, g, name), (ty, tg, tname) = _both(*fns, arrays, torch)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-11)
    np.testing.assert_allclose(y, ty, **tol)
    assert name == tname
    for a, b in zip(g, tg):
        if b is None:
            assert a is None or not a.any()
        else:
            np.testing.assert_allclose(a, b, **tol)


@pytest.mark.parametrize("transposed", [False, True])
def test_double_backward_matches_torch(transposed, rng):
    torch = pytest.importorskip("torch")
    case = TRANSPOSED_CASES[4] if transposed else CONV3D_CASES[2]
    arrays = _data(rng, case, transposed)
    res = []
    for lib, Fn in ((pl, F), (torch, torch.nn.functional)):
        x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays)
        y = _conv_t(x, w, b, case, Fn) if transposed else Fn.conv3d(x, w, b, *case[2:])
        gx, gw = lib.autograd.grad((y * y).sum(), (x, w), create_graph=True)
        ((gx * gx).sum() + (gw ** 3).sum()).backward()
        res.append([x.grad.numpy(), w.grad.numpy(), b.grad.numpy(), type(gx.grad_fn).__name__])
    for a, b in zip(*res):
        if isinstance(a, str):
            assert a == b
        else:
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_dtypes_match_torch(dtype, rng):
    torch = pytest.importorskip("torch")
    x, w = rng.standard_normal((1, 2, 3, 4, 4)), rng.standard_normal((2, 3, 2, 2, 2))
    res = []
    for lib, Fn in ((pl, F), (torch, torch.nn.functional)):
        dt = getattr(lib, dtype)
        y = Fn.conv_transpose3d(lib.tensor(x).to(dt), lib.tensor(w).to(dt), stride=2)
        z = Fn.conv3d(lib.tensor(x).to(dt), lib.tensor(w).transpose(0, 1).to(dt))
        res.append((str(y.dtype), y.float().numpy(), z.float().numpy()))
    assert res[0][0] == res[1][0]
    tol = 2e-2 if dtype == "bfloat16" else 2e-3
    for a, b in zip(res[0][1:], res[1][1:]):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * 4)


MODULES = [
    ("Conv3d", (4, 6, 3), {}),
    ("Conv3d", (4, 6, (3, 2, 1)), dict(stride=(2, 1, 1), padding=(1, 0, 2), dilation=2, groups=2,
                                      bias=False)),
    ("Conv3d", (3, 3, 3), dict(padding="same", padding_mode="reflect", groups=3)),
    ("Conv3d", (2, 4, 2), dict(padding=1, padding_mode="circular")),
    ("ConvTranspose1d", (4, 6, 3), dict(stride=2, output_padding=1)),
    ("ConvTranspose2d", (16, 8, 4), dict(stride=2, padding=1, bias=False)),
    ("ConvTranspose2d", (6, 4, (3, 2)), dict(stride=(2, 1), padding=(1, 0), output_padding=(1, 0),
                                            groups=2, dilation=(1, 2))),
    ("ConvTranspose3d", (4, 2, 3), dict(stride=2, padding=1, output_padding=1, groups=2)),
]


@pytest.mark.parametrize("name,args,kwargs", MODULES)
def test_init_stream_and_repr_match_torch(name, args, kwargs):
    torch = pytest.importorskip("torch")
    pl.manual_seed(0)
    m = getattr(nn, name)(*args, **kwargs)
    torch.manual_seed(0)
    t = getattr(torch.nn, name)(*args, **kwargs)
    assert repr(m) == repr(t)
    assert m.weight.shape == t.weight.shape
    assert np.array_equal(m.weight.detach().numpy(), t.weight.detach().numpy())
    if t.bias is None:
        assert m.bias is None
    else:
        assert np.array_equal(m.bias.detach().numpy(), t.bias.detach().numpy())
    assert list(m.state_dict()) == list(t.state_dict())
    # and the forward of the seeded layer (Conv3d with padding modes included)
    n = 3 if "3d" in name else int(name[-2])
    shape = (2, args[0]) + (5, 6, 4)[:n]
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y, ty = m(pl.tensor(x)), t(torch.tensor(x))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-4, atol=1e-5)
    assert type(y.grad_fn).__name__ == type(ty.grad_fn).__name__


def test_module_output_size_matches_torch(rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 3, 4, 5, 3)).astype(np.float32)
    pl.manual_seed(1)
    m = nn.ConvTranspose3d(3, 2, 3, stride=(2, 3, 2), padding=1)
    torch.manual_seed(1)
    t = torch.nn.ConvTranspose3d(3, 2, 3, stride=(2, 3, 2), padding=1)
    for size in ([8, 13, 6], [7, 15, 5], (2, 2, 8, 14, 6)):
        np.testing.assert_allclose(m(pl.tensor(x), output_size=size).detach().numpy(),
                                   t(torch.tensor(x), output_size=size).detach().numpy(),
                                   rtol=1e-4, atol=1e-5)
    for bad in ([9, 13, 6], [8, 13], [8, 12, 6]):
        with pytest.raises(ValueError) as e1:
            m(pl.tensor(x), output_size=bad)
        with pytest.raises(ValueError) as e2:
            t(torch.tensor(x), output_size=bad)
        assert str(e1.value) == str(e2.value)


def _x(shape, dtype="float64"):
    return np.random.default_rng(0).standard_normal(shape).astype(dtype)


# (functional, input shape, weight shape, kwargs, bias shape or None); float64, where PyTorch's
# messages come from its reference CPU kernels
ERRORS = [
    ("conv3d", (2, 4, 5, 6, 7), (6, 3, 3, 3, 3), {}, None),                  # channel mismatch
    ("conv3d", (2, 4, 5, 6, 7), (6, 2, 3, 3, 3), dict(groups=3), None),
    ("conv3d", (2, 4, 5, 6, 7), (6, 4, 6, 3, 3), {}, None),                  # input < kernel
    ("conv3d", (2, 4, 5, 6, 7), (6, 4, 3, 3, 3), dict(padding=1, dilation=(1, 4, 1)), None),
    ("conv3d", (2, 4, 5, 6, 7), (6, 4, 3, 3, 3), dict(stride=0), None),
    ("conv3d", (2, 4, 5, 6, 7), (6, 4, 3, 3, 3), dict(stride=(1, -1, 1)), None),
    ("conv3d", (2, 4, 5, 6, 7), (6, 4, 3, 3, 3), dict(padding=-1), None),
    ("conv3d", (2, 4, 5, 6, 7), (6, 4, 3, 3, 3), dict(dilation=(1, 0, 1)), None),
    ("conv3d", (2, 4, 5, 6, 7), (6, 4, 3, 3, 3), dict(groups=0), None),
    ("conv3d", (4, 5, 6), (6, 4, 3, 3, 3), {}, None),                        # wrong rank
    ("conv3d", (1, 4, 5, 6, 7, 8), (6, 4, 3, 3, 3), {}, None),
    ("conv3d", (2, 4, 5, 6, 7), (6, 4, 3, 3), {}, None),                     # 4-D weight
    ("conv3d", (2, 4, 5, 6, 7), (6, 4, 3, 3, 3), dict(stride=(1, 2)), None),
    ("conv3d", (2, 4, 5, 6, 7), (6, 4, 3, 3, 3), {}, (5,)),                  # bias size
    ("conv3d", (2, 4, 5, 6, 7), (6, 4, 3, 3, 3), dict(padding="same", stride=2), None),
    ("conv3d", (2, 4, 5, 6, 7), (6, 4, 3, 3, 3), dict(padding="full"), None),
    ("conv3d", (2, 4, 5, 6, 7), (6, 4, 3, 3, 3), dict(padding=2 ** 62), None),
    ("conv3d", (2, 4, 0, 6, 7), (6, 4, 3, 3, 3), {}, None),
    ("conv3d", (2, 4, 5, 6, 7), (3, 4, 3, 3, 3), dict(groups=4), None),
    ("conv_transpose2d", (2, 5, 5, 6), (4, 3, 3, 3), {}, None),              # channel mismatch
    ("conv_transpose2d", (2, 4, 5, 6), (4, 3, 3, 3), dict(stride=2, output_padding=2), None),
    ("conv_transpose2d", (2, 4, 5, 6), (4, 3, 3, 3), dict(output_padding=1, dilation=1), None),
    ("conv_transpose2d", (2, 4, 5, 6), (4, 3, 3, 3), dict(output_padding=-1), None),
    ("conv_transpose2d", (2, 4, 5, 6), (4, 3, 3, 3), dict(stride=0), None),
    ("conv_transpose2d", (2, 4, 5, 6), (4, 3, 3, 3), dict(padding=-2), None),
    ("conv_transpose2d", (2, 4, 5, 6), (4, 3, 3, 3), dict(dilation=0), None),
    ("conv_transpose2d", (2, 4, 5, 6), (4, 3, 3, 3), dict(padding=5), None),   # output too small
    ("conv_transpose2d", (2, 4, 1, 1), (4, 3, 1, 1), dict(padding=1), None),
    ("conv_transpose2d", (5, 6), (4, 3, 3, 3), {}, None),                    # wrong rank
    ("conv_transpose2d", (2, 4, 5, 6), (4, 3, 3), {}, None),
    ("conv_transpose2d", (2, 4, 5, 6), (4, 3, 3, 3), dict(groups=3), None),
    ("conv_transpose2d", (2, 4, 5, 6), (4, 3, 3, 3), dict(groups=0), None),
    ("conv_transpose2d", (2, 4, 5, 6), (4, 3, 3, 3), {}, (4,)),              # bias size
    ("conv_transpose2d", (2, 4, 5, 6), (4, 3, 3, 3), dict(padding="same"), None),
    ("conv_transpose2d", (2, 4, 0, 6), (4, 3, 3, 3), {}, None),
    ("conv_transpose2d", (2, 0, 5, 6), (0, 3, 3, 3), {}, None),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), dict(stride=2, output_padding=2), None),
    ("conv_transpose1d", (2, 5, 5), (4, 3, 3), {}, None),
    ("conv_transpose1d", (5,), (4, 3, 3), {}, None),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), dict(padding=5), None),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), dict(dilation=0), None),
    ("conv_transpose1d", (2, 4, 0), (4, 3, 3), {}, None),
    ("conv_transpose3d", (2, 4, 5, 6, 7), (4, 2, 3, 3, 3), dict(stride=2, output_padding=2), None),
    ("conv_transpose3d", (2, 4, 5, 6, 7), (3, 2, 3, 3, 3), {}, None),
    ("conv_transpose3d", (2, 4, 5, 6, 7), (4, 2, 3, 3, 3), dict(padding=5), None),
    ("conv_transpose3d", (2, 4, 5, 6, 7), (4, 2, 3, 3, 3), dict(dilation=(1, 0, 1)), None),
    # empty weights, empty kernels and empty inputs, in PyTorch's order of checks
    ("conv_transpose2d", (1, 2, 3, 3), (2, 0, 1, 1), {}, None),
    ("conv_transpose1d", (1, 2, 3), (2, 0, 3), {}, None),
    ("conv_transpose2d", (1, 2, 3, 3), (2, 1, 0, 1), {}, None),
    ("conv_transpose1d", (1, 2, 3), (2, 1, 0), {}, None),
    ("conv_transpose3d", (1, 2, 3, 3, 3), (2, 1, 0, 1, 1), {}, None),
    ("conv_transpose3d", (1, 2, 3, 3, 3), (2, 1, 0, 1, 1), dict(dilation=0), None),
    ("conv_transpose2d", (1, 2, 3, 3), (2, 0, 1, 1), dict(output_padding=1), None),
    ("conv_transpose2d", (1, 2, 0, 3), (2, 1, 0, 1), {}, None),
    ("conv3d", (1, 2, 3, 3, 3), (2, 2, 0, 1, 1), {}, None),
    ("conv3d", (1, 2, 3, 3, 3), (2, 2, 1, 0, 1), dict(dilation=2), None),
    ("conv3d", (1, 2, 0, 3, 3), (2, 2, 0, 1, 1), {}, None),
    ("conv3d", (1, 1, 3, 3, 0), (1, 1, 1, 1, 1), dict(padding=1), None),
    # int64 limits: PyTorch's transposed kernel reads stride and dilation as C ints
    ("conv_transpose1d", (1, 1, 3), (1, 1, 1), dict(stride=2 ** 40), None),
    ("conv_transpose1d", (1, 1, 3), (1, 1, 2), dict(dilation=2 ** 62), None),
    ("conv_transpose2d", (1, 1, 3, 3), (1, 1, 1, 1), dict(stride=2 ** 62, output_padding=2 ** 62 - 1),
     None),
    ("conv_transpose2d", (1, 1, 3, 3), (1, 1, 1, 1), dict(padding=2 ** 62), None),
    ("conv3d", (1, 1, 3, 3, 3), (1, 1, 2, 1, 1), dict(dilation=2 ** 62), None),
    ("conv3d", (1, 2, 3, 3, 3), (2, 1, 1, 1, 1), dict(groups=2 ** 62), None),
]


@pytest.mark.parametrize("fn,xs,ws,kwargs", [
    ("conv3d", (0, 2, 0, 3, 3), (2, 2, 1, 1, 1), dict(padding=1)),
    ("conv_transpose2d", (0, 2, 0, 3), (2, 1, 1, 1), {}),
    ("conv_transpose2d", (0, 2, 3, 3), (2, 1, 2, 2), dict(stride=2)),
    ("conv_transpose1d", (2, 4, 3), (4, 1, 1), dict(groups=4)),
])
def test_empty_and_edge_shapes_match_torch(fn, xs, ws, kwargs):
    torch = pytest.importorskip("torch")
    y = getattr(F, fn)(pl.tensor(_x(xs)), pl.tensor(_x(ws)), **kwargs)
    t = getattr(torch.nn.functional, fn)(torch.tensor(_x(xs)), torch.tensor(_x(ws)), **kwargs)
    assert tuple(y.shape) == tuple(t.shape)
    np.testing.assert_allclose(y.numpy(), t.numpy(), rtol=1e-12, atol=1e-12)


# dtypes against shapes: PyTorch checks the bias dtype first, the weight dtype after the shapes
DTYPE_ERRORS = [
    ("conv3d", (2, 4, 5, 6, 7), (4, 2, 3, 3, 3), {}, "float32", None),
    ("conv3d", (2, 4, 5, 6, 7), (4, 2, 3, 3, 3), dict(groups=2), "float64", "float32"),
    ("conv3d", (2, 4, 5, 6, 7), (4, 2, 3, 3, 3), dict(groups=3), "float32", None),
    ("conv3d", (2, 4, 2, 6, 7), (4, 2, 3, 3, 3), dict(groups=2), "float32", None),
    ("conv3d", (2, 4, 2, 6, 7), (4, 2, 3, 3, 3), {}, "float64", "float32"),
    ("conv3d", (2, 4, 5, 6, 7), (4, 2, 3, 3, 3), dict(groups=2), "float64", "int64"),
    ("conv3d", (2, 4, 5, 6, 7), (4, 2, 3, 3, 3), dict(groups=2), "bool", None),
    ("conv_transpose3d", (2, 3, 5, 6, 7), (4, 2, 3, 3, 3), {}, "float32", None),
    ("conv_transpose3d", (2, 4, 5, 6, 7), (4, 2, 3, 3, 3), dict(output_padding=1), "float32", None),
    ("conv_transpose3d", (2, 4, 5, 6, 7), (4, 2, 3, 3, 3), {}, "float64", "float32"),
    ("conv_transpose2d", (2, 4, 5, 6), (4, 2, 3, 3), {}, "bool", None),
    ("conv_transpose1d", (2, 4, 5), (4, 2, 3), {}, "float64", "int64"),
]


@pytest.mark.parametrize("fn,xs,ws,kwargs,wdtype,bdtype", DTYPE_ERRORS)
def test_dtype_errors_match_torch(fn, xs, ws, kwargs, wdtype, bdtype):
    torch = pytest.importorskip("torch")
    xdtype = "bool" if wdtype == "bool" else "float64"
    nb = (ws[1] * kwargs.get("groups", 1)) if "transpose" in fn else ws[0]
    res = []
    for lib, Fn in ((pl, F), (torch, torch.nn.functional)):
        args = [lib.tensor(_x(xs, xdtype)), lib.tensor(_x(ws, wdtype))]
        if bdtype:
            args.append(lib.tensor(_x((nb,), bdtype)))
        try:
            Fn.__dict__[fn](*args, **kwargs)
            res.append(None)
        except Exception as e:  # noqa: BLE001 - compared below
            res.append((type(e), str(e)))
    assert res[0] == res[1]


@pytest.mark.parametrize("fn,xs,ws,kwargs,bs", ERRORS)
def test_errors_match_torch(fn, xs, ws, kwargs, bs):
    arrays = [_x(xs), _x(ws)] + ([_x(bs)] if bs else [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises((RuntimeError, TypeError, ValueError)) as mine:
            getattr(F, fn)(*[pl.tensor(a) for a in arrays], **kwargs)
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        getattr(torch.nn.functional, fn)(*[torch.tensor(a) for a in arrays], **kwargs)
    assert type(mine.value) is type(theirs.value)
    assert _sorted_sets(str(mine.value)) == _sorted_sets(str(theirs.value))


def _sorted_sets(message):
    """A printed set's order depends on string hashing: compare its items sorted."""
    return re.sub(r"\{([^}]*)\}", lambda m: str(sorted(m.group(1).split(", "))), message)


@pytest.mark.parametrize("name,kwargs", [
    ("Conv3d", dict(groups=0)), ("Conv3d", dict(groups=3)), ("Conv3d", dict(padding_mode="edge")),
    ("Conv3d", dict(padding="same", stride=2)), ("ConvTranspose2d", dict(padding_mode="reflect")),
    ("ConvTranspose1d", dict(groups=4)), ("ConvTranspose3d", dict(padding_mode="circular")),
])
def test_module_errors_match_torch(name, kwargs):
    with pytest.raises(ValueError) as mine:
        getattr(nn, name)(4, 6, 3, **kwargs)
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as theirs:
        getattr(torch.nn, name)(4, 6, 3, **kwargs)
    assert _sorted_sets(str(mine.value)) == _sorted_sets(str(theirs.value))
