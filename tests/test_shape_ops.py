"""Shape, indexing, scatter and counting ops (flip ... vander, scatter_reduce, unique ...):
values against NumPy, gradients and second derivatives against float64 central differences
(gradcheck / gradgradcheck), and, when torch is importable, every case's values, dtypes,
grad_fn names, gradients and exception types against torch."""
import itertools

import numpy as np
import pytest

import pytorchlite as torch
from pytorchlite.autograd import gradcheck, gradgradcheck


def _inputs(m):
    """The same float64 leaves under either library."""
    return dict(
        torch=m,
        x=m.arange(6., dtype=m.float64).reshape(2, 3).sin().requires_grad_(),
        v=m.arange(1., 4., dtype=m.float64).requires_grad_(),
        sq=m.arange(9., dtype=m.float64).reshape(3, 3).cos().requires_grad_(),
        c=m.arange(24., dtype=m.float64).reshape(2, 3, 4).sin().requires_grad_(),
        i=m.tensor([[1, 0, 1]]), j=m.tensor([[1, 1, 1], [1, 0, 1]]),
        src=(m.arange(6., dtype=m.float64).reshape(2, 3) * 10 + 1).requires_grad_())


# Each case runs under torch and pytorchlite; values, dtypes, grad_fn names, gradients of a
# weighted sum of the outputs and exception types must agree.
CASES = """
torch.flip(x, (0,)) | torch.flip(c, (0, 2)) | x.flip(1) | c.flip(0, 1) | torch.flip(x, [0, 0])
torch.flip(x, (5,)) | torch.flip(x, 0) | x.flip() | torch.fliplr(x) | torch.flipud(v) | torch.fliplr(v)
torch.roll(x, 1) | torch.roll(x, (1, 2), (0, 1)) | torch.roll(c, -5, 2) | x.roll(1, 1)
torch.roll(x, (1, 2), (0,)) | torch.roll(x, (), ())
torch.rot90(x) | torch.rot90(x, 0) | torch.rot90(x, 2) | torch.rot90(c, 3, [2, 0]) | torch.rot90(x, -1)
torch.rot90(x, 1, [0]) | torch.rot90(v) | torch.rot90(x, 1, [0, 0])
torch.tril(x) | torch.tril(c, -1) | torch.triu(x, 1) | torch.triu(sq, -1) | torch.tril(v) | x.tril_()
torch.tril_indices(3, 3) | torch.tril_indices(4, 3, -1) | torch.triu_indices(3, 5, 2)
torch.tril_indices(-1, 3) | torch.tril_indices(3, 3, dtype=torch.float)
torch.diag(v) | torch.diag(x) | torch.diag(x, 1) | torch.diag(x, -1) | torch.diag(v, -1) | torch.diag(c)
torch.diag(sq, 5) | torch.diagonal(x) | torch.diagonal(x, 1) | torch.diagonal(x, 0, 1, 0)
torch.diagonal(c, 1, 2, 0) | torch.diagonal(c, -1, -1, 1) | torch.diagonal(v) | torch.diagonal(x, 0, 0, 0)
torch.diag_embed(v) | torch.diag_embed(x) | torch.diag_embed(x, 1, 0, 2) | torch.diag_embed(x, -2, 2, 0)
torch.diag_embed(x, 0, 1, 1) | torch.diagflat(x) | torch.diagflat(v, 1) | torch.diagflat(v, -2)
torch.trace(x) | torch.trace(sq) | torch.trace(v) | torch.trace(torch.arange(4).reshape(2, 2))
torch.tile(v, (2,)) | torch.tile(x, (2, 1, 2)) | torch.tile(v, []) | torch.tile(v, 2) | x.tile(2, 1)
v.repeat_interleave(2) | torch.repeat_interleave(torch.tensor([1, 2])) | x.repeat_interleave()
x.repeat_interleave(torch.tensor([1, 2]), 0) | x.repeat_interleave(torch.tensor([1, 2]), 1)
x.repeat_interleave(torch.tensor([1, -2]), 0) | x.repeat_interleave(torch.tensor([1., 2]), 0)
x.repeat_interleave(2, 0, output_size=5) | x.repeat_interleave(2, 0, output_size=4)
x.repeat_interleave(-1) | x.repeat_interleave(torch.tensor(2), 1) | torch.repeat_interleave(x, 3, dim=-1)
torch.movedim(x, 0, 1) | torch.movedim(c, (0, 1), (2, 0)) | torch.movedim(c, -1, 0) | c.moveaxis(0, -1)
torch.movedim(x, (0, 1), (1,)) | torch.movedim(x, (0, 0), (1, 0)) | torch.swapaxes(x, 0, 1)
torch.swapdims(c, 0, 2) | torch.unflatten(c, 1, (3, 1))
torch.tensor_split(v, 2) | torch.tensor_split(c, 3, dim=2) | torch.tensor_split(v, 0)
torch.tensor_split(v, [1, 5]) | torch.tensor_split(v, [2, 1]) | torch.tensor_split(v, [-1])
torch.tensor_split(v, torch.tensor(2)) | torch.tensor_split(v, torch.tensor([1.]))
torch.tensor_split(torch.tensor(1.), 1) | x.tensor_split(2, 1)
torch.hsplit(x, 3) | torch.hsplit(x, 2) | torch.hsplit(v, [1]) | torch.vsplit(v, 1) | torch.vsplit(c, [1])
torch.dsplit(x, 1) | torch.dsplit(c, 2) | torch.hsplit(torch.tensor(1.), 1) | x.hsplit(1, 2)
torch.hstack([v, v]) | torch.hstack([x, x]) | torch.hstack([]) | torch.vstack([x, v]) | torch.dstack([x, x])
torch.column_stack([v, v]) | torch.column_stack([x.t(), v]) | torch.column_stack([x, v])
torch.row_stack([v, v]) | torch.hstack([torch.tensor(1.), torch.tensor(2.)]) | torch.hstack(v)
torch.atleast_1d(torch.tensor(1.)) | torch.atleast_1d(v, v) | torch.atleast_1d([v, x]) | torch.atleast_1d()
torch.atleast_2d(v) | torch.atleast_2d(torch.tensor(2.)) | torch.atleast_3d(v) | torch.atleast_3d(x)
torch.atleast_3d(torch.tensor(1.)) | torch.atleast_3d(c) | torch.atleast_1d(1)
torch.broadcast_to(v, (2, 3)) | v.broadcast_to(2, 3) | torch.broadcast_to(v, (2,))
torch.take(x, torch.tensor([0, 5, -1])) | torch.take(x, torch.tensor([[0, 0], [1, 2]]))
torch.take(x, torch.tensor([6])) | torch.take(x, torch.tensor([-7])) | torch.take(x, torch.tensor([0.]))
torch.take_along_dim(x, torch.tensor([[0], [2]]), 1) | torch.take_along_dim(x, torch.tensor([5, 0]))
torch.take_along_dim(x, torch.tensor([[0, 1, 1]]), 0) | torch.take_along_dim(c, torch.tensor([[[0]]]), 2)
torch.take_along_dim(x, torch.tensor([0]), 0) | torch.take_along_dim(x, torch.tensor([[0.]]), 0)
torch.ravel(x.t()) | torch.meshgrid(v, v, indexing='ij') | torch.meshgrid(v, x[0], indexing='xy')
torch.meshgrid(v, x[1], v, indexing='xy') | torch.meshgrid([v], indexing='foo')
torch.meshgrid(indexing='ij') | torch.meshgrid(v, torch.arange(2.), indexing='ij')
torch.cartesian_prod(v, x[1]) | torch.cartesian_prod(v) | torch.cartesian_prod(x)
torch.combinations(v) | torch.combinations(v, 3, True) | torch.combinations(v, 0) | torch.combinations(v, -1)
torch.combinations(x) | torch.combinations(v, 4) | torch.combinations(v, 2, with_replacement=True)
torch.vander(torch.tensor([1, 2, 3])) | torch.vander(x) | torch.vander(v, -1) | torch.vander(v, 0)
torch.vander(torch.tensor([True, False]))
x.scatter(0, i, src) | x.scatter(0, i, 5.) | x.scatter(0, i, value=2.5) | torch.scatter(x, 0, i, src)
x.scatter(0, i, src, reduce='add') | x.scatter(0, i, src, reduce='foo') | x.scatter(0, i.float(), src)
x.scatter(0, i, src.float()) | x.scatter(0, i[0], src) | x.scatter(0, torch.tensor([[1, 0, 1, 1]]), src)
x.scatter(0, torch.tensor([[5, 0, 1]]), src) | x.scatter(0, torch.tensor([[-1, 0, 1]]), src)
x.scatter(0, torch.zeros(0, dtype=torch.long), src) | x.scatter(1, torch.tensor([[0], [1]]), src)
x.scatter(0, i, torch.ones(1, 2, dtype=torch.float64)) | torch.arange(6).reshape(2, 3).scatter(0, i, 7)
x.scatter_add(0, i, src) | x.scatter_add(0, j, src) | torch.scatter_add(x, 1, torch.tensor([[0, 0]]), src)
x.scatter_reduce(0, j, src, 'sum') | x.scatter_reduce(0, j, src, 'sum', include_self=False)
x.scatter_reduce(0, j, src, 'mean') | x.scatter_reduce(0, j, src, 'mean', include_self=False)
x.scatter_reduce(0, j, src, 'prod') | x.scatter_reduce(0, j, src, 'prod', include_self=False)
x.scatter_reduce(0, j, src, 'amax') | x.scatter_reduce(0, j, src * 0, 'amax', include_self=False)
x.scatter_reduce(0, j, src * 0, 'amin') | x.scatter_reduce(0, j, src * 0, 'amin', include_self=False)
x.scatter_reduce(0, i, src, 'foo') | torch.arange(6).reshape(2, 3).scatter_reduce(0, i, torch.ones(2, 3, dtype=torch.long) * 7, 'mean')
x.detach().scatter_(0, i, src.detach(), reduce='add') | x.detach().scatter_(0, i, src, reduce='sum')
(x * 1).scatter_(0, i, src) | (x * 1).scatter_add_(0, i, src) | (x * 1).scatter_reduce_(0, i, src, 'amax')
x.index_copy(1, torch.tensor([2, 0]), src[:, :2]) | x.index_copy(1, torch.tensor([2., 0]), src[:, :2])
x.index_copy(1, torch.tensor([2, 0]), src) | x.index_copy(1, torch.tensor([5, 0]), src[:, :2])
x.index_copy(1, torch.tensor([2, 0]), torch.ones(2, 2)) | (x * 1).index_copy_(0, torch.tensor([1]), src[:1])
x.index_fill(1, torch.tensor([2, 0]), -1.) | x.index_fill(1, torch.tensor([-1]), 3)
x.index_fill(1, torch.tensor([2, 0]), torch.tensor(-1., dtype=torch.float64, requires_grad=True))
x.index_fill(1, torch.tensor([2, 0]), torch.tensor([-1.])) | x.index_fill(1, torch.tensor([5]), 1)
x.index_fill(1, torch.tensor([[0]]), 1) | x.index_fill(1, torch.tensor([0.]), 1) | (x * 1).index_fill_(0, torch.tensor([0]), 2)
x.masked_select(x > 0.5) | x.masked_select(torch.tensor([True, False, True])) | x.masked_select(torch.tensor([1, 0, 1]))
torch.masked_select(v, torch.tensor([[True], [False]])) | x.masked_scatter(x > 0.5, src)
x.masked_scatter(x > 0.5, src[0, :1]) | x.masked_scatter(x > 0.5, torch.arange(10))
v.masked_scatter(torch.tensor([[True], [False]]), src) | (x * 1).masked_scatter_(torch.tensor([[True], [False]]), src)
torch.argwhere(x) | torch.count_nonzero(x) | torch.count_nonzero(x, 0) | torch.count_nonzero(x, (0, 1)) | x.count_nonzero(-1)
torch.unique(torch.tensor([3, 1, 2, 3, 1, 1]), return_inverse=True, return_counts=True)
torch.unique(torch.tensor([[1., 2], [1, 2], [0, 5]]), dim=1, return_inverse=True, return_counts=True)
torch.unique(torch.tensor([float('nan'), float('nan'), 1.])) | torch.unique(torch.zeros(0, 3), dim=0) | x.unique('x')
torch.unique_consecutive(torch.tensor([3, 1, 2, 3, 1, 1]), return_inverse=True, return_counts=True)
torch.unique_consecutive(torch.tensor([[1., 2], [1, 2], [0, 5]]), dim=0, return_counts=True)
torch.bincount(torch.tensor([3, 1, 2, 3, 1, 1]), minlength=6) | torch.bincount(torch.tensor([-1]))
torch.bincount(torch.tensor([3, 1, 2, 3, 1, 1]), weights=torch.ones(6, dtype=torch.float64))
torch.bincount(torch.tensor([1, 2]), weights=torch.ones(2, dtype=torch.long)) | torch.bincount(torch.tensor([1.]))
torch.histc(torch.tensor([1., 2, 1]), bins=4, min=0, max=3) | torch.histc(torch.arange(10.).sin(), bins=7)
torch.histc(torch.tensor([1, 2])) | torch.histc(torch.tensor([1., 2, 1]), bins=-1) | torch.histc(torch.tensor([1., 2]), min=3, max=1)
torch.histogram(torch.arange(10.).cos(), 4) | torch.histogram(torch.tensor([1., 2, 1]), torch.tensor([0., 1, 2, 3]))
torch.histogram(torch.tensor([1., 2, 1]), bins=2, weight=torch.tensor([1., 2, 4]), density=True)
torch.bucketize(torch.tensor([1, 5, 9]), torch.tensor([1, 3, 5, 7, 9]), right=True) | torch.bucketize(3, torch.tensor([1, 3, 5]))
torch.bucketize(torch.tensor([1.5, 5]), torch.tensor([1, 3, 5]), out_int32=True) | torch.bucketize(torch.tensor([1]), torch.tensor([[1, 3]]))
torch.searchsorted(torch.tensor([[1, 3, 5, 7, 9], [2, 4, 6, 8, 10]]), torch.tensor([[3, 6, 9], [3, 6, 9]]), side='right')
torch.searchsorted(torch.tensor([9, 1, 5]), torch.tensor([4]), sorter=torch.tensor([1, 2, 0])) | torch.searchsorted(torch.tensor([1, 3]), 3)
torch.searchsorted(torch.tensor([1, 3]), torch.tensor([3]), right=True, side='left') | torch.searchsorted(torch.tensor([1, 3]), torch.tensor([3]), side='foo')
torch.arange(6.).as_strided((2, 2), (1, 2), 1) | x.as_strided((2, 2), (1, 1)) | x.as_strided((2, 2), (-1, 2)) | x.as_strided((2,), (1, 2))
""".replace("\n", " | ").split(" | ")
CASES = [c.strip() for c in CASES if c.strip()]
# other dtypes, non-contiguous and empty inputs, nan and inf
CASES += """
torch.flip(torch.arange(6).reshape(2,3).t(), (0,))
torch.flip(torch.tensor([[True,False],[False,False]]), (1,))
torch.roll(torch.arange(12).reshape(3,4).t(), (1,-2), (0,1))
torch.tril(torch.ones(3,3,dtype=torch.bool))
torch.triu(torch.arange(12,dtype=torch.int32).reshape(3,4).t(), 1)
torch.rot90(torch.arange(6,dtype=torch.uint8).reshape(2,3))
torch.diag(torch.tensor([True, False]))
torch.diagonal(torch.arange(24).reshape(2,3,4).transpose(0,2), 0, 0, 2)
torch.diag_embed(torch.arange(4, dtype=torch.int16).reshape(2,2))
torch.trace(torch.ones(2,2,dtype=torch.bool))
torch.trace(torch.ones(2,3,dtype=torch.int8))
torch.tile(torch.tensor([True]), (3,))
torch.repeat_interleave(torch.tensor([True, False]), 2)
torch.take(torch.arange(12).reshape(3,4).t(), torch.tensor([1, 5]))
torch.take_along_dim(torch.arange(12).reshape(3,4).t(), torch.tensor([[0],[1],[2],[0]]), 1)
torch.zeros(2,3,dtype=torch.long).scatter(1, torch.tensor([[0],[2]]), torch.tensor([[5],[7]]))
torch.zeros(2,3,dtype=torch.bool).scatter(1, torch.tensor([[0],[2]]), True)
torch.zeros(2,3,dtype=torch.int32).scatter_add(1, torch.tensor([[0,0],[2,2]]), torch.ones(2,2,dtype=torch.int32))
torch.arange(6).reshape(2,3).scatter_reduce(1, torch.tensor([[0,0],[2,2]]), torch.tensor([[4,5],[6,7]]), 'prod', include_self=False)
torch.arange(6.).reshape(2,3).scatter_reduce(1, torch.tensor([[0,0],[2,2]]), torch.tensor([[float('nan'),5],[6,7]]), 'amax')
torch.arange(6).reshape(2,3).index_fill(1, torch.tensor([1]), -1)
torch.zeros(2,3,dtype=torch.bool).index_fill(0, torch.tensor([1]), True)
torch.arange(6).reshape(2,3).index_copy(0, torch.tensor([1]), torch.tensor([[7,8,9]]))
torch.arange(6).reshape(2,3).masked_scatter(torch.tensor([True,False,True]), torch.tensor([10,20,30,40]))
torch.arange(6).reshape(2,3).t().masked_select(torch.tensor([True,False]))
torch.unique(torch.tensor([True,False,True]), return_counts=True)
torch.unique(torch.tensor([3,1,3],dtype=torch.int8), return_inverse=True)
torch.unique(torch.arange(6).reshape(2,3).t() % 2, dim=1)
torch.bincount(torch.tensor([1,2,2],dtype=torch.uint8))
torch.bincount(torch.tensor([1,2,2],dtype=torch.int32), weights=torch.tensor([0.5,1.,2.],dtype=torch.float64))
torch.searchsorted(torch.tensor([1.,2.,3.]), torch.tensor([[2,3],[0,4]]))
torch.searchsorted(torch.tensor([1,2,3]), torch.tensor([2.5]))
torch.searchsorted(torch.tensor([1,2,3]), 2.5, out_int32=True)
torch.bucketize(torch.tensor(2.5), torch.tensor([1,2,3]))
torch.count_nonzero(torch.tensor([[True,False],[True,True]]), 1)
torch.argwhere(torch.tensor(3))
torch.histc(torch.tensor([1.,2,float('nan')]))
torch.histc(torch.tensor([1.,2,float('inf')]))
torch.histogram(torch.tensor([1.,2,float('nan')]), 2)
torch.histc(torch.tensor([1.,2],dtype=torch.float64), 3)
torch.histc(torch.tensor([1.,2],dtype=torch.float16), 3)
torch.vander(torch.tensor([1,2],dtype=torch.int32), 3)
torch.vander(torch.tensor([1.5,2],dtype=torch.float16), 3)
torch.combinations(torch.tensor([True, False, True]))
torch.cartesian_prod(torch.tensor([1,2],dtype=torch.int8), torch.tensor([3,4],dtype=torch.int8))
torch.meshgrid(torch.tensor([1,2]), torch.tensor([3.]), indexing='ij')
torch.tensor_split(torch.arange(7), torch.tensor([2, 5]))
torch.unique_consecutive(torch.tensor([[1,1],[2,2],[2,2]]), dim=0, return_inverse=True)
torch.unique(torch.tensor([2.,float('nan'),1.]), return_inverse=True, return_counts=True)
torch.flip(torch.zeros(0,3), (0,1))
torch.roll(torch.zeros(0,3), 2, 1)
torch.tril(torch.zeros(0,3))
torch.diag(torch.zeros(0))
torch.unique(torch.zeros(0,dtype=torch.long), return_inverse=True, return_counts=True)
torch.scatter_reduce(torch.zeros(3), 0, torch.tensor([0,0,2]), torch.tensor([1.,2,3]), 'mean', include_self=False)
torch.scatter_reduce(torch.zeros(3,dtype=torch.long), 0, torch.tensor([0,0,2]), torch.tensor([1,2,3]), 'mean', include_self=False)
torch.scatter_reduce(torch.zeros(3,dtype=torch.long), 0, torch.tensor([0,0,2]), torch.tensor([1,2,-3]), 'mean')
torch.zeros(3).scatter(0, torch.tensor([1], dtype=torch.int32), torch.ones(1))
torch.zeros(3).index_fill(0, torch.tensor([-1]), 5)
torch.zeros(3).index_copy(0, torch.tensor([-1]), torch.ones(1))
torch.zeros(2,2).masked_scatter(torch.tensor(True), torch.arange(4.))
torch.take(torch.tensor(5.), torch.tensor([0, -1]))
torch.repeat_interleave(torch.tensor(3.), 2)
torch.repeat_interleave(torch.tensor([[1,2],[3,4]]), torch.tensor([1,2]), dim=0, output_size=3)
""".strip().split("\n")


def _run(m, expr):
    env = _inputs(m)
    try:
        out = eval(expr, env)  # noqa: S307 - the table above
    except Exception as e:  # noqa: BLE001 - the type is compared
        return "err", type(e), None
    outs = out if isinstance(out, tuple) else (out,)
    vals = [(o.detach().numpy().copy(), str(o.dtype), type(o.grad_fn).__name__ if o.grad_fn else None)
            if isinstance(o, m.Tensor) else o for o in outs]
    total = None
    for o in outs:
        if isinstance(o, m.Tensor) and o.requires_grad:
            w = m.arange(o.numel(), dtype=o.dtype).reshape(o.shape).cos()
            total = (o * w).sum() if total is None else total + (o * w).sum()
    grads = None
    if total is not None:
        leaves = [env[k] for k in ("x", "v", "sq", "c", "src")]
        try:
            grads = [None if g is None else g.numpy() for g in
                     m.autograd.grad(total, leaves, allow_unused=True)]
        except RuntimeError as e:  # torch's own scatter backward refuses a src larger than index
            grads = "backward raised " + type(e).__name__
    return "ok", vals, grads


# grad_fn names pytorchlite's composition shows where PyTorch records its own node (listed in
# the report): the in-place forms record CopyBackwards after the op on a copy of self.
NAME_DIFFERENCES = {"x.tril_()": None}


def _same(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype and \
            np.allclose(a, b, equal_nan=True, atol=1e-9)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(p, q) for p, q in zip(a, b))
    return a == b


@pytest.mark.parametrize("expr", CASES)
def test_as_torch(expr):
    real = pytest.importorskip("torch")
    want, got = _run(real, expr), _run(torch, expr)
    if want[0] == "err" or got[0] == "err":
        assert (want[0], want[1].__name__) == (got[0], got[1].__name__), (expr, want, got)
        return
    wv, gv = want[1], got[1]
    if expr.startswith("(x * 1).") or "_(" in expr:  # in-place: CopyBackwards (documented)
        wv = [(a, d, None) if isinstance(t, tuple) else t for t in wv for a, d, _ in [t]]
        gv = [(a, d, None) if isinstance(t, tuple) else t for t in gv for a, d, _ in [t]]
    if expr.startswith(("torch.tile(", "x.tile(")):  # RepeatBackward0 vs the composite's
        wv = [(a, d, None) for a, d, _ in wv]
        gv = [(a, d, None) for a, d, _ in gv]
    assert _same(wv, gv), (expr, wv, gv)
    if isinstance(want[2], str) and "scatter" in expr:
        return  # the gradients are checked against central differences below
    assert _same(want[2], got[2]), (expr, want[2], got[2])


# ---- against NumPy (no torch needed) ----

A = np.arange(24.).reshape(2, 3, 4) ** 1.5


def t(a):
    return torch.tensor(a)


def test_flips_rolls_rotations_as_numpy():
    assert np.array_equal(torch.flip(t(A), (0, 2)).numpy(), np.flip(A, (0, 2)))
    assert np.array_equal(torch.fliplr(t(A)).numpy(), np.fliplr(A))
    assert np.array_equal(torch.flipud(t(A)).numpy(), np.flipud(A))
    assert np.array_equal(torch.roll(t(A), (1, -2), (0, 2)).numpy(), np.roll(A, (1, -2), (0, 2)))
    assert np.array_equal(torch.roll(t(A), 5).numpy(), np.roll(A, 5))
    for k in range(-2, 6):
        assert np.array_equal(torch.rot90(t(A), k, (1, 2)).numpy(), np.rot90(A, k, (1, 2)))


def test_triangles_and_diagonals_as_numpy():
    m = A[0]
    for d in (-2, 0, 1, 5):
        assert np.array_equal(torch.tril(t(m), d).numpy(), np.tril(m, d))
        assert np.array_equal(torch.triu(t(m), d).numpy(), np.triu(m, d))
        assert np.array_equal(torch.diag(t(m), d).numpy(), np.diag(m, d))
        assert np.array_equal(torch.diagonal(t(A), d, 2, 1).numpy(), np.diagonal(A, d, 2, 1))
        assert np.array_equal(torch.diag(t(m[0]), d).numpy(), np.diag(m[0], d))
        assert np.array_equal(torch.diagflat(t(m), d).numpy(), np.diagflat(m, d))
    r, c = np.tril_indices(4, -1, 5)
    assert torch.tril_indices(4, 5, -1).tolist() == [r.tolist(), c.tolist()]
    r, c = np.triu_indices(4, 1, 3)
    assert torch.triu_indices(4, 3, 1).tolist() == [r.tolist(), c.tolist()]
    assert torch.trace(t(m)).item() == np.trace(m)
    e = torch.diag_embed(t(m), 1, 0, 2).numpy()
    for k in range(3):
        assert np.array_equal(e[:, k, :], np.diag(m[k], 1))
    y = t(m).clone()
    assert y.tril_(-1) is y and np.array_equal(y.numpy(), np.tril(m, -1))


def test_repeats_moves_and_splits_as_numpy():
    assert np.array_equal(torch.tile(t(A), (2, 1, 1, 3)).numpy(), np.tile(A, (2, 1, 1, 3)))
    assert np.array_equal(t(A).repeat_interleave(2, 1).numpy(), np.repeat(A, 2, 1))
    assert np.array_equal(t(A).repeat_interleave(t([1, 0, 3]), 1).numpy(), np.repeat(A, [1, 0, 3], 1))
    assert np.array_equal(torch.repeat_interleave(t(A), 2).numpy(), np.repeat(A, 2))
    assert np.array_equal(torch.movedim(t(A), (0, 1), (2, 0)).numpy(), np.moveaxis(A, (0, 1), (2, 0)))
    for n in (1, 2, 3, 5):
        parts = torch.tensor_split(t(A), n, 2)
        want = np.array_split(A, n, 2)
        assert len(parts) == len(want) and all(np.array_equal(p.numpy(), w) for p, w in zip(parts, want))
    for fn in ("hsplit", "vsplit", "dsplit"):
        got = getattr(torch, fn)(t(A), [1, 2])
        assert all(np.array_equal(p.numpy(), w) for p, w in zip(got, getattr(np, fn)(A, [1, 2])))
    a, b = np.arange(3.), np.arange(3.) * 2
    for fn in ("hstack", "vstack", "dstack", "column_stack", "row_stack"):
        assert np.array_equal(getattr(torch, fn)([t(a), t(b)]).numpy(), getattr(np, fn if fn != "row_stack" else "vstack")([a, b]))
    for fn in ("atleast_1d", "atleast_2d", "atleast_3d"):
        for arr in (np.float64(2.0), a, A[0], A):
            assert getattr(torch, fn)(t(arr)).shape == getattr(np, fn)(arr).shape


def test_reading_at_indices_as_numpy():
    idx = np.array([[0, 23], [-1, 5]])
    assert np.array_equal(torch.take(t(A), t(idx)).numpy(), np.take(A, idx))
    ind = np.array([[[0, 3]], [[2, 1]]])
    assert np.array_equal(torch.take_along_dim(t(A), t(ind), 2).numpy(), np.take_along_axis(A, np.broadcast_to(ind, (2, 3, 2)), 2))
    assert np.array_equal(torch.take_along_dim(t(A), t(np.array([3, 0]))).numpy(), A.reshape(-1)[[3, 0]])
    a, b, c = np.arange(3.), np.arange(2.) + 5, np.arange(4.) - 1
    for ix in ("ij", "xy"):
        for g, w in zip(torch.meshgrid(t(a), t(b), t(c), indexing=ix), np.meshgrid(a, b, c, indexing=ix)):
            assert np.array_equal(g.numpy(), w)
    assert torch.cartesian_prod(t(a), t(b)).tolist() == [list(p) for p in itertools.product(a, b)]
    assert torch.combinations(t(c), 3).tolist() == [list(p) for p in itertools.combinations(c, 3)]
    assert torch.combinations(t(a), 2, True).tolist() == \
        [list(p) for p in itertools.combinations_with_replacement(a, 2)]
    for n, inc in ((None, False), (5, True), (1, False)):
        assert np.array_equal(torch.vander(t(c), n, inc).numpy(), np.vander(c, n, inc))
    assert torch.ravel(t(A).transpose(0, 2)).tolist() == A.transpose(2, 1, 0).reshape(-1).tolist()
    assert torch.broadcast_to(t(a), (2, 3)).tolist() == np.broadcast_to(a, (2, 3)).tolist()


def _scatter_loop(x, dim, index, src, op, include_self=True):
    """A plain-Python scatter_reduce, the reference for the NumPy kernel."""
    out = x.copy()
    got = {}
    for pos in np.ndindex(*index.shape):
        target = list(pos)
        target[dim] = index[pos]
        got.setdefault(tuple(target), []).append(src[pos])
    for target, vals in got.items():
        vals = ([out[target]] if include_self else []) + vals
        out[target] = {"sum": sum, "prod": np.prod, "amax": max, "amin": min,
                       "mean": lambda v: sum(v) / len(v)}[op](vals)
    return out


@pytest.mark.parametrize("op", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_as_a_loop(op, include_self):
    rng = np.random.default_rng(0)
    x, src = rng.normal(size=(3, 4)), rng.normal(size=(4, 4))
    index = rng.integers(0, 3, size=(4, 3))
    got = torch.tensor(x).scatter_reduce(0, torch.tensor(index), torch.tensor(src), op,
                                         include_self=include_self)
    assert np.allclose(got.numpy(), _scatter_loop(x, 0, index, src, op, include_self))
    if include_self and op == "sum":
        assert np.allclose(torch.tensor(x).scatter_add(0, torch.tensor(index), torch.tensor(src)).numpy(), got.numpy())


def test_writes_at_indices_as_numpy():
    x = np.arange(12.).reshape(3, 4)
    want = x.copy()
    want[:, [3, 0]] = -1
    assert np.array_equal(torch.tensor(x).index_fill(1, t([3, 0]), -1).numpy(), want)
    want = x.copy()
    want[[2, 0]] = [[9] * 4, [7] * 4]
    assert np.array_equal(torch.tensor(x).index_copy(0, t([2, 0]), t(np.array([[9.] * 4, [7.] * 4]))).numpy(), want)
    mask = x % 3 == 0
    assert np.array_equal(torch.tensor(x).masked_select(t(mask)).numpy(), x[mask])
    want = x.copy()
    want[mask] = np.arange(mask.sum()) + 100.
    assert np.array_equal(torch.tensor(x).masked_scatter(t(mask), t(np.arange(12.) + 100)).numpy(), want)
    y = torch.tensor(x)
    assert y.scatter_(1, t([[0], [1], [2]]), 0.5) is y and y[1, 1].item() == 0.5


def test_counting_as_numpy():
    a = np.array([5, 1, 1, 3, 5, 5, 0])
    vals, inv, cnt = np.unique(a, return_inverse=True, return_counts=True)
    got = torch.unique(t(a), return_inverse=True, return_counts=True)
    assert [g.tolist() for g in got] == [vals.tolist(), inv.tolist(), cnt.tolist()]
    assert torch.unique_consecutive(t(a)).tolist() == [5, 1, 3, 5, 0]
    assert torch.bincount(t(a), minlength=8).tolist() == np.bincount(a, minlength=8).tolist()
    assert torch.count_nonzero(t(a)).item() == np.count_nonzero(a)
    assert torch.argwhere(t(a)).tolist() == np.argwhere(a).tolist()
    seq, q = np.array([1., 3, 3, 7]), np.array([0., 3, 5, 9])
    for side in ("left", "right"):
        assert torch.searchsorted(t(seq), t(q), side=side).tolist() == np.searchsorted(seq, q, side).tolist()
    assert torch.bucketize(t(q), t(seq), right=True).tolist() == np.searchsorted(seq, q, "right").tolist()
    data = np.linspace(-1, 2, 17)
    hist, edges = torch.histogram(t(data), 5)
    want_h, want_e = np.histogram(data, 5)
    assert np.allclose(hist.numpy(), want_h) and np.allclose(edges.numpy(), want_e)
    assert torch.histc(t(data), 5, -1, 2).tolist() == want_h.tolist()


# ---- gradients against central differences ----

def _x(*shape):
    n = int(np.prod(shape))
    return torch.tensor(np.sin(np.arange(1., n + 1)).reshape(shape), dtype=torch.float64,
                        requires_grad=True)


GRAD_FNS = {
    "flip": lambda a: torch.flip(a, (0, 1)), "roll": lambda a: torch.roll(a, (1, -1), (0, 1)),
    "rot90": lambda a: torch.rot90(a, 3), "tril": lambda a: torch.tril(a, -1),
    "triu": lambda a: torch.triu(a, 1), "diagonal": lambda a: torch.diagonal(a, 1),
    "diag": lambda a: torch.diag(a), "diag_embed": lambda a: torch.diag_embed(a, -1),
    "trace": torch.trace, "tile": lambda a: torch.tile(a, (2, 1, 2)),
    "repeat_interleave": lambda a: a.repeat_interleave(torch.tensor([2, 0, 1]), 0),
    "take": lambda a: torch.take(a, torch.tensor([[0, 0], [4, -1]])),
    "take_along_dim": lambda a: torch.take_along_dim(a, torch.tensor([[1], [0], [2]]), 1),
    "scatter": lambda a: a.scatter(0, torch.tensor([[2, 0, 1]]), a[1:2] * 3),
    "scatter_add": lambda a: a.scatter_add(1, torch.tensor([[0, 0], [1, 2], [2, 2]]), a * a),
    "scatter_mean": lambda a: a.scatter_reduce(0, torch.tensor([[1, 1, 0]]), a[:1] ** 2, "mean"),
    "scatter_prod": lambda a: a.scatter_reduce(0, torch.tensor([[1, 1, 0], [1, 0, 0]]), a[:2] + 1, "prod"),
    "scatter_amax": lambda a: a.scatter_reduce(0, torch.tensor([[1, 1, 0]]), a[2:] * 2, "amax", include_self=False),
    "index_copy": lambda a: a.index_copy(1, torch.tensor([2, 0]), a[:, :2] * 2),
    "index_fill": lambda a: a.index_fill(0, torch.tensor([1]), 2.0),
    "masked_select": lambda a: a.masked_select(a > 0),
    "masked_scatter": lambda a: a.masked_scatter(a > 0, (a * a).reshape(-1)),
    "vander": lambda a: torch.vander(a[0], 4), "combinations": lambda a: torch.combinations(a[1]),
    "cartesian_prod": lambda a: torch.cartesian_prod(a[0], a[1]),
    "as_strided": lambda a: a.as_strided((2, 2), (1, 1)),
}


@pytest.mark.parametrize("name", sorted(GRAD_FNS))
def test_gradients_and_second_derivatives(name):
    a = _x(3, 3)
    fn = GRAD_FNS[name]
    assert gradcheck(fn, (a,))
    assert gradgradcheck(lambda b: fn(b) * b.sum(), (a,))
