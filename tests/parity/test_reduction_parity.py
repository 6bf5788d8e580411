"""Sums and means round exactly as PyTorch's (its CPU summation order), for whole tensors,
rows (trailing dims) and columns (leading dims), float32 and float64. Skipped without torch."""
import numpy as np
import pytest
from blas_order import assert_equal_as_torch

import pytorchlite

torch = pytest.importorskip("torch")

CASES = [((10,), None), ((13,), None), ((100,), None), ((1000,), None), ((30000,), None),
         ((10, 1), 0), ((10, 4), 0), ((64, 10), 0), ((64, 256), 0), ((7, 33), 0), ((5, 40), 1),
         ((64, 10), 1), ((3, 4, 5), (1, 2)), ((3, 4, 5), (0, 1)), ((3, 4, 5), None),
         ((100, 2), 0), ((16, 3), 1), ((2, 40, 1), 1), ((1000, 64), 0), ((300, 33), 0),
         ((5000, 40), 0), ((257, 96), 0)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", ["sum", "mean"])
@pytest.mark.parametrize("shape,dims", CASES, ids=[f"{s}-{d}" for s, d in CASES])
def test_sum_and_mean_bitwise(shape, dims, op, dtype):
    a = np.random.default_rng(hash(shape) % 1000).standard_normal(shape).astype(dtype)
    args = () if dims is None else (dims,)
    want = getattr(torch.tensor(a), op)(*args).numpy()
    got = getattr(pytorchlite.tensor(a), op)(*args).numpy()
    np.testing.assert_array_equal(got, want)


def test_bias_gradient_of_a_small_linear_layer_is_bitwise():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((10, 4)).astype(np.float32)
    w = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)

    def grads(m):
        W = m.tensor(w, requires_grad=True)
        B = m.tensor(b, requires_grad=True)
        out = m.nn.functional.linear(m.tensor(x), W, B)
        (out.sigmoid() ** 2).mean().backward()
        return W.grad.numpy(), B.grad.numpy()

    # x @ W.T and the backward products round as torch's only where its BLAS adds in k order
    for u, v in zip(grads(torch), grads(pytorchlite)):
        assert_equal_as_torch(v, u)
