"""Gaps in torch.linalg found by an audit: gradients (lu, cholesky_solve, det at singular
matrices), grad_fn names, cholesky_ex's info, linalg.norm's errors. Against real torch when
importable, else against finite differences / self-consistency."""
import math

import numpy as np
import pytest

import pytorchlite as pl

RNG = np.random.default_rng(7)
A = RNG.standard_normal((3, 3))
X3 = RNG.standard_normal((2, 3, 4))


def t(lib, a, grad=False):
    return lib.tensor(np.asarray(a).tolist(), dtype=lib.float64, requires_grad=grad)


def _outcome(lib, fn):
    """('ok', value) or ('exc', type name, first message line) of fn(lib)."""
    try:
        return ("ok", fn(lib))
    except Exception as e:  # noqa: BLE001 - the kind is what is compared
        return ("exc", type(e).__name__, str(e).split("\n")[0])


@pytest.mark.parametrize("ord_", [2, 1, -1, float("inf"), "fro", "nuc", 0.5])
@pytest.mark.parametrize("shape", [(), (2, 3, 4)])
def test_norm_ord_without_dim_needs_1d_or_2d(ord_, shape):
    x = pl.ones(shape)
    r = _outcome(pl, lambda lib: lib.linalg.norm(x, ord_))
    assert r[0] == "exc" and r[1] == "RuntimeError"
    assert r[2] == ("linalg.norm: If dim is not specified but ord is, the input must be 1D or "
                    f"2D. Got {len(shape)}D.")


def test_norm_ord_without_dim_matches_torch():
    torch = pytest.importorskip("torch")
    for ord_ in (2, 1, float("inf"), "fro"):
        fn = lambda lib, o=ord_: lib.linalg.norm(t(lib, X3), o)  # noqa: E731
        a, b = _outcome(torch, fn), _outcome(pl, fn)
        assert a[0] == b[0] == "exc" and a[1:] == b[1:]
    # without ord every element counts (2-norm), on both sides
    a, b = _outcome(torch, lambda lib: float(lib.linalg.norm(t(lib, X3)))), \
        _outcome(pl, lambda lib: float(lib.linalg.norm(t(lib, X3))))
    assert a[0] == b[0] == "ok" and a[1] == pytest.approx(b[1], rel=1e-12)


# ---- against torch: outputs, gradients, grad_fn names, errors ----
S3 = A @ A.T + 3 * np.eye(3)
L3 = np.linalg.cholesky(S3)
B32 = RNG.standard_normal((3, 2))
R43 = RNG.standard_normal((4, 3))
W35 = RNG.standard_normal((3, 5))
SING = np.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]])
SING1 = np.array([[1.0, 2, 3], [2, 4, 6], [3, 6, 9]])
SING2x2 = np.array([[1.0, 2], [2, 4]])
NPD3 = np.array([[4.0, 2, 1], [2, 5, 3], [1, 3, -2]])


def _det_cg(lib, a):
    (g,) = lib.autograd.grad(lib.linalg.det(a).sum(), a, create_graph=True)
    return g


def _me_cg(lib, a):
    (g,) = lib.autograd.grad((lib.linalg.matrix_exp(a) ** 2).sum(), a, create_graph=True)
    return g


# name: (fn(lib, *tensors), arrays, expected outcome kind)
CASES = {
    "lu": (lambda lib, a: lib.lu(a), [A], "ok"),
    "lu_infos": (lambda lib, a: lib.lu(a, get_infos=True), [SING2x2], "ok"),
    "lu_factor": (lambda lib, a: lib.linalg.lu_factor(a), [A], "ok"),
    "lu_factor_tall": (lambda lib, a: lib.linalg.lu_factor(a), [R43], "ok"),
    "lu_factor_wide": (lambda lib, a: lib.linalg.lu_factor(a), [W35], "ok"),
    "lu_factor_singular": (lambda lib, a: lib.linalg.lu_factor(a),
                           [np.stack([np.eye(2), SING2x2])], "exc"),
    "lu_factor_ex": (lambda lib, a: lib.linalg.lu_factor_ex(a), [np.stack([A[:2, :2], SING2x2])],
                     "ok"),
    "lu_factor_ex_check": (lambda lib, a: lib.linalg.lu_factor_ex(a, check_errors=True),
                           [SING2x2], "exc"),
    "linalg_lu": (lambda lib, a: lib.linalg.lu(a), [A], "ok"),
    "linalg_lu_tall": (lambda lib, a: lib.linalg.lu(a), [R43], "ok"),
    "linalg_lu_wide": (lambda lib, a: lib.linalg.lu(a), [W35], "ok"),
    "linalg_lu_L_only": (lambda lib, a: lib.linalg.lu(a)[1], [W35], "ok"),
    "linalg_lu_U_only": (lambda lib, a: lib.linalg.lu(a)[2], [R43], "ok"),
    "lu_unpack": (lambda lib, a: lib.lu_unpack(*lib.linalg.lu_factor(a)), [A], "ok"),
    "lu_unpack_tall": (lambda lib, a: lib.lu_unpack(*lib.linalg.lu_factor(a)), [R43], "ok"),
    "lu_unpack_wide": (lambda lib, a: lib.lu_unpack(*lib.linalg.lu_factor(a)), [W35], "ok"),
    "linalg_lu_solve": (lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b),
                        [A, B32], "ok"),
    "linalg_lu_solve_adjoint": (lambda lib, a, b: lib.linalg.lu_solve(
        *lib.linalg.lu_factor(a), b, adjoint=True), [A, B32], "ok"),
    "linalg_lu_solve_right": (lambda lib, a, b: lib.linalg.lu_solve(
        *lib.linalg.lu_factor(a), b, left=False), [A, B32.T], "ok"),
    "lu_solve": (lambda lib, a, b: lib.lu_solve(b, *lib.linalg.lu_factor(a)), [A, B32], "ok"),
    "cholesky_solve": (lambda lib, b, l: lib.cholesky_solve(b, l), [B32, L3], "ok"),
    "cholesky_solve_upper": (lambda lib, b, l: lib.cholesky_solve(b, l, upper=True),
                             [B32, L3.T], "ok"),
    "cholesky_solve_full_factor": (lambda lib, b, l: lib.cholesky_solve(b, l),
                                   [B32, L3 + np.triu(np.ones((3, 3)), 1)], "ok"),
    "cholesky_inverse": (lambda lib, l: lib.cholesky_inverse(l), [L3], "ok"),
    "det": (lambda lib, a: lib.det(a), [A], "ok"),
    "det_singular": (lambda lib, a: lib.det(a), [SING], "ok"),
    "det_rank1": (lambda lib, a: lib.linalg.det(a), [SING1], "ok"),
    "det_zero": (lambda lib, a: lib.linalg.det(a), [np.zeros((3, 3))], "ok"),
    "det_1x1_zero": (lambda lib, a: lib.linalg.det(a), [np.zeros((1, 1))], "ok"),
    "det_batch": (lambda lib, a: lib.linalg.det(a), [np.stack([SING, A, SING1])], "ok"),
    "det_create_graph": (_det_cg, [np.stack([SING, A, SING1])], "ok"),
    "cholesky_ex": (lambda lib, a: lib.linalg.cholesky_ex(a), [S3], "ok"),
    "cholesky_ex_not_pd": (lambda lib, a: lib.linalg.cholesky_ex(a),
                           [np.stack([S3, -np.eye(3), NPD3])], "ok"),
    "cholesky_ex_upper": (lambda lib, a: lib.linalg.cholesky_ex(a, upper=True), [NPD3], "ok"),
    "cholesky_ex_check": (lambda lib, a: lib.linalg.cholesky_ex(a, check_errors=True),
                          [np.stack([np.eye(3), NPD3])], "exc"),
    "cholesky_batch_error": (lambda lib, a: lib.linalg.cholesky(a),
                             [np.stack([np.eye(3), NPD3])], "exc"),
    "cholesky_upper": (lambda lib, a: lib.linalg.cholesky(a, upper=True), [S3], "ok"),
    "norm_int_ord_3d": (lambda lib, x: lib.linalg.norm(x, 2), [X3], "exc"),
    "solve_vector": (lambda lib, a, b: lib.linalg.solve(a, b), [A, B32[:, 0]], "ok"),
    "solve_batch_vector": (lambda lib, a, b: lib.linalg.solve(a, b),
                           [np.stack([A, S3]), B32.T], "ok"),
    "solve_right": (lambda lib, a, b: lib.linalg.solve(a, b, left=False), [A, B32.T], "ok"),
    "solve_vector_right": (lambda lib, a, b: lib.linalg.solve(a, b, left=False),
                           [A, B32[:, 0]], "exc"),
    "solve_triangular": (lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=False),
                         [A, B32], "ok"),
    "solve_triangular_right_unit": (lambda lib, a, b: lib.linalg.solve_triangular(
        a, b, upper=True, left=False, unitriangular=True), [A, B32.T], "ok"),
    "solve_triangular_singular": (lambda lib, a, b: lib.linalg.solve_triangular(
        a, b, upper=False), [np.array([[1.0, 0], [2, 0]]), np.ones((2, 2))], "ok"),
    "triangular_solve": (lambda lib, b, a: lib.triangular_solve(b, a), [B32, A], "ok"),
    "triangular_solve_t": (lambda lib, b, a: lib.triangular_solve(b, a, upper=False,
                                                                  transpose=True), [B32, A], "ok"),
    "lstsq": (lambda lib, a, b: lib.linalg.lstsq(a, b), [R43, RNG.standard_normal((4, 2))],
              "ok"),
    "lstsq_gelsd": (lambda lib, a, b: lib.linalg.lstsq(a, b, driver="gelsd"),
                    [R43, RNG.standard_normal((4, 2))], "ok"),
    "lstsq_vector_gelss": (lambda lib, a, b: lib.linalg.lstsq(a, b, driver="gelss"),
                           [R43, RNG.standard_normal(4)], "ok"),
    "lstsq_square": (lambda lib, a, b: lib.linalg.lstsq(a, b).solution, [A, B32], "ok"),
    "matrix_exp": (lambda lib, a: lib.linalg.matrix_exp(a), [3 * A], "ok"),
    "torch_matrix_exp": (lambda lib, a: lib.matrix_exp(a), [A], "ok"),
    "matrix_exp_create_graph": (_me_cg, [A], "ok"),
    "multi_dot": (lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]),
                  [R43, W35, RNG.standard_normal((5, 2))], "ok"),
    "multi_dot_vectors": (lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]),
                          [RNG.standard_normal(4), R43, RNG.standard_normal(3)], "ok"),
    "vecdot": (lambda lib, a, b: lib.linalg.vecdot(a, b), [R43, R43 + 1], "ok"),
    "square": (lambda lib, a: a.square(), [A], "ok"),
    "torch_square": (lambda lib, a: lib.square(a), [A], "ok"),
    "inv_singular": (lambda lib, a: lib.linalg.inv(a), [np.stack([np.eye(2), SING2x2])], "exc"),
    "inv_ex_singular": (lambda lib, a: lib.linalg.inv_ex(a)[1],
                        [np.stack([np.eye(2), SING2x2, [[0.0, 0], [1, 2]]])], "ok"),
    "inv_ex_inf_nan": (lambda lib, a: lib.linalg.inv_ex(a)[0].detach(), [[[1.0, 2], [0, 0]]],
                       "ok"),
    "inv_ex_check": (lambda lib, a: lib.linalg.inv_ex(a, check_errors=True), [SING2x2], "exc"),
    "slogdet": (lambda lib, a: lib.linalg.slogdet(a), [np.stack([A[:2, :2], SING2x2])], "ok"),
    "det_signed_zero": (lambda lib, a: lib.linalg.det(a).detach(),
                        [np.stack([SING2x2, [[2.0, 4], [1, 2]], [[0.0, 1], [0, 1]]])], "ok"),
    "cond": (lambda lib, a: lib.linalg.cond(a), [A], "ok"),
    "cond_-2": (lambda lib, a: lib.linalg.cond(a, -2), [A], "ok"),
    "cond_nuc": (lambda lib, a: lib.linalg.cond(a, "nuc"), [A], "ok"),
    "cond_fro_value": (lambda lib, a: lib.linalg.cond(a.detach(), "fro"), [A], "ok"),
    "cond_1_singular": (lambda lib, a: lib.linalg.cond(a.detach(), 1), [SING2x2], "ok"),
    "cond_fro_backward": (lambda lib, a: lib.autograd.grad(lib.linalg.cond(a, "fro"), a), [A],
                          "exc"),
    "cond_rectangular": (lambda lib, a: lib.linalg.cond(a, 1), [R43], "exc"),
    "cond_bad_ord": (lambda lib, a: lib.linalg.cond(a, 3), [A], "exc"),
    "vander": (lambda lib, x: lib.linalg.vander(x, N=4), [R43], "ok"),
    "vander_N1": (lambda lib, x: lib.linalg.vander(x, N=1), [R43], "exc"),
    "diagonal": (lambda lib, a: lib.linalg.diagonal(a, offset=1), [X3], "ok"),
    "linalg_matmul": (lambda lib, a, b: lib.linalg.matmul(a, b), [X3, R43[:, 0]], "ok"),
    "tensorinv": (lambda lib, a: lib.linalg.tensorinv(a, ind=2),
                  [RNG.standard_normal((4, 6, 8, 3))], "ok"),
    "tensorinv_singular": (lambda lib, a: lib.linalg.tensorinv(a, ind=1), [SING2x2], "exc"),
    "tensorinv_bad_ind": (lambda lib, a: lib.linalg.tensorinv(a, ind=0), [A], "exc"),
    "tensorsolve": (lambda lib, a, b: lib.linalg.tensorsolve(a, b, dims=(0,)),
                    [RNG.standard_normal((6, 2, 3)), RNG.standard_normal((2, 3))], "ok"),
    "tensorsolve_bad": (lambda lib, a, b: lib.linalg.tensorsolve(a, b),
                        [RNG.standard_normal((2, 3, 5)), RNG.standard_normal((2, 3))], "exc"),
    "householder_product": (lambda lib, a, t: lib.linalg.householder_product(a, t),
                            [RNG.standard_normal((2, 5, 3)), RNG.standard_normal((2, 2))], "ok"),
    "householder_create_graph": (lambda lib, a, t: lib.autograd.grad(
        (lib.linalg.householder_product(a, t) ** 2).sum(), (a, t), create_graph=True)[0].sum(),
        [R43, RNG.standard_normal(3)], "ok"),
    "orgqr": (lambda lib, a, t: lib.orgqr(a, t), [R43, RNG.standard_normal(2)], "ok"),
    "householder_bad_tau": (lambda lib, a, t: lib.linalg.householder_product(a, t),
                            [R43, RNG.standard_normal(4)], "exc"),
    "symeig_removed": (lambda lib, a: lib.symeig(a), [A], "exc"),
    "eig_removed": (lambda lib, a: a.eig(), [A], "exc"),
    "lstsq_removed": (lambda lib, a: lib.lstsq(a, a), [A], "exc"),
    "matrix_rank_removed": (lambda lib, a: lib.matrix_rank(a), [A], "exc"),
    "chain_matmul": (lambda lib, a: lib.chain_matmul(a, a, a), [A], "ok"),
    "chain_matmul_none": (lambda lib: lib.chain_matmul(), [], "exc"),
    "vdot": (lambda lib, a, b: lib.vdot(a, b), [B32[:, 0], B32[:, 1]], "ok"),
    "vdot_method": (lambda lib, a, b: a.vdot(b), [B32[:, 0], B32[:, 1]], "ok"),
    "vdot_2d": (lambda lib, a: lib.vdot(a, a), [A], "exc"),
    "qr_wide_gradient": (lambda lib, a: lib.linalg.qr(a), [W35], "ok"),
    "qr_layout": (lambda lib, a: lib.linalg.qr(a.detach()), [R43], "ok"),
    "eigh_values": (lambda lib, a: lib.linalg.eigh(a.detach())[0], [S3], "ok"),
}
# PyTorch's LAPACK results are column-major (checked for all but these)
STRIDES_DIFFER = set()


def _run(lib, fn, arrays):
    ins = [t(lib, a, grad=True) for a in arrays]
    try:
        out = fn(lib, *ins)
    except Exception as e:  # noqa: BLE001
        return ("exc", type(e).__name__, str(e).split("\n")[0])
    outs = list(out) if isinstance(out, tuple) else [out]
    vals = [o.detach().numpy() for o in outs]
    strides = [tuple(o.stride()) for o in outs]
    names = [None if o.grad_fn is None else (o.grad_fn.name(), type(o.grad_fn).__name__)
             for o in outs]
    diff = [o for o in outs if o.requires_grad]
    grads = None
    if diff:
        loss = sum((o * lib.tensor(np.cos(np.arange(o.numel())).reshape(tuple(o.shape)).tolist(),
                                   dtype=o.dtype)).sum() for o in diff)
        try:
            grads = [None if g is None else g.numpy()
                     for g in lib.autograd.grad(loss, ins, allow_unused=True)]
        except Exception as e:  # noqa: BLE001
            grads = ("exc", type(e).__name__, str(e).split("\n")[0])
    return ("ok", vals, names, grads, strides)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name):
    torch = pytest.importorskip("torch")
    fn, arrays, kind = CASES[name]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = _run(pl, fn, arrays), _run(torch, fn, arrays)
    assert theirs[0] == kind and ours[0] == kind, (ours, theirs)
    if kind == "exc":
        assert ours[1:] == theirs[1:]
        return
    for a, b in zip(ours[1], theirs[1], strict=True):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)
        np.testing.assert_array_equal(np.signbit(a[a == 0]), np.signbit(b[b == 0]))
    assert ours[2] == theirs[2]
    if name not in STRIDES_DIFFER:
        assert ours[4] == theirs[4]
    if isinstance(theirs[3], tuple) or isinstance(ours[3], tuple):
        assert ours[3] == theirs[3]
    elif theirs[3] is not None:
        for a, b in zip(ours[3], theirs[3], strict=True):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)


def test_bilinear_grad_fn_and_gradients_match_torch():
    torch = pytest.importorskip("torch")
    x1, x2 = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 5))
    for bias in (True, False):
        res = []
        for lib in (pl, torch):
            lib.manual_seed(0)
            m = lib.nn.Bilinear(3, 5, 2, bias=bias).double()
            with lib.no_grad():
                m.weight.copy_(t(lib, np.linspace(-1, 1, 30).reshape(2, 3, 5)))
            a, b = t(lib, x1, True), t(lib, x2, True)
            y = m(a, b)
            y.pow(2).sum().backward()
            res.append((y.grad_fn.name(), y.detach().numpy(), a.grad.numpy(), b.grad.numpy(),
                        m.weight.grad.numpy()))
        assert res[0][0] == res[1][0] == ("AddBackward0" if bias else "ViewBackward0")
        for u, v in zip(res[0][1:], res[1][1:]):
            np.testing.assert_allclose(u, v, rtol=1e-10)


# ---- without torch: finite differences and self-consistency ----
def _gc(fn, *arrays):
    from pytorchlite.autograd import gradcheck

    return gradcheck(fn, tuple(t(pl, a, True) for a in arrays))


def test_lu_family_reconstructs_and_has_pytorch_nodes():
    x = t(pl, R43, True)
    LU, piv = pl.linalg.lu_factor(x)
    assert LU.grad_fn.name() == "LinalgLuFactorExBackward0" and piv.dtype is pl.int32
    P, L, U = pl.lu_unpack(LU, piv)
    assert P.grad_fn is None and not P.requires_grad
    assert L.grad_fn.name() == U.grad_fn.name() == "LuUnpackBackward0"
    np.testing.assert_allclose((P @ L @ U).detach().numpy(), R43, atol=1e-12)
    P2, L2, U2 = pl.linalg.lu(x)
    assert L2.grad_fn.name() == "LinalgLuBackward0" and P2.grad_fn is None
    for u, v in ((P, P2), (L, L2), (U, U2)):
        np.testing.assert_array_equal(u.detach().numpy(), v.detach().numpy())
    X = pl.linalg.lu_solve(*pl.linalg.lu_factor(t(pl, A, True)), t(pl, B32, True))
    assert X.grad_fn.name() == "LinalgLuSolveBackward0"
    np.testing.assert_allclose(X.detach().numpy(), np.linalg.solve(A, B32), atol=1e-12)


def test_lu_singular_matrix():
    LU, piv, info = pl.linalg.lu_factor_ex(t(pl, SING2x2))
    assert int(info) == 2 and info.dtype is pl.int32 and piv.tolist() == [2, 2]
    r = _outcome(pl, lambda lib: lib.linalg.lu_factor(t(lib, SING2x2)))
    assert r[0] == "exc" and r[1] == "RuntimeError" and "U[2,2] is zero" in r[2]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = pl.lu(t(pl, SING2x2), get_infos=True)  # no error: the infos say it
    assert int(out[2]) == 2


@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 5), (2, 3, 3)])
def test_lu_gradients_by_finite_differences(shape):
    a = RNG.standard_normal(shape)
    assert _gc(lambda x: pl.linalg.lu_factor(x)[0], a)
    assert _gc(lambda x: pl.linalg.lu(x)[1:], a)
    assert _gc(lambda x: pl.lu_unpack(*pl.linalg.lu_factor(x))[1:], a)


@pytest.mark.parametrize("left,adjoint", [(True, False), (True, True), (False, False),
                                          (False, True)])
def test_lu_solve_gradients_by_finite_differences(left, adjoint):
    b = B32 if left else B32.T
    assert _gc(lambda x, y: pl.linalg.lu_solve(*pl.linalg.lu_factor(x), y, left=left,
                                               adjoint=adjoint), A, b)


def _grads_of(fn, *arrays):
    ins = [t(pl, a, True) for a in arrays]
    out = fn(*ins)
    w = t(pl, np.cos(np.arange(out.numel())).reshape(tuple(out.shape)))
    return [g.numpy() for g in pl.autograd.grad((out * w).sum(), ins)]


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_gradient_is_the_full_matrix(upper):
    # as PyTorch: the gradient of solve(L L^T, B) (U^T U) in the whole of L, though the forward
    # reads one triangle only
    f = L3.T if upper else L3
    ours = _grads_of(lambda b, l: pl.cholesky_solve(b, l, upper=upper), B32, f)
    full = _grads_of(lambda b, l: pl.linalg.solve(l.mT @ l if upper else l @ l.mT, b), B32, f)
    for u, v in zip(ours, full):
        np.testing.assert_allclose(u, v, rtol=1e-10, atol=1e-12)
    strict = np.tril(np.ones((3, 3)), -1) if upper else np.triu(np.ones((3, 3)), 1)
    assert np.abs(ours[1] * strict).max() > 1e-3  # the other triangle counts too
    x = pl.cholesky_solve(t(pl, B32, True), t(pl, f, True), upper=upper)
    assert x.grad_fn.name() == "CholeskySolveBackward0"


def test_cholesky_inverse_and_triangular_solve_gradients():
    ours = _grads_of(lambda l: pl.cholesky_inverse(l), L3)
    full = _grads_of(lambda l: pl.linalg.inv(l @ l.mT), L3)
    np.testing.assert_allclose(ours[0], full[0], rtol=1e-10, atol=1e-12)
    assert pl.cholesky_inverse(t(pl, L3, True)).grad_fn.name() == "CholeskyInverseBackward0"
    import warnings

    tri, low = np.triu(A) + 2 * np.eye(3), np.tril(A) + 2 * np.eye(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _gc(lambda b, a: pl.triangular_solve(b, a)[0], B32, tri)
        assert _gc(lambda b, a: pl.triangular_solve(b, a, upper=False, transpose=True)[0], B32,
                   low)
        r = pl.triangular_solve(t(pl, B32, True), t(pl, A, True))
    assert r.solution.grad_fn.name() == r.cloned_coefficient.grad_fn.name() == \
        "TriangularSolveBackward0"


def test_solve_triangular_singular_gives_inf_not_an_error():
    X = pl.linalg.solve_triangular(t(pl, [[1.0, 0], [2, 0]]), t(pl, np.ones((2, 2))),
                                   upper=False)
    assert X[0].tolist() == [1.0, 1.0] and all(math.isinf(v) for v in X[1].tolist())


def test_det_singular_gradients():
    x = t(pl, SING, True)
    pl.det(x).backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((3, 3)))  # det is exactly 0
    (g,) = pl.autograd.grad(pl.linalg.det(x), x, create_graph=True)  # the adjugate
    adj = np.array([[4.0, 4, -4], [-2, -2, 2], [0, 0, 0]])
    np.testing.assert_allclose(g.detach().numpy(), adj, atol=1e-12)
    one = t(pl, [[0.0]], True)
    pl.det(one).backward()
    assert one.grad.tolist() == [[1.0]]


def test_cholesky_ex_info_and_partial_factor():
    L, info = pl.linalg.cholesky_ex(t(pl, [[1.0, 2], [2, 1]]))
    assert L.tolist() == [[1.0, 0.0], [2.0, -3.0]] and int(info) == 2
    assert info.dtype is pl.int32
    x = t(pl, np.stack([S3, -np.eye(3), NPD3]), True)
    L, info = pl.linalg.cholesky_ex(x)
    assert info.tolist() == [0, 1, 3] and L.grad_fn.name() == "LinalgCholeskyExBackward0"
    np.testing.assert_allclose(L[2].detach().numpy(),
                               [[2, 0, 0], [1, 2, 0], [0.5, 1.25, -3.8125]], atol=1e-15)
    r = _outcome(pl, lambda lib: lib.linalg.cholesky_ex(t(lib, np.stack([S3, NPD3])),
                                                        check_errors=True))
    assert r[0] == "exc" and r[1] == "_LinAlgError"
    assert r[2].startswith("linalg.cholesky_ex: (Batch element 1): The factorization could not "
                           "be completed") and "order 3" in r[2]
    U, info = pl.linalg.cholesky_ex(t(pl, S3, True), upper=True)
    assert U.grad_fn.name() == "LinalgCholeskyExBackward0"
    np.testing.assert_allclose(U.detach().numpy(), L3.T, atol=1e-14)


@pytest.mark.parametrize("name,fn,arrays,node", [
    ("solve_vector", lambda a, b: pl.linalg.solve(a, b), [A, B32[:, 0]],
     "LinalgSolveExBackward0"),
    ("solve_right", lambda a, b: pl.linalg.solve(a, b, left=False), [A, B32.T],
     "LinalgSolveExBackward0"),
    ("lstsq", lambda a, b: pl.linalg.lstsq(a, b).solution, [R43, RNG.standard_normal((4, 2))],
     "LinalgLstsqBackward0"),
    ("lstsq_residuals", lambda a, b: pl.linalg.lstsq(a, b, driver="gelsd").residuals,
     [R43, RNG.standard_normal((4, 2))], "LinalgLstsqBackward0"),
    ("matrix_exp", lambda a: pl.linalg.matrix_exp(a), [2 * A], "LinalgMatrixExpBackward0"),
    ("multi_dot", lambda a, b: pl.linalg.multi_dot([a, b]), [R43, W35], "ViewBackward0"),
    ("vecdot", lambda a, b: pl.linalg.vecdot(a, b), [R43, R43], "SumBackward1"),
    ("square", lambda a: a.square(), [A], "PowBackward0"),
    ("solve_triangular", lambda a, b: pl.linalg.solve_triangular(a, b, upper=True), [A, B32],
     "LinalgSolveTriangularBackward0"),
])
def test_grad_fn_names_and_gradients(name, fn, arrays, node):
    ins = [t(pl, a, True) for a in arrays]
    out = fn(*ins)
    assert type(out.grad_fn).__name__ == out.grad_fn.name() == node
    assert _gc(fn, *arrays)


def test_second_order_through_matrix_exp_and_lstsq():
    from pytorchlite.autograd import gradgradcheck

    assert gradgradcheck(lambda a: pl.linalg.matrix_exp(a), (t(pl, A, True),))
    assert gradgradcheck(lambda a, b: pl.linalg.lstsq(a, b, driver="gelsd"),
                         (t(pl, R43, True), t(pl, RNG.standard_normal((4, 2)), True)))


def test_bilinear_grad_fn():
    m = pl.nn.Bilinear(3, 5, 2).double()
    y = m(t(pl, RNG.standard_normal((4, 3))), t(pl, RNG.standard_normal((4, 5))))
    assert y.grad_fn.name() == "AddBackward0"
    m = pl.nn.Bilinear(3, 5, 2, bias=False).double()
    y = m(t(pl, RNG.standard_normal((4, 3))), t(pl, RNG.standard_normal((4, 5))))
    assert y.grad_fn.name() == "ViewBackward0"


def test_lapack_layouts_match_torch():
    """PyTorch returns LAPACK's results column-major; so does pytorchlite (values of the
    singular and eigen vectors may differ in sign, so strides only)."""
    torch = pytest.importorskip("torch")
    calls = [lambda lib, a: lib.linalg.svd(a), lambda lib, a: lib.linalg.svd(a, False),
             lambda lib, a: lib.svd(a), lambda lib, a: lib.linalg.eigh(a.mT @ a),
             lambda lib, a: lib.linalg.qr(a, "complete"), lambda lib, a: lib.linalg.lu(a),
             lambda lib, a: lib.linalg.lstsq(a, a[..., :2]),
             lambda lib, a: lib.linalg.cholesky_ex(a.mT @ a + 3 * lib.eye(3), upper=True)]
    for fn in calls:
        for arr in (R43, RNG.standard_normal((2, 4, 3)), RNG.standard_normal((2, 3, 5))):
            if arr.shape[-2] < arr.shape[-1] and fn in (calls[6], calls[7]):
                continue
            got = [tuple(r.stride()) for r in fn(pl, t(pl, arr))]
            want = [tuple(r.stride()) for r in fn(torch, t(torch, arr))]
            assert got == want


def test_householder_product_gradients_by_finite_differences():
    from pytorchlite.autograd import gradgradcheck

    a, tau = RNG.standard_normal((5, 3)), RNG.standard_normal(2)
    assert _gc(lambda x, y: pl.linalg.householder_product(x, y), a, tau)
    assert gradgradcheck(lambda x, y: pl.linalg.householder_product(x, y),
                         (t(pl, a, True), t(pl, tau, True)))
    q = pl.linalg.householder_product(t(pl, a, True), t(pl, tau, True))
    assert q.grad_fn.name() == "LinalgHouseholderProductBackward0"
    # with tau from geqrf-like reflectors the result is orthonormal: check one reflector
    v = np.array([1.0, 0.5, -0.25, 0.0, 2.0])
    t1 = 2 / (v @ v)
    a1 = np.zeros((5, 1))
    a1[1:, 0] = v[1:]
    q1 = pl.linalg.householder_product(t(pl, a1), t(pl, [t1])).numpy()
    np.testing.assert_allclose(q1[:, 0], (np.eye(5) - t1 * np.outer(v, v))[:, 0], atol=1e-14)


def test_qr_wide_gradient_by_finite_differences():
    from pytorchlite.autograd import gradgradcheck

    assert _gc(lambda a: pl.linalg.qr(a), W35)
    assert gradgradcheck(lambda a: pl.linalg.qr(a), (t(pl, W35, True),))
