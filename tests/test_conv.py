"""Convolution, pooling, pad and batch norm: the im2col kernel against the direct-loop
reference, gradients against float64 central differences, and results against NumPy."""
import gc
import os

import numpy as np
import pytest

import pytorchlite as torch
import pytorchlite.nn as nn
import pytorchlite.nn.functional as F
from conftest import measures_rss, numeric_grad, rss_bytes, to_pl

# (input shape, weight shape, stride, padding, dilation, groups)
CONV_CASES = [
    ((2, 3, 7, 6), (4, 3, 3, 3), 1, 0, 1, 1),
    ((1, 4, 9, 8), (6, 2, 3, 2), (2, 1), (1, 2), (1, 2), 2),
    ((2, 3, 5, 7), (3, 1, 3, 3), 2, 1, 1, 3),        # depthwise
    ((1, 2, 6, 5), (2, 2, 1, 1), (3, 2), 0, 1, 1),    # 1x1 kernel, strides past the edge
    ((2, 3, 11), (4, 3, 3), 2, 1, 2, 1),              # 1-D
    ((1, 4, 8), (4, 1, 5), 1, 2, 1, 4),               # 1-D depthwise
    ((3, 5, 5), (2, 3, 3, 3), 1, 1, 1, 1),            # unbatched
]


def _conv(x, w, b, stride, padding, dilation, groups):
    fn = F.conv2d if w.dim() == 4 else F.conv1d
    return fn(x, w, b, stride, padding, dilation, groups)


@pytest.fixture
def reference_kernel():
    yield lambda on: torch._C._conv_force_reference(on)
    torch._C._conv_force_reference(False)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CONV_CASES)
def test_im2col_matches_reference_kernel(case, dtype, rng, reference_kernel):
    xs, ws, stride, padding, dilation, groups = case
    x, w = rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)
    b = rng.standard_normal(ws[0]).astype(dtype)
    results = []
    for ref in (False, True):
        reference_kernel(ref)
        X, W, B = to_pl(x, True), to_pl(w, True), to_pl(b, True)
        y = _conv(X, W, B, stride, padding, dilation, groups)
        gy = np.cos(np.arange(y.numel())).reshape(tuple(y.shape)).astype(dtype)
        y.backward(to_pl(gy))
        results.append([y.detach().numpy(), X.grad.numpy(), W.grad.numpy(), B.grad.numpy()])
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for fast, slow in zip(*results):
        np.testing.assert_allclose(fast, slow, rtol=tol, atol=tol)


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_gradients_match_central_differences(case, rng):
    xs, ws, stride, padding, dilation, groups = case
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    X, W, B = to_pl(x, True), to_pl(w, True), to_pl(b, True)
    y = _conv(X, W, B, stride, padding, dilation, groups)
    gy = rng.standard_normal(tuple(y.shape))
    (y * to_pl(gy)).sum().backward()

    def loss(xa, wa, ba):
        return float((_conv(to_pl(xa), to_pl(wa), to_pl(ba), stride, padding, dilation,
                            groups).numpy() * gy).sum())

    for got, want in zip((X.grad, W.grad, B.grad), numeric_grad(loss, [x, w, b])):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-7)


def test_conv_forward_matches_numpy_loops(rng):
    x, w = rng.standard_normal((1, 2, 5, 6)), rng.standard_normal((3, 2, 2, 3))
    y = F.conv2d(to_pl(x), to_pl(w), stride=(2, 1), padding=(1, 0)).numpy()
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (0, 0)))
    want = np.zeros((1, 3, 3, 4))
    for o in range(3):
        for i in range(3):
            for j in range(4):
                want[0, o, i, j] = (xp[0, :, 2 * i:2 * i + 2, j:j + 3] * w[o]).sum()
    np.testing.assert_allclose(y, want, rtol=1e-12)


def test_conv_grad_fn_and_unbatched_shape():
    x = torch.randn(2, 3, 8, 8, requires_grad=True)
    w = torch.randn(4, 3, 3, 3)
    assert type(F.conv2d(x, w).grad_fn).__name__ == "ConvolutionBackward0"
    assert type(F.conv1d(x[:, :, 0], w[:, :, 0]).grad_fn).__name__ == "ConvolutionBackward0"
    assert tuple(F.conv2d(x[0], w).shape) == (4, 6, 6)
    assert tuple(F.conv1d(x[0, :, 0], w[:, :, 0], padding="same").shape) == (4, 8)


@pytest.mark.parametrize("padding,dilation,k", [("same", 1, 4), ("same", 2, 3), ("valid", 1, 3)])
def test_conv_string_padding(padding, dilation, k, rng):
    x, w = rng.standard_normal((1, 2, 7, 6)), rng.standard_normal((3, 2, k, k))
    total = dilation * (k - 1)
    if total % 2:  # PyTorch warns that an odd total padding needs a padded copy
        with pytest.warns(UserWarning, match="even kernel lengths and odd dilation"):
            y = F.conv2d(to_pl(x), to_pl(w), padding=padding, dilation=dilation).numpy()
    else:
        y = F.conv2d(to_pl(x), to_pl(w), padding=padding, dilation=dilation).numpy()
    if padding == "same":
        left = total // 2
        xp = np.pad(x, ((0, 0), (0, 0), (left, total - left), (left, total - left)))
        assert y.shape == (1, 3, 7, 6)
    else:
        xp = x
    want = F.conv2d(to_pl(xp), to_pl(w), dilation=dilation).numpy()
    np.testing.assert_allclose(y, want, rtol=1e-12)


# ---- pooling ----

def _pool_grads(fn, shape, rng):
    x = rng.standard_normal(shape)
    X = to_pl(x, True)
    y = fn(X)
    gy = rng.standard_normal(tuple(y.shape))
    (y * to_pl(gy)).sum().backward()
    (want,) = numeric_grad(lambda a: float((fn(to_pl(a)).numpy() * gy).sum()), [x])
    np.testing.assert_allclose(X.grad.numpy(), want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool2d(x, 3, 2, 1),
    lambda x: F.max_pool2d(x, (2, 3), (1, 2), (1, 0), (2, 1), ceil_mode=True),
    lambda x: F.avg_pool2d(x, 3, 2, 1),
    lambda x: F.avg_pool2d(x, 2, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda x: F.avg_pool2d(x, (3, 2), 2, divisor_override=5),
    lambda x: F.adaptive_avg_pool2d(x, (3, 4)),
    lambda x: F.adaptive_avg_pool2d(x, (7, 2)),
    lambda x: F.max_pool1d(x[0], 3, 2, 1),
    lambda x: F.avg_pool1d(x[0], 3, 2, 1),
    lambda x: F.adaptive_avg_pool1d(x[0], 4),
])
def test_pool_gradients_match_central_differences(fn, rng):
    _pool_grads(fn, (2, 3, 7, 5), rng)


def test_max_pool_picks_first_max_on_ties():
    x = torch.tensor([[[[1.0, 3.0, 3.0], [3.0, 0.0, 2.0]]]], requires_grad=True)
    y, idx = F.max_pool2d(x, (2, 3), return_indices=True)
    assert idx.tolist() == [[[[1]]]]
    y.sum().backward()
    assert x.grad.tolist() == [[[[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]]]
    assert type(y.grad_fn).__name__ == "MaxPool2DWithIndicesBackward0"


def test_avg_pool_counts_and_adaptive_windows():
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    y = F.avg_pool2d(x, 2, 2, 1, count_include_pad=False)
    assert y[0, 0, 0, 0].item() == 0.0 and y[0, 0, 1, 1].item() == (5 + 6 + 9 + 10) / 4
    assert F.avg_pool2d(x, 2, 2, 1)[0, 0, 0, 0].item() == 0.0 / 4
    a = np.arange(10.0)
    got = F.adaptive_avg_pool1d(torch.tensor(a).reshape(1, 1, 10), 3).numpy().ravel()
    want = [a[i * 10 // 3:-(-(i + 1) * 10 // 3)].mean() for i in range(3)]
    np.testing.assert_allclose(got, want)


# ---- pad ----

@pytest.mark.parametrize("mode,np_mode", [("reflect", "reflect"), ("replicate", "edge"),
                                          ("circular", "wrap"), ("constant", "constant")])
def test_pad_modes_match_numpy(mode, np_mode, rng):
    x = rng.standard_normal((2, 3, 4, 5))
    got = F.pad(to_pl(x), (2, 1, 3, 0), mode=mode).numpy()
    np.testing.assert_array_equal(got, np.pad(x, ((0, 0), (0, 0), (3, 0), (2, 1)), mode=np_mode))


def test_conv_padding_modes(rng):
    x = rng.standard_normal((1, 2, 5, 6)).astype(np.float32)
    for mode in ("reflect", "replicate", "circular"):
        m = nn.Conv2d(2, 3, 3, padding=1, padding_mode=mode)
        want = F.conv2d(F.pad(to_pl(x), (1, 1, 1, 1), mode=mode), m.weight, m.bias)
        np.testing.assert_array_equal(m(to_pl(x)).detach().numpy(), want.detach().numpy())


# ---- batch norm ----

def test_batchnorm_train_and_eval_statistics(rng):
    x = rng.standard_normal((6, 3, 4, 5)) * 2 + 1
    bn = nn.BatchNorm2d(3).double()
    y = bn(to_pl(x)).detach().numpy()
    mean, var = x.mean((0, 2, 3)), x.var((0, 2, 3))
    np.testing.assert_allclose(y, (x - mean[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 + 0.1 * x.var((0, 2, 3), ddof=1),
                               rtol=1e-12)
    assert bn.num_batches_tracked.item() == 1 and bn.num_batches_tracked.dtype == torch.int64
    bn.eval()
    y = bn(to_pl(x)).detach().numpy()
    rm, rv = bn.running_mean.numpy(), bn.running_var.numpy()
    np.testing.assert_allclose(y, (x - rm[:, None, None]) / np.sqrt(rv[:, None, None] + 1e-5),
                               rtol=1e-10)


def test_batchnorm_cumulative_average_and_untracked(rng):
    bn = nn.BatchNorm1d(2, momentum=None).double()
    batches = [rng.standard_normal((5, 2)) for _ in range(3)]
    for b in batches:
        bn(to_pl(b))
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean([b.mean(0) for b in batches], 0),
                               rtol=1e-12)
    free = nn.BatchNorm1d(2, track_running_stats=False)
    assert free.running_mean is None and "running_mean" not in free.state_dict()
    free.eval()
    x = rng.standard_normal((4, 2)).astype(np.float32)
    np.testing.assert_allclose(free(to_pl(x)).detach().numpy(),
                               (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5), rtol=1e-4, atol=1e-5)


def test_batchnorm_gradients_match_central_differences(rng):
    x, w, b = rng.standard_normal((4, 3, 2)), rng.standard_normal(3), rng.standard_normal(3)
    gy = rng.standard_normal((4, 3, 2))

    def loss(xa, wa, ba):
        return float((F.batch_norm(to_pl(xa), None, None, to_pl(wa), to_pl(ba), True).numpy()
                      * gy).sum())

    X, W, B = to_pl(x, True), to_pl(w, True), to_pl(b, True)
    (F.batch_norm(X, None, None, W, B, True) * to_pl(gy)).sum().backward()
    for got, want in zip((X.grad, W.grad, B.grad), numeric_grad(loss, [x, w, b])):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-7)


def test_dropout2d_zeroes_whole_channels():
    torch.manual_seed(0)
    y = nn.Dropout2d(0.5)(torch.ones(4, 6, 3, 3))
    per_channel = y.numpy().reshape(24, 9)
    assert all(len(set(row)) == 1 for row in per_channel)
    assert set(per_channel[:, 0]) <= {0.0, 2.0} and len(set(per_channel[:, 0])) == 2


@pytest.mark.parametrize("kwargs", [dict(dilation=2**62), dict(padding=2**61), dict(stride=2**62),
                                    dict(padding=(2**62 - 1, 0))])
def test_conv_huge_parameters_raise_or_work_without_overflow(kwargs):
    """Sizes that overflow int64 are refused with an error, never wrapped around."""
    try:
        y = F.conv2d(torch.ones(1, 3, 5, 5), torch.ones(2, 3, 3, 3), **kwargs)
    except (RuntimeError, MemoryError):
        return
    assert tuple(y.shape) == (1, 2, 1, 1)


def test_conv_strided_views_as_input(rng):
    x = rng.standard_normal((3, 2, 6, 7))
    xt = to_pl(x.transpose(1, 0, 3, 2).copy()).permute(1, 0, 3, 2)  # (3, 2, 6, 7), strided
    w = to_pl(rng.standard_normal((2, 4, 7, 3))).transpose(0, 1)[:, :, ::2]  # (4, 2, 4, 3)
    assert not xt.is_contiguous() and not w.is_contiguous()
    got = F.conv2d(xt, w).numpy()
    want = F.conv2d(xt.contiguous(), w.contiguous()).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12)


# ---- memory: a small CNN's training steps and failing calls must not grow the process ----


def _cnn_step(model=[]):  # noqa: B006 - one model kept across calls
    if not model:
        torch.manual_seed(0)
        model.append(nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                   nn.MaxPool2d(2), nn.Conv2d(8, 8, 3, groups=2), nn.ReLU(),
                                   nn.AvgPool2d(2, ceil_mode=True), nn.AdaptiveAvgPool2d((2, 3)),
                                   nn.Flatten(), nn.Linear(48, 4)))
    x = torch.randn(4, 3, 32, 32, requires_grad=True)
    loss = model[0](x).pow(2).mean()
    loss.backward()
    _, idx = F.max_pool2d(x, 3, return_indices=True)
    for bad in (lambda: F.conv2d(x, torch.ones(2, 4, 3, 3)), lambda: F.max_pool2d(x, 40),
                lambda: F.conv2d(x[:, :, :2, :2], torch.ones(2, 3, 3, 3)),
                lambda: F.adaptive_avg_pool2d(x[0, 0, 0], 2)):
        with pytest.raises(RuntimeError):
            bad()


@measures_rss
@pytest.mark.skipif("asan" in os.environ.get("LD_PRELOAD", ""), reason="RSS under ASan")
def test_cnn_training_steps_do_not_leak():
    for _ in range(10):
        _cnn_step()
    gc.collect()
    before = rss_bytes()
    for _ in range(150):
        _cnn_step()
    gc.collect()
    assert rss_bytes() - before < 12 * 2 ** 20
