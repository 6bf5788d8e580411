"""The torch.* spellings of linear algebra (torch.inverse, torch.det, torch.logdet, torch.svd
with V instead of Vh, torch.pinverse, torch.cholesky_solve, torch.triangular_solve ...), each
built on ``pytorchlite.linalg``."""

from .. import _C
from .. import _dtype as _dt
from . import (cholesky as _cholesky, det as _det, inv as _inv, pinv as _pinv, qr as _qr,
               slogdet as _slogdet, solve_triangular as _solve_triangular, svd as _svd,
               _check, _rt)
from ..amp import _policy as _amp


def _dt_name(d):
    from .._math_ops import _dt_name as name

    return name(d)


def _bool_arg(fname, value, name, pos):
    if not isinstance(value, bool):
        raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be bool, not "
                        f"{type(value).__name__}")


@_amp.fp32
def inverse(input, *, out=None):  # noqa: A002
    """The inverse of each square matrix (torch.linalg.inv)."""
    return _inv(input, out=out)


def det(input):  # noqa: A002
    """The determinant of each square matrix (torch.linalg.det)."""
    return _det(input)


def logdet(input):  # noqa: A002
    """log(det(input)): nan for a negative determinant, -inf for a singular matrix."""
    _check("logdet", input)
    sign, logabs = _slogdet(input)
    # as PyTorch: nan where the sign is negative (WhereBackward0 over the slogdet)
    nan = _C.full((), float("nan"), dtype=logabs.dtype)
    return _C.where(sign.detach() < 0, nan, logabs)


def slogdet(input):  # noqa: A002
    """(sign, logabsdet) of each determinant."""
    r = _slogdet(input)
    return _rt().slogdet(tuple(r))


@_amp.fp32
def svd(input, some=True, compute_uv=True, *, out=None):  # noqa: A002
    """(U, S, V) with input = U diag(S) V^T: V, not Vh as in linalg.svd."""
    _bool_arg("svd", some, "some", 2)
    _bool_arg("svd", compute_uv, "compute_uv", 3)
    _check("svd", input, square=False)
    if not compute_uv:
        S = _svd(input.detach(), False)[1]
        m, n = input.shape[-2], input.shape[-1]
        z = _C.zeros(tuple(input.shape[:-2]) + (m, m if not some else min(m, n)),
                     dtype=input.dtype)
        zv = _C.zeros(tuple(input.shape[:-2]) + (n, n if not some else min(m, n)),
                      dtype=input.dtype)
        return _rt().svd((z, _svd(input, False)[1], zv))
    U, S, Vh = _svd(input, not some)
    return _rt().svd((U, S, Vh.mT))


@_amp.fp32
def pinverse(input, rcond=1e-15):  # noqa: A002
    """The pseudo-inverse, with singular values below rcond * s_max taken as zero."""
    if isinstance(rcond, bool) or not isinstance(rcond, (int, float)):
        raise TypeError(f"pinverse(): argument 'rcond' (position 2) must be float, not "
                        f"{type(rcond).__name__}")
    return _pinv(input, rtol=rcond)


@_amp.fp32
def qr(input, some=True, *, out=None):  # noqa: A002
    """(Q, R): reduced when some, else complete."""
    _bool_arg("qr", some, "some", 2)
    Q, R = _qr(input, "reduced" if some else "complete")
    return _rt().qr((Q, R))


_CHOLESKY_DEPRECATED = (
    "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a "
    "future PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\n"
    "L = torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, upper=True)\nshould be replaced "
    "with\nU = torch.linalg.cholesky(A).mH\nThis transform will produce equivalent results for "
    "all valid (symmetric positive definite) inputs.")


@_amp.fp32
def cholesky(input, upper=False, *, out=None):  # noqa: A002
    """The Cholesky factor (lower by default); deprecated in PyTorch for linalg.cholesky."""
    import warnings

    warnings.warn(_CHOLESKY_DEPRECATED, UserWarning, stacklevel=2)
    _bool_arg("cholesky", upper, "upper", 2)
    if isinstance(input, _C.TensorBase) and input.numel() == 0:
        return input.clone()  # PyTorch checks no shape for an empty batch here
    from . import _grads

    _check("cholesky", input)
    return _grads.cholesky(input, upper, name="cholesky", node="CholeskyBackward0")


@_amp.fp32
def cholesky_solve(B, L, upper=False, *, out=None):
    """X with (L L^T) X = B, given the Cholesky factor L (or U = L^T when upper)."""
    _bool_arg("cholesky_solve", upper, "upper", 3)
    from .. import broadcast_shapes
    from . import _grads

    for name, v, pos in (("input", B, 1), ("input2", L, 2)):
        if not isinstance(v, _C.TensorBase):
            raise TypeError(f"cholesky_solve(): argument '{name}' (position {pos}) must be "
                            f"Tensor, not {type(v).__name__}")
    for name, v in (("b", B), ("u", L)):
        if v.dim() < 2:
            raise RuntimeError(f"{name} should have at least 2 dimensions, but has {v.dim()} "
                               "dimensions instead")
    if L.shape[-1] != L.shape[-2]:
        raise RuntimeError(f"A must be batches of square matrices, but they are {L.shape[-2]} "
                           f"by {L.shape[-1]} matrices")
    _check("cholesky_solve", L, arg="input2")
    if B.dtype != L.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{_dt_name(B.dtype)} and A of type {_dt_name(L.dtype)} instead.")
    if B.shape[-2] != L.shape[-1]:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is "
                           f"{L.shape[-1]} by {L.shape[-1]} but each b matrix is "
                           f"{B.shape[-2]} by {B.shape[-1]}")
    batch = tuple(broadcast_shapes(B.shape[:-2], L.shape[:-2]))
    return _grads.cholesky_solve(B.expand(batch + tuple(B.shape[-2:])),
                                 L.expand(batch + tuple(L.shape[-2:])), bool(upper))


@_amp.fp32
def cholesky_inverse(L, upper=False, *, out=None):
    """The inverse of L L^T (of U^T U when upper), given its Cholesky factor."""
    _bool_arg("cholesky_inverse", upper, "upper", 2)
    _check("cholesky_inverse", L, arg="input")
    from . import _grads

    def fn(L):
        eye = _C.eye(L.shape[-1], dtype=L.dtype).expand(tuple(L.shape))
        return _grads.cholesky_solve(eye, L, bool(upper))

    def vjp(args, grads):
        # PyTorch's cholesky_inverse_backward: -(R (G + G^T) R) L, or -U (R (G + G^T) R)
        (L,), (G,) = args, grads
        R = fn(L)
        C = R.matmul(G + G.mT).matmul(R)
        return (-L.matmul(C) if upper else -C.matmul(L),)

    return _grads.composite("CholeskyInverseBackward0", fn, vjp, L)


@_amp.fp32
def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """(solution, cloned_coefficient) of A X = b for a triangular A (A^T X = b when
    transpose)."""
    for pos, (value, name) in enumerate(((upper, "upper"), (transpose, "transpose"),
                                         (unitriangular, "unitriangular")), 3):
        _bool_arg("triangular_solve", value, name, pos)
    _check("triangular_solve", A, arg="A")
    import warnings

    from . import _grads

    warnings.warn(_TRIANGULAR_SOLVE_DEPRECATED, UserWarning, stacklevel=2)

    def fn(b, A):
        M = A.mT if transpose else A
        X = _solve_triangular(M, b, upper=upper != transpose, unitriangular=unitriangular)
        return X, _grads._tF(A.detach().numpy(), A)  # the copy, column-major as PyTorch's

    def vjp(args, grads):
        # PyTorch's triangular_solve_backward
        (b, A), (gX, gM) = args, grads
        X = fn(b, A)[0]
        # gb = op(A)^{-T} gX, op(A) = A^T when transpose
        gb = _solve_triangular(A if transpose else A.mT, gX, upper=upper == transpose,
                               unitriangular=unitriangular)
        ga = -X.matmul(gb.mT) if transpose else -gb.matmul(X.mT)
        ga = ga.triu(int(unitriangular)) if upper else ga.tril(-int(unitriangular))
        if gM is not None:
            ga = ga + gM
        return gb, ga

    return _rt().triangular_solve(_grads.composite("TriangularSolveBackward0", fn, vjp, b, A))


_TRIANGULAR_SOLVE_DEPRECATED = (
    "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangularand will be "
    "removed in a future PyTorch release.\ntorch.linalg.solve_triangular has its arguments "
    "reversed and does not return a copy of one of the inputs.\nX = torch.triangular_solve(B, "
    "A).solution\nshould be replaced with\nX = torch.linalg.solve_triangular(A, B).")


_LU_DEPRECATED = (
    "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and "
    "will be removed in a future PyTorch release.\nLU, pivots = torch.lu(A, compute_pivots)\n"
    "should be replaced with\nLU, pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\n"
    "LU, pivots, info = torch.lu(A, compute_pivots, get_infos=True)\nshould be replaced with\n"
    "LU, pivots, info = torch.linalg.lu_factor_ex(A, compute_pivots)")


def lu(A, pivot=True, get_infos=False, out=None):
    """(LU, pivots), with the infos too when get_infos (torch.linalg.lu_factor_ex); no error
    for a singular matrix. Differentiable in A (LinalgLuFactorExBackward0)."""
    import warnings

    from . import lu_factor_ex

    want_infos = bool(get_infos)  # evaluated first, as PyTorch's own torch.lu does
    _bool_arg("_lu_with_info", pivot, "pivot", 2)
    warnings.warn(_LU_DEPRECATED, UserWarning, stacklevel=2)
    LU, piv, info = lu_factor_ex(A, pivot=pivot)
    if want_infos:
        return _rt()._lu_with_info((LU, piv, info))
    return LU, piv


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):  # noqa: N803
    """(P, L, U) from the packed (LU, pivots) of linalg.lu_factor."""
    from . import _lu

    if not isinstance(LU_data, _C.TensorBase) or not isinstance(LU_pivots, _C.TensorBase):
        bad, pos = ("LU_data", 1) if not isinstance(LU_data, _C.TensorBase) else ("LU_pivots", 2)
        raise TypeError(f"lu_unpack(): argument '{bad}' (position {pos}) must be Tensor, not "
                        f"{type(LU_data if pos == 1 else LU_pivots).__name__}")
    if LU_pivots.dtype is not _dt.int32:
        raise RuntimeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of "
                           "torch.int32 dtype.\nNote: this function is intended to be used with "
                           "the output produced by torch.linalg.lu_factor")
    return _rt().lu_unpack(_lu.lu_unpack(LU_data, LU_pivots, bool(unpack_data),
                                         bool(unpack_pivots)))


_LU_SOLVE_DEPRECATED = (
    "torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a "
    "future PyTorch release.\nNote that torch.linalg.lu_solve has its arguments reversed.\n"
    "X = torch.lu_solve(B, LU, pivots)\nshould be replaced with\n"
    "X = torch.linalg.lu_solve(LU, pivots, B)")


def lu_solve(b, LU_data, LU_pivots, *, out=None):  # noqa: N803
    """X with A X = b, given (LU, pivots) of A from linalg.lu_factor (linalg.lu_solve with
    its arguments reversed)."""
    import warnings

    from . import lu_solve as _lu_solve

    warnings.warn(_LU_SOLVE_DEPRECATED, UserWarning, stacklevel=2)
    return _lu_solve(LU_data, LU_pivots, b, out=out)


def orgqr(input, input2):  # noqa: A002
    """torch.linalg.householder_product."""
    from . import householder_product

    return householder_product(input, input2)


_REMOVED = {
    "symeig": (
        "This function was deprecated since version 1.9 and is now removed. The default behavior "
        "has changed from using the upper triangular portion of the matrix by default to using "
        "the lower triangular portion.\n\nL, _ = torch.symeig(A, upper=upper) should be replaced "
        "with:\nL = torch.linalg.eigvalsh(A, UPLO='U' if upper else 'L')\n\nand\n\nL, V = "
        "torch.symeig(A, eigenvectors=True) should be replaced with:\nL, V = torch.linalg.eigh(A, "
        "UPLO='U' if upper else 'L')"),
    "eig": (
        "This function was deprecated since version 1.9 and is now removed. `torch.linalg.eig` "
        "returns complex tensors of dtype `cfloat` or `cdouble` rather than real tensors "
        "mimicking complex tensors.\n\nL, _ = torch.eig(A) should be replaced with:\nL_complex = "
        "torch.linalg.eigvals(A)\n\nand\n\nL, V = torch.eig(A, eigenvectors=True) should be "
        "replaced with:\nL_complex, V_complex = torch.linalg.eig(A)"),
    "lstsq": (
        "This function was deprecated since version 1.9 and is now removed. `torch.lstsq` is "
        "deprecated in favor of `torch.linalg.lstsq`.\n`torch.linalg.lstsq` has reversed "
        "arguments and does not return the QR decomposition in the returned tuple (although it "
        "returns other information about the problem).\n\nTo get the QR decomposition consider "
        "using `torch.linalg.qr`.\n\nThe returned solution in `torch.lstsq` stored the residuals "
        "of the solution in the last m - n columns of the returned value whenever m > n. In "
        "torch.linalg.lstsq, the residuals are in the field 'residuals' of the returned named "
        "tuple.\n\nThe unpacking of the solution, as in\nX, _ = torch.lstsq(B, A).solution"
        "[:A.size(1)]\nshould be replaced with:\nX = torch.linalg.lstsq(A, B).solution"),
    "matrix_rank": (
        "This function was deprecated since version 1.9 and is now removed.\nPlease use the "
        "`torch.linalg.matrix_rank` function instead. The parameter 'symmetric' was renamed in "
        "`torch.linalg.matrix_rank()` to 'hermitian'."),
}


def symeig(input, eigenvectors=False, upper=True, *, out=None):  # noqa: A002
    """Removed from PyTorch (1.9): raises its RuntimeError."""
    raise RuntimeError(_REMOVED["symeig"])


def eig(input, eigenvectors=False, *, out=None):  # noqa: A002
    """Removed from PyTorch (1.9): raises its RuntimeError."""
    raise RuntimeError(_REMOVED["eig"])


def lstsq(input, A, *, out=None):  # noqa: A002, N803
    """Removed from PyTorch (1.9): raises its RuntimeError."""
    raise RuntimeError(_REMOVED["lstsq"])


def matrix_rank(input, tol=None, symmetric=False, *, out=None):  # noqa: A002
    """Removed from PyTorch (1.9): raises its RuntimeError."""
    raise RuntimeError(_REMOVED["matrix_rank"])


def chain_matmul(*matrices, out=None):
    """Deprecated in PyTorch for linalg.multi_dot (which it calls)."""
    import warnings

    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                  "release. Use torch.linalg.multi_dot instead, which accepts a list of two or "
                  "more tensors rather than multiple parameters.", UserWarning, stacklevel=2)
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    if len(matrices) == 1:
        return matrices[0].clone()
    from . import multi_dot

    return multi_dot(list(matrices), out=out)


def vdot(input, other, *, out=None):  # noqa: A002
    """The dot product of two 1-D tensors (VdotBackward0; no conjugation without complex
    dtypes)."""
    from . import _grads

    for name, v, pos in (("input", input, 1), ("other", other, 2)):
        if not isinstance(v, _C.TensorBase):
            raise TypeError(f"vdot(): argument '{name}' (position {pos}) must be Tensor, not "
                            f"{type(v).__name__}")
    if input.dim() != 1 or other.dim() != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.dim()}D and {other.dim()}D "
                           "tensors")
    if input.dtype != other.dtype:
        raise RuntimeError(f"expected both vectors to have same dtype, but found "
                           f"{_dt_name(input.dtype)} and {_dt_name(other.dtype)}")
    if input.numel() != other.numel():
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.numel()}] and src "
                           f"[{other.numel()}] to have the same number of elements, but got "
                           f"{input.numel()} and {other.numel()} elements respectively")

    def vjp(args, grads):
        a, b = args
        (g,) = grads
        return g * b, g * a

    r = _grads.composite("VdotBackward0", lambda a, b: a.dot(b), vjp, input, other)
    if out is not None:
        from .._out import write_out

        return write_out("vdot", out, r, (input, other))
    return r


def matrix_exp(input):  # noqa: A002
    from . import matrix_exp as _me

    return _me(input)


def _with_out_all(names):
    from . import _with_out

    for name in names:
        globals()[name] = _with_out(globals()[name], prefix="")


_with_out_all(("inverse", "svd", "qr", "cholesky", "cholesky_solve", "cholesky_inverse",
               "triangular_solve", "lu", "lu_unpack"))
FUNCTIONS = {"inverse": inverse, "det": det, "logdet": logdet, "slogdet": slogdet, "svd": svd,
             "pinverse": pinverse, "qr": qr, "cholesky": cholesky,
             "cholesky_solve": cholesky_solve, "triangular_solve": triangular_solve,
             "matrix_exp": matrix_exp, "lu": lu, "cholesky_inverse": cholesky_inverse,
             "lu_unpack": lu_unpack, "lu_solve": lu_solve, "orgqr": orgqr, "symeig": symeig,
             "eig": eig, "lstsq": lstsq, "matrix_rank": matrix_rank,
             "chain_matmul": chain_matmul, "vdot": vdot}
METHODS = ("inverse", "det", "logdet", "slogdet", "svd", "pinverse", "qr", "cholesky",
           "cholesky_solve", "triangular_solve", "matrix_exp", "lu", "lu_solve", "orgqr", "symeig", "eig", "lstsq", "vdot")
