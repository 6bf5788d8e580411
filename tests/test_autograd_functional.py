"""torch.autograd.functional: jacobian and vjp against hand-derived values and torch."""
import pytest

import pytorchlite as torch

F = torch.autograd.functional


def _cases(lib):
    F = lib.autograd.functional
    x = lib.tensor([1., 2., 3.])
    y = lib.tensor([[1., .5], [2., 1.]])
    j2 = F.jacobian(lambda a, b: (a.sum() * b, b.pow(2)), (x, y))
    return [F.jacobian(lambda a: a * a, x).tolist(),
            [[t.shape for t in row] for row in j2],
            [j2[1][1].reshape(4, 4)[k, k].item() for k in range(4)],
            [t.tolist() for t in F.vjp(lambda a: (a * a).sum(), x)],
            [t.tolist() for t in F.vjp(lambda a: a * a, x, lib.ones(3))],
            F.jacobian(lambda a: lib.ones(2), x).tolist()]


def test_jacobian_and_vjp():
    got = _cases(torch)
    assert got[0] == [[2., 0., 0.], [0., 4., 0.], [0., 0., 6.]]
    assert got[1] == [[(2, 2, 3), (2, 2, 2, 2)], [(2, 2, 3), (2, 2, 2, 2)]]
    assert got[2] == [2., 1., 4., 2.]  # d(b^2)/db = 2b on the diagonal
    assert got[3] == [14., [2., 4., 6.]]
    assert got[4] == [[1., 4., 9.], [2., 4., 6.]]
    assert got[5] == [[0.] * 3] * 2
    real = pytest.importorskip("torch")
    assert _cases(real) == got


def test_errors():
    x = torch.ones(3)
    with pytest.raises(RuntimeError, match="The vector v can only be None"):
        F.vjp(lambda a: a * a, x)
    for fn in (F.hvp, F.vhp):
        with pytest.raises(RuntimeError, match="should contain a single element"):
            fn(lambda a: a * a, x, x)
