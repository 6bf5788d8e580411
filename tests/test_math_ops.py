"""The everyday elementwise math, bitwise/logical ops and vector/matrix products
(pytorchlite/_math_ops.py): values and dtypes against NumPy, gradients against central
differences, and everything against torch when it is importable."""
import math
import warnings

import numpy as np
import pytest

import pytorchlite as pl
from conftest import numeric_grad

try:
    import torch
except ImportError:
    torch = None

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 3, 4))
Y = RNG.standard_normal((2, 3, 4))
A = RNG.standard_normal((3, 3))
R = RNG.standard_normal((4, 3))
V = RNG.standard_normal(3)
I = np.array([[1, -2, 3], [4, 4, -6]])


def mk(m, a, grad=False):
    t = m.tensor(a.tolist(), dtype=m.float64 if a.dtype.kind == "f" else m.int64)
    return t.requires_grad_(True) if grad and a.dtype.kind == "f" else t


# name: (fn(m, *tensors), numpy arrays, NumPy reference or None)
CASES = {
    "logaddexp": (lambda m, a, b: m.logaddexp(a, b), (X, Y), np.logaddexp),
    "logaddexp2": (lambda m, a, b: m.logaddexp2(a, b), (X, Y), np.logaddexp2),
    "logit": (lambda m, a: m.logit(a.sigmoid(), eps=1e-3), (X,),
              lambda a: np.log(np.clip(1 / (1 + np.exp(-a)), 1e-3, 1 - 1e-3) /
                               (1 - np.clip(1 / (1 + np.exp(-a)), 1e-3, 1 - 1e-3)))),
    "xlogy": (lambda m, a, b: m.xlogy(a, b.abs()), (X, Y), lambda a, b: a * np.log(np.abs(b))),
    "lerp": (lambda m, a, b: m.lerp(a, b, 0.3), (X, Y), lambda a, b: a + 0.3 * (b - a)),
    "lerp_tensor": (lambda m, a, b: a.lerp(b, b.sigmoid()), (X, Y), None),
    "addcmul": (lambda m, a, b: m.addcmul(a, b, a, value=0.5), (X, Y), lambda a, b: a + 0.5 * a * b),
    "addcdiv": (lambda m, a, b: m.addcdiv(a, b, a.exp(), value=0.5), (X, Y),
                lambda a, b: a + 0.5 * b / np.exp(a)),
    "addmv": (lambda m, v, a, w: m.addmv(v, a, w, beta=0.5, alpha=2), (V, A, V),
              lambda v, a, w: 0.5 * v + 2 * a @ w),
    "addbmm": (lambda m, a, b: m.addbmm(a[0, :, :3], b, b.transpose(1, 2), beta=2), (X, Y),
               lambda a, b: 2 * a[0, :, :3] + (b @ b.transpose(0, 2, 1)).sum(0)),
    "baddbmm": (lambda m, a, b: m.baddbmm(a[:, :, :3], b, b.transpose(1, 2), alpha=2), (X, Y),
                lambda a, b: a[:, :, :3] + 2 * b @ b.transpose(0, 2, 1)),
    "mv": (lambda m, a, v: m.mv(a, v), (A, V), lambda a, v: a @ v),
    "outer": (lambda m, a, b: m.outer(a, b), (V, V), np.outer),
    "ger": (lambda m, a, b: m.ger(a, b), (V, V), np.outer),
    "inner": (lambda m, a, b: m.inner(a, b), (X, R.T.copy()), np.inner),
    "kron": (lambda m, a, b: m.kron(a, b), (A, R), np.kron),
    "tensordot": (lambda m, a, b: m.tensordot(a, b, dims=([1, 2], [1, 0])), (X, R),
                  lambda a, b: np.tensordot(a, b, axes=([1, 2], [1, 0]))),
    "tensordot_int": (lambda m, a, b: m.tensordot(a, b.reshape(3, 4, 2), dims=2), (X, Y),
                      lambda a, b: np.tensordot(a, b.reshape(3, 4, 2), axes=2)),
    "cross": (lambda m, a, b: m.cross(a, b, dim=1), (A, R[:3]), lambda a, b: np.cross(a, b, axis=1)),
    "linalg_cross": (lambda m, a, b: m.linalg.cross(a, b), (A, R[:3]), np.cross),
    "cdist": (lambda m, a, b: m.cdist(a, b), (R, A),
              lambda a, b: np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1))),
    "cdist_p1": (lambda m, a, b: m.cdist(a, b, p=1), (R, A),
                 lambda a, b: np.abs(a[:, None] - b[None]).sum(-1)),
    "dist": (lambda m, a, b: m.dist(a, b, 3), (X, Y),
             lambda a, b: (np.abs(a - b) ** 3).sum() ** (1 / 3)),
    "cosine_similarity": (lambda m, a, b: m.cosine_similarity(a, b, dim=0), (R, R ** 2), None),
    "F_cosine_similarity": (lambda m, a, b: m.nn.functional.cosine_similarity(a, b), (X, Y), None),
    "float_power": (lambda m, a: m.float_power(a, 2), (X,), lambda a: a ** 2),
    "float_power_scalar_base": (lambda m, a: m.float_power(2, a), (X,), lambda a: 2.0 ** a),
    "pow_scalar_base": (lambda m, a: m.pow(2, a), (X,), lambda a: 2.0 ** a),
    "add_scalar_first": (lambda m, a: m.add(2, a, alpha=3), (X,), lambda a: 2 + 3 * a),
    "sub_scalar_first": (lambda m, a: m.sub(2, a), (X,), lambda a: 2 - a),
    "mul_scalar_first": (lambda m, a: m.mul(2, a), (X,), lambda a: 2 * a),
    "div_scalar_first": (lambda m, a: m.div(2, a), (X,), lambda a: 2 / a),
    "frac": (lambda m, a: m.frac(a * 3), (X,), lambda a: np.modf(a * 3)[0]),
    "fix": (lambda m, a: m.fix(a * 3), (X,), lambda a: np.trunc(a * 3)),
    "clamp_min": (lambda m, a: m.clamp_min(a, 0.1), (X,), lambda a: np.maximum(a, 0.1)),
    "clamp_max": (lambda m, a: a.clamp_max(0.1), (X,), lambda a: np.minimum(a, 0.1)),
    "nan_to_num": (lambda m, a: m.nan_to_num(a.log(), nan=7.0, neginf=-3.0), (X,),
                   lambda a: np.nan_to_num(np.log(np.where(a == 0, 1, a)), nan=7.0, neginf=-3.0)),
    "positive": (lambda m, a: m.positive(a), (X,), lambda a: a),
    "sgn": (lambda m, a: m.sgn(a), (X,), np.sign),
}


def _needs_functional(name):
    # F.cosine_similarity belongs to nn.functional (the nn layers' module), which calls the
    # same formula as torch.cosine_similarity here
    if name.startswith("F_") and not hasattr(pl.nn.functional, "cosine_similarity"):
        pytest.skip("nn.functional.cosine_similarity comes with the nn layers")


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_against_numpy(name):
    fn, arrays, ref = CASES[name]
    if ref is None:
        pytest.skip("no NumPy one-liner; checked against torch below")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        got = fn(pl, *[mk(pl, a) for a in arrays])
        want = ref(*arrays)
    assert got.dtype in (pl.float64, pl.int64)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_against_central_differences(name):
    _needs_functional(name)
    fn, arrays, _ = CASES[name]
    if name in ("frac", "fix", "positive", "sgn", "nan_to_num"):
        pytest.skip("piecewise constant or identity")
    ins = [mk(pl, a, True) for a in arrays]
    out = fn(pl, *ins)
    out.sum().backward()
    arrs = [np.array(a, dtype=np.float64) for a in arrays]

    def f(*xs):
        return float(fn(pl, *[mk(pl, x) for x in xs]).sum())

    want = numeric_grad(f, arrs)
    for t, w in zip(ins, want):
        np.testing.assert_allclose(t.grad.numpy(), w, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_torch(name):
    th = pytest.importorskip("torch")
    _needs_functional(name)
    fn, arrays, _ = CASES[name]
    res = []
    for m in (th, pl):
        ins = [mk(m, a, True) for a in arrays]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(m, *ins)
        if out.requires_grad and name != "sgn":  # torch's sgn gradient is a ZeroTensor
            (out * out.detach().abs().add(1).log()).sum().backward()
        res.append((out.detach().numpy(), out.dtype, tuple(out.shape),
                    [None if t.grad is None else np.array(t.grad.tolist()) for t in ins]))
    (tv, tdt, ts, tg), (pv, pdt, ps, pg) = res
    assert ts == ps and str(tdt) == str(pdt)
    np.testing.assert_allclose(pv, tv, rtol=1e-9, atol=1e-12)
    for a, b in zip(tg, pg):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(b, a, rtol=1e-8, atol=1e-10)


def test_logaddexp_extremes():
    a = pl.tensor([math.inf, -math.inf, 1000.0, -1000.0, math.nan])
    b = pl.tensor([math.inf, -math.inf, 1000.0, -1001.0, 0.0])
    got = pl.logaddexp(a, b)
    want = np.logaddexp(a.numpy(), b.numpy())
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)
    assert got.dtype is pl.float32


def test_xlogy_zero_and_nan():
    x = pl.tensor([0.0, 0.0, 2.0, 0.0])
    y = pl.tensor([0.0, math.nan, 3.0, 5.0])
    got = pl.xlogy(x, y).tolist()
    assert got[0] == 0.0 and math.isnan(got[1]) and got[2] == pytest.approx(2 * math.log(3))
    assert pl.xlogy(2, pl.tensor([1.0, math.e])).tolist() == pytest.approx([0.0, 2.0])


def test_isclose_isin_signbit_and_inf_tests():
    a = pl.tensor([1.0, math.inf, math.nan, -0.0, 2.0])
    b = pl.tensor([1.0 + 1e-9, math.inf, math.nan, 0.0, 2.1])
    assert pl.isclose(a, b).tolist() == [True, True, False, True, False]
    assert pl.isclose(a, b, equal_nan=True).tolist() == [True, True, True, True, False]
    assert pl.signbit(a).tolist() == [False, False, False, True, False]
    assert pl.isposinf(a).tolist() == [False, True, False, False, False]
    assert pl.isneginf(-a).tolist() == [False, True, False, False, False]
    assert pl.isreal(a).all()
    t = pl.tensor([[1, 2], [3, 4]])
    assert pl.isin(t, pl.tensor([2, 3])).tolist() == [[False, True], [True, False]]
    assert pl.isin(t, 4, invert=True).tolist() == [[True, True], [True, False]]
    with pytest.raises(RuntimeError):
        pl.isclose(a, b.double())


def test_heaviside_and_errors():
    x = pl.tensor([-1.0, 0.0, 2.0])
    assert pl.heaviside(x, pl.tensor([0.5])).tolist() == [0.0, 0.5, 1.0]
    with pytest.raises(RuntimeError, match="different dtypes"):
        pl.heaviside(x, pl.tensor([1], dtype=pl.int64))
    with pytest.raises(TypeError):
        pl.heaviside(x, 0.5)


def test_bitwise_ops_and_shifts():
    a = pl.tensor([[1, -2, 3], [4, 4, -6]])
    n = a.numpy()
    assert (a & 6).tolist() == (n & 6).tolist()
    assert (a | 3).tolist() == (n | 3).tolist()
    assert (a ^ 5).tolist() == (n ^ 5).tolist()
    assert (~a).tolist() == (~n).tolist()
    assert (a << 2).tolist() == (n << 2).tolist()
    assert (a >> 1).tolist() == (n >> 1).tolist()
    assert (3 << a.abs()).tolist() == (3 << np.abs(n)).tolist()
    assert (a << 64).tolist() == [[0, 0, 0], [0, 0, 0]]
    assert (a >> 70).tolist() == [[0, -1, 0], [0, 0, -1]]
    assert pl.bitwise_left_shift(a, 1).tolist() == (n << 1).tolist()
    assert pl.bitwise_right_shift(a, a.abs()).tolist() == (n >> np.abs(n)).tolist()
    b = a.clone()
    b <<= 1
    b >>= 2
    b.bitwise_and_(pl.tensor(7))
    assert b.tolist() == (((n << 1) >> 2) & 7).tolist()
    t = pl.tensor([True, False])
    assert (t << 1).tolist() == [2, 0] and (t << 1).dtype is pl.int64
    assert pl.logical_xor(t, pl.tensor([True, True])).tolist() == [False, True]
    with pytest.raises(NotImplementedError):
        pl.ones(2) << 1
    with pytest.raises(NotImplementedError):
        pl.bitwise_not(pl.ones(2))
    u = pl.tensor([1.0, 0.0])
    u.logical_and_(pl.tensor([1.0, 1.0]))
    assert u.tolist() == [1.0, 0.0] and u.dtype is pl.float32


def test_inplace_forms():
    x = pl.tensor([0.2, 0.7])
    x.lerp_(pl.tensor([1.0, 1.0]), 0.5)
    assert x.tolist() == pytest.approx([0.6, 0.85])
    x.addcmul_(x, x, value=2)
    assert x.tolist() == pytest.approx([0.6 + 2 * 0.36, 0.85 + 2 * 0.85 ** 2])
    y = pl.tensor([math.nan, math.inf])
    y.nan_to_num_()
    assert y.tolist()[0] == 0.0 and y.tolist()[1] == pytest.approx(3.4028234663852886e38)
    z = pl.tensor([-1.5, 2.5])
    z.fix_()
    z.clamp_min_(0)
    assert z.tolist() == [0.0, 2.0]
    with pytest.raises(RuntimeError, match="float_power_"):
        pl.tensor([1.0]).float_power_(2)


def test_shape_errors():
    with pytest.raises(RuntimeError):
        pl.mv(pl.ones(2, 3), pl.ones(2))
    with pytest.raises(RuntimeError):
        pl.outer(pl.ones(2, 2), pl.ones(2))
    with pytest.raises(RuntimeError):
        pl.cdist(pl.ones(2, 3), pl.ones(2, 4))
    with pytest.raises(RuntimeError):
        pl.tensordot(pl.ones(2, 3), pl.ones(2, 3), dims=([0], [1]))
    with pytest.raises(RuntimeError):
        pl.linalg.cross(pl.ones(2, 2), pl.ones(2, 2))
    with pytest.raises(TypeError):
        pl.logaddexp(pl.ones(2), 1.0)
    with pytest.raises(TypeError):
        pl.maximum(1, pl.ones(2))
    with pytest.raises(RuntimeError, match="Integer division"):
        pl.addcdiv(pl.ones(2), pl.tensor([1, 2]), pl.tensor([1, 2]))
