"""The API around the core of _api_fill.py (cov, corrcoef, the *_scatter copies, narrow_copy,
split_with_sizes, sum_to_size, fill_diagonal_, deg2rad/rad2deg, addmm_, comparison aliases and
in-place forms, the complex API on real tensors, map_/apply_, empty_strided, nonzero_static):
values, errors and grad_fn names against torch when importable, gradients against finite
differences and plain compositions without it."""
import math

import numpy as np
import pytest

import pytorchlite as torch


def _outcome(fn):
    try:
        r = fn()
    except Exception as e:  # noqa: BLE001 - type and message are compared
        return type(e).__name__, str(e).split("\n")[0]
    return "ok", repr(r)


def _x(m):
    return m.tensor([[1., -2, 3], [4, 5, -6]])


def _xi(m):
    return m.tensor([[1, -2, 3], [4, 5, -6]])


CALLS = [
    lambda m: m.cov(_x(m)), lambda m: _x(m).cov(), lambda m: m.cov(_x(m), correction=0),
    lambda m: m.cov(_x(m), fweights=m.tensor([1, 2, 1]), aweights=m.tensor([0.5, 1., 2.])),
    lambda m: m.cov(_x(m)[0]), lambda m: m.cov(_xi(m)), lambda m: m.cov(m.ones(2, 2, 2)),
    lambda m: m.cov(_x(m), fweights=m.tensor([1., 2, 1])),
    lambda m: m.cov(_x(m), aweights=m.tensor([-1., 2, 1])),
    lambda m: m.cov(_x(m), fweights=m.tensor([-1, 2, 1])),
    lambda m: m.cov(_x(m), fweights=m.tensor([1, 2])),
    lambda m: m.cov(_x(m), aweights=m.tensor([1, 2, 3])),
    lambda m: m.cov(_x(m).double(), correction=2, aweights=m.tensor([1., 2, 3], dtype=m.float64)),
    lambda m: m.corrcoef(_x(m)), lambda m: _x(m).corrcoef(), lambda m: m.corrcoef(_x(m)[0]),
    lambda m: m.corrcoef(m.ones(2, 2, 2)),
    lambda m: m.hardshrink(_x(m), 2.5), lambda m: _x(m).hardshrink(), lambda m: _x(m).hardshrink(lambd=2),
    lambda m: m.prelu(_x(m), m.tensor([0.25])), lambda m: _x(m).prelu(m.tensor([0.1, 0.2])),
    lambda m: m.select_scatter(m.zeros(2, 3), m.ones(3), 0, 1),
    lambda m: m.select_scatter(m.zeros(2, 3), m.ones(2), 0, 1),
    lambda m: m.slice_scatter(m.zeros(4, 3), m.ones(2, 3), 0, 1, 3),
    lambda m: m.slice_scatter(m.zeros(4, 4), m.ones(4, 2), dim=1, start=0, end=4, step=2),
    lambda m: m.slice_scatter(m.zeros(4, 3), m.ones(4, 3)),
    lambda m: m.diagonal_scatter(m.zeros(3, 3), m.ones(3)),
    lambda m: m.diagonal_scatter(m.zeros(3, 3), m.ones(2), 1),
    lambda m: m.diagonal_scatter(m.zeros(2, 3, 3), m.ones(3, 2), 0, 1, 2),
    lambda m: m.as_strided_scatter(m.zeros(4), m.ones(2), (2,), (2,)),
    lambda m: _x(m).narrow_copy(1, 1, 2), lambda m: m.narrow_copy(_x(m), 0, 0, 1),
    lambda m: _x(m).narrow_copy(1, 2, 2),
    lambda m: _x(m).split_with_sizes([1, 2], dim=1), lambda m: m.split_with_sizes(_x(m), [1, 1]),
    lambda m: _x(m).split_with_sizes([1, 2]), lambda m: _x(m).split_with_sizes(1),
    lambda m: m.deg2rad(m.tensor([180., 90])), lambda m: m.rad2deg(m.tensor([3.14159])),
    lambda m: m.deg2rad(_xi(m)), lambda m: _xi(m).rad2deg(), lambda m: _x(m).deg2rad_(),
    lambda m: m.deg2rad_(_x(m)), lambda m: _xi(m).deg2rad_(), lambda m: _xi(m).rad2deg_(),
    lambda m: m.rad2deg(m.tensor([1., 2.], dtype=m.float64)), lambda m: m.deg2rad(m.tensor([True])),
    lambda m: m.tensor([33.3]).deg2rad().item(), lambda m: m.tensor([1.7], dtype=m.float64).rad2deg().item(),
    lambda m: m.ones(2, 2).addmm_(m.ones(2, 3), m.ones(3, 2), beta=0.5, alpha=2),
    lambda m: m.ones(2).addmm_(m.ones(2, 3), m.ones(3, 2)),
    lambda m: m.ones(2, 2).addmm_(m.ones(2, 3), m.ones(2, 2)),
    lambda m: m.tensor([1.]).is_nonzero(), lambda m: m.tensor([0]).is_nonzero(),
    lambda m: m.tensor([1., 2]).is_nonzero(), lambda m: m.tensor([]).is_nonzero(),
    lambda m: m.is_nonzero(m.tensor(3)), lambda m: _x(m).is_same_size(_xi(m)),
    lambda m: _x(m).is_same_size(_xi(m)[0]), lambda m: _x(m).is_complex(), lambda m: m.is_complex(_x(m)),
    lambda m: m.conj(_x(m)), lambda m: _x(m).resolve_conj(), lambda m: _x(m).resolve_neg(),
    lambda m: _x(m).is_conj(), lambda m: _x(m).is_neg(), lambda m: m.is_conj(_x(m)),
    lambda m: _x(m).adjoint(), lambda m: m.adjoint(_x(m)), lambda m: _x(m).mH, lambda m: _x(m).H,
    lambda m: m.ones(3).H, lambda m: m.ones(2, 2, 3).mH.shape, lambda m: m.ones(3).mH,
    lambda m: m.zeros(3, 3).fill_diagonal_(2), lambda m: m.zeros(3, 4).fill_diagonal_(1, wrap=True),
    lambda m: m.zeros(7, 3).fill_diagonal_(5, wrap=True), lambda m: m.zeros(7, 3).fill_diagonal_(5),
    lambda m: m.zeros(4, 3).fill_diagonal_(5, wrap=True), lambda m: m.zeros(5, 3).fill_diagonal_(5, wrap=True),
    lambda m: m.zeros(2, 2, 2).fill_diagonal_(1), lambda m: m.zeros(2, 3, 2).fill_diagonal_(1),
    lambda m: m.zeros(3).fill_diagonal_(1), lambda m: m.zeros(2, 5, dtype=m.int64).fill_diagonal_(7),
    lambda m: _x(m).sum_to_size(1, 3), lambda m: _x(m).sum_to_size((2, 1)), lambda m: _x(m).sum_to_size(3),
    lambda m: _x(m).sum_to_size(2, 2), lambda m: _x(m).sum_to_size(1), lambda m: _x(m).sum_to_size(2, 3),
    lambda m: _x(m).absolute_(), lambda m: _x(m).subtract_(1), lambda m: _x(m).multiply_(2),
    lambda m: _x(m).divide_(2), lambda m: _x(m).divide_(2, rounding_mode="floor"),
    lambda m: _x(m).subtract_(_x(m), alpha=2),
    lambda m: _x(m).lt_(0), lambda m: _x(m).le_(1), lambda m: _x(m).gt_(_x(m)), lambda m: _x(m).ge_(1),
    lambda m: _x(m).eq_(1), lambda m: _x(m).ne_(1), lambda m: _x(m).not_equal_(1),
    lambda m: _x(m).greater_(1), lambda m: _x(m).greater_equal_(1), lambda m: _x(m).less_(1),
    lambda m: _x(m).less_equal_(1), lambda m: _xi(m).lt_(0.5), lambda m: _xi(m).le_(m.tensor([1, 2, 3])),
    lambda m: m.not_equal(_x(m), 1), lambda m: m.greater(_x(m), 1), lambda m: m.greater_equal(_x(m), 1),
    lambda m: m.less(_x(m), 1), lambda m: m.less_equal(_x(m), 1), lambda m: _x(m).not_equal(1),
    lambda m: _x(m).greater(1), lambda m: _x(m).less_equal(1),
    lambda m: _x(m).where(_x(m) > 0, 0.), lambda m: _x(m).where(_x(m) > 0, m.zeros(3)),
    lambda m: _x(m).map_(m.ones(3), lambda a, b: a + b), lambda m: _x(m).apply_(lambda a: a * 2),
    lambda m: _xi(m).apply_(lambda a: a * 3),
    lambda m: m.ones(2, 3).new_empty_strided((2, 2), (1, 2)).stride(),
    lambda m: m.empty_strided((2, 3), (1, 2)).stride(), lambda m: m.empty_strided((2, 3), (1, 2), dtype=m.int64).dtype,
    lambda m: m.empty_strided((2, 0), (1, 2)).shape,
    lambda m: m.nonzero_static(m.tensor([0, 1, 0, 2]), size=3),
    lambda m: m.nonzero_static(m.tensor([[0, 1], [2, 0]]), size=1, fill_value=-5),
    lambda m: m.tensor([0, 1, 0, 2]).nonzero_static(size=4), lambda m: m.nonzero_static(m.zeros(2, 2), size=2),
]


@pytest.mark.parametrize("k", range(len(CALLS)))
def test_fill_call_as_torch(k):
    real = pytest.importorskip("torch")
    got, want = _outcome(lambda: CALLS[k](torch)), _outcome(lambda: CALLS[k](real))
    assert got[0] != "NameError" and got[0] != "AttributeError", got
    assert got == want


NODES = [
    lambda m, a: m.cov(a), lambda m, a: m.corrcoef(a),
    lambda m, a: m.select_scatter(a, m.ones(3), 0, 1),
    lambda m, a: m.slice_scatter(a, m.ones(1, 3), 0, 0, 1),
    lambda m, a: m.diagonal_scatter(a, m.ones(2)), lambda m, a: a.narrow_copy(1, 0, 2),
    lambda m, a: a.sum_to_size(1, 3), lambda m, a: a.deg2rad(), lambda m, a: a.rad2deg(),
    lambda m, a: a.adjoint(), lambda m, a: a.clone().lt_(0), lambda m, a: a.clone().absolute_(),
    lambda m, a: a.clone().deg2rad_(), lambda m, a: a.clone().addmm_(a, m.eye(3, dtype=m.float64) * 2, beta=0.5),
]


@pytest.mark.parametrize("k", range(len(NODES)))
def test_fill_node_and_gradient_as_torch(k):
    real = pytest.importorskip("torch")
    results = []
    for m in (torch, real):
        a = m.tensor([[1., 2, 3], [3, 1, 2.]], dtype=m.float64, requires_grad=True)
        out = NODES[k](m, a)
        name = type(out.grad_fn).__name__
        w = m.arange(out.numel(), dtype=m.float64).view(out.shape) + 1
        (g,) = m.autograd.grad((out * w).sum(), a, allow_unused=True)
        results.append((name, out.detach().numpy().tolist(), None if g is None else g.numpy().tolist()))
    (n1, v1, g1), (n2, v2, g2) = results
    assert n1 == n2
    np.testing.assert_allclose(v1, v2, rtol=1e-12, atol=1e-12)
    if g2 is None:
        assert g1 is None or not np.any(g1)
    else:
        np.testing.assert_allclose(g1, g2, rtol=1e-12, atol=1e-12)


def test_cov_matches_numpy_and_its_gradient_finite_differences():
    rng = np.random.default_rng(3)
    data = rng.standard_normal((3, 7))
    fw, aw = np.array([1, 2, 1, 3, 1, 1, 2]), rng.uniform(0.5, 2, 7)
    got = torch.cov(torch.tensor(data), fweights=torch.tensor(fw), aweights=torch.tensor(aw))
    np.testing.assert_allclose(got.numpy(), np.cov(data, fweights=fw, aweights=aw), rtol=1e-12)
    np.testing.assert_allclose(torch.corrcoef(torch.tensor(data)).numpy(), np.corrcoef(data),
                               rtol=1e-12)
    x = torch.tensor(data, requires_grad=True)
    torch.cov(x).sum().backward()
    eps, fd = 1e-6, np.zeros_like(data)
    for i in np.ndindex(data.shape):
        hi, lo = data.copy(), data.copy()
        hi[i] += eps
        lo[i] -= eps
        fd[i] = (np.cov(hi).sum() - np.cov(lo).sum()) / (2 * eps)
    np.testing.assert_allclose(x.grad.numpy(), fd, rtol=1e-6, atol=1e-8)


def test_fill_ops_on_their_own_terms():
    x = torch.arange(12.).view(3, 4)
    assert torch.select_scatter(x, torch.zeros(4), 0, 2)[2].tolist() == [0.0] * 4
    assert torch.slice_scatter(x, torch.zeros(3, 2), 1, 1, 3)[:, 1:3].abs().sum().item() == 0
    assert torch.diagonal_scatter(x, torch.full((3,), -1.)).diagonal().tolist() == [-1.0] * 3
    assert x.tolist() == torch.arange(12.).view(3, 4).tolist()  # the input is not written
    assert torch.deg2rad(torch.tensor([180.])).item() == pytest.approx(math.pi, rel=1e-7)
    assert [t.shape[1] for t in x.split_with_sizes([1, 3], 1)] == [1, 3]
    assert x.sum_to_size(1, 4).tolist() == [x.sum(0).tolist()]
    y = torch.zeros(2, 2)
    assert y.lt_(1) is y and y.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert torch.nonzero_static(torch.tensor([3, 0, 4]), size=3).view(-1).tolist() == [0, 2, -1]
    assert torch.empty_strided((2, 3), (1, 2)).stride() == (1, 2)
    with pytest.raises(RuntimeError, match="can't be cast"):
        torch.arange(3).deg2rad_()
    with pytest.raises(RuntimeError, match="ambiguous"):
        torch.ones(2).is_nonzero()
