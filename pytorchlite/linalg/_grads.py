"""The factorisations of ``torch.linalg`` as autograd Functions: NumPy's LAPACK computes the
forward, the backward is ours, written with the standard formulas (inv, det, slogdet, solve,
cholesky, qr, eigh, svd, pinv) from Tensor ops.

All inputs are batches of matrices (..., m, n); the checks and PyTorch's messages are in
linalg/__init__.py.
"""
import numpy as np

from .. import _C
from .. import _dtype as _dt
from ..autograd.function import Function


class _LinAlgError(RuntimeError):
    """PyTorch's ``torch.linalg.LinAlgError`` (``torch._C._LinAlgError``): a matrix that is
    singular or not positive definite."""


_LinAlgError.__module__ = "torch._C"
LinAlgError = _LinAlgError


def _np(t):
    return t.detach().numpy()


def _t(a, like):
    """The NumPy result ``a`` as a tensor of like's dtype."""
    return _C.from_numpy(np.array(a, dtype=_np_dtype(like), order="C")).to(like.dtype)


def _tF(a, like):
    """The NumPy result ``a`` as a tensor of like's dtype laid out column-major in each matrix
    (strides (..., 1, m)), as PyTorch returns LAPACK's results."""
    a = np.asarray(a, dtype=_np_dtype(like))
    if a.ndim < 2:
        return _t(a, like)
    c = np.ascontiguousarray(np.swapaxes(a, -1, -2))
    return _C.from_numpy(np.swapaxes(c, -1, -2)).to(like.dtype)


def _np_dtype(t):
    return np.float64 if t.dtype is _dt.float64 else np.float32


def _eye(n, like):
    return _C.eye(n, dtype=like.dtype)


def _diag_embed(v):
    """(..., n) -> (..., n, n) with v on the diagonal."""
    n = v.shape[-1]
    return v.unsqueeze(-1) * _C.eye(n, dtype=v.dtype)


def _lower_mask(n, strict, like):
    r = _C.arange(n)
    m = r.unsqueeze(1) > r.unsqueeze(0) if strict else r.unsqueeze(1) >= r.unsqueeze(0)
    return m.to(like.dtype)


def _save(ctx, inputs, outputs):
    ctx.n_in = len(inputs)
    ctx.save_for_backward(*inputs, *outputs)


def _saved(ctx, recompute):
    """(inputs, outputs) kept by forward. When the backward records a graph (create_graph),
    the outputs are computed again from the inputs through the differentiable op, so that the
    gradient can itself be differentiated (saved outputs come back without their history)."""
    saved = ctx.saved_tensors
    ins, outs = saved[:ctx.n_in], saved[ctx.n_in:]
    if _C.is_grad_enabled() and any(t.requires_grad for t in ins):
        r = recompute(*ins)
        outs = tuple(r) if isinstance(r, tuple) else (r,)
    return ins, outs


def _named(base, name):
    from ..autograd._formulas import _node_class

    return _node_class(base, name)


def _apply(base, name, *args):
    cls = _named(base, name)
    return cls.apply(*args)


def _inv_np(a):
    """(inverse, info) as PyTorch's inv_ex: info is getrf's (the first zero pivot of U), and
    a singular matrix gets the inf/nan of solving with its LU instead of an error."""
    from ._lu import getrf, perm_matrix

    try:
        return np.linalg.inv(a), np.zeros(a.shape[:-2], dtype=np.int32)
    except np.linalg.LinAlgError:
        pass
    lu, piv, info = getrf(a)
    n = a.shape[-1]
    eye = np.eye(n, dtype=a.dtype)
    y = _trsm_np(np.tril(lu, -1) + eye, np.swapaxes(perm_matrix(piv, n, a.dtype), -1, -2),
                 False, True)
    return _trsm_np(np.triu(lu), y, True, False), info


def inv_error(name, info):
    """PyTorch's LinAlgError for the first singular matrix (info: an int32 tensor)."""
    flat = info.reshape(-1)
    bad = flat != 0
    if not bool(bad.any()):
        return None
    i = int(bad.long().argmax())
    where = f"(Batch element {i}): " if info.dim() else ""
    return LinAlgError(f"{name}: {where}The diagonal element {int(flat[i])} is zero, the "
                       "inversion could not be completed because the input matrix is singular.")


class LinalgInvEx(Function):  # PyTorch's node name in its in-place errors
    @staticmethod
    def forward(ctx, A):
        r, info = _inv_np(_np(A))
        out = _tF(r, A)
        infos = _C.from_numpy(np.ascontiguousarray(info, dtype=np.int32).reshape(-1)).reshape(
            info.shape)
        ctx.mark_non_differentiable(infos)
        _save(ctx, (A,), (out,))
        return out, infos

    @staticmethod
    def backward(ctx, g, ginfo=None):
        _, outs = _saved(ctx, inv_ex)
        AiT = outs[0].mT
        return -(AiT.matmul(g).matmul(AiT))


def _eps(A):
    return float(np.finfo(_np_dtype(A)).eps)


def _det_grad_lu(a, d, patch=True):
    with np.errstate(all="ignore"):
        return _det_grad_lu_(a, d, patch)


def _det_grad_lu_(a, d, patch):
    """PyTorch's det backward without a graph: X with A^T X = d I, through the LU of A^T with
    each zero pivot replaced by eps (so a singular A gives d times a finite matrix, often 0)."""
    from ._lu import getrf, perm_matrix

    lu, piv, _ = getrf(np.swapaxes(a, -1, -2))
    n = a.shape[-1]
    eye = np.eye(n, dtype=a.dtype)
    diag = np.diagonal(lu, 0, -2, -1)
    if patch:
        lu = lu + eye * np.where(diag == 0, np.finfo(a.dtype).eps, 0)[..., None, :]
    # A^T = P L U: X = U^{-1} L^{-1} P^T D
    D = np.zeros(a.shape, dtype=a.dtype)  # diag_embed(d): +0 off the diagonal
    idx = np.arange(n)
    D[..., idx, idx] = np.asarray(d)[..., None]
    Y = np.swapaxes(perm_matrix(piv, n, a.dtype), -1, -2) @ D
    Y = _trsm_np(np.tril(lu, -1) + eye, Y, False, True)
    return _trsm_np(np.triu(lu), Y, True, False)


def _det_grad_singular(A, g):
    """The adjugate route of PyTorch (recorded): U diag(alpha prod_{j != i} s_j) Vh with
    alpha = det(U) det(Vh) g, from the SVD A = U diag(s) Vh."""
    U, S, Vh = svd(A, True)
    n = S.shape[-1]
    eye = _eye(n, S)
    alpha = det(U) * det(Vh) * g
    others = (S.unsqueeze(-2) * (1 - eye) + eye).prod(-1)  # prod over j != i
    D = alpha.unsqueeze(-1) * others
    return (U * D.unsqueeze(-2)).matmul(Vh)


def _det_grad_graph(A, g):
    """PyTorch's det backward under create_graph: solve(A^T, det g I) where |det| >= 100 eps,
    the singular (SVD) formula elsewhere, matrix by matrix."""
    d = det(A)
    n = A.shape[-1]
    eye = _eye(n, A)
    sing = (d.detach().abs() < 100 * _eps(A)).reshape(-1)
    if not bool(sing.any()):
        return solve_matrix(A.mT, (g * d).unsqueeze(-1).unsqueeze(-1) * eye)
    if bool(sing.all()):
        return _det_grad_singular(A, g)
    # some of each: as PyTorch's masked_fmap, empty().index_put_(mask, ...)(~mask, ...)
    mask = (d.detach().abs() < 100 * _eps(A))
    ok = mask.logical_not()
    g1 = _det_grad_singular(A[mask], g[mask])
    g2 = solve_matrix(A[ok].mT, (g[ok] * d[ok]).unsqueeze(-1).unsqueeze(-1) * eye)
    out = _C.empty(tuple(A.shape), dtype=A.dtype)
    return out.index_put_((mask,), g1).index_put_((ok,), g2)


_SMALL = 64  # above this order, NumPy's LAPACK rather than the NumPy-written LU/substitution


def _det_np(a):
    """det as PyTorch computes it: prod(diag(U)) sign(P) from the LU of A^T (the row-major
    A read column-major by LAPACK), so singular matrices get PyTorch's signed zero (NumPy's
    det for large matrices)."""
    from ._lu import getrf

    n = a.shape[-1]
    if n == 0:
        return np.ones(a.shape[:-2], dtype=a.dtype)
    if n > _SMALL:
        with np.errstate(all="ignore"):
            return np.linalg.det(a)
    with np.errstate(all="ignore"):
        lu, piv, _ = getrf(np.swapaxes(a, -1, -2))
        odd = (piv != np.arange(1, n + 1, dtype=piv.dtype)).sum(-1) % 2 == 1
        return np.diagonal(lu, 0, -2, -1).prod(-1) * np.where(odd, -1, 1).astype(a.dtype)


class _Det(Function):
    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        return _t(_det_np(_np(A)), A)

    @staticmethod
    def backward(ctx, g):
        (A,) = ctx.saved_tensors
        if A.numel() == 0:
            return _C.zeros(tuple(A.shape), dtype=A.dtype)
        if A.shape[-1] == 1:  # d det / dA = 1, singular or not
            return g.unsqueeze(-1).unsqueeze(-1).expand(tuple(A.shape))
        if _C.is_grad_enabled() and (A.requires_grad or g.requires_grad):
            return _det_grad_graph(A, g)
        a = _np(A)
        d = _det_np(a) * _np(g)
        return _t(_det_grad_lu(a, d), A)


def _slogdet_np(a):
    """(sign, log|det|) as PyTorch computes them, from the diagonal of the LU of A^T."""
    from ._lu import getrf

    n = a.shape[-1]
    if n == 0:
        return np.ones(a.shape[:-2], dtype=a.dtype), np.zeros(a.shape[:-2], dtype=a.dtype)
    if n > _SMALL:
        with np.errstate(all="ignore"):
            return np.linalg.slogdet(a)
    lu, piv, _ = getrf(np.swapaxes(a, -1, -2))
    diag = np.diagonal(lu, 0, -2, -1)
    odd = (piv != np.arange(1, n + 1, dtype=piv.dtype)).sum(-1) % 2 == 1
    sign = np.nan_to_num(np.sign(diag), nan=0.0).prod(-1) * np.where(odd, -1, 1).astype(a.dtype)
    with np.errstate(divide="ignore"):
        logabs = np.log(np.abs(diag)).sum(-1)
    return sign, logabs


class _Slogdet(Function):
    @staticmethod
    def forward(ctx, A):
        sign, logabs = _slogdet_np(_np(A))
        ctx.save_for_backward(A)
        return _t(sign, A), _t(logabs, A)

    @staticmethod
    def backward(ctx, gsign, glog):
        # as PyTorch: A^T X = glog I, through the LU of A^T without a graph (inf/nan rather
        # than an error for a singular A), by linalg.solve under create_graph
        (A,) = ctx.saved_tensors
        if _C.is_grad_enabled() and (A.requires_grad or glog.requires_grad):
            return solve_matrix(A.mT, glog.unsqueeze(-1).unsqueeze(-1) * _eye(A.shape[-1], A))
        return _t(_det_grad_lu(_np(A), _np(glog), patch=False), A)


class _Solve(Function):
    @staticmethod
    def forward(ctx, A, B, left, vec):
        a, b = _np(A), _np(B)
        if vec:
            b = b[..., None]
        try:
            if left:
                x = np.linalg.solve(a, b)
            else:  # X A = B: A^T X^T = B^T
                x = np.swapaxes(np.linalg.solve(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)),
                                -1, -2)
        except np.linalg.LinAlgError:
            raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is "
                              "singular.") from None
        X = (_tF if left else _t)(x[..., 0] if vec else x, A)
        ctx.opts = (left, vec)
        _save(ctx, (A, B), (X,))
        return X

    @staticmethod
    def backward(ctx, g):
        # PyTorch's linalg_solve_backward: gB = A^{-T} g (g A^{-T} when not left),
        # gA = -gB X^T (-X^T gB)
        left, vec = ctx.opts
        (A, _), (X,) = _saved(ctx, lambda A, B: solve_matrix(A, B, left, vec))
        g_ = g.unsqueeze(-1) if vec else g
        X_ = X.unsqueeze(-1) if vec else X
        gB = solve_matrix(A.mT, g_, left)
        gA = -gB.matmul(X_.mT) if left else -X_.mT.matmul(gB)
        return gA, (gB.squeeze(-1) if vec else gB), None, None


def _potf2(a):
    """LAPACK's unblocked potf2 on the lower triangle of a: (L, info). At a failure the
    diagonal entry keeps the non-positive pivot and the later columns keep A, as LAPACK
    leaves them (PyTorch's cholesky_ex returns that)."""
    a = np.array(a, copy=True)
    n = a.shape[-1]
    for j in range(n):
        ajj = a[j, j] - a[j, :j] @ a[j, :j]
        if not ajj > 0:
            a[j, j] = ajj
            return np.tril(a), j + 1
        ajj = np.sqrt(ajj)
        a[j, j] = ajj
        a[j + 1:, j] = (a[j + 1:, j] - a[j + 1:, :j] @ a[j, :j]) / ajj
    return np.tril(a), 0


def _cholesky_np(a):
    """(L, info) of each matrix of a (..., n, n): info 0, or the order of the first leading
    minor that is not positive-definite (then L is LAPACK's partial result)."""
    try:
        L = np.linalg.cholesky(a)
        return L, np.zeros(a.shape[:-2], dtype=np.int32)
    except np.linalg.LinAlgError:
        pass
    flat = a.reshape((-1,) + a.shape[-2:])
    Ls, infos = [], []
    for b in flat:
        try:
            Ls.append(np.linalg.cholesky(b))
            infos.append(0)
        except np.linalg.LinAlgError:
            L, info = _potf2(b)
            Ls.append(L)
            infos.append(info)
    return (np.stack(Ls).reshape(a.shape) if Ls else a.copy(),
            np.array(infos, dtype=np.int32).reshape(a.shape[:-2]))


def cholesky_error(name, info):
    """PyTorch's LinAlgError for the first failing matrix (info: an int32 tensor)."""
    flat = info.reshape(-1)
    bad = (flat != 0)
    if not bool(bad.any()):
        return None
    i = int(bad.long().argmax())
    where = f"(Batch element {i}): " if info.dim() else ""
    return LinAlgError(f"{name}: {where}The factorization could not be completed because "
                       "the input is not positive-definite (the leading minor of order "
                       f"{int(flat[i])} is not positive-definite).")


def _cholesky_grad(L, gL):
    # gA = L^{-T} phi(L^T gL) L^{-1}, phi: the lower triangle with its diagonal halved;
    # then symmetrised, as the factorisation reads one triangle of a symmetric matrix
    n = L.shape[-1]
    P = L.mT.matmul(gL)
    P = P * (_lower_mask(n, True, L) + 0.5 * _eye(n, L))
    Li = inv(L)
    gA = Li.mT.matmul(P).matmul(Li)
    return 0.5 * (gA + gA.mT)


class _CholeskyEx(Function):
    @staticmethod
    def forward(ctx, A, upper):
        L, info = _cholesky_np(_np(A))
        out = _tF(np.swapaxes(L, -1, -2) if upper else L, A)
        infos = _C.from_numpy(np.ascontiguousarray(info).reshape(-1)).reshape(info.shape)
        ctx.mark_non_differentiable(infos)
        ctx.upper = upper
        _save(ctx, (A,), (out,))
        return out, infos

    @staticmethod
    def backward(ctx, gL, ginfo=None):
        upper = ctx.upper
        _, outs = _saved(ctx, lambda A: cholesky_ex(A, upper))
        L = outs[0].mT if upper else outs[0]
        return _cholesky_grad(L, gL.mT if upper else gL), None


class _Qr(Function):
    @staticmethod
    def forward(ctx, A, mode):
        q, r = np.linalg.qr(_np(A), mode=mode)
        Q, R = _tF(q, A), _tF(r, A)
        _save(ctx, (A,), (Q, R))
        ctx.mode = mode
        return Q, R

    @staticmethod
    def backward(ctx, gQ, gR):
        # m >= n (or the square part of a complete Q): gA = (gQ + Q copyltu(M)) R^{-T} with
        # M = R gR^T - gQ^T Q and copyltu(M) the symmetric matrix with M's lower triangle
        _, (Q, R) = _saved(ctx, lambda A: qr(A, ctx.mode))
        m, n = Q.shape[-2], R.shape[-1]
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you are "
                               "going to differentiate through linalg.qr.")
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' "
                               "and nrows > ncols.")
        if m < n:
            # PyTorch's wide case: gA = [Q trilImInvAdjSkew(-(gR R^T - Q^T gQ)) R_1^{-T}, 0]
            # + Q gR, R_1 the leading m x m block of R
            M = gR.matmul(R.mT) - Q.mT.matmul(gQ)
            X = (-M) - (-M).mT
            X = X * _lower_mask(m, False, X)
            from . import solve_triangular

            gA = solve_triangular(R.narrow(-1, 0, m).mT, Q.matmul(X), upper=False, left=False)
            gA = _C.cat([gA, _C.zeros(tuple(gA.shape[:-1]) + (n - m,), dtype=gA.dtype)], -1)
            return gA + Q.matmul(gR), None
        k = R.shape[-2]
        if k != n:  # mode="complete" with m > n: the extra columns of Q get no gradient
            Q = Q.narrow(-1, 0, n)
            gQ = gQ.narrow(-1, 0, n)
            R = R.narrow(-2, 0, n)
            gR = gR.narrow(-2, 0, n)
        M = R.matmul(gR.mT) - gQ.mT.matmul(Q)
        low = M * _lower_mask(n, True, M)
        M = low + low.mT + M * _eye(n, M)
        b = gQ + Q.matmul(M)
        return solve_matrix(R, b.mT).mT, None


class _Eigh(Function):
    @staticmethod
    def forward(ctx, A, uplo):
        w, v = np.linalg.eigh(_np(A), UPLO=uplo)
        L, V = _t(w, A), _tF(v, A)
        _save(ctx, (A,), (L, V))
        ctx.uplo = uplo
        return L, V

    @staticmethod
    def backward(ctx, gL, gV):
        # gA = V (diag(gL) + (V^T gV) / E) V^T, E_ij = L_j - L_i (infinite on the diagonal)
        _, (L, V) = _saved(ctx, lambda A: eigh(A, ctx.uplo))
        n = L.shape[-1]
        inner = _C.zeros(V.shape, dtype=V.dtype)
        if gV is not None:
            E = L.unsqueeze(-2) - L.unsqueeze(-1)
            off = 1 - _eye(n, V)
            E = E * off + _eye(n, V)
            VtgV = V.mT.matmul(gV)
            VtgV = 0.5 * (VtgV - VtgV.mT)
            inner = inner + VtgV * off / E
        if gL is not None:
            inner = inner + _diag_embed(gL)
        return V.matmul(inner).matmul(V.mT), None


class _Svd(Function):
    @staticmethod
    def forward(ctx, A, full_matrices):
        u, s, vh = np.linalg.svd(_np(A), full_matrices=full_matrices)
        U, S, Vh = _tF(u, A), _t(s, A), _tF(vh, A)
        _save(ctx, (A,), (U, S, Vh))
        ctx.full = full_matrices
        return U, S, Vh

    @staticmethod
    def backward(ctx, gU, gS, gVh):
        _, (U, S, Vh) = _saved(ctx, lambda A: svd(A, ctx.full))
        k = S.shape[-1]
        m, n = U.shape[-2], Vh.shape[-1]
        if ctx.full:  # only the first k columns of U and rows of Vh depend on A
            U, Vh = U.narrow(-1, 0, k), Vh.narrow(-2, 0, k)
            gU = None if gU is None else gU.narrow(-1, 0, k)
            gVh = None if gVh is None else gVh.narrow(-2, 0, k)
        if gU is None and gVh is None:
            return U.matmul(_diag_embed(gS) if gS is not None else
                            _C.zeros((k, k), dtype=U.dtype)).matmul(Vh), None
        eye = _eye(k, U)
        S2 = S * S
        E = (S2.unsqueeze(-2) - S2.unsqueeze(-1)) * (1 - eye) + eye
        core = _C.zeros(U.shape[:-2] + (k, k), dtype=U.dtype)
        V = Vh.mT
        if gU is not None:
            J = U.mT.matmul(gU)
            core = core + (J - J.mT) * S.unsqueeze(-2) / E
        gV = gVh.mT if gVh is not None else None
        if gV is not None:
            K = V.mT.matmul(gV)
            core = core + S.unsqueeze(-1) * (K - K.mT) / E
        if gS is not None:
            core = core + _diag_embed(gS)
        gA = U.matmul(core).matmul(Vh)
        if gU is not None and m > k:
            gUS = gU / S.unsqueeze(-2)
            gA = gA + (gUS - U.matmul(U.mT.matmul(gUS))).matmul(Vh)
        if gV is not None and n > k:
            gVS = gV / S.unsqueeze(-2)
            gA = gA + U.matmul((gVS - V.matmul(V.mT.matmul(gVS))).mT)
        return gA, None


class _Pinv(Function):
    @staticmethod
    def forward(ctx, A, atol, rtol):
        a = _np(A)
        m, n = a.shape[-2:]
        if m == 0 or n == 0:
            return _C.zeros(A.shape[:-2] + (n, m), dtype=A.dtype)
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        smax = s[..., :1] if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), s.dtype)
        cut = np.maximum(atol, rtol * smax)
        with np.errstate(divide="ignore"):
            sinv = np.where(s > cut, 1.0 / np.where(s > cut, s, 1), 0).astype(s.dtype)
        x = np.swapaxes(vh, -1, -2) @ (sinv[..., :, None] * np.swapaxes(u, -1, -2))
        X = _t(x, A)
        _save(ctx, (A,), (X,))
        ctx.tols = (atol, rtol)
        return X

    @staticmethod
    def backward(ctx, G):
        # constant rank: gA = -X^T G X^T + (I - A X) G^T X X^T + X^T X G^T (I - X A)
        (A,), (X,) = _saved(ctx, lambda A: pinv(A, *ctx.tols))
        return pinv_vjp(A, X, G), None, None


# ---- entry points (inputs already checked) ----
def inv_ex(A):
    """(inverse, info), no error."""
    if _grad(A):
        return _apply(LinalgInvEx, "LinalgInvExBackward0", A)
    return LinalgInvEx.forward(_Ctx(), A)


def inv(A, name="linalg.inv"):
    X, info = inv_ex(A)
    err = inv_error(name, info)
    if err is not None:
        raise err
    return X


def det(A):
    return _apply(_Det, "LinalgDetBackward0", A) if _grad(A) else _Det.forward(_Ctx(), A)


def slogdet(A):
    if _grad(A):
        return _apply(_Slogdet, "LinalgSlogdetBackward0", A)
    return _Slogdet.forward(_Ctx(), A)


def solve_matrix(A, B, left=True, vec=False):
    """X with A X = B (X A = B when not left; B a batch of vectors when vec), A and B of the
    same batch shape."""
    if _grad(A, B):
        return _apply(_Solve, "LinalgSolveExBackward0", A, B, left, vec)
    return _Solve.forward(_Ctx(), A, B, left, vec)


def cholesky_ex(A, upper=False, node="LinalgCholeskyExBackward0"):
    """(L, info) (U = L^T when upper), no error."""
    if _grad(A):
        return _apply(_CholeskyEx, node, A, upper)
    return _CholeskyEx.forward(_Ctx(), A, upper)


def cholesky(A, upper=False, name="linalg.cholesky", node="LinalgCholeskyExBackward0"):
    """L (U = L^T when upper), or PyTorch's LinAlgError when some matrix is not
    positive-definite."""
    L, info = cholesky_ex(A, upper, node)
    err = cholesky_error(name, info)
    if err is not None:
        raise err
    return L


def qr(A, mode):
    return _apply(_Qr, "LinalgQrBackward0", A, mode) if _grad(A) else \
        _Qr.forward(_Ctx(), A, mode)


def eigh(A, uplo):
    return _apply(_Eigh, "LinalgEighBackward0", A, uplo) if _grad(A) else \
        _Eigh.forward(_Ctx(), A, uplo)


def svd(A, full_matrices):
    return _apply(_Svd, "LinalgSvdBackward0", A, full_matrices) if _grad(A) else \
        _Svd.forward(_Ctx(), A, full_matrices)


def pinv(A, atol, rtol):
    return _apply(_Pinv, "LinalgPinvBackward0", A, atol, rtol) if _grad(A) else \
        _Pinv.forward(_Ctx(), A, atol, rtol)


def _grad(*ts):
    return _C.is_grad_enabled() and any(t.requires_grad for t in ts)


class _Ctx:
    """The ctx of a forward run without recording (nothing is kept)."""

    def save_for_backward(self, *ts):
        pass

    def mark_non_differentiable(self, *ts):
        pass


def _trsm_np(a, b, upper, unit):
    """X with T X = B for the upper (lower) triangle T of each matrix of a (unit diagonal when
    unit): substitution row by row, inf/nan (no error) where T is singular, as LAPACK's trsm."""
    n = a.shape[-1]
    if n > _SMALL:  # large: LAPACK's solve on the triangle, when it is nonsingular
        T = np.triu(a) if upper else np.tril(a)
        if unit:
            T = T - T * np.eye(n, dtype=T.dtype) + np.eye(n, dtype=T.dtype)
        if np.all(np.diagonal(T, 0, -2, -1) != 0) and np.all(np.isfinite(T)):
            shape = np.broadcast_shapes(T.shape[:-2], b.shape[:-2])
            return np.linalg.solve(np.broadcast_to(T, shape + T.shape[-2:]),
                                   np.broadcast_to(b, shape + b.shape[-2:]))
    x = np.zeros(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + b.shape[-2:],
                 dtype=np.result_type(a, b))
    order = range(n - 1, -1, -1) if upper else range(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in order:
            lo, hi = (i + 1, n) if upper else (0, i)
            r = b[..., i, :]
            if hi > lo:
                r = r - np.einsum("...k,...kj->...j", a[..., i, lo:hi], x[..., lo:hi, :])
            x[..., i, :] = r if unit else r / a[..., i, i][..., None]
    return x


class _SolveTriangular(Function):
    @staticmethod
    def forward(ctx, A, B, upper, left, unit):
        a, b = _np(A), _np(B)
        if left:
            x = _trsm_np(a, b, upper, unit)
        else:  # X A = B: A^T X^T = B^T
            x = np.swapaxes(_trsm_np(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2), not upper,
                                     unit), -1, -2)
        X = _tF(x, A)
        ctx.opts = (upper, left, unit)
        _save(ctx, (A, B), (X,))
        return X

    @staticmethod
    def backward(ctx, g):
        upper, left, unit = ctx.opts
        (A, _), (X,) = _saved(ctx, lambda A, B: solve_triangular(A, B, upper, left, unit))
        gB = solve_triangular(A.mT, g, not upper, left, unit)
        gA = -gB.matmul(X.mT) if left else -X.mT.matmul(gB)
        gA = gA.triu(int(unit)) if upper else gA.tril(-int(unit))
        return gA, gB, None, None, None


def solve_triangular(A, B, upper, left=True, unit=False):
    """X with T X = B (X T = B when not left), T the upper (lower) triangle of A; A and B of
    the same batch shape."""
    if _grad(A, B):
        return _apply(_SolveTriangular, "LinalgSolveTriangularBackward0", A, B, upper, left,
                      unit)
    return _SolveTriangular.forward(_Ctx(), A, B, upper, left, unit)


def _cholesky_solve_np(b, l, upper):
    if upper:  # U^T U X = B
        return _trsm_np(l, _trsm_np(np.swapaxes(l, -1, -2), b, False, False), True, False)
    return _trsm_np(np.swapaxes(l, -1, -2), _trsm_np(l, b, False, False), True, False)


class _CholeskySolve(Function):
    @staticmethod
    def forward(ctx, B, L, upper):
        X = _tF(_cholesky_solve_np(_np(B), _np(L), upper), B)
        ctx.upper = upper
        _save(ctx, (B, L), (X,))
        return X

    @staticmethod
    def backward(ctx, g):
        # PyTorch's cholesky_solve_backward: gB = (L L^H)^{-1} g, gL = -(C + C^H) L (or
        # -U (C + C^H) when upper) with C = gB X^H
        upper = ctx.upper
        (_, L), (X,) = _saved(ctx, lambda B, L: cholesky_solve(B, L, upper))
        gB = cholesky_solve(g, L, upper)
        C = gB.matmul(X.mT)
        C = C + C.mT
        gL = -L.matmul(C) if upper else -C.matmul(L)
        return gB, gL, None


def cholesky_solve(B, L, upper):
    """X with (L L^T) X = B (U^T U X = B when upper), B and L of the same batch shape."""
    if _grad(B, L):
        return _apply(_CholeskySolve, "CholeskySolveBackward0", B, L, upper)
    return _CholeskySolve.forward(_Ctx(), B, L, upper)


class _Composite(Function):
    """An op written as a composition ``fn`` of pytorchlite ops and recorded as one node with
    PyTorch's name. Its backward is ``vjp(args, grads)`` -> a gradient per argument, written
    with differentiable ops (so that create_graph records it)."""

    @staticmethod
    def forward(ctx, fn, vjp, *args):
        ctx.vjp = vjp
        ctx.is_t = [isinstance(a, _C.TensorBase) for a in args]
        ctx.consts = [None if t else a for a, t in zip(args, ctx.is_t)]
        ctx.save_for_backward(*[a for a, t in zip(args, ctx.is_t) if t])
        out = fn(*args)
        outs = out if isinstance(out, tuple) else (out,)
        fixed = [o for o in outs if isinstance(o, _C.TensorBase) and
                 not o.dtype.is_floating_point]
        if fixed:
            ctx.mark_non_differentiable(*fixed)
        return out

    @staticmethod
    def backward(ctx, *grads):
        it = iter(ctx.saved_tensors)
        args = [next(it) if t else c for t, c in zip(ctx.is_t, ctx.consts)]
        return (None, None) + tuple(ctx.vjp(args, grads))


def composite(name, fn, vjp, *args):
    """fn(*args), as one node named name (gradients by vjp) when some tensor argument
    requires grad."""
    ts = [a for a in args if isinstance(a, _C.TensorBase)]
    if _grad(*ts):
        return _apply(_Composite, name, fn, vjp, *args)
    return fn(*args)


def pinv_vjp(A, X, G):
    """The gradient of X = pinv(A) (constant rank) from G = dL/dX."""
    m, n = A.shape[-2], A.shape[-1]
    XT = X.mT
    t1 = -XT.matmul(G).matmul(XT)
    t2 = (_eye(m, A) - A.matmul(X)).matmul(G.mT).matmul(X).matmul(XT)
    t3 = XT.matmul(X).matmul(G.mT).matmul(_eye(n, A) - X.matmul(A))
    return t1 + t2 + t3
