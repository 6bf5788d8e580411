"""The fast max-pooling rows (sixteen outputs at a time on AVX-512) against the plain reference
loop and against PyTorch: values and argmax indices bit for bit, ties and NaN included, over
odd widths, strides, dilations, paddings and ceil mode."""
import numpy as np
import pytest

import pytorchlite as torch
import pytorchlite.nn.functional as F

# (input shape, kernel, stride, padding, dilation, ceil_mode)
CASES = [
    ((1, 3, 112, 112), 3, 2, 1, 1, False),      # ResNet's stem pool
    ((4, 32, 48, 48), 3, 2, 1, 1, False),       # enough planes for a threaded backward
    ((2, 2, 9, 37), 3, 1, 1, 1, False),         # stride 1, a remainder past 32 outputs
    ((1, 2, 8, 41), (2, 3), (1, 2), (1, 0), (2, 1), True),
    ((1, 1, 7, 70), (3, 4), (2, 3), (1, 2), (1, 2), False),  # stride 3: gathered taps
    ((2, 1, 5, 17), 2, 2, 0, 1, True),
    ((1, 2, 6, 33), (1, 5), (1, 4), (0, 2), (1, 1), False),
]


def _pool(x, case, fn=F):
    _, k, s, p, d, ceil = case
    return fn.max_pool2d(x, k, s, p, d, ceil_mode=ceil, return_indices=True)


def _inputs(shape, rng):
    x = rng.standard_normal(shape).astype(np.float32)
    x.flat[::7] = np.round(x.flat[::7])        # ties
    x.flat[::11] = 0.0
    x.flat[1::13] = -0.0                       # signed zeros tie with 0.0
    x.flat[::29] = np.nan                      # NaN wins
    x.flat[3::31] = np.float32(np.nan) * -1
    return x


@pytest.fixture
def reference_kernel():
    yield lambda on: torch._C._conv_force_reference(on)
    torch._C._conv_force_reference(False)


@pytest.mark.parametrize("case", CASES)
def test_fast_max_pool_matches_reference_bitwise(case, rng, reference_kernel):
    x = _inputs(case[0], rng)
    got = []
    for ref in (False, True):
        reference_kernel(ref)
        y, idx = _pool(torch.tensor(x), case)
        got.append((y.numpy().view(np.uint32), idx.numpy()))
    np.testing.assert_array_equal(got[0][0], got[1][0])
    np.testing.assert_array_equal(got[0][1], got[1][1])


@pytest.mark.parametrize("case", CASES)
def test_fast_max_pool_matches_torch(case, rng):
    real = pytest.importorskip("torch")
    TF = real.nn.functional
    x = _inputs(case[0], rng)
    y, idx = _pool(torch.tensor(x), case)
    ty, tidx = _pool(real.tensor(x), case, TF)
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    np.testing.assert_array_equal(y.numpy().view(np.uint32), ty.numpy().view(np.uint32))
    xg = torch.tensor(x, requires_grad=True)
    txg = real.tensor(x, requires_grad=True)
    gy = np.cos(np.arange(y.numel())).reshape(tuple(y.shape)).astype(np.float32)
    _pool(xg, case)[0].backward(torch.tensor(gy))
    _pool(txg, case, TF)[0].backward(real.tensor(gy))
    np.testing.assert_array_equal(xg.grad.numpy(), txg.grad.numpy())
