"""The LU family as autograd Functions: ``linalg.lu_factor(_ex)`` (and ``torch.lu``),
``linalg.lu``, ``lu_unpack`` and ``linalg.lu_solve``, with PyTorch's grad_fn names and its
backward formulas (torch/csrc/autograd/FunctionsManual.cpp: linalg_lu_backward,
lu_factor_ex_backward, lu_unpack_backward, linalg_lu_solve_LU).

The factorisation is LAPACK's getrf (partial pivoting, 1-based pivots), written in NumPy.
"""
import numpy as np

from .. import _C
from ..autograd.function import Function
from ._grads import _Ctx, _grad, _named, _np, _save, _saved, _t, _tF


def getrf(a):
    """(LU, pivots, info) of each matrix of a (..., m, n): LAPACK's getrf in NumPy. pivots
    are 1-based int32; info is 0, or the 1-based index of the first zero diagonal of U."""
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    nb = int(np.prod(batch, dtype=np.int64))
    f = np.array(a, dtype=a.dtype, copy=True).reshape((nb, m, n))
    piv = np.zeros((nb, k), dtype=np.int32)
    info = np.zeros((nb,), dtype=np.int32)
    rows = np.arange(nb)
    with np.errstate(all="ignore"):
        _getrf_steps(f, piv, info, rows, m, k)
    return (f.reshape(a.shape), piv.reshape(batch + (k,)), info.reshape(batch))


def _getrf_steps(f, piv, info, rows, m, k):
    nb = f.shape[0]
    for j in range(k):
        p = j + np.argmax(np.abs(f[:, j:, j]), axis=1) if m > j else np.full(nb, j)
        piv[:, j] = p + 1
        rj = f[rows, j].copy()
        f[rows, j] = f[rows, p]
        f[rows, p] = rj
        d = f[:, j, j]
        nz = d != 0
        info[(~nz) & (info == 0)] = j + 1
        if j + 1 < m:
            scaled = f[:, j + 1:, j] / np.where(nz, d, 1)[:, None]
            f[:, j + 1:, j] = np.where(nz[:, None], scaled, f[:, j + 1:, j])
            f[:, j + 1:, j + 1:] -= f[:, j + 1:, j, None] * f[:, j, None, j + 1:]


def perm_matrix(piv, m, dtype):
    """P (..., m, m) with A = P L U from LAPACK's 1-based pivots (..., k)."""
    batch = piv.shape[:-1]
    nb = int(np.prod(batch, dtype=np.int64))
    pv = piv.reshape((nb, piv.shape[-1])) - 1
    perm = np.tile(np.arange(m), (nb, 1))
    rows = np.arange(nb)
    for j in range(pv.shape[-1]):
        a, b = perm[rows, j].copy(), perm[rows, pv[:, j]].copy()
        perm[rows, j], perm[rows, pv[:, j]] = b, a
    P = np.zeros((nb, m, m), dtype=dtype)
    P[rows[:, None], perm, np.arange(m)[None, :]] = 1
    return P.reshape(batch + (m, m))


def _unpack(LU, k):
    """(L, U) of a packed LU (..., m, n): L (..., m, k) unit lower, U (..., k, n) upper
    (differentiable in LU)."""
    m = LU.shape[-2]
    L = LU.narrow(-1, 0, k).tril(-1) + _C.eye(m, k, dtype=LU.dtype)
    U = LU.narrow(-2, 0, k).triu()
    return L, U


def _P(piv, m, like):
    return _C.from_numpy(perm_matrix(piv.numpy(), m, np.float64)).to(like.dtype)


def _solve_tri(A, B, upper, left=True, unitriangular=False):
    from . import solve_triangular

    return solve_triangular(A, B, upper=upper, left=left, unitriangular=unitriangular)


def lu_backward(gL, gU, P, L, U, pivot=True):
    """PyTorch's linalg_lu_backward: the gradient of A = P L U from those of L and U."""
    m, n = L.shape[-2], U.shape[-1]
    k = min(m, n)
    if gL is None and gU is None:
        return None
    if m == n:
        gA = L.mT.matmul(gL).tril(-1) if gL is not None else None
        if gU is not None:
            t = gU.matmul(U.mT).triu()
            gA = t if gA is None else gA + t
        gA = _solve_tri(U.mT, gA, upper=False, left=False)
        gA = _solve_tri(L.mT, gA, upper=True, left=True, unitriangular=True)
    elif m < n:  # wide
        U1, U2 = U.narrow(-1, 0, k), U.narrow(-1, k, n - k)
        gA = L.mT.matmul(gL) if gL is not None else None
        if gU is not None:
            t = gU.triu().matmul(U.mT)
            gA = -t if gA is None else gA - t
        gA = _solve_tri(U1.mT, gA.tril(-1), upper=False, left=False)
        if gU is not None:
            gA = _C.cat([gA + gU.narrow(-1, 0, k).triu(), gU.narrow(-1, k, n - k)], -1)
        gA = _solve_tri(L.mT, gA, upper=True, left=True, unitriangular=True)
        if gU is None:
            gA = _C.cat([gA, _C.zeros(tuple(U2.shape), dtype=U2.dtype)], -1)
    else:  # tall
        L1, L2 = L.narrow(-2, 0, k), L.narrow(-2, k, m - k)
        gA = gU.matmul(U.mT) if gU is not None else None
        if gL is not None:
            t = L.mT.matmul(gL.tril(-1))
            gA = -t if gA is None else gA - t
        gA = _solve_tri(L1.mT, gA.triu(), upper=True, left=True, unitriangular=True)
        if gL is not None:
            gA = _C.cat([gA + gL.narrow(-2, 0, k).tril(-1), gL.narrow(-2, k, m - k)], -2)
        gA = _solve_tri(U.mT, gA, upper=False, left=False)
        if gL is None:
            gA = _C.cat([gA, _C.zeros(tuple(L2.shape), dtype=L2.dtype)], -2)
    return P.matmul(gA) if pivot else gA


class _LuFactor(Function):
    @staticmethod
    def forward(ctx, A):
        lu, piv, info = getrf(_np(A))
        LU = _tF(lu, A)
        pivots = _C.from_numpy(np.ascontiguousarray(piv))
        infos = _C.from_numpy(np.ascontiguousarray(info).reshape(-1)).reshape(info.shape)
        ctx.mark_non_differentiable(pivots, infos)
        _save(ctx, (A,), (LU, pivots))
        return LU, pivots, infos

    @staticmethod
    def backward(ctx, gLU, gpiv=None, ginfo=None):
        _, (LU, pivots) = _saved(ctx, lambda A: lu_factor(A)[:2])
        m, n = LU.shape[-2], LU.shape[-1]
        k = min(m, n)
        L, U = _unpack(LU, k)
        P = _P(pivots, m, LU)
        return lu_backward(gLU.narrow(-1, 0, k), gLU.narrow(-2, 0, k), P, L, U)


class _Lu(Function):
    @staticmethod
    def forward(ctx, A):
        lu, piv, _ = getrf(_np(A))
        LU = _t(lu, A)
        m, n = LU.shape[-2], LU.shape[-1]
        L, U = _unpack(LU, min(m, n))
        P = _t(perm_matrix(piv, m, _np(A).dtype), A)
        ctx.mark_non_differentiable(P)
        _save(ctx, (A,), (P, L, U))
        return P, L, U

    @staticmethod
    def backward(ctx, gP, gL, gU):
        _, (P, L, U) = _saved(ctx, lu)
        return lu_backward(gL, gU, P, L, U)


class _LuUnpack(Function):
    @staticmethod
    def forward(ctx, LU, pivots, unpack_data, unpack_pivots):
        m, n = LU.shape[-2], LU.shape[-1]
        k = min(m, n)
        empty = _C.empty(0, dtype=LU.dtype)
        L, U = _unpack(LU, k) if unpack_data else (empty, _C.empty(0, dtype=LU.dtype))
        P = _P(pivots, m, LU) if unpack_pivots else _C.empty(0, dtype=LU.dtype)
        ctx.mark_non_differentiable(P)
        ctx.mn = (m, n)
        ctx.unpacked = unpack_data
        return P, L, U

    @staticmethod
    def backward(ctx, gP, gL, gU):
        if not ctx.unpacked:  # as PyTorch: the empty L and U have no triangle
            raise RuntimeError("triu: input tensor must have at least 2 dimensions")
        m, n = ctx.mn
        k = min(m, n)
        if m == n:
            return gL.tril(-1) + gU.triu(), None, None, None
        g1 = gL.narrow(-2, 0, k).tril(-1) + gU.narrow(-1, 0, k).triu()
        g2 = gL.narrow(-2, k, m - k) if m > n else gU.narrow(-1, k, n - k)
        return _C.cat([g1, g2], -2 if m > n else -1), None, None, None


def _lu_solve_np(lu, piv, b, left, adjoint):
    P = perm_matrix(piv, lu.shape[-2], lu.dtype)
    L = np.tril(lu, -1) + np.eye(lu.shape[-1], dtype=lu.dtype)
    A = P @ L @ np.triu(lu)
    if adjoint:
        A = np.swapaxes(A, -1, -2)
    if left:
        return np.linalg.solve(A, b)
    return np.swapaxes(np.linalg.solve(np.swapaxes(A, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)


class _LuSolve(Function):
    @staticmethod
    def forward(ctx, LU, pivots, B, left, adjoint):
        X = (_tF if left else _t)(_lu_solve_np(_np(LU), pivots.numpy(), _np(B), left, adjoint),
                                  B)
        ctx.opts = (left, adjoint)
        ctx.pivots = pivots
        _save(ctx, (LU, B), (X,))
        return X

    @staticmethod
    def backward(ctx, gX):
        left, adjoint = ctx.opts
        piv = ctx.pivots
        (LU, _), (X,) = _saved(ctx, lambda LU, B: lu_solve(LU, piv, B, left, adjoint))
        gB = lu_solve(LU, piv, gX, left, not adjoint)
        m = LU.shape[-1]
        L, U = _unpack(LU, m)
        if left != adjoint:
            gR = _solve_tri(U.mT, -(gX if left else gX.mT).matmul(X.mT if left else X),
                            upper=False)
            gL = _solve_tri(L.mT, gR.matmul(U.mT), upper=True, unitriangular=True).tril(-1)
            gLU = gL + gR.triu()
        else:
            P = _P(piv, m, LU)
            gR = -P.mT.matmul(X if left else X.mT).matmul(gX.mT if left else gX).matmul(P)
            gR = _solve_tri(L.mT, gR, upper=True, left=False, unitriangular=True)
            gU = _solve_tri(U.mT, L.mT.matmul(gR), upper=False, left=False).triu()
            gLU = gR.tril(-1) + gU
        return gLU, None, gB, None, None


# ---- entry points (inputs already checked) ----
def lu_factor(A):
    """(LU, pivots, info)."""
    if _grad(A):
        return _named(_LuFactor, "LinalgLuFactorExBackward0").apply(A)
    return _LuFactor.forward(_Ctx(), A)


def lu(A):
    """(P, L, U)."""
    return _named(_Lu, "LinalgLuBackward0").apply(A) if _grad(A) else _Lu.forward(_Ctx(), A)


def lu_unpack(LU, pivots, unpack_data=True, unpack_pivots=True):
    if _grad(LU):
        return _named(_LuUnpack, "LuUnpackBackward0").apply(LU, pivots, unpack_data,
                                                            unpack_pivots)
    return _LuUnpack.forward(_Ctx(), LU, pivots, unpack_data, unpack_pivots)


def lu_solve(LU, pivots, B, left=True, adjoint=False):
    if _grad(LU, B):
        return _named(_LuSolve, "LinalgLuSolveBackward0").apply(LU, pivots, B, left, adjoint)
    return _LuSolve.forward(_Ctx(), LU, pivots, B, left, adjoint)
