"""The fast convolution and pooling kernels against their plain references: the implicit-GEMM
forward (weights packed once, input packed straight into the micro-kernel's slivers, split by
image, column block and row block), the backward split over images, and the clipped max-pool
loop; on every GEMM kernel path, forced in a child process."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pytorchlite as torch
import pytorchlite.nn.functional as F
from conftest import child_env, to_pl

# (input shape, weight shape, stride, padding, dilation, groups): chosen to reach every branch
# of the implicit GEMM: several column blocks (L > 256), K deeper than one kc slice (K > 512),
# row blocks over a shared packed input (few columns), 1x1 convolutions read in place, strides,
# dilation, padding wider than the kernel's reach, groups, rows past a micro-tile
CASES = [
    ((2, 3, 40, 37), (20, 3, 3, 3), 1, 1, 1, 1),           # several column blocks, ragged rows
    ((1, 64, 9, 9), (70, 64, 3, 3), 1, 1, 1, 1),           # K = 576 > kc, few columns
    ((1, 160, 5, 5), (13, 160, 3, 3), 2, 1, 1, 1),         # K = 1440, 9 columns
    ((3, 16, 12, 12), (24, 16, 1, 1), 1, 0, 1, 1),         # 1x1: the input read as it is
    ((2, 16, 13, 11), (24, 16, 1, 1), 2, 0, 1, 1),         # 1x1 stride 2 (the downsample)
    ((1, 3, 30, 30), (8, 3, 7, 7), 2, 3, 1, 1),            # the ResNet stem
    ((2, 4, 15, 16), (6, 2, 3, 2), (2, 3), (2, 1), (2, 3), 2),
    ((2, 6, 9, 9), (6, 1, 3, 3), 1, 2, 2, 6),              # depthwise, padding past the taps
    ((1, 1, 28, 28), (32, 1, 3, 3), 1, 0, 1, 1),           # the MNIST first layer
    ((4, 8, 21, 20), (16, 8, 3, 3), 1, 1, 1, 1),           # backward split over images
    ((2, 3, 1, 50), (5, 3, 1, 4), 3, (0, 2), (1, 3), 1),   # a 1-D convolution's view
    # the input gradient as the implicit-GEMM convolution of flipped weights (stride 1, at
    # least 64 channels and 144 pixels)
    ((2, 64, 12, 12), (16, 64, 3, 3), 1, 1, 1, 1),
    ((1, 64, 13, 12), (32, 16, 3, 2), 1, (2, 0), (2, 3), 4),
    ((2, 72, 40, 40), (8, 72, 3, 3), 2, 1, 1, 1),         # backward one image per product
]


@pytest.fixture
def reference_kernel():
    yield lambda on: torch._C._conv_force_reference(on)
    torch._C._conv_force_reference(False)


def _run(case, dtype, rng, bias=True):
    xs, ws, stride, padding, dilation, groups = case
    x, w = rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)
    b = rng.standard_normal(ws[0]).astype(dtype) if bias else None
    X, W = to_pl(x, True), to_pl(w, True)
    B = to_pl(b, True) if bias else None
    y = F.conv2d(X, W, B, stride, padding, dilation, groups)
    gy = np.sin(np.arange(y.numel()) * 0.37).reshape(tuple(y.shape)).astype(dtype)
    y.backward(to_pl(gy))
    out = [y.detach().numpy(), X.grad.numpy(), W.grad.numpy()]
    return out + ([B.grad.numpy()] if bias else [])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("case", CASES)
def test_fast_conv_matches_reference(case, dtype, bias, reference_kernel):
    results = []
    for ref in (False, True):
        reference_kernel(ref)
        results.append(_run(case, dtype, np.random.default_rng(7), bias))
    tol = 2e-4 if dtype == np.float32 else 1e-11
    for fast, slow in zip(*results):
        scale = max(1.0, float(np.abs(slow).max()))
        np.testing.assert_allclose(fast, slow, rtol=tol, atol=tol * scale)


def test_conv_forward_against_numpy_im2col(rng):
    """Without the reference kernel: the implicit GEMM against a NumPy im2col product."""
    x = rng.standard_normal((2, 5, 11, 9))
    w = rng.standard_normal((7, 5, 3, 2))
    y = F.conv2d(to_pl(x), to_pl(w), stride=(2, 1), padding=(1, 1)).numpy()
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    OH, OW = (11 + 2 - 3) // 2 + 1, 9 + 2 - 2 + 1
    cols = np.stack([xp[:, :, i * 2:i * 2 + 3, j:j + 2].reshape(2, -1)
                     for i in range(OH) for j in range(OW)], axis=2)  # (N, C * kh * kw, L)
    want = np.einsum("ok,nkl->nol", w.reshape(7, -1), cols).reshape(2, 7, OH, OW)
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-12)


def test_conv_forward_is_the_same_on_one_or_two_threads(rng):
    """Each output is one micro-kernel's sum over the same slices whatever the split."""
    x = to_pl(rng.standard_normal((1, 64, 9, 9)).astype(np.float32))
    w = to_pl(rng.standard_normal((70, 64, 3, 3)).astype(np.float32))
    old = torch.get_num_threads()
    try:
        outs = []
        for n in (1, 2, 3):
            torch.set_num_threads(n)
            outs.append(F.conv2d(x, w, padding=1).numpy())
    finally:
        torch.set_num_threads(old)
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_array_equal(outs[0], outs[2])


def test_conv_backward_on_one_or_several_threads(rng):
    x = rng.standard_normal((6, 8, 21, 20)).astype(np.float32)
    w = rng.standard_normal((16, 8, 3, 3)).astype(np.float32)
    old = torch.get_num_threads()
    grads = []
    try:
        for n in (1, 2, 4):
            torch.set_num_threads(n)
            X, W = to_pl(x, True), to_pl(w, True)
            F.conv2d(X, W, padding=1).square().sum().backward()
            grads.append((X.grad.numpy(), W.grad.numpy()))
    finally:
        torch.set_num_threads(old)
    for dx, dw in grads[1:]:
        np.testing.assert_array_equal(dx, grads[0][0])  # one image per part: the same sums
        np.testing.assert_allclose(dw, grads[0][1], rtol=1e-5, atol=1e-3)



@pytest.mark.parametrize("needs", ["x", "w", "b", "wb", "xwb"])
@pytest.mark.parametrize("shape", [(9, 2, 28, 28), (12, 16, 9, 9)])  # one image / several per product
def test_conv_backward_parts_for_each_subset_of_inputs(needs, shape, reference_kernel):
    """Whichever of input, weight and bias need a gradient, split over one or three parts
    (each with its own weight and bias partials), the backward is the reference's."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal((32, shape[1], 3, 3)).astype(np.float32)
    b = rng.standard_normal(32).astype(np.float32)
    old = torch.get_num_threads()
    runs = []
    try:
        for threads, ref in ((1, True), (1, False), (3, False)):
            torch.set_num_threads(threads)
            reference_kernel(ref)
            X, W, B = (to_pl(a, k in needs) for a, k in ((x, "x"), (w, "w"), (b, "b")))
            y = F.conv2d(X, W, B)
            y.backward(to_pl(np.cos(np.arange(y.numel()) * 0.1).reshape(tuple(y.shape))
                             .astype(np.float32)))
            runs.append([t.grad for t in (X, W, B)])
    finally:
        torch.set_num_threads(old)
    for got in runs[1:]:
        for g, want in zip(got, runs[0]):
            assert (g is None) == (want is None)
            if want is not None:
                scale = max(1.0, float(np.abs(want.numpy()).max()))
                np.testing.assert_allclose(g.numpy(), want.numpy(), rtol=2e-4, atol=2e-4 * scale)

# ---------------------------------------------------------------------------- max pooling

POOL_CASES = [
    ((2, 3, 13, 12), 3, 2, 1, 1, False),
    ((1, 4, 10, 11), 2, 2, 0, 1, False),
    ((2, 2, 9, 10), (3, 2), (2, 1), (1, 1), (2, 3), True),
    ((3, 7, 8), 3, 3, 1, 1, True),
    ((1, 2, 5, 5), 5, 1, 2, 1, False),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", POOL_CASES)
def test_fast_max_pool_is_the_reference_bit_for_bit(case, dtype, rng, reference_kernel):
    shape, k, s, p, d, ceil_mode = case
    x = rng.standard_normal(shape).astype(dtype)
    x.reshape(-1)[::7] = np.nan           # NaN wins, the last one in scan order
    x.reshape(-1)[3::11] = 0.5            # ties: the first
    x.reshape(-1)[5::13] = -np.inf
    got = []
    for ref in (False, True):
        reference_kernel(ref)
        X = to_pl(x, True)
        y, idx = F.max_pool2d(X, k, s, p, d, ceil_mode, return_indices=True)
        y.backward(to_pl(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)).astype(dtype)))
        got.append((y.detach().numpy(), idx.numpy(), X.grad.numpy()))
    for fast, slow in zip(*got):
        np.testing.assert_array_equal(fast, slow)


def test_max_pool_against_numpy(rng):
    x = rng.standard_normal((2, 3, 9, 8))
    y = F.max_pool2d(to_pl(x), 3, 2, 1).numpy()
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    want = np.stack([np.stack([xp[:, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3].max(axis=(2, 3))
                               for j in range(4)], axis=-1) for i in range(5)], axis=-2)
    np.testing.assert_array_equal(y, want)


# ------------------------------------------------------------------- every GEMM kernel path

CHILD = textwrap.dedent("""
    import numpy as np
    import pytorchlite as torch
    import pytorchlite.nn.functional as F
    rng = np.random.default_rng(3)
    worst = 0.0
    for xs, ws, s, p in [((2, 3, 40, 37), (20, 3, 3, 3), 1, 1), ((1, 64, 9, 9), (70, 64, 3, 3), 2, 1),
                         ((3, 16, 12, 12), (24, 16, 1, 1), 1, 0), ((4, 8, 21, 20), (16, 8, 3, 3), 1, 1),
                         ((2, 64, 12, 12), (16, 64, 3, 3), 1, 1)]:
        for dtype in (np.float32, np.float64):
            x = rng.standard_normal(xs).astype(dtype)
            w = rng.standard_normal(ws).astype(dtype)
            res = []
            for ref in (False, True):
                torch._C._conv_force_reference(ref)
                X, W = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
                y = F.conv2d(X, W, None, s, p)
                (y * y).sum().backward()
                res.append([y.detach().numpy(), X.grad.numpy(), W.grad.numpy()])
            for a, b in zip(*res):
                worst = max(worst, float(np.abs(a - b).max() / max(1.0, np.abs(b).max())))
    print(torch._C._gemm_path() if hasattr(torch._C, "_gemm_path") else "", worst)
""")


@pytest.mark.parametrize("path", ["ref", "generic", "avx2", "avx512"])
def test_every_gemm_path_matches_reference(path):
    if path in ("avx2", "avx512"):
        flags = open("/proc/cpuinfo").read() if os.path.exists("/proc/cpuinfo") else ""
        if (path == "avx512" and " avx512f" not in flags) or (path == "avx2" and " avx2" not in flags):
            pytest.skip(f"this CPU has no {path}")
    result = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                            env=child_env(PYTORCHLITE_GEMM=path), timeout=300)
    assert result.returncode == 0, result.stderr
    worst = float(result.stdout.split()[-1])
    assert worst < 1e-4, worst
