"""Products of vectors and matrices: mv, addmv, addbmm, baddbmm, outer, inner, kron,
tensordot, cross, cdist, dist, cosine_similarity (part of _math_ops, which exports them).

Where PyTorch has a node of its own (AddmvBackward0, LinalgCrossBackward0, CdistBackward0...)
the composite is recorded as one node of that name (_named_op.composite).
"""
import numbers

from . import _C
from ._named_op import composite
from .amp import _policy as _amp

_B = _C.TensorBase


def _is_t(x):
    return isinstance(x, _B)


def _need_tensor(fname, x, name, pos):
    if not _is_t(x):
        raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _dt_name(d):
    from ._math_ops import _dt_name as name

    return name(d)


@_amp.outside
def mv(self, vec):
    """Matrix (n, m) times vector (m,)."""
    _need_tensor("mv", vec, "vec", 2)
    if self.dim() == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    if self.dim() != 2 or vec.dim() != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {self.dim()}, "
                           f"{vec.dim()}")
    if self.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({self.shape[0]}), mat ({self.shape[0]}x"
                           f"{self.shape[1]}), vec ({vec.shape[0]})")
    return self.matmul(vec)


def _beta_alpha(beta, alpha, inp, prod):
    """beta * inp + alpha * prod, with inp ignored (even nan) when beta is 0."""
    out = prod if alpha == 1 else prod * alpha
    if beta == 0:
        return out + _C.zeros(inp.shape, dtype=out.dtype)
    return out + (inp if beta == 1 else inp * beta)


def addmv(self, mat, vec, *, beta=1, alpha=1):
    """beta * self + alpha * (mat @ vec)."""
    _need_tensor("addmv", mat, "mat", 2)
    _need_tensor("addmv", vec, "vec", 3)
    return composite("AddmvBackward0", lambda s, m, v: _beta_alpha(beta, alpha, s, mv(m, v)),
                     self, mat, vec)


def addmv_(self, mat, vec, *, beta=1, alpha=1):
    return self.copy_(addmv(self, mat, vec, beta=beta, alpha=alpha))


def _check_batches(b1, b2):
    if b1.dim() != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b2.dim() != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b1.shape[0] != b2.shape[0] or b1.shape[2] != b2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b1.shape[0]}, {b1.shape[2]}] but got: [{b2.shape[0]}, "
                           f"{b2.shape[1]}].")


def _baddbmm_sizes(b1, b2, reads=((0, 0), (0, 1), (1, 2))):
    """PyTorch's baddbmm reads batch1's sizes 0 and 1 and batch2's size 2 (addbmm: batch1's
    size 1, batch2's size 2) before any dimension check: a tensor with fewer dims fails that
    read (IndexError)."""
    for which, d in reads:
        t = (b1, b2)[which]
        if t.dim() == 0:
            raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
        if d >= t.dim():
            n = t.dim()
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                             f"but got {d})")


@_amp.lower
def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
    """beta * self + alpha * sum_b(batch1[b] @ batch2[b])."""
    _need_tensor("addbmm", batch1, "batch1", 2)
    _need_tensor("addbmm", batch2, "batch2", 3)
    _baddbmm_sizes(batch1, batch2, ((0, 1), (1, 2)))
    _check_batches(batch1, batch2)
    return composite("AddbmmBackward0",
                     lambda s, a, b: _beta_alpha(beta, alpha, s, a.matmul(b).sum(0)),
                     self, batch1, batch2)


@_amp.lower
def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
    """beta * self + alpha * (batch1 @ batch2), batch by batch."""
    _need_tensor("baddbmm", batch1, "batch1", 2)
    _need_tensor("baddbmm", batch2, "batch2", 3)
    _baddbmm_sizes(batch1, batch2)
    _check_batches(batch1, batch2)
    return composite("BaddbmmBackward0",
                     lambda s, a, b: _beta_alpha(beta, alpha, s, a.matmul(b)),
                     self, batch1, batch2)


def addbmm_(self, batch1, batch2, *, beta=1, alpha=1):
    return self.copy_(addbmm(self, batch1, batch2, beta=beta, alpha=alpha))


def baddbmm_(self, batch1, batch2, *, beta=1, alpha=1):
    return self.copy_(baddbmm(self, batch1, batch2, beta=beta, alpha=alpha))


def outer(self, vec2):
    """The outer product of two vectors."""
    _need_tensor("outer", vec2, "vec2", 2)
    if self.dim() != 1 or vec2.dim() != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {self.dim()}-D"
                           if self.dim() != 1 else
                           f"outer: Expected 1-D argument vec2, but got {vec2.dim()}-D")
    return self.unsqueeze(1) * vec2.unsqueeze(0)


def ger(self, vec2):
    return outer(self, vec2)


def inner(self, other):
    """Sum over the last dims of both (a product when either is 0-dim)."""
    _need_tensor("inner", other, "other", 2)
    if self.dim() == 0 or other.dim() == 0:
        return self * other
    if self.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(self.shape)} and {list(other.shape)}")
    return tensordot(self, other, ([self.dim() - 1], [other.dim() - 1]))


def kron(self, other):
    """The Kronecker product."""
    _need_tensor("kron", other, "other", 2)
    nd = max(self.dim(), other.dim())
    a = self.reshape((1,) * (nd - self.dim()) + tuple(self.shape))
    b = other.reshape((1,) * (nd - other.dim()) + tuple(other.shape))
    ai, bi = [], []
    for d in range(nd):
        ai += [a.shape[d], 1]
        bi += [1, b.shape[d]]
    out = a.reshape(ai) * b.reshape(bi)
    shape = tuple(a.shape[d] * b.shape[d] for d in range(nd))
    # PyTorch's final reshape is an _unsafe_view (UnsafeViewBackward0)
    return composite("UnsafeViewBackward0", lambda t: t.reshape(shape), out, saves=False)


def tensordot(a, b, dims=2, out=None):
    """Sum of products over dims of a and b (an int: the last dims of a, first of b)."""
    if not isinstance(dims, (tuple, list, _B, int)):
        raise RuntimeError("tensordot expects dims to be int or tuple[list[int], list[int]] or "
                           f"list[list[int]] containing two lists, but got dims={dims}")
    _need_tensor("tensordot", a, "a", 1)
    _need_tensor("tensordot", b, "b", 2)
    if _is_t(dims):
        dims = dims.tolist()
    if isinstance(dims, numbers.Integral):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.dim() or dims > b.dim():
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(a.dim() - dims, a.dim())), list(range(dims))
    else:
        if len(dims) != 2:
            raise RuntimeError("tensordot expects dims to be a pair of lists")
        da, db = dims
        da = [da] if isinstance(da, numbers.Integral) else list(da)
        db = [db] if isinstance(db, numbers.Integral) else list(db)
        if len(da) != len(db):
            raise RuntimeError("both dimension lists should have same length")
    from ._tensor import _wrap_dim

    da = [_wrap_dim(d, a.dim()) for d in da]
    db = [_wrap_dim(d, b.dim()) for d in db]
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[x]} in dim {x} and second has size {b.shape[y]} in dim "
                               f"{y}")
    fa = [d for d in range(a.dim()) if d not in da]
    fb = [d for d in range(b.dim()) if d not in db]
    k = 1
    for d in da:
        k *= a.shape[d]
    na, nb = 1, 1
    for d in fa:
        na *= a.shape[d]
    for d in fb:
        nb *= b.shape[d]
    am = a.permute(fa + da).reshape(na, k) if a.dim() else a.reshape(1, 1)
    bm = b.permute(db + fb).reshape(k, nb) if b.dim() else b.reshape(1, 1)
    r = am.matmul(bm).reshape([a.shape[d] for d in fa] + [b.shape[d] for d in fb])
    if out is not None:
        from ._out import write_out

        return write_out("tensordot", out, r, (a, b))
    return r


def cross(self, other, dim=None):
    """The cross product of 3-vectors along dim (by default the first dim of size 3)."""
    _need_tensor("cross", other, "other", 2)
    if dim is not None and (isinstance(dim, bool) or not isinstance(dim, numbers.Integral)):
        raise TypeError(f"cross(): argument 'dim' (position 3) must be int, not "
                        f"{type(dim).__name__}")
    if self.dim() != other.dim():
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if dim is None:
        import warnings

        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\n"
                      "Please either pass the dim explicitly or simply use torch.linalg.cross.\n"
                      "The default value of dim will change to agree with that of "
                      "linalg.cross in a future release.")
        from . import broadcast_shapes

        shape = broadcast_shapes(self.shape, other.shape)
        dim = next((i for i, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(self, other, dim=dim)


def linalg_cross(input, other, *, dim=-1):  # noqa: A002
    _need_tensor("linalg_cross", input, "input", 1)
    _need_tensor("linalg_cross", other, "other", 2)
    from ._tensor import _wrap_dim

    if input.dim() != other.dim():
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    dim = _wrap_dim(dim, input.dim())
    if input.shape[dim] != 3 or other.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input.shape[dim]} and {other.shape[dim]}")
    return composite("LinalgCrossBackward0", lambda x, y: _cross(x, y, dim), input, other)


def _cross(input, other, dim):
    a = [input.select(dim, i) for i in range(3)]
    b = [other.select(dim, i) for i in range(3)]
    from . import stack

    return stack([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2],
                  a[0] * b[1] - a[1] * b[0]], dim)


@_amp.fp32
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distances between each row of x1 (..., P, M) and each of x2 (..., R, M)."""
    if compute_mode not in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    _need_tensor("cdist", x1, "x1", 1)
    _need_tensor("cdist", x2, "x2", 2)
    if x1.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.dim()}D")
    if x2.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X2 got: {x2.dim()}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    if not x1.dtype.is_floating_point:
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: "
                           f"{_dt_name(x1.dtype)}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    return composite("CdistBackward0", lambda a, b: (a.unsqueeze(-2) - b.unsqueeze(-3))
                     ._vector_norm(float(p), (-1,), False), x1, x2)


def dist(self, other, p=2):
    """The p-norm of self - other."""
    _need_tensor("dist", other, "other", 2)
    return composite("DistBackward0", lambda a, b: (a - b)._vector_norm(float(p), None, False),
                     self, other)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 * x2) / (max(|x1|, eps) * max(|x2|, eps)) along dim."""
    _need_tensor("cosine_similarity", x1, "x1", 1)
    _need_tensor("cosine_similarity", x2, "x2", 2)
    from . import broadcast_tensors

    x1, x2 = broadcast_tensors(x1, x2)
    n1 = x1._vector_norm(2.0, (dim,), True).clamp(min=eps)
    n2 = x2._vector_norm(2.0, (dim,), True).clamp(min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


