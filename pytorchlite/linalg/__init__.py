"""``torch.linalg``: factorisations, solvers, norms and products of matrices, with PyTorch's
names, defaults, named results and errors. The factorisations run in NumPy's LAPACK (the LU,
triangular solves and the Cholesky of a matrix that is not positive-definite in NumPy code that
follows LAPACK's); their gradients, with PyTorch's formulas and grad_fn names, are in
linalg/_grads.py and linalg/_lu.py, the rest are compositions of differentiable ops. Results
that PyTorch gets from LAPACK come back column-major (strides (..., 1, m)), as PyTorch's do.

Note: pytorchlite has no complex dtypes, so ``eig`` and ``eigvals`` (whose results PyTorch
always returns complex) raise NotImplementedError.
"""
import math
import numbers

import numpy as np

from .. import _C
from .. import _dtype as _dt
from . import _grads, _lu
from ._grads import LinAlgError
from ..amp import _policy as _amp

__all__ = ["LinAlgError", "inv", "inv_ex", "det", "slogdet", "solve", "solve_ex", "cholesky",
           "cholesky_ex", "qr", "svd", "svdvals", "eigh", "eigvalsh", "eig", "eigvals", "lstsq",
           "pinv", "matrix_rank", "matrix_power", "matrix_exp", "multi_dot", "cond", "cross",
           "vecdot", "vector_norm", "matrix_norm", "norm", "solve_triangular", "lu_factor",
           "lu_factor_ex", "lu", "lu_solve", "vander", "diagonal", "matmul", "tensorinv", "tensorsolve",
           "householder_product"]

_B = _C.TensorBase


def _rt():
    from .. import return_types

    return return_types


def _dtname(d):
    from .._math_ops import _dt_name

    return _dt_name(d)


def _check(name, A, square=True, arg="A"):
    if not isinstance(A, _B):
        raise TypeError(f"linalg_{name}(): argument '{arg}' (position 1) must be Tensor, not "
                        f"{type(A).__name__}")
    if A.dim() < 2:
        raise RuntimeError(f"linalg.{name}: The input tensor {arg} must have at least 2 "
                           f"dimensions.")
    if not A.dtype.is_floating_point or A.dtype in (_dt.float16, _dt.bfloat16):
        raise RuntimeError(f"linalg.{name}: Expected a floating point or complex tensor as "
                           f"input. Got {_dtname(A.dtype)}")
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.{name}: {arg} must be batches of square matrices, but they "
                           f"are {A.shape[-2]} by {A.shape[-1]} matrices")


def _finite(name, A):
    if A.numel() and not bool(A.detach().isfinite().all()):
        raise LinAlgError(f"linalg.{name}: The input contains non-finite values (inf or nan).") \
            if name in ("svd", "eigh") else RuntimeError(f"linalg.{name}: the input contains nan "
                                                         f"or inf")


@_amp.fp32
def inv(A, *, out=None):
    """The inverse of each square matrix of A (LinAlgError when one is singular)."""
    _check("inv", A)
    return _out("linalg_inv", out, _grads.inv(A), A)


@_amp.fp32
def inv_ex(A, *, check_errors=False, out=None):
    """(inverse, info): info is 0, or k > 0 when the k-th diagonal of the LU is zero."""
    _check("inv", A)
    r, info = _grads.inv_ex(A)
    if check_errors:
        err = _grads.inv_error("linalg.inv_ex", info)
        if err is not None:
            raise err
    return _rt().linalg_inv_ex((r, info))


def det(A, *, out=None):
    """The determinant of each square matrix of A."""
    _check("det", A)
    return _out("linalg_det", out, _grads.det(A), A)


def slogdet(A, *, out=None):
    """(sign, logabsdet) of the determinant of each square matrix of A."""
    _check("slogdet", A)
    return _rt().linalg_slogdet(_grads.slogdet(A))


def _vector_rhs(A, B):
    """Whether B is a (batch of) vector(s) for A, as PyTorch decides."""
    return B.dim() == 1 or (B.dim() == A.dim() - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


@_amp.fp32
def solve(A, B, *, left=True, out=None):
    """X with A @ X = B (or X @ A = B when left=False)."""
    _check("solve", A)
    if not isinstance(B, _B):
        raise TypeError(f"linalg_solve(): argument 'B' (position 2) must be Tensor, not "
                        f"{type(B).__name__}")
    if A.dtype != B.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found "
                           f"A of type {_dtname(A.dtype)} and B of type {_dtname(B.dtype)} "
                           "instead")
    vec = _vector_rhs(A, B)
    Bm = B.unsqueeze(-1) if vec else B
    if (Bm.shape[-2] if left else Bm.shape[-1]) != A.shape[-1]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({A.shape[-2]}x{A.shape[-1]} and "
                           f"{Bm.shape[-2]}x{Bm.shape[-1]})")
    from .. import broadcast_shapes

    batch = tuple(broadcast_shapes(A.shape[:-2], Bm.shape[:-2]))
    Ab = A.expand(batch + tuple(A.shape[-2:]))
    Bb = B.expand(batch + tuple(B.shape[-1:] if vec else B.shape[-2:]))
    return _out("linalg_solve", out, _grads.solve_matrix(Ab, Bb, bool(left), vec), A, B)


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    X = solve(A, B, left=left)
    return X, _C.zeros(A.shape[:-2], dtype=_dt.int32)


@_amp.fp32
def cholesky(A, *, upper=False, out=None):
    """The lower (or upper) Cholesky factor of each symmetric positive-definite matrix."""
    _check("cholesky", A)
    return _out("linalg_cholesky", out, _grads.cholesky(A, bool(upper)), A)


@_amp.fp32
def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """(L, info): info is 0, or k > 0 when the leading minor of order k is not positive."""
    _check("cholesky", A)
    L, info = _grads.cholesky_ex(A, bool(upper))
    if check_errors:
        err = _grads.cholesky_error("linalg.cholesky_ex", info)
        if err is not None:
            raise err
    return _rt().linalg_cholesky_ex((L, info))


@_amp.fp32
def qr(A, mode="reduced", *, out=None):
    """(Q, R) with A = Q R; mode 'reduced', 'complete' or 'r' (Q empty)."""
    _check("qr", A, square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    if mode == "r":
        R = _grads.qr(A, "reduced")[1] if A.shape[-2] >= A.shape[-1] else _grads.qr(A, "r")[1]
        return _rt().linalg_qr((_C.empty(0, dtype=A.dtype), R))
    return _rt().linalg_qr(_grads.qr(A, mode))


@_amp.fp32
def svd(A, full_matrices=True, *, driver=None, out=None):
    """(U, S, Vh) with A = U diag(S) Vh."""
    _check("svd", A, square=False)
    _finite("svd", A)
    return _rt().linalg_svd(_grads.svd(A, full_matrices))


@_amp.fp32
def svdvals(A, *, driver=None, out=None):
    """The singular values of A, in descending order."""
    _check("svdvals", A, square=False)
    return _out("linalg_svdvals", out, _grads.svd(A, False)[1], A)


@_amp.fp32
def eigh(A, UPLO="L", *, out=None):  # noqa: N803 - torch's name
    """(eigenvalues ascending, eigenvectors) of each symmetric matrix (from its UPLO
    triangle)."""
    _check("eigh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return _rt().linalg_eigh(_grads.eigh(A, UPLO))


@_amp.fp32
def eigvalsh(A, UPLO="L", *, out=None):  # noqa: N803
    """The eigenvalues of each symmetric matrix, ascending."""
    _check("eigvalsh", A)
    return _out("linalg_eigvalsh", out, eigh(A, UPLO)[0], A)


@_amp.fp32
def eig(A, *, out=None):
    """Not available: PyTorch returns complex eigenvalues and eigenvectors, and pytorchlite has
    no complex dtypes."""
    _check("eig", A)
    raise NotImplementedError("pytorchlite has no complex dtypes: linalg.eig returns complex "
                              "tensors (use linalg.eigh for symmetric matrices)")


@_amp.fp32
def eigvals(A, *, out=None):
    """Not available (complex results): see ``eig``."""
    _check("eigvals", A)
    raise NotImplementedError("pytorchlite has no complex dtypes: linalg.eigvals returns complex "
                              "tensors (use linalg.eigvalsh for symmetric matrices)")


def _default_rtol(A):
    eps = float(np.finfo(np.float64 if A.dtype is _dt.float64 else np.float32).eps)
    return eps * max(A.shape[-2], A.shape[-1])


def _tols(A, atol, rtol, rcond=None):
    if rcond is not None:
        return 0.0, float(rcond)
    a = 0.0 if atol is None else float(atol)
    if rtol is None:
        rtol = _default_rtol(A) if atol is None or a <= 0 else 0.0
    return a, float(rtol)


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """The Moore-Penrose pseudo-inverse (singular values at or below max(atol, rtol * s_max)
    count as zero)."""
    _check("pinv", A, square=False)
    a, r = _tols(A, atol, rtol)
    return _out("linalg_pinv", out, _grads.pinv(A, a, r), A)


@_amp.fp32
def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution X of A X = B (solution, residuals, rank, singular_values).

    Note: with the default driver (PyTorch's 'gelsy' on the CPU) residuals and singular_values
    are empty, as in PyTorch; the solution is pinv(A) @ B.
    """
    if isinstance(A, _B) and A.dim() < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    _check("lstsq", A, square=False)
    if not isinstance(B, _B):
        raise TypeError(f"linalg_lstsq(): argument 'b' (position 2) must be Tensor, not "
                        f"{type(B).__name__}")
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError("parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    vec = B.dim() == A.dim() - 1
    if (B.shape[-1] if vec else B.shape[-2]) != A.shape[-2]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size("
                           f"{-1 if vec else -2})")
    eps_rt = (float(np.finfo(np.float64 if A.dtype is _dt.float64 else np.float32).eps) *
              max(A.shape[-2], A.shape[-1])) if rcond is None else float(rcond)
    drv = driver or "gelsy"
    s = svdvals(A.detach())
    rank = (s > eps_rt * s[..., :1]).long().sum(-1) if s.numel() else \
        _C.zeros(A.shape[:-2], dtype=_dt.int64)
    m, n = A.shape[-2], A.shape[-1]
    full = drv != "gelsy" and m > n and bool((rank == n).all())

    def solution(A, B):
        Bm = B.unsqueeze(-1) if vec else B
        X = _grads.pinv(A, 0.0, eps_rt).matmul(Bm)
        residuals = _C.empty(0, dtype=A.dtype)
        if full:
            res = Bm - A.matmul(X)
            residuals = (res * res).sum(-2)  # (..., 1) for a vector b, as PyTorch
        if vec:
            return X.squeeze(-1), residuals
        if not X.requires_grad:  # the result: LAPACK's layout, as PyTorch returns it, the
            # first n rows of a column-major (max(m, n), k) buffer
            buf = np.zeros(tuple(X.shape[:-2]) + (max(m, n), X.shape[-1]),
                           dtype=np.float64 if X.dtype is _dt.float64 else np.float32)
            buf[..., :n, :] = X.numpy()
            X = _grads._tF(buf, X).narrow(-2, 0, n)
        return X, residuals

    def vjp(args, grads):
        # X = pinv(A) B, residuals r = |B - A X|^2 column by column
        A, B = args
        gX, gr = grads
        Bm = B.unsqueeze(-1) if vec else B
        gX = gX.unsqueeze(-1) if vec else gX
        P = _grads.pinv(A, 0.0, eps_rt)
        X = P.matmul(Bm)
        gB = None
        gA = None
        if full and gr is not None and gr.numel():
            Er = (Bm - A.matmul(X)) * gr.unsqueeze(-2)
            gX = gX - 2 * A.mT.matmul(Er)
            gB = 2 * Er
            gA = -2 * Er.matmul(X.mT)
        gB = P.mT.matmul(gX) if gB is None else gB + P.mT.matmul(gX)
        gP = _grads.pinv_vjp(A, P, gX.matmul(Bm.mT))
        gA = gP if gA is None else gA + gP
        return gA, (gB.squeeze(-1) if vec else gB)

    X, residuals = _grads.composite("LinalgLstsqBackward0", solution, vjp, A, B)
    sv = s if drv in ("gelsd", "gelss") else _C.empty(0, dtype=A.dtype)
    if drv == "gels":
        rank = _C.empty(0, dtype=_dt.int64)
    return _rt().linalg_lstsq((X, residuals, rank, sv))


@_amp.fp32
def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """The number of singular values above max(atol, rtol * s_max)."""
    _check("matrix_rank", A, square=False)
    a, r = _tols(A, atol, rtol)
    s = _grads.svd(A.detach(), False)[1]
    if A.shape[-1] == 0 or A.shape[-2] == 0:
        return _C.zeros(A.shape[:-2], dtype=_dt.int64)
    cut = (s[..., :1] * r).clamp(min=a)
    return (s > cut).long().sum(-1)


def matrix_power(A, n, *, out=None):
    """A @ A ... (n times); the identity for n = 0, powers of the inverse for n < 0."""
    if not isinstance(A, _B):
        raise TypeError(f"linalg_matrix_power(): argument 'input' (position 1) must be Tensor, "
                        f"not {type(A).__name__}")
    from .._reduce_ops import _int_arg

    n = _int_arg("matrix_power", n, "n", 2)
    if A.dim() < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError("linalg.matrix_power: A must be batches of square matrices, but they "
                           f"are {A.shape[-2] if A.dim() > 1 else 1} by "
                           f"{A.shape[-1] if A.dim() else 1} matrices")
    if n == 0:  # the identity written over a copy of A, as PyTorch (CopyBackwards, a zero gradient)
        return A.clone().copy_(_C.eye(A.shape[-1], dtype=A.dtype).expand(tuple(A.shape)))
    if n == 1:
        return A.clone()
    if n < 0:
        _check("inv", A)
        A, n = inv(A), -n
    result, base = None, A
    while n:  # binary powering
        if n & 1:
            result = base if result is None else result.matmul(base)
        n >>= 1
        if n:
            base = base.matmul(base)
    return result


def matrix_exp(A):
    """exp(A) by scaling and squaring of a degree-18 Taylor polynomial (differentiable)."""
    _check("matrix_exp", A)
    return _grads.composite("LinalgMatrixExpBackward0", _matrix_exp, _matrix_exp_vjp, A)


def _matrix_exp_vjp(args, grads):
    # PyTorch's: exp([[A^T, G], [0, A^T]]) holds the gradient in its top-right block
    (A,), (G,) = args, grads
    n = A.shape[-1]
    At = A.mT
    top = _C.cat([At, G], -1)
    bottom = _C.cat([_C.zeros(tuple(A.shape), dtype=A.dtype), At], -1)
    return (matrix_exp(_C.cat([top, bottom], -2)).narrow(-2, 0, n).narrow(-1, n, n),)


def _matrix_exp(A):
    n = A.shape[-1]
    if A.numel() == 0:
        return A.clone()
    norm1 = float(A.detach().abs().sum(-2).max()) if A.numel() else 0.0
    s = max(0, int(math.ceil(math.log2(norm1))) + 1) if norm1 > 0.5 else 0
    X = A / (2.0 ** s) if s else A
    eye = _C.eye(n, dtype=A.dtype)
    term, total = eye, eye + X * 0
    for k in range(1, 19):
        term = term.matmul(X) / k
        total = total + term
    for _ in range(s):
        total = total.matmul(total)
    return total


def multi_dot(tensors, *, out=None):
    """The product of the matrices in order (a first 1-D one is a row, a last a column)."""
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    ts = list(tensors)
    first, last = ts[0].dim() == 1, ts[-1].dim() == 1
    if first:
        ts[0] = ts[0].unsqueeze(0)
    if last:
        ts[-1] = ts[-1].unsqueeze(-1)
    for i, t in enumerate(ts):
        if t.dim() != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.dim()}D")
    for i in range(len(ts) - 1):
        if ts[i].shape[1] != ts[i + 1].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes "
                               f"{list(tensors[i].shape)} and {list(tensors[i + 1].shape)} cannot "
                               "be multiplied")
    r = ts[0]
    for t in ts[1:]:
        r = r.matmul(t)
    shape = tuple(r.shape)
    if first:
        shape = shape[1:]
    if last:
        shape = shape[:-1]
    return r.view(shape)  # ViewBackward0, as PyTorch's multi_dot


@_amp.fp32
def cond(A, p=None, *, out=None):
    """The condition number of A in the p-norm (2 by default: s_max / s_min)."""
    if isinstance(A, _B) and A.dim() < 2:
        raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    if p not in (None, 2, -2, 1, -1, math.inf, -math.inf, "fro", "nuc"):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if p in (None, 2, -2):
        _check("cond", A, square=False)
    else:
        _check(f"cond(ord={ {math.inf: 'inf', -math.inf: '-inf'}.get(p, p) })", A)
    if A.numel() == 0:  # as PyTorch: zeros, with no history
        return _out("linalg_cond", out, _C.zeros(tuple(A.shape[:-2]), dtype=A.dtype), A)
    if p in (None, 2, -2):
        s = svdvals(A)
        big, small = s.narrow(-1, 0, 1), s.narrow(-1, s.shape[-1] - 1, 1)
        return _out("linalg_cond", out, (small / big if p == -2 else big / small).squeeze(-1), A)
    if p == "nuc":  # as PyTorch: sum(s) sum(1 / s)
        s = svdvals(A)
        return _out("linalg_cond", out, s.sum(-1) * (1 / s).sum(-1), A)
    # as PyTorch: the inverse is made inf in place where inv_ex fails (so that, as in PyTorch,
    # a backward through it meets the in-place error), and a nan (0 * inf) is inf
    Ai, info = _grads.inv_ex(A)
    Ai.masked_fill_((info > 0).unsqueeze(-1).unsqueeze(-1), math.inf)
    r = matrix_norm(A, p) * matrix_norm(Ai, p)
    return _out("linalg_cond", out, r.nan_to_num(math.inf, math.inf, -math.inf), A)


def cross(input, other, *, dim=-1, out=None):  # noqa: A002
    """The cross product of 3-vectors along dim."""
    from .._math_ops import linalg_cross

    return _out("linalg_cross", out, linalg_cross(input, other, dim=dim), input, other)


@_amp.lower
def vecdot(x, y, *, dim=-1, out=None):
    """sum(x * y) along dim."""
    if not isinstance(x, _B) or not isinstance(y, _B):
        raise TypeError("linalg_vecdot(): argument 'x' (position 1) must be Tensor")
    return _out("linalg_vecdot", out, (x * y).sum(dim), x, y)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A002
    """(sum |x|^ord)^(1/ord) over dim (all elements by default); ord inf, -inf and 0 too."""
    if not isinstance(x, _B):
        raise TypeError(f"linalg_vector_norm(): argument 'x' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_dtname(x.dtype)}")
    src = x if dtype is None else x.to(dtype)
    if isinstance(dim, numbers.Integral):
        dim = (dim,)
    elif dim is not None:
        dim = tuple(dim)
        if not dim:
            dim = None
    return _out("linalg_vector_norm", out, src._vector_norm(float(ord), dim, keepdim), x)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):  # noqa: A002
    """The matrix norm: 'fro', 'nuc', inf, -inf, 1, -1, 2 or -2."""
    _check("matrix_norm", A, square=False)
    src = A if dtype is None else A.to(dtype)
    from .._tensor import _wrap_dim

    d0, d1 = (_wrap_dim(d, A.dim()) for d in dim)
    if d0 == d1:
        raise RuntimeError("linalg.matrix_norm: dims must be different. Got "
                           f"({dim[0]}, {dim[1]})")
    if ord == "fro":
        r = src._vector_norm(2.0, (d0, d1), keepdim)
    elif ord == "nuc" or ord in (2, -2):
        perm = [i for i in range(A.dim()) if i not in (d0, d1)] + [d0, d1]
        s = svdvals(src.permute(perm))
        r = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        if keepdim:
            for d in sorted((d0, d1)):
                r = r.unsqueeze(d)
    elif ord in (1, -1, math.inf, -math.inf):
        # as PyTorch: the 1-norms along one dim, then their max (min) along the other
        sum_dim, red_dim = (d0, d1) if ord in (1, -1) else (d1, d0)
        if not keepdim and sum_dim < red_dim:
            red_dim -= 1
        sums = src._vector_norm(1.0, (sum_dim,), keepdim)
        r = sums.amax(red_dim, keepdim) if ord > 0 else sums.amin(red_dim, keepdim)
    else:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    return _out("linalg_matrix_norm", out, r, A)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A002
    """vector_norm or matrix_norm, chosen as PyTorch chooses (ord and the number of dims)."""
    if not isinstance(A, _B):
        raise TypeError(f"linalg_norm(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(A).__name__}")
    if isinstance(dim, numbers.Integral):
        dim = (dim,)
    if dim is None and ord is not None and A.dim() not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {A.dim()}D.")
    if dim is not None and len(dim) == 2 or (dim is None and ord is not None and A.dim() == 2):
        return matrix_norm(A, "fro" if ord is None else ord, (-2, -1) if dim is None else dim,
                           keepdim, dtype=dtype, out=out)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {A.dim()}D.")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with A @ X = B for a triangular A (only its upper or lower triangle is read)."""
    _check("solve_triangular", A)
    if not isinstance(B, _B):
        raise TypeError(f"linalg_solve_triangular(): argument 'B' (position 2) must be Tensor, "
                        f"not {type(B).__name__}")
    if B.dim() < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 "
                           "dimensions.")
    if A.dtype != B.dtype:
        B = B.to(A.dtype)  # PyTorch solves in A's dtype
    n = A.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the "
                           f"equation {'AX = B' if left else 'XA = B'} ({n}x{n} and "
                           f"{B.shape[-2]}x{B.shape[-1]})")
    from .. import broadcast_shapes

    batch = tuple(broadcast_shapes(A.shape[:-2], B.shape[:-2]))
    Ab = A.expand(batch + tuple(A.shape[-2:]))
    Bb = B.expand(batch + tuple(B.shape[-2:]))
    X = _grads.solve_triangular(Ab, Bb, bool(upper), bool(left), bool(unitriangular))
    return _out("linalg_solve_triangular", out, X, A, B)


def _reflectors(A, tau):
    """The Householder vectors v_i (1 at i, A[i+1:, i] below, 0 above) and H_i = I - tau_i
    v_i v_i^T."""
    m, k = A.shape[-2], tau.shape[-1]
    r = _C.arange(m)
    eye = _C.eye(m, dtype=A.dtype)
    vs, Hs = [], []
    for i in range(k):
        v = A.select(-1, i) * (r > i).to(A.dtype) + (r == i).to(A.dtype)
        vs.append(v)
        Hs.append(eye - tau.select(-1, i).unsqueeze(-1).unsqueeze(-1) *
                  (v.unsqueeze(-1) * v.unsqueeze(-2)))
    return vs, Hs, eye


def _householder(A, tau):
    m, n = A.shape[-2], A.shape[-1]
    _, Hs, eye = _reflectors(A, tau)
    Q = eye.expand(tuple(A.shape[:-2]) + (m, m))
    for H in Hs:
        Q = Q.matmul(H)
    Q = Q.narrow(-1, 0, n)
    if not Q.requires_grad:  # the result: column-major, as PyTorch's (LAPACK's orgqr)
        Q = _grads._tF(Q.numpy(), Q)
    return Q


def _householder_vjp(args, grads):
    # back through Q = H_1 ... H_k (first n columns): with P_i = H_1 ... H_i and G the
    # gradient of P_k, dL/dH_i = P_{i-1}^T G_i and G_{i-1} = G_i H_i^T; H = I - tau v v^T
    # gives dL/dtau = -v^T GH v and dL/dv = -tau (GH + GH^T) v
    A, tau = args
    (gQ,) = grads
    m, n, k = A.shape[-2], A.shape[-1], tau.shape[-1]
    vs, Hs, eye = _reflectors(A, tau)
    P = [eye.expand(tuple(A.shape[:-2]) + (m, m))]
    for H in Hs[:-1]:
        P.append(P[-1].matmul(H))
    G = _C.cat([gQ, _C.zeros(tuple(gQ.shape[:-1]) + (m - n,), dtype=gQ.dtype)], -1) \
        if m > n else gQ
    r = _C.arange(m)
    gA_cols, gtau = [None] * n, [None] * k
    for i in range(k - 1, -1, -1):
        GH = P[i].mT.matmul(G)
        v, t_i = vs[i], tau.select(-1, i)
        gtau[i] = -(v.unsqueeze(-2).matmul(GH).matmul(v.unsqueeze(-1))).squeeze(-1).squeeze(-1)
        gv = -t_i.unsqueeze(-1) * (GH + GH.mT).matmul(v.unsqueeze(-1)).squeeze(-1)
        gA_cols[i] = gv * (r > i).to(A.dtype)
        G = G.matmul(Hs[i].mT)
    zero = _C.zeros(tuple(A.shape[:-1]), dtype=A.dtype)
    gA = _C.stack([c if c is not None else zero for c in gA_cols], -1)
    return gA, _C.stack(gtau, -1)


def householder_product(A, tau, *, out=None):
    """The first n columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^T with the Householder
    vectors v_i stored below the diagonal of A (LAPACK's orgqr)."""
    name = "torch.linalg.householder_product"
    for arg, v, pos in (("input", A, 1), ("tau", tau, 2)):
        if not isinstance(v, _B):
            raise TypeError(f"linalg_householder_product(): argument '{arg}' (position {pos}) "
                            f"must be Tensor, not {type(v).__name__}")
    if A.dim() < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if A.shape[-2] < A.shape[-1]:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if A.shape[-1] < tau.shape[-1]:
        raise RuntimeError(f"{name}: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    if A.dim() - tau.dim() != 1:
        raise RuntimeError(f"{name}: Expected tau to have one dimension less than input, but "
                           f"got tau.ndim equal to {tau.dim()} and input.ndim is equal to "
                           f"{A.dim()}")
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(f"{name}: Expected batch dimensions of tau to be equal to "
                           f"input.shape[:-2], but got {list(tau.shape[:-1])}")
    if tau.dtype != A.dtype:
        raise RuntimeError(f"{name}: tau dtype {_dtname(tau.dtype)} does not match input dtype "
                           f"{_dtname(A.dtype)}")
    Q = _grads.composite("LinalgHouseholderProductBackward0", _householder, _householder_vjp,
                         A, tau)
    return _out("linalg_householder_product", out, Q, A, tau)


def tensorinv(A, ind=2, *, out=None):
    """The inverse of A as a multilinear map: shape[ind:] + shape[:ind], with
    tensordot(A, tensorinv(A, ind), ind) the identity."""
    if not isinstance(A, _B):
        raise TypeError(f"linalg_tensorinv(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(A).__name__}")
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    end, start = tuple(A.shape[ind:]), tuple(A.shape[:ind])
    p_end, p_start = math.prod(end), math.prod(start)
    if p_end != p_start:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {p_end} != {p_start}")
    r = _grads.inv(A.reshape(p_end, p_end), name="inv")
    return _out("linalg_tensorinv", out, r.reshape(end + start), A)


def tensorsolve(A, B, dims=None, *, out=None):
    """X with tensordot(A, X, X.ndim) = B."""
    for name, v, pos in (("input", A, 1), ("other", B, 2)):
        if not isinstance(v, _B):
            raise TypeError(f"linalg_tensorsolve(): argument '{name}' (position {pos}) must be "
                            f"Tensor, not {type(v).__name__}")
    nd = A.dim()
    if dims is not None:
        dims = [dims] if isinstance(dims, numbers.Integral) else list(dims)
        A = A.movedim(tuple(dims), tuple(range(nd - len(dims), nd)))
    shape = tuple(A.shape[B.dim():])
    p_res, p_other = math.prod(shape), math.prod(tuple(B.shape))
    if p_res != p_other:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[other.ndim:]) "
                           f"== prod(self.shape[:other.ndim]), but got {p_res} != {p_other}")
    X = solve(A.reshape(p_res, p_res), B.flatten())
    return _out("linalg_tensorsolve", out, X.reshape(shape), A, B)


def vander(x, *, N=None):  # noqa: N803 - torch's name
    """The Vandermonde matrix of x: x ** 0, x ** 1, ... x ** (N - 1) along a new last dim (as
    PyTorch: ones, then a cumulative product)."""
    if not isinstance(x, _B):
        raise TypeError(f"linalg_vander(): argument 'x' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    if x.dtype is _dt.bool:
        raise RuntimeError("linalg.vander supports floating point, complex, and integer tensors, "
                           "but got Bool")
    n = (x.shape[-1] if x.dim() else 1) if N is None else int(N)
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    ones = _C.ones(tuple(x.shape) + (1,), dtype=x.dtype)
    powers = x.unsqueeze(-1).expand(tuple(x.shape) + (n - 1,)).cumprod(-1)
    return _C.cat([ones, powers], -1)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonals of the matrices of A (A.diagonal with PyTorch's linalg defaults)."""
    if not isinstance(A, _B):
        raise TypeError(f"linalg_diagonal(): argument 'A' (position 1) must be Tensor, not "
                        f"{type(A).__name__}")
    return A.diagonal(offset=offset, dim1=dim1, dim2=dim2)


def matmul(input, other, *, out=None):  # noqa: A002
    """torch.matmul."""
    from .. import matmul as _matmul

    return _matmul(input, other) if out is None else _matmul(input, other, out=out)


def _lu_check(name, A, pivot):
    if not isinstance(A, _B):
        raise TypeError(f"linalg_{name}(): argument 'A' (position 1) must be Tensor, not "
                        f"{type(A).__name__}")
    if A.dim() < 2:
        where = "linalg.lu" if name == "lu" else "torch.lu_factor"
        raise RuntimeError(f"{where}: Expected tensor with 2 or more dimensions. Got "
                           f"size: {list(A.shape)} instead")
    if not A.dtype.is_floating_point or A.dtype in (_dt.float16, _dt.bfloat16):
        raise NotImplementedError(f"\"lu_cpu\" not implemented for '{_dtname(A.dtype)}'")
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")


def _lu_errors(name, info):
    """PyTorch's error for the first matrix with a zero on the diagonal of U."""
    bad = (info != 0).reshape(-1)
    if bool(bad.any()):
        i = int(bad.long().argmax())
        k = int(info.reshape(-1)[i])
        where = f"(Batch element {i}): " if info.dim() else ""
        raise RuntimeError(f"torch.linalg.{name}: {where}U[{k},{k}] is zero and using it on "
                           "lu_solve would result in a division by zero. If you still want to "
                           "perform the factorization, consider calling linalg.lu(A, pivot) or "
                           "linalg.lu_factor_ex(A, pivot)")


@_amp.fp32
def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """(LU, pivots, info) of the LU factorisation with partial pivoting (pivots 1-based, as
    LAPACK; info > 0 marks a zero on the diagonal of U)."""
    _lu_check("lu_factor_ex", A, pivot)
    LU, piv, info = _lu.lu_factor(A)
    if check_errors:
        _lu_errors("lu_factor_ex", info)
    return _rt().linalg_lu_factor_ex((LU, piv, info))


@_amp.fp32
def lu_factor(A, *, pivot=True, out=None):
    """(LU, pivots) of the LU factorisation with partial pivoting (pivots 1-based, as LAPACK);
    a RuntimeError when U has a zero on its diagonal."""
    _lu_check("lu_factor", A, pivot)
    LU, piv, info = _lu.lu_factor(A)
    _lu_errors("lu_factor", info)
    return _rt().linalg_lu_factor((LU, piv))


@_amp.fp32
def lu(A, *, pivot=True, out=None):
    """(P, L, U) with A = P L U (L unit lower triangular)."""
    _lu_check("lu", A, pivot)
    return _rt().linalg_lu(_lu.lu(A))


@_amp.fp32
def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """X with A X = B (A^T X = B when adjoint; X A = B when not left), A = P L U given by
    lu_factor."""
    for name, v, pos in (("LU", LU, 1), ("pivots", pivots, 2), ("B", B, 3)):
        if not isinstance(v, _B):
            raise TypeError(f"linalg_lu_solve(): argument '{name}' (position {pos}) must be "
                            f"Tensor, not {type(v).__name__}")
    if LU.dtype != B.dtype:
        raise RuntimeError(f"linalg.lu_solve: Expected LU and B to have the same dtype, but "
                           f"found LU of type {_dtname(LU.dtype)} and B of type "
                           f"{_dtname(B.dtype)} instead")
    if LU.dim() < 2 or B.dim() < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor "
                           f"{'LU' if LU.dim() < 2 else 'B'} must have at least 2 dimensions.")
    if LU.shape[-1] != LU.shape[-2]:
        raise RuntimeError(f"torch.linalg.lu_solve: A must be batches of square matrices, but they "
                           f"are {LU.shape[-2]} by {LU.shape[-1]} matrices")
    n = LU.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {B.shape[-2]}x"
                           f"{B.shape[-1]})")
    from .. import broadcast_shapes

    batch = tuple(broadcast_shapes(LU.shape[:-2], B.shape[:-2], pivots.shape[:-1]))
    LUb = LU.expand(batch + tuple(LU.shape[-2:]))
    Bb = B.expand(batch + tuple(B.shape[-2:]))
    pb = pivots.expand(batch + tuple(pivots.shape[-1:])).contiguous()
    return _out("linalg_lu_solve", out, _lu.lu_solve(LUb, pb, Bb, left, adjoint), LU, B)


def _out(name, out, result, *inputs):
    if out is None:
        return result
    from .._out import write_out

    return write_out(name, out, result, inputs)


def _with_out(fn, prefix="linalg_"):
    """fn with PyTorch's out= (pytorchlite/_out.py): the result, or each tensor of a tuple
    result, written into out."""
    import functools

    name = prefix + fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        from .._out import check_grad, write_out

        check_grad(name, out, args)
        return write_out(name, out, fn(*args, **kwargs), args)

    return wrapper


for _name in ("inv", "inv_ex", "det", "slogdet", "solve", "solve_ex", "cholesky", "cholesky_ex",
              "qr", "svd", "svdvals", "eigh", "eigvalsh", "pinv", "matrix_rank", "matrix_power",
              "multi_dot", "cond", "cross", "vecdot", "vector_norm", "matrix_norm", "norm",
              "solve_triangular", "lu_factor", "lu_factor_ex", "lu", "lu_solve"):
    globals()[_name] = _with_out(globals()[_name])
del _name
