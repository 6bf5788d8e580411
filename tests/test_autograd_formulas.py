"""Backward of gather (and sort/topk values), cumsum, cumprod and prod, zeros included:
float64 central differences, gradcheck, and torch's values and grad_fn names when importable."""
import numpy as np
import pytest

import pytorchlite as torch
from conftest import numeric_grad

X = [[1., 2., 3.], [4., 0., 6.], [0., 0., 2.]]
W = np.array([[1., 10., 100.], [2., 20., 200.], [3., 30., 300.]])

CASES = [
    ("ProdBackward0", lambda x: x.prod()),
    ("ProdBackward1", lambda x: x.prod(0)),
    ("ProdBackward1", lambda x: x.prod(1, keepdim=True)),
    ("CumsumBackward0", lambda x: x.cumsum(1)),
    ("CumsumBackward0", lambda x: x.cumsum(0)),
    ("CumprodBackward0", lambda x: x.cumprod(1)),
    ("CumprodBackward0", lambda x: x.cumprod(0)),
    ("GatherBackward0", lambda x: x.gather(1, x.new_tensor([[0, 0], [2, 1], [1, 1]]).long())),
    ("SortBackward0", lambda x: x.sort(1)[0]),
    ("TopkBackward0", lambda x: x.topk(2, 1)[0]),
]


def _loss(y, lib):
    w = lib.tensor(W[: y.shape[0], : y.shape[1]] if y.dim() == 2 else W[0, 0], dtype=y.dtype)
    return (y * w).sum()


@pytest.mark.parametrize("case", range(len(CASES)))
def test_against_central_differences(case):
    name, f = CASES[case]
    a = np.array(X)
    if name.startswith(("Sort", "Topk")):
        a = a + np.array([[0., .1, .2], [.3, .4, .5], [.6, .7, .8]])  # no ties: differentiable
    x = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    y = f(x)
    assert type(y.grad_fn).__name__ == name
    _loss(y, torch).backward()

    def fn(arr):
        with torch.no_grad():
            return _loss(f(torch.tensor(arr)), torch).item()

    (num,) = numeric_grad(fn, [a.copy()])
    np.testing.assert_allclose(x.grad.numpy(), num, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", range(len(CASES)))
def test_against_torch(case):
    real = pytest.importorskip("torch")
    name, f = CASES[case]
    out = []
    for lib in (torch, real):
        x = lib.tensor(X, requires_grad=True)
        y = f(x)
        _loss(y, lib).backward()
        out.append((type(y.grad_fn).__name__, x.grad.tolist()))
    assert out[0] == out[1]


def test_gradcheck_and_single_zero():
    torch.manual_seed(0)
    x = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    for f in (lambda t: t.prod(1), lambda t: t.cumprod(1), lambda t: t.cumsum(0),
              lambda t: t.prod()):
        assert torch.autograd.gradcheck(f, (x,))
    z = torch.tensor([2., 0., 4.], requires_grad=True)
    z.prod().backward()
    assert z.grad.tolist() == [0., 8., 0.]  # only the zero's gradient survives: 2 * 4
    z.grad = None
    z.cumprod(0).sum().backward()  # out = [2, 0, 0]: d/dz0 = 1, d/dz1 = 2 + 2*4, d/dz2 = 0
    assert z.grad.tolist() == [1., 10., 0.]


def test_no_grad_forward_unchanged():
    x = torch.tensor(X, requires_grad=True)
    with torch.no_grad():
        assert x.prod(1).tolist() == [6., 0., 0.]
        assert x.cumprod(1).grad_fn is None
    assert torch.cumprod(torch.tensor([1, 2, 3]), 0).tolist() == [1, 2, 6]
