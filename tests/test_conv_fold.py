"""The implicit GEMM forward with small images folded into one product (columns over
(image, pixel)) and stride-2 input packed from its phase planes, against one product per image
read in place: the same sums per output, so the results are equal bit for bit; over odd sizes, strides, paddings, dilations, groups, bias and 1x1 kernels.
Also against the direct-loop reference and PyTorch, within rounding."""
import numpy as np
import pytest

import pytorchlite as torch
import pytorchlite.nn.functional as F

# (input shape, weight shape, stride, padding, dilation, groups)
CASES = [
    ((8, 32, 3, 3), (40, 32, 3, 3), 1, 1, 1, 1),        # ResNet's layer4 at 96 pixels
    ((8, 16, 6, 6), (24, 16, 3, 3), 2, 1, 1, 1),        # stride 2 to 3x3
    ((5, 16, 6, 6), (20, 16, 1, 1), 2, 0, 1, 1),        # 1x1 stride 2 (downsample)
    ((3, 8, 5, 7), (12, 8, 1, 1), 1, 0, 1, 1),          # 1x1 stride 1
    ((4, 6, 7, 5), (6, 2, 3, 2), (1, 2), (2, 1), (2, 1), 3),
    ((7, 4, 2, 9), (5, 4, 2, 3), (1, 3), (1, 1), 1, 1),
    ((3, 3, 11, 11), (70, 3, 3, 3), 1, 0, 1, 1),        # rows past one register block
    ((6, 2, 9), (3, 2, 3), 2, 1, 1, 1),                 # 1-D
    # stride 2 with 7x7 kernels on: packed from the input's phase planes
    ((1, 3, 37, 41), (8, 3, 7, 7), 2, 3, 1, 1),         # a stem, odd sizes
    ((2, 5, 19, 16), (6, 5, 7, 7), 2, 0, 1, 1),
    ((1, 4, 17, 23), (6, 2, 7, 9), 2, (2, 1), 1, 2),    # groups, uneven padding
    ((2, 3, 20, 18), (4, 3, 8, 7), 2, (1, 0), 1, 1),    # even kernel height
    ((1, 2, 30, 31), (3, 2, 7, 7), 2, 3, 2, 1),         # dilated: read in place
    ((2, 5, 11, 8), (6, 5, 3, 3), 2, 1, 1, 1),          # 3x3: read in place
]


@pytest.fixture
def no_fold():
    yield lambda on: torch._C._conv_force_no_fold(on)
    torch._C._conv_force_no_fold(False)


@pytest.fixture
def reference_kernel():
    yield lambda on: torch._C._conv_force_reference(on)
    torch._C._conv_force_reference(False)


def _conv(mod, x, w, b, case):
    _, _, s, p, d, g = case
    fn = mod.nn.functional.conv2d if w.dim() == 4 else mod.nn.functional.conv1d
    return fn(x, w, b, s, p, d, g)


def _run(x, w, b, gy, case):
    X, W = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    B = torch.tensor(b, requires_grad=True)
    y = _conv(torch, X, W, B, case)
    y.backward(torch.tensor(gy))
    return [y.detach().numpy(), X.grad.numpy(), W.grad.numpy(), B.grad.numpy()]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES)
def test_folded_images_are_bitwise_one_product_each(case, dtype, rng, no_fold, reference_kernel):
    xs, ws = case[0], case[1]
    x, w = rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)
    b = rng.standard_normal(ws[0]).astype(dtype)
    y0 = _conv(torch, torch.tensor(x), torch.tensor(w), None, case)
    gy = rng.standard_normal(tuple(y0.shape)).astype(dtype)
    results = []
    for off in (False, True):
        no_fold(off)
        results.append(_run(x, w, b, gy, case))
    bits = np.uint32 if dtype == np.float32 else np.uint64
    for fast, slow in zip(*results):
        np.testing.assert_array_equal(fast.view(bits), slow.view(bits))
    reference_kernel(True)
    ref = _run(x, w, b, gy, case)
    tol = 1e-4 if dtype == np.float32 else 1e-11
    for fast, slow in zip(results[0], ref):
        np.testing.assert_allclose(fast, slow, rtol=tol, atol=tol)


@pytest.mark.parametrize("case", CASES[:3])
def test_folded_forward_matches_torch(case, rng):
    real = pytest.importorskip("torch")
    xs, ws = case[0], case[1]
    x, w = rng.standard_normal(xs).astype(np.float32), rng.standard_normal(ws).astype(np.float32)
    got = _conv(torch, torch.tensor(x), torch.tensor(w), None, case).numpy()
    want = _conv(real, real.tensor(x), real.tensor(w), None, case).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


# (input shape, weight shape, stride, padding): column and row blocks split for the threads
SPLIT_CASES = [
    ((1, 8, 56, 56), (16, 8, 3, 3), 1, 1),     # 98 column slivers: 13 blocks or 14
    ((1, 8, 28, 28), (40, 8, 3, 3), 1, 1),     # four uneven column blocks, rows split
    ((1, 16, 7, 7), (100, 16, 3, 3), 1, 1),    # one column block, rows split unevenly
    ((2, 4, 3, 3), (30, 4, 3, 3), 1, 1),       # folded, rows split
]


@pytest.mark.parametrize("case", SPLIT_CASES)
def test_forward_is_bitwise_the_same_on_any_thread_count(case, rng):
    xs, ws, s, p = case
    x, w = rng.standard_normal(xs).astype(np.float32), rng.standard_normal(ws).astype(np.float32)
    saved = torch.get_num_threads()
    outs = []
    try:
        for t in (1, 2, 3, 4):
            torch.set_num_threads(t)
            outs.append(F.conv2d(torch.tensor(x), torch.tensor(w), None, s, p).numpy())
    finally:
        torch.set_num_threads(saved)
    for o in outs[1:]:
        np.testing.assert_array_equal(o.view(np.uint32), outs[0].view(np.uint32))
