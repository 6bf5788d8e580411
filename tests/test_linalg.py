"""torch.linalg and the torch.* linear algebra (pytorchlite/linalg/): values against NumPy,
our gradients through gradcheck in float64, named results, errors, and torch when importable."""
import math
import warnings

import numpy as np
import pytest

import pytorchlite as pl
from pytorchlite.autograd import gradcheck

RNG = np.random.default_rng(1)
A = RNG.standard_normal((3, 3))
S = A @ A.T + 3 * np.eye(3)
R = RNG.standard_normal((4, 3))
W = RNG.standard_normal((3, 5))
B = RNG.standard_normal((3, 2))
BATCH = RNG.standard_normal((2, 3, 3))


def t(a, grad=False):
    return pl.tensor(a.tolist(), dtype=pl.float64, requires_grad=grad)


def spd(x):
    return x @ x.mT + 3 * pl.eye(x.shape[-1], dtype=x.dtype)


def sym(x):
    return x + x.mT


def test_values_against_numpy():
    np.testing.assert_allclose(pl.linalg.inv(t(A)).numpy(), np.linalg.inv(A), rtol=1e-12)
    np.testing.assert_allclose(pl.linalg.inv(t(BATCH)).numpy(), np.linalg.inv(BATCH), rtol=1e-12)
    assert pl.linalg.det(t(A)).shape == ()
    assert pl.linalg.det(t(A)).item() == pytest.approx(np.linalg.det(A))
    sign, logabs = pl.linalg.slogdet(t(A))
    assert (sign.item(), logabs.item()) == pytest.approx(np.linalg.slogdet(A))
    np.testing.assert_allclose(pl.linalg.solve(t(A), t(B)).numpy(), np.linalg.solve(A, B))
    np.testing.assert_allclose(pl.linalg.solve(t(A), t(B[:, 0])).numpy(),
                               np.linalg.solve(A, B[:, 0]))
    np.testing.assert_allclose(pl.linalg.solve(t(A), t(B.T), left=False).numpy(),
                               B.T @ np.linalg.inv(A), rtol=1e-10)
    np.testing.assert_allclose(pl.linalg.cholesky(t(S)).numpy(), np.linalg.cholesky(S))
    np.testing.assert_allclose(pl.linalg.cholesky(t(S), upper=True).numpy(),
                               np.linalg.cholesky(S).T)
    Q, Rr = pl.linalg.qr(t(R))
    np.testing.assert_allclose((Q @ Rr).numpy(), R, atol=1e-12)
    Qc, Rc = pl.linalg.qr(t(R), mode="complete")
    assert Qc.shape == (4, 4) and Rc.shape == (4, 3)
    w, v = pl.linalg.eigh(t(S))
    np.testing.assert_allclose(w.numpy(), np.linalg.eigvalsh(S), rtol=1e-12)
    np.testing.assert_allclose(((v * w) @ v.mT).numpy(), S, atol=1e-10)
    U, s, Vh = pl.linalg.svd(t(R))
    assert U.shape == (4, 4) and Vh.shape == (3, 3)
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(R, compute_uv=False))
    U, s, V = pl.svd(t(R))
    assert U.shape == (4, 3)
    np.testing.assert_allclose(((U * s) @ V.mT).numpy(), R, atol=1e-12)
    np.testing.assert_allclose(pl.linalg.pinv(t(R)).numpy(), np.linalg.pinv(R), atol=1e-12)
    np.testing.assert_allclose(pl.pinverse(t(W)).numpy(), np.linalg.pinv(W), atol=1e-12)
    sol = pl.linalg.lstsq(t(R), t(R[:, :2] + 1)).solution
    np.testing.assert_allclose(sol.numpy(), np.linalg.lstsq(R, R[:, :2] + 1, rcond=None)[0])
    assert pl.linalg.matrix_rank(t(np.outer(R[:, 0], R[:, 1]))).item() == 1
    np.testing.assert_allclose(pl.linalg.matrix_power(t(A), 3).numpy(),
                               np.linalg.matrix_power(A, 3), rtol=1e-12)
    np.testing.assert_allclose(pl.linalg.matrix_power(t(A), -2).numpy(),
                               np.linalg.matrix_power(A, -2), rtol=1e-10)
    np.testing.assert_allclose(pl.linalg.matrix_power(t(A), 0).numpy(), np.eye(3))
    # exp of a rotation generator is the rotation
    G = np.array([[0.0, -1.3], [1.3, 0.0]])
    np.testing.assert_allclose(pl.linalg.matrix_exp(t(G * 10)).numpy(),
                               [[math.cos(13), -math.sin(13)], [math.sin(13), math.cos(13)]],
                               atol=1e-10)
    np.testing.assert_allclose(pl.linalg.multi_dot([t(R[0]), t(A), t(R.T)]).numpy(),
                               R[0] @ A @ R.T)
    np.testing.assert_allclose(pl.linalg.cond(t(A)).item(), np.linalg.cond(A), rtol=1e-10)
    np.testing.assert_allclose(pl.linalg.cond(t(A), 1).item(), np.linalg.cond(A, 1), rtol=1e-10)
    np.testing.assert_allclose(pl.linalg.vecdot(t(R), t(R)).numpy(), (R * R).sum(-1))
    up = np.triu(A) + 3 * np.eye(3)
    np.testing.assert_allclose(pl.linalg.solve_triangular(t(A + 3 * np.eye(3)), t(B),
                                                          upper=True).numpy(),
                               np.linalg.solve(up, B), rtol=1e-10)
    X, M = pl.triangular_solve(t(B), t(up))
    np.testing.assert_allclose(X.numpy(), np.linalg.solve(up, B), rtol=1e-10)
    L = pl.linalg.cholesky(t(S))
    np.testing.assert_allclose(pl.cholesky_solve(t(B), L).numpy(), np.linalg.solve(S, B),
                               rtol=1e-10)
    assert pl.logdet(t(S)).item() == pytest.approx(math.log(np.linalg.det(S)))
    assert math.isnan(pl.logdet(t(-np.eye(3))).item())
    assert pl.inverse(t(A)).shape == (3, 3) and pl.det(t(A)).item() == pytest.approx(
        np.linalg.det(A))


NORM_ORDS = ["fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2]


@pytest.mark.parametrize("ord", NORM_ORDS)
def test_matrix_norm_against_numpy(ord):
    got = pl.linalg.matrix_norm(t(R), ord).item()
    assert got == pytest.approx(np.linalg.norm(R, ord), rel=1e-12)
    got = pl.linalg.norm(t(R), ord).item()
    assert got == pytest.approx(np.linalg.norm(R, ord), rel=1e-12)
    kd = pl.linalg.matrix_norm(t(BATCH), ord, keepdim=True)
    assert kd.shape == (2, 1, 1)
    np.testing.assert_allclose(kd.numpy().ravel(), [np.linalg.norm(b, ord) for b in BATCH])


@pytest.mark.parametrize("ord", [2, 1, 0, math.inf, -math.inf, 3.5, -1])
def test_vector_norm_against_numpy(ord):
    x = R.ravel()
    assert pl.linalg.vector_norm(t(R), ord).item() == pytest.approx(np.linalg.norm(x, ord))
    np.testing.assert_allclose(pl.linalg.vector_norm(t(R), ord, dim=1).numpy(),
                               np.linalg.norm(R, ord, axis=1))
    assert pl.norm(t(R), "nuc").item() == pytest.approx(np.linalg.norm(R, "nuc"))


GRADS = {
    "inv": (lambda a: pl.linalg.inv(a), (A,)),
    "inv_batched": (lambda a: pl.linalg.inv(a), (BATCH,)),
    "det": (lambda a: pl.linalg.det(a), (A,)),
    "det_singular": (lambda a: pl.linalg.det(a), (np.outer(A[0], A[1]) + np.diag([0, 0, 1e-3]),)),
    "slogdet": (lambda a: pl.linalg.slogdet(a).logabsdet, (A,)),
    "logdet": (lambda a: pl.logdet(spd(a)), (A,)),
    "solve": (lambda a, b: pl.linalg.solve(a, b), (A, B)),
    "solve_vector": (lambda a, b: pl.linalg.solve(a, b[:, 0]), (A, B)),
    "cholesky": (lambda a: pl.linalg.cholesky(spd(a)), (A,)),
    "cholesky_upper": (lambda a: pl.linalg.cholesky(spd(a), upper=True), (BATCH,)),
    "qr_tall": (lambda a: tuple(pl.linalg.qr(a)), (R,)),
    "qr_square": (lambda a: tuple(pl.linalg.qr(a)), (A,)),
    # eigenvectors and singular vectors up to sign: gauge-invariant functions of them
    "eigh": (lambda a: (lambda r: (r.eigenvalues, r.eigenvectors * r.eigenvectors))(
        pl.linalg.eigh(sym(a))), (A,)),
    "eigvalsh": (lambda a: pl.linalg.eigvalsh(sym(a)), (BATCH,)),
    "svdvals": (lambda a: pl.linalg.svdvals(a), (R,)),
    "svd_tall": (lambda a: (lambda r: (r.U @ r.Vh, r.U * r.U, r.S))(
        pl.linalg.svd(a, full_matrices=False)), (R,)),
    "svd_wide": (lambda a: (lambda r: (r.U @ r.Vh, r.Vh * r.Vh))(
        pl.linalg.svd(a, full_matrices=False)), (W,)),
    "pinv_tall": (lambda a: pl.linalg.pinv(a), (R,)),
    "pinv_wide": (lambda a: pl.linalg.pinv(a), (W,)),
    "lstsq": (lambda a, b: pl.linalg.lstsq(a, b).solution, (R, R[:, :2] + 1)),
    "matrix_exp": (lambda a: pl.linalg.matrix_exp(a), (A,)),
    "matrix_power": (lambda a: pl.linalg.matrix_power(a, -2), (A,)),
    "solve_triangular": (lambda a, b: pl.linalg.solve_triangular(a, b, upper=False),
                         (A + 3 * np.eye(3), B)),
    "cholesky_solve": (lambda a, b: pl.cholesky_solve(b, pl.linalg.cholesky(spd(a))), (A, B)),
    "matrix_norm_nuc": (lambda a: pl.linalg.matrix_norm(a, "nuc"), (R,)),
    "matrix_norm_2": (lambda a: pl.linalg.matrix_norm(a, 2), (R,)),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradcheck_float64(name):
    fn, arrays = GRADS[name]
    assert gradcheck(fn, tuple(t(a, True) for a in arrays))


def test_named_results_and_reprs():
    r = pl.linalg.slogdet(t(np.eye(2)))
    assert type(r).__name__ == "linalg_slogdet" and r.sign.item() == 1.0
    assert repr(r) == ("torch.return_types.linalg_slogdet(\nsign=tensor(1., dtype=torch.float64),"
                       "\nlogabsdet=tensor(0., dtype=torch.float64))")
    assert type(pl.linalg.eigh(t(S))).__name__ == "linalg_eigh"
    assert type(pl.linalg.svd(t(R))).__name__ == "linalg_svd"
    assert type(pl.svd(t(R))).__name__ == "svd"
    lq = pl.linalg.lstsq(t(R), t(R[:, :1]))
    assert lq.residuals.shape == (0,) and lq.rank.item() == 3 and lq.singular_values.shape == (0,)
    lq = pl.linalg.lstsq(t(R), t(R[:, :1] + 1), driver="gelsd")
    assert lq.residuals.shape == (1,) and lq.singular_values.shape == (3,)
    inv, info = pl.linalg.inv_ex(t(np.zeros((2, 2))))
    assert info.item() != 0
    L, info = pl.linalg.cholesky_ex(t(-np.eye(2)))
    assert info.item() != 0
    LU, piv = pl.linalg.lu_factor(t(A))
    assert piv.dtype is pl.int32 and LU.shape == (3, 3)


def test_errors():
    with pytest.raises(pl.linalg.LinAlgError):
        pl.linalg.inv(t(np.zeros((2, 2))))
    assert issubclass(pl.linalg.LinAlgError, RuntimeError)
    with pytest.raises(pl.linalg.LinAlgError):
        pl.linalg.cholesky(t(-np.eye(2)))
    with pytest.raises(RuntimeError, match="square"):
        pl.linalg.inv(t(R))
    with pytest.raises(RuntimeError, match="floating point"):
        pl.linalg.det(pl.ones(2, 2, dtype=pl.int64))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        pl.linalg.det(pl.ones(2))
    with pytest.raises(RuntimeError, match="same dtype"):
        pl.linalg.solve(t(A), pl.ones(3))
    with pytest.raises(NotImplementedError, match="complex"):
        pl.linalg.eig(t(A))
    with pytest.raises(NotImplementedError, match="complex"):
        pl.linalg.eigvals(t(A))
    with pytest.raises(RuntimeError):
        pl.linalg.qr(t(R), mode="bogus")
    with pytest.raises(TypeError):
        pl.linalg.inv([[1.0]])


def test_against_torch():
    torch = pytest.importorskip("torch")
    for name, (_, arrays) in sorted(GRADS.items()):
        res = []
        for m in (torch, pl):
            ins = [m.tensor(a.tolist(), dtype=m.float64, requires_grad=True) for a in arrays]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = _call(m, name, ins)
            outs = out if isinstance(out, tuple) else (out,)
            sum(((o * o).sum() for o in outs)).backward()
            res.append(([o.detach().numpy() for o in outs], [i.grad.numpy() for i in ins]))
        for a, b in zip(res[0][0], res[1][0]):
            np.testing.assert_allclose(b, a, rtol=1e-7, atol=1e-9, err_msg=name)
        for a, b in zip(res[0][1], res[1][1]):
            np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-8, err_msg=name)


def _call(m, name, ins):
    """GRADS[name] written once more against module m (torch or pytorchlite)."""
    spd_m = lambda x: x @ x.mT + 3 * m.eye(x.shape[-1], dtype=x.dtype)  # noqa: E731
    sym_m = lambda x: x + x.mT  # noqa: E731
    a = ins[0]
    b = ins[1] if len(ins) > 1 else None
    table = {
        "inv": lambda: m.linalg.inv(a), "inv_batched": lambda: m.linalg.inv(a),
        "det": lambda: m.linalg.det(a), "det_singular": lambda: m.linalg.det(a),
        "slogdet": lambda: m.linalg.slogdet(a).logabsdet, "logdet": lambda: m.logdet(spd_m(a)),
        "solve": lambda: m.linalg.solve(a, b), "solve_vector": lambda: m.linalg.solve(a, b[:, 0]),
        "cholesky": lambda: m.linalg.cholesky(spd_m(a)),
        "cholesky_upper": lambda: m.linalg.cholesky(spd_m(a), upper=True),
        "qr_tall": lambda: tuple(m.linalg.qr(a)), "qr_square": lambda: tuple(m.linalg.qr(a)),
        "eigh": lambda: (lambda r: (r.eigenvalues, r.eigenvectors * r.eigenvectors))(
            m.linalg.eigh(sym_m(a))),
        "eigvalsh": lambda: m.linalg.eigvalsh(sym_m(a)), "svdvals": lambda: m.linalg.svdvals(a),
        "svd_tall": lambda: (lambda r: (r.U @ r.Vh, r.U * r.U, r.S))(
            m.linalg.svd(a, full_matrices=False)),
        "svd_wide": lambda: (lambda r: (r.U @ r.Vh, r.Vh * r.Vh))(
            m.linalg.svd(a, full_matrices=False)),
        "pinv_tall": lambda: m.linalg.pinv(a), "pinv_wide": lambda: m.linalg.pinv(a),
        "lstsq": lambda: m.linalg.lstsq(a, b).solution,
        "matrix_exp": lambda: m.linalg.matrix_exp(a),
        "matrix_power": lambda: m.linalg.matrix_power(a, -2),
        "solve_triangular": lambda: m.linalg.solve_triangular(a, b, upper=False),
        "cholesky_solve": lambda: m.cholesky_solve(b, m.linalg.cholesky(spd_m(a))),
        "matrix_norm_nuc": lambda: m.linalg.matrix_norm(a, "nuc"),
        "matrix_norm_2": lambda: m.linalg.matrix_norm(a, 2),
    }
    return table[name]()


SECOND_ORDER = ["inv", "det", "slogdet", "solve", "cholesky", "qr_tall", "eigvalsh", "svdvals",
                "pinv_tall", "matrix_exp"]


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_gradgradcheck_float64(name):
    from pytorchlite.autograd import gradgradcheck

    fn, arrays = GRADS[name]
    assert gradgradcheck(fn, tuple(t(a, True) for a in arrays))


def test_det_gradient_of_a_singular_matrix_as_pytorch():
    # as PyTorch: without a graph, det(A) A^{-T} through an eps-patched LU (0 when det is 0);
    # under create_graph the adjugate from the SVD
    x = t(np.array([[1.0, 2.0], [2.0, 4.0]]), True)
    pl.linalg.det(x).backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 2)))
    (g,) = pl.autograd.grad(pl.linalg.det(x), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)


def test_lu_factor_reconstructs_and_matches_torch():
    a = RNG.standard_normal((2, 4, 4))
    LU, piv = pl.linalg.lu_factor(t(a))
    for b in range(2):
        lu = LU[b].numpy()
        low, up = np.tril(lu, -1) + np.eye(4), np.triu(lu)
        perm = np.arange(4)
        for j, p in enumerate(piv[b].tolist()):
            perm[[j, p - 1]] = perm[[p - 1, j]]
        np.testing.assert_allclose((low @ up), a[b][perm], atol=1e-12)
    with pytest.warns(UserWarning, match="torch.lu is deprecated"):
        LU2, piv2 = pl.lu(t(a))
    assert LU2.tolist() == LU.tolist()
    torch = pytest.importorskip("torch")
    TLU, tpiv = torch.linalg.lu_factor(torch.tensor(a.tolist(), dtype=torch.float64))
    np.testing.assert_allclose(LU.numpy(), TLU.numpy(), atol=1e-12)
    assert piv.tolist() == tpiv.tolist()
