"""Vision layers' functional forms: values and gradients against PyTorch (when importable),
NumPy references and float64 central differences."""
import numpy as np
import pytest

import pytorchlite as torch
import pytorchlite.nn.functional as F
from conftest import fd_check

try:
    import torch as real_torch
    import torch.nn.functional as TF
except ImportError:  # the NumPy and finite-difference checks still run
    real_torch = TF = None

needs_torch = pytest.mark.skipif(real_torch is None, reason="needs PyTorch as the oracle")


def _both(fn_lite, fn_torch, shapes, rng, dtype=np.float64, positive=False, tol=1e-10,
          grad=True):
    """Runs fn on the same random inputs in both libraries; compares outputs and (grad) the
    gradients of a random weighting of the first output."""
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    if positive:
        arrays = [np.abs(a) + 0.1 for a in arrays]
    lite = [torch.tensor(a, requires_grad=True) for a in arrays]
    ref = [real_torch.tensor(a, requires_grad=True) for a in arrays]
    out_l, out_t = fn_lite(*lite), fn_torch(*ref)
    pairs = list(zip(out_l, out_t)) if isinstance(out_t, tuple) else [(out_l, out_t)]
    for a, b in pairs:
        assert tuple(a.shape) == tuple(b.shape)
        assert a.dtype.is_floating_point == b.dtype.is_floating_point
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)
    if not grad:
        return out_l
    first_l, first_t = pairs[0]
    weight = rng.standard_normal(tuple(first_t.shape)).astype(dtype)
    (first_l * torch.tensor(weight)).sum().backward()
    (first_t * real_torch.tensor(weight)).sum().backward()
    for a, b in zip(lite, ref):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=tol, atol=tol)
    return out_l


# ----------------------------------------------------------------------- pooling
@needs_torch
@pytest.mark.parametrize("size", [(2, 3), (1, 1), (5, 7), (3, None), 4, (7, 2)])
def test_adaptive_max_pool2d_matches_torch(rng, size):
    _both(lambda x: F.adaptive_max_pool2d(x, size, return_indices=True),
          lambda x: TF.adaptive_max_pool2d(x, size, return_indices=True), [(2, 3, 5, 7)], rng)
    _both(lambda x: F.adaptive_max_pool2d(x, size), lambda x: TF.adaptive_max_pool2d(x, size),
          [(3, 6, 9)], rng)


@needs_torch
def test_adaptive_max_pool1d_matches_torch(rng):
    for size in (1, 3, 7, 10):
        _both(lambda x: F.adaptive_max_pool1d(x, size, True),
              lambda x: TF.adaptive_max_pool1d(x, size, True), [(2, 3, 7)], rng)


def test_adaptive_max_pool2d_numpy(rng):
    a = rng.standard_normal((2, 5, 7))
    out, idx = F.adaptive_max_pool2d(torch.tensor(a), (3, 4), return_indices=True)
    for i in range(3):
        for j in range(4):
            h0, h1 = (i * 5) // 3, -(-(i + 1) * 5 // 3)
            w0, w1 = (j * 7) // 4, -(-(j + 1) * 7 // 4)
            win = a[:, h0:h1, w0:w1].reshape(2, -1)
            np.testing.assert_array_equal(out.numpy()[:, i, j], win.max(1))
            flat = a.reshape(2, -1)
            np.testing.assert_array_equal(flat[np.arange(2), idx.numpy()[:, i, j]], win.max(1))


@needs_torch
@pytest.mark.parametrize("kernel,stride,padding", [(2, None, 0), (3, 2, 1), ((2, 3), (1, 2), 0)])
def test_max_unpool2d_matches_torch(rng, kernel, stride, padding):
    def make(F_):
        def fn(x):
            y, i = F_.max_pool2d(x, kernel, stride, padding, return_indices=True)
            return F_.max_unpool2d(y * 2, i, kernel, stride, padding, output_size=x.shape)
        return fn
    _both(make(F), make(TF), [(2, 3, 7, 9)], rng)


@needs_torch
def test_max_unpool_output_size_and_1d(rng):
    def make(F_):
        def fn(x):
            y, i = F_.max_pool1d(x, 2, return_indices=True)
            return F_.max_unpool1d(y, i, 2, output_size=[2, 3, 9])
        return fn
    _both(make(F), make(TF), [(2, 3, 9)], rng)
    x = torch.zeros(1, 1, 2, 2)
    with pytest.raises(ValueError, match="invalid output_size"):
        F.max_unpool2d(x, torch.zeros(1, 1, 2, 2, dtype=torch.int64), 2, output_size=(9, 9))
    with pytest.raises(RuntimeError, match="Found an invalid max index: 99"):
        F.max_unpool2d(x, torch.full((1, 1, 2, 2), 99, dtype=torch.int64), 2)


def test_max_unpool_gradient_reads_back_at_index():
    y = torch.tensor([[[[1.0, 2.0]]]], requires_grad=True)
    idx = torch.tensor([[[[3, 3]]]])  # two windows sharing one maximum, as PyTorch allows
    out = F.max_unpool2d(y, idx, (2, 1), 1)
    assert out.flatten().tolist()[:3] == [0.0, 0.0, 0.0]
    (out * torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])).sum().backward()
    assert y.grad.flatten().tolist() == [4.0, 4.0]


@needs_torch
def test_max_pool_indices_dilation_ceil_mode(rng):
    _both(lambda x: F.max_pool2d(x, 3, 2, 1, dilation=2, ceil_mode=True, return_indices=True),
          lambda x: TF.max_pool2d(x, 3, 2, 1, dilation=2, ceil_mode=True, return_indices=True),
          [(2, 3, 9, 8)], rng)
    _both(lambda x: F.max_pool1d(x, 2, 2, 1, dilation=3, ceil_mode=True, return_indices=True),
          lambda x: TF.max_pool1d(x, 2, 2, 1, dilation=3, ceil_mode=True, return_indices=True),
          [(2, 3, 10)], rng)


@needs_torch
@pytest.mark.parametrize("p", [1, 2, 3.5, float("inf")])
def test_lp_pool_matches_torch(rng, p):
    _both(lambda x: F.lp_pool2d(x, p, 3, 2), lambda x: TF.lp_pool2d(x, p, 3, 2),
          [(2, 3, 7, 8)], rng, positive=True)
    _both(lambda x: F.lp_pool2d(x, p, (2, 3), ceil_mode=True),
          lambda x: TF.lp_pool2d(x, p, (2, 3), ceil_mode=True), [(2, 3, 7, 8)], rng,
          positive=True)
    _both(lambda x: F.lp_pool1d(x, p, 3, 2, ceil_mode=True),
          lambda x: TF.lp_pool1d(x, p, 3, 2, ceil_mode=True), [(2, 3, 8)], rng, positive=True)


def test_lp_pool_is_window_norm(rng):
    a = np.abs(rng.standard_normal((1, 1, 4, 4))) + 0.1
    out = F.lp_pool2d(torch.tensor(a), 2, 2).numpy()
    ref = np.sqrt((a.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3) ** 2).sum((2, 3)))
    np.testing.assert_allclose(out[0, 0], ref, rtol=1e-12)


# ----------------------------------------------------------------- normalisation
@needs_torch
@pytest.mark.parametrize("shape,groups", [((3, 4, 5, 3), 2), ((2, 6, 7), 3), ((2, 5), 5),
                                          ((2, 4, 2, 3, 2), 1)])
def test_group_norm_matches_torch(rng, shape, groups):
    c = shape[1]
    _both(lambda x, w, b: F.group_norm(x, groups, w, b, eps=1e-3),
          lambda x, w, b: TF.group_norm(x, groups, w, b, eps=1e-3), [shape, (c,), (c,)], rng)
    _both(lambda x: F.group_norm(x, groups), lambda x: TF.group_norm(x, groups), [shape], rng)


def test_group_norm_numpy_and_fd(rng):
    a = rng.standard_normal((2, 4, 3))
    out = F.group_norm(torch.tensor(a), 2).numpy()
    g = a.reshape(2, 2, -1)
    ref = (g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(out, ref.reshape(a.shape), rtol=1e-10)
    x = torch.tensor(a, requires_grad=True)
    w = torch.tensor(rng.standard_normal(4), requires_grad=True)
    coef = torch.tensor(rng.standard_normal(a.shape))
    fd_check([x, w], lambda: (F.group_norm(x, 2, w) * coef).sum())


@needs_torch
@pytest.mark.parametrize("shape", [(3, 4, 5, 3), (2, 3, 7), (2, 2, 3, 2, 2)])
def test_instance_norm_matches_torch(rng, shape):
    c = shape[1]
    _both(lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
          lambda x, w, b: TF.instance_norm(x, weight=w, bias=b), [shape, (c,), (c,)], rng)
    stats = rng.standard_normal((2, c))
    rm_l, rv_l = torch.tensor(stats[0]), torch.tensor(np.abs(stats[1]))
    rm_t, rv_t = real_torch.tensor(stats[0]), real_torch.tensor(np.abs(stats[1]))
    _both(lambda x: F.instance_norm(x, rm_l, rv_l, momentum=0.3),
          lambda x: TF.instance_norm(x, rm_t, rv_t, momentum=0.3), [shape], rng)
    np.testing.assert_allclose(rm_l.numpy(), rm_t.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv_l.numpy(), rv_t.numpy(), rtol=1e-12)
    _both(lambda x: F.instance_norm(x, rm_l, rv_l, use_input_stats=False),
          lambda x: TF.instance_norm(x, rm_t, rv_t, use_input_stats=False), [shape], rng)


def test_instance_norm_fd(rng):
    x = torch.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    coef = torch.tensor(rng.standard_normal((2, 3, 4)))
    fd_check([x], lambda: (F.instance_norm(x) * coef).sum())


@needs_torch
@pytest.mark.parametrize("shape,size", [((3, 6, 5), 3), ((2, 6, 5, 4), 4), ((2, 5, 2, 3, 2), 2),
                                        ((2, 3, 4), 5)])
def test_local_response_norm_matches_torch(rng, shape, size):
    _both(lambda x: F.local_response_norm(x, size, 0.1, 0.5, 2.0),
          lambda x: TF.local_response_norm(x, size, 0.1, 0.5, 2.0), [shape], rng)


def test_local_response_norm_numpy(rng):
    a = rng.standard_normal((2, 5, 3))
    out = F.local_response_norm(torch.tensor(a), 3, alpha=0.2, beta=0.75, k=1.0).numpy()
    sq = np.pad(a ** 2, ((0, 0), (1, 1), (0, 0)))
    div = (sq[:, :-2] + sq[:, 1:-1] + sq[:, 2:]) / 3
    np.testing.assert_allclose(out, a / (1 + 0.2 * div) ** 0.75, rtol=1e-12)


# --------------------------------------------------------------- pixel shuffle, fold
@needs_torch
def test_pixel_shuffle_matches_torch(rng):
    _both(lambda x: F.pixel_shuffle(x, 2), lambda x: TF.pixel_shuffle(x, 2), [(2, 8, 3, 5)], rng)
    _both(lambda x: F.pixel_shuffle(x, 3), lambda x: TF.pixel_shuffle(x, 3), [(9, 2, 2)], rng)
    _both(lambda x: F.pixel_unshuffle(x, 3), lambda x: TF.pixel_unshuffle(x, 3),
          [(2, 2, 6, 9)], rng)
    _both(lambda x: F.pixel_unshuffle(x, 2), lambda x: TF.pixel_unshuffle(x, 2),
          [(2, 1, 2, 4, 6)], rng)


def test_pixel_shuffle_numpy_and_roundtrip(rng):
    a = rng.standard_normal((1, 4, 2, 3))
    out = F.pixel_shuffle(torch.tensor(a), 2).numpy()
    for c in range(4):
        i, j = divmod(c, 2)
        np.testing.assert_array_equal(out[0, 0, i::2, j::2], a[0, c])
    back = F.pixel_unshuffle(torch.tensor(out), 2).numpy()
    np.testing.assert_array_equal(back, a)


def test_channel_shuffle_numpy():
    a = np.arange(12.0).reshape(1, 6, 2, 1)
    out = F.channel_shuffle(torch.tensor(a), 2).numpy()
    np.testing.assert_array_equal(out, a.reshape(1, 2, 3, 2, 1).transpose(0, 2, 1, 3, 4)
                                  .reshape(1, 6, 2, 1))
    assert out.reshape(-1).tolist() == [0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11]


def _im2col(a, k, d, p, s):
    """Naive im2col reference (N, C, H, W) -> (N, C*kh*kw, L)."""
    n, c, h, w = a.shape
    ap = np.pad(a, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    bh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    bw = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    out = np.zeros((n, c, k[0], k[1], bh, bw))
    for i in range(k[0]):
        for j in range(k[1]):
            out[:, :, i, j] = ap[:, :, i * d[0]:i * d[0] + s[0] * bh:s[0],
                                 j * d[1]:j * d[1] + s[1] * bw:s[1]][:, :, :bh, :bw]
    return out.reshape(n, c * k[0] * k[1], bh * bw)


def test_unfold_numpy_and_fold_is_adjoint(rng):
    a = rng.standard_normal((2, 3, 6, 7))
    cols = F.unfold(torch.tensor(a), (2, 3), dilation=(2, 1), padding=1, stride=(1, 2))
    np.testing.assert_array_equal(cols.numpy(), _im2col(a, (2, 3), (2, 1), (1, 1), (1, 2)))
    c = rng.standard_normal(tuple(cols.shape))
    folded = F.fold(torch.tensor(c), (6, 7), (2, 3), dilation=(2, 1), padding=1, stride=(1, 2))
    # <unfold(a), c> == <a, fold(c)>
    np.testing.assert_allclose((cols.numpy() * c).sum(), (a * folded.numpy()).sum(), rtol=1e-10)


@needs_torch
@pytest.mark.parametrize("kw", [dict(kernel_size=3), dict(kernel_size=(2, 3), dilation=(2, 1),
                                padding=1, stride=(1, 2)), dict(kernel_size=2, stride=2)])
def test_fold_unfold_match_torch(rng, kw):
    _both(lambda x: F.unfold(x, **kw), lambda x: TF.unfold(x, **kw), [(2, 3, 6, 7)], rng)
    _both(lambda x: F.unfold(x, **kw), lambda x: TF.unfold(x, **kw), [(3, 6, 7)], rng)
    cols = TF.unfold(real_torch.zeros(2, 3, 6, 7), **kw).shape
    _both(lambda x: F.fold(x, (6, 7), **kw), lambda x: TF.fold(x, (6, 7), **kw), [cols], rng)
    _both(lambda x: F.fold(x, (6, 7), **kw), lambda x: TF.fold(x, (6, 7), **kw), [cols[1:]], rng)


# -------------------------------------------------------------------- interpolate
_CASES = [
    ("nearest", (2, 3, 5, 7), dict(scale_factor=2.5)),
    ("nearest", (2, 3, 5, 7), dict(size=(3, 11))),
    ("nearest", (2, 3, 5), dict(scale_factor=1.1)),  # PyTorch's backward copies here
    ("nearest", (1, 2, 3, 4, 5), dict(scale_factor=(1.5, 2, 0.5))),
    ("nearest", (2, 3, 5, 6), dict(scale_factor=0.7, recompute_scale_factor=True)),
    ("nearest-exact", (2, 3, 5, 7), dict(size=(3, 11))),
    ("nearest-exact", (2, 3, 9), dict(scale_factor=0.4)),
    ("linear", (2, 3, 5), dict(scale_factor=2.3)),
    ("linear", (2, 3, 5), dict(size=1, align_corners=True)),
    ("linear", (2, 3, 5), dict(scale_factor=1.1)),
    ("bilinear", (2, 3, 5, 7), dict(size=(3, 11))),
    ("bilinear", (2, 3, 5, 7), dict(size=(8, 11), align_corners=True)),
    ("bilinear", (2, 3, 5, 7), dict(scale_factor=1.7)),
    ("bilinear", (1, 2, 4, 4), dict(scale_factor=0.5)),
    ("bicubic", (2, 3, 5, 7), dict(size=(8, 4))),
    ("bicubic", (2, 3, 5, 7), dict(scale_factor=2, align_corners=True)),
    ("bicubic", (1, 2, 5, 5), dict(scale_factor=1.1)),  # and here
    ("trilinear", (1, 2, 3, 4, 5), dict(size=(4, 5, 6))),
    ("trilinear", (1, 2, 3, 4, 5), dict(scale_factor=1.5, align_corners=True)),
    ("bilinear", (2, 3, 9, 11), dict(size=(3, 4), antialias=True)),
    ("bilinear", (2, 3, 9, 11), dict(scale_factor=(0.37, 1.0), antialias=True)),
    ("bilinear", (2, 3, 9, 11), dict(size=(12, 20), antialias=True)),
    ("bicubic", (2, 3, 9, 11), dict(size=(9, 2), antialias=True)),
    ("bicubic", (2, 3, 9, 11), dict(size=(3, 4), align_corners=True, antialias=True)),
    ("lanczos", (2, 3, 9, 11), dict(size=(3, 4), antialias=True)),
    ("lanczos", (2, 3, 9, 11), dict(size=(20, 40), antialias=True)),
    ("area", (2, 3, 9, 7), dict(size=(4, 3))),
    ("area", (2, 3, 9), dict(scale_factor=0.5)),
    ("area", (2, 3, 5, 7, 6), dict(size=(2, 3, 4))),
    ("area", (1, 2, 5, 7, 6), dict(scale_factor=0.5)),
]


@needs_torch
@pytest.mark.parametrize("mode,shape,kw", _CASES)
def test_interpolate_matches_torch(rng, mode, shape, kw):
    # Where an output size equals the input size but the scale is not 1, PyTorch's forward
    # uses the scale while its backward copies the gradient straight through; ours is the
    # adjoint of the forward, so only the forward is compared there.
    same = kw.get("scale_factor") == 1.1 and mode in ("nearest", "bicubic")
    _both(lambda x: F.interpolate(x, mode=mode, **kw),
          lambda x: TF.interpolate(x, mode=mode, **kw), [shape], rng, grad=not same)
    # float32: PyTorch's float32 positions and weights (up to a rounding of the sums)
    _both(lambda x: F.interpolate(x, mode=mode, **kw),
          lambda x: TF.interpolate(x, mode=mode, **kw), [shape], rng, dtype=np.float32,
          tol=3e-6, grad=not same)


def test_interpolate_nearest_numpy():
    a = np.arange(12.0).reshape(1, 1, 3, 4)
    out = F.interpolate(torch.tensor(a), scale_factor=2).numpy()
    np.testing.assert_array_equal(out, a.repeat(2, 2).repeat(2, 3))
    lin = F.interpolate(torch.tensor(a[:, :, 0]), size=7, mode="linear", align_corners=True)
    np.testing.assert_allclose(lin.numpy()[0, 0], np.linspace(0, 3, 7), rtol=1e-12)


@pytest.mark.parametrize("mode,shape", [("bilinear", (1, 2, 3, 4)), ("bicubic", (1, 1, 3, 3)),
                                        ("trilinear", (1, 1, 2, 2, 3)), ("nearest", (1, 2, 5))])
def test_interpolate_gradcheck(rng, mode, shape):
    x = torch.tensor(rng.standard_normal(shape), requires_grad=True)
    out_size = [s + 2 for s in shape[2:]]
    coef = torch.tensor(rng.standard_normal(shape[:2] + tuple(out_size)))
    kw = {} if mode == "nearest" else {"align_corners": False}
    fd_check([x], lambda: (F.interpolate(x, size=out_size, mode=mode, **kw) * coef).sum())
    assert torch.autograd.gradcheck(lambda t: F.interpolate(t, size=out_size, mode=mode, **kw),
                                    (x,))


def test_interpolate_errors():
    x = torch.zeros(1, 1, 5)
    with pytest.raises(NotImplementedError, match="Got 3D input, but bilinear mode needs 4D"):
        F.interpolate(x, scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x, size=3, align_corners=True)
    with pytest.raises(ValueError, match="recompute_scale_factor is not meaningful"):
        F.interpolate(x, size=3, recompute_scale_factor=True)
    with pytest.raises(RuntimeError, match=r"input \(W: 5\) and output \(W: 0\)"):
        F.interpolate(x, size=0)
    with pytest.raises(ValueError, match="same number of spatial dimensions"):
        F.interpolate(x, size=(3, 3))
    with pytest.raises(TypeError, match="expected size to be one of int"):
        F.interpolate(x, size=(3.5,))
    with pytest.raises(NotImplementedError, match="Only 3D, 4D and 5D input"):
        F.interpolate(torch.zeros(2, 3), size=3)
    with pytest.warns(UserWarning, match="upsample` is deprecated"):
        F.upsample(x, scale_factor=2)


# ------------------------------------------------------------ affine_grid, grid_sample
@needs_torch
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (1, 2, 1, 3), (2, 1, 3, 2, 4)])
@pytest.mark.parametrize("align", [False, True])
def test_affine_grid_matches_torch(rng, size, align):
    nsp = len(size) - 2
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the unit-size grid warning, raised by both
        _both(lambda t: F.affine_grid(t, size, align), lambda t: TF.affine_grid(t, size, align),
              [(size[0], nsp, nsp + 1)], rng)


def test_affine_grid_identity():
    theta = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], dtype=torch.float64)
    grid = F.affine_grid(theta, (1, 1, 2, 3), align_corners=True).numpy()
    np.testing.assert_allclose(grid[0, :, :, 0], [[-1, 0, 1], [-1, 0, 1]])
    np.testing.assert_allclose(grid[0, :, :, 1], [[-1, -1, -1], [1, 1, 1]])
    # sampling an image on its own identity grid returns the image
    img = torch.tensor(np.arange(6.0).reshape(1, 1, 2, 3))
    for mode in ("bilinear", "nearest", "bicubic"):
        out = F.grid_sample(img, torch.tensor(grid), mode=mode, align_corners=True)
        np.testing.assert_allclose(out.numpy(), img.numpy(), atol=1e-12)


@needs_torch
@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align", [False, True])
def test_grid_sample_matches_torch(mode, padding_mode, align):
    rng = np.random.default_rng(7)
    a = rng.standard_normal((2, 3, 5, 6))
    g = rng.uniform(-1.4, 1.4, (2, 4, 7, 2))
    g[0, 0, :5] = [[-1, -1], [1, 1], [0.5, 2.5], [-1.2, 1.1], [1 / 6 - 1, 1]]  # edges, outside
    for dtype, tol in ((np.float64, 1e-12), (np.float32, 3e-5)):
        arrays = [a.astype(dtype), g.astype(dtype)]
        lite = [torch.tensor(x, requires_grad=True) for x in arrays]
        ref = [real_torch.tensor(x, requires_grad=True) for x in arrays]
        out_l = F.grid_sample(*lite, mode, padding_mode, align)
        out_t = TF.grid_sample(*ref, mode, padding_mode, align)
        np.testing.assert_allclose(out_l.detach().numpy(), out_t.detach().numpy(), atol=tol)
        w = rng.standard_normal(tuple(out_t.shape)).astype(dtype)
        (out_l * torch.tensor(w)).sum().backward()
        (out_t * real_torch.tensor(w)).sum().backward()
        for x_l, x_t in zip(lite, ref):
            np.testing.assert_allclose(x_l.grad.numpy(), x_t.grad.numpy(), atol=tol * 10)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_grid_sample_fd(rng, mode):
    x = torch.tensor(rng.standard_normal((1, 2, 4, 5)), requires_grad=True)
    g = torch.tensor(rng.uniform(-0.9, 0.9, (1, 3, 2, 2)), requires_grad=True)
    coef = torch.tensor(rng.standard_normal((1, 2, 3, 2)))
    fd_check([x, g], lambda: (F.grid_sample(x, g, mode, "reflection", False) * coef).sum(),
             tol=1e-5)


def test_grid_sample_errors_and_warning():
    x, g = torch.zeros(1, 1, 3, 3), torch.zeros(1, 2, 2, 2)
    with pytest.raises(ValueError, match="expected mode to be 'bilinear', 'nearest' or 'bicubic'"):
        F.grid_sample(x, g, mode="area", align_corners=False)
    with pytest.raises(ValueError, match="expected padding_mode to be 'zeros'"):
        F.grid_sample(x, g, padding_mode="wrap", align_corners=False)
    with pytest.raises(RuntimeError, match="same batch size"):
        F.grid_sample(x, torch.zeros(2, 2, 2, 2), align_corners=False)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(x, g)
    with pytest.raises(ValueError, match="Nx2x3"):
        F.affine_grid(torch.zeros(1, 3, 3), (1, 1, 2, 2), align_corners=False)
    with pytest.raises(ValueError, match="floating point type"):
        F.affine_grid(torch.zeros(1, 2, 3, dtype=torch.int64), (1, 1, 2, 2), align_corners=False)


@pytest.mark.parametrize("name", ["interpolate", "group_norm", "grid_sample", "max_unpool2d",
                                  "adaptive_max_pool2d", "fold", "local_response_norm",
                                  "instance_norm"])
def test_double_backward(rng, name):
    x = torch.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    g = torch.tensor(rng.uniform(-0.8, 0.8, (1, 2, 2, 2)), requires_grad=True)
    fns = {
        "interpolate": lambda t: F.interpolate(t, size=(4, 5), mode="bicubic", align_corners=False),
        "group_norm": lambda t: F.group_norm(t, 2),
        "grid_sample": lambda t: F.grid_sample(t, g, align_corners=False),
        "max_unpool2d": lambda t: F.max_unpool2d(*F.max_pool2d(t, 2, return_indices=True), 2),
        "adaptive_max_pool2d": lambda t: F.adaptive_max_pool2d(t, 2),
        "fold": lambda t: F.fold(F.unfold(t, 2), (3, 4), 2),
        "local_response_norm": lambda t: F.local_response_norm(t, 2),
        "instance_norm": lambda t: F.instance_norm(t),
    }
    assert torch.autograd.gradgradcheck(fns[name], (x,))


@needs_torch
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align", [False, True])
def test_grid_sample_5d_matches_torch(mode, padding_mode, align):
    rng = np.random.default_rng(8)
    a = rng.standard_normal((2, 3, 4, 5, 6))
    g = rng.uniform(-1.4, 1.4, (2, 3, 4, 2, 3))
    g[0, 0, 0, :2] = [[-1, -1, -1], [1, 1, 1]]
    lite = [torch.tensor(a, requires_grad=True), torch.tensor(g, requires_grad=True)]
    ref = [real_torch.tensor(a, requires_grad=True), real_torch.tensor(g, requires_grad=True)]
    out_l, out_t = F.grid_sample(*lite, mode, padding_mode, align), TF.grid_sample(*ref, mode,
                                                                                  padding_mode, align)
    np.testing.assert_allclose(out_l.detach().numpy(), out_t.detach().numpy(), atol=1e-12)
    w = rng.standard_normal(tuple(out_t.shape))
    (out_l * torch.tensor(w)).sum().backward()
    (out_t * real_torch.tensor(w)).sum().backward()
    for x_l, x_t in zip(lite, ref):
        np.testing.assert_allclose(x_l.grad.numpy(), x_t.grad.numpy(), atol=1e-11)
    with pytest.raises(RuntimeError, match="bicubic interpolation only supports 4D input"):
        F.grid_sample(lite[0], lite[1], "bicubic", align_corners=align)


def test_identity_rearrangements_return_new_tensors():
    x = torch.randn(2, 4, 3, 3)
    outs = [F.pixel_shuffle(x, 1), F.pixel_unshuffle(x, 1), F.channel_shuffle(x, 1),
            F.channel_shuffle(x, 4), F.fold(x.reshape(2, 4, 9), (3, 3), 1),
            F.pixel_shuffle(torch.randn(4, 1, 1), 2), F.interpolate(x, size=(3, 3))]
    for out in outs:
        before = x.clone()
        out.zero_()
        assert x.tolist() == before.tolist()
