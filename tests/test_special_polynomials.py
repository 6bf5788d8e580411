"""torch.special's orthogonal polynomials (Chebyshev T/U/V/W and their shifted forms, Hermite H
and He, Laguerre L, Legendre P): values bit for bit against torch in float32 and float64 over
wide sweeps of x (negative, beyond the interval, its ends, +-0, +-inf, nan) and n (0 ... 1000,
negative, fractional, beyond int64, inf, nan), against NumPy's polynomial series, result dtypes
(integer, bool, mixed, 0-dim, Python numbers on either side, half and complex refused),
broadcasting, no gradient node, out=, reprs and the errors of bad calls."""
import decimal
import fractions
import warnings

import numpy as np
import numpy.polynomial as npoly
import pytest

import pytorchlite as pl

NAMES = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
         "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
         "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
         "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
         "laguerre_polynomial_l", "legendre_polynomial_p"]
# PyTorch's recurrences return an unset value at a nan x from degree 2 on, except these three
NAN_DEFINED = {"chebyshev_polynomial_t", "hermite_polynomial_h", "hermite_polynomial_he"}
NAN, INF = float("nan"), float("inf")
NS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 30, 100, 127, 128, 129, 511, 512, 513, 1000,
      -1, -7, 2.5, 7.9, -0.5, -1.5, 1e30, -1e30, INF, -INF, NAN]


@pytest.fixture
def tr():
    return pytest.importorskip("torch")


def fn(m, name):
    return getattr(m.special, name)


def sweep_x(dtype):
    """x over each polynomial's interesting ranges: [-1, 1] and [0, 1], beyond, far beyond, the
    ends and their neighbours, +-0 and +-inf (nan is tested on its own)."""
    rng = np.random.default_rng(7)
    ends = np.array([-1.0, 0.0, 1.0, 0.5])
    near = np.concatenate([np.nextafter(ends.astype(dtype), dtype(INF)),
                           np.nextafter(ends.astype(dtype), dtype(-INF))])
    xs = np.concatenate([rng.uniform(-1, 1, 300), rng.uniform(0, 1, 200), rng.uniform(-4, 4, 200),
                         rng.uniform(-40, 40, 50), rng.standard_normal(30) * 1e4,
                         [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 0.25, 0.75, 1e-30, -1e-30,
                          1e30, -1e30, INF, -INF]]).astype(dtype)
    return np.concatenate([xs, near])


def grid(dtype, ns=NS):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 1e30 overflows a float32 to inf
        x, n = np.meshgrid(sweep_x(dtype), np.array(ns, dtype=np.float64).astype(dtype))
    return x.ravel(), n.ravel()


def same_bits(got, want):
    """Equal dtypes, shapes and values bit for bit (nan to nan, its sign not compared)."""
    assert str(got.dtype) == str(want.dtype)
    assert tuple(got.shape) == tuple(want.shape)
    g, w = got.detach().numpy(), want.detach().numpy()
    nan = np.isnan(w)
    np.testing.assert_array_equal(np.isnan(g), nan)
    g, w = g[~nan], w[~nan]
    bad = np.flatnonzero((g.view(np.uint8).reshape(-1, g.itemsize) !=
                          w.view(np.uint8).reshape(-1, w.itemsize)).any(1))
    assert bad.size == 0, [(g[i], w[i]) for i in bad[:5]]


def both(call, tr):
    """call(torch) and call(pytorchlite): ('ok', value) or (exception type, full message)."""
    out = []
    for m in (tr, pl):
        try:
            out.append(("ok", call(m)))
        except Exception as exc:  # noqa: BLE001 - the type is what is compared
            out.append((type(exc).__name__, str(exc)))
    return out


def check(call, tr):
    (tk, tv), (lk, lv) = both(call, tr)
    assert lk == tk, (tv, lv)
    if tk != "ok":
        assert lv == tv
    elif isinstance(tv, tr.Tensor):
        same_bits(lv, tv)
        assert repr(lv) == repr(tv)
    else:
        assert lv == tv


# ---- values ----
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_match_torch_bit_for_bit(tr, name, dtype):
    x, n = grid(dtype)
    want = fn(tr, name)(tr.from_numpy(x), tr.from_numpy(n))
    got = fn(pl, name)(pl.tensor(x), pl.tensor(n))
    same_bits(got, want)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_number_operands_match_torch(tr, name, dtype):
    xs = [-3.5, -1.0, -0.3, 0.0, 0.2, 0.5, 0.9, 1.0, 2.0, 7.25]
    for n in (0, 1, 2, 5, 30, 100, -2, 3.7, True):
        check(lambda m: fn(m, name)(m.tensor(xs, dtype=getattr(m, dtype)), n), tr)
    for x in (-2, -0.75, 0, 0.3, 1, 1.5, 3.0):
        check(lambda m: fn(m, name)(x, m.tensor([0, 1, 2, 5, 9, 30, 100, -1],
                                                dtype=getattr(m, dtype))), tr)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nan_input(tr, name, dtype):
    ns = np.array([-3, -1, 0, 1, 2, 3, 7, 10, 30], dtype=dtype)
    x = np.full_like(ns, np.nan)
    got = fn(pl, name)(pl.tensor(x), pl.tensor(ns)).numpy()
    # a negative degree is 0 and degree 0 is 1 whatever x; from degree 1 a nan x gives nan
    # (L at degree 1 is 1 - x); PyTorch leaves some of these unset, so its values are compared
    # only where it defines them
    np.testing.assert_array_equal(got[ns < 0], 0)
    np.testing.assert_array_equal(got[ns == 0], 1)
    assert np.isnan(got[ns >= 1]).all()
    want = fn(tr, name)(tr.from_numpy(x), tr.from_numpy(ns)).numpy()
    defined = ns <= 1 if name not in NAN_DEFINED else np.ones(len(ns), bool)
    np.testing.assert_array_equal(got[defined], want[defined])


def cheb_u(x, n):
    """U_n = 2 (T_n + T_(n-2) + ...), the last T_0 counted once"""
    if n < 0:
        return np.zeros_like(x)
    c = np.zeros(n + 1)
    c[n % 2::2] = 2.0
    if n % 2 == 0:
        c[0] = 1.0
    return npoly.chebyshev.chebval(x, c)


def unit(n):
    c = np.zeros(n + 1)
    c[n] = 1.0
    return c


# the polynomials from NumPy's series (V = U_n - U_(n-1), W = U_n + U_(n-1); the shifted
# forms at 2x - 1), an evaluation independent of the recurrences above
REFERENCE = {
    "chebyshev_polynomial_t": lambda x, n: npoly.chebyshev.chebval(x, unit(n)),
    "chebyshev_polynomial_u": cheb_u,
    "chebyshev_polynomial_v": lambda x, n: cheb_u(x, n) - cheb_u(x, n - 1),
    "chebyshev_polynomial_w": lambda x, n: cheb_u(x, n) + cheb_u(x, n - 1),
    "hermite_polynomial_h": lambda x, n: npoly.hermite.hermval(x, unit(n)),
    "hermite_polynomial_he": lambda x, n: npoly.hermite_e.hermeval(x, unit(n)),
    "laguerre_polynomial_l": lambda x, n: npoly.laguerre.lagval(x, unit(n)),
    "legendre_polynomial_p": lambda x, n: npoly.legendre.legval(x, unit(n)),
}
for _kind in "tuvw":
    REFERENCE[f"shifted_chebyshev_polynomial_{_kind}"] = (
        lambda x, n, f=REFERENCE[f"chebyshev_polynomial_{_kind}"]: f(2 * x - 1, n))


@pytest.mark.parametrize("name", NAMES)
def test_values_match_numpy_series(name):
    rng = np.random.default_rng(3)
    lo = 0.0 if name.startswith("shifted") else -1.0
    xs = np.concatenate([rng.uniform(lo, 1, 40), rng.uniform(-3, 3, 40), [lo, 1.0, 0.5]])
    for n in (0, 1, 2, 3, 5, 6, 7, 9, 12, 20):
        got = fn(pl, name)(pl.tensor(xs, dtype=pl.float64), n).numpy()
        want = REFERENCE[name](xs, n)
        scale = np.maximum(1.0, np.abs(want))
        np.testing.assert_allclose(got / scale, want / scale, rtol=0, atol=1e-9,
                                   err_msg=f"{name} n={n}")
        got32 = fn(pl, name)(pl.tensor(xs, dtype=pl.float32), n).numpy()
        np.testing.assert_allclose(got32 / scale, want.astype(np.float32) / scale, rtol=0,
                                   atol=2e-3 if n >= 12 else 1e-4, err_msg=f"{name} n={n}")
    # a negative degree is 0, a fractional one truncated toward zero
    x = pl.tensor(xs, dtype=pl.float64)
    assert (fn(pl, name)(x, -1) == 0).all()
    assert pl.equal(fn(pl, name)(x, 3.9), fn(pl, name)(x, 3))
    assert pl.equal(fn(pl, name)(x, -0.9), fn(pl, name)(x, 0))


def test_degrees_beyond_the_hermite_limit_and_int64():
    x = pl.tensor([0.0, 0.5, -1.0])
    for name in ("hermite_polynomial_h", "hermite_polynomial_he"):
        assert fn(pl, name)(x, 129).isnan().all()
        assert fn(pl, name)(x.double(), 513).isnan().all()
    for name in NAMES:
        for n in (2**63, 2**64 - 1, 1e30, INF, NAN):
            assert (fn(pl, name)(x, n) == 0).all(), (name, n)


# ---- dtypes, broadcasting, strides ----
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.filterwarnings("ignore:ComplexHalf support")  # torch's, for half x and complex n
def test_result_dtypes_match_torch(tr, name):
    cases = [
        lambda m: fn(m, name)(m.tensor([1, 2, 3]), m.tensor([1, 2, 3])),
        lambda m: fn(m, name)(m.tensor([1, 2, 3]), 2),
        lambda m: fn(m, name)(m.tensor([1, 2, 3]), 2.0),
        lambda m: fn(m, name)(m.tensor([1, 2], dtype=m.int32), m.tensor([2], dtype=m.int16)),
        lambda m: fn(m, name)(m.tensor([1, 2], dtype=m.uint8), 3),
        lambda m: fn(m, name)(m.tensor([True, False]), 2),
        lambda m: fn(m, name)(m.tensor([0.5, 2.0]), True),
        lambda m: fn(m, name)(m.tensor([0.5, 2.0]), m.tensor([3], dtype=m.int64)),
        lambda m: fn(m, name)(m.tensor([0.5, 2.0]), m.tensor([3.0], dtype=m.float64)),
        lambda m: fn(m, name)(m.tensor([0.5, 2.0]), m.tensor(3.0, dtype=m.float64)),
        lambda m: fn(m, name)(m.tensor(0.5, dtype=m.float64), m.tensor([3.0])),
        lambda m: fn(m, name)(m.tensor([0.5], dtype=m.float64), 4),
        lambda m: fn(m, name)(2, m.tensor([3])),
        lambda m: fn(m, name)(0.5, m.tensor([3], dtype=m.int32)),
        lambda m: fn(m, name)(0.5, m.tensor([3.0], dtype=m.float64)),
        lambda m: fn(m, name)(m.tensor(0.5), 3),
        lambda m: fn(m, name)(m.tensor([0.5], dtype=m.float16), m.tensor([3.0])),
        lambda m: fn(m, name)(m.tensor([0.5], dtype=m.float16), m.tensor(3.0)),
        lambda m: fn(m, name)(m.tensor([0.5], dtype=m.float16), 3),
        lambda m: fn(m, name)(m.tensor([0.5], dtype=m.bfloat16), m.tensor([3])),
        lambda m: fn(m, name)(0.5, m.tensor([3], dtype=m.bfloat16)),
        lambda m: fn(m, name)(m.tensor([0.5]), 3 + 0j),
        lambda m: fn(m, name)(m.tensor([0.5], dtype=m.float64), 3 + 0j),
        lambda m: fn(m, name)(1j, m.tensor([3])),
        lambda m: fn(m, name)(np.float64(0.5), m.tensor([3])),
        lambda m: fn(m, name)(m.tensor([0.5, 2.0]), np.int64(3)),
        lambda m: fn(m, name)(m.tensor([0.5, 2.0]), np.float32(3.0)),
        lambda m: fn(m, name)(m.tensor([0.5, 2.0]), np.bool_(True)),
        lambda m: fn(m, name)(m.tensor([0.5, 2.0]), np.uint64(3)),
        lambda m: fn(m, name)(np.int8(2), m.tensor([3.0])),
        lambda m: fn(m, name)(m.tensor([0.5, 2.0]), np.complex128(3)),
        lambda m: fn(m, name)(m.tensor([0.5], dtype=m.float16), 3j),
        lambda m: fn(m, name)(m.tensor([0.5], dtype=m.bfloat16), 3j),
    ]
    for call in cases:
        check(call, tr)


def test_numpy_complex_scalar_takes_its_real_part(tr):
    for m in (tr, pl):
        with pytest.warns(getattr(np, "exceptions", np).ComplexWarning, match="discards"):
            y = m.special.legendre_polynomial_p(np.complex64(0.5 + 1j), m.tensor([3]))
        assert y.tolist() == m.special.legendre_polynomial_p(0.5, m.tensor([3])).tolist()


@pytest.mark.parametrize("name", NAMES)
def test_broadcasting_and_strided_operands(tr, name):
    rng = np.random.default_rng(5)
    a = rng.uniform(-1.5, 1.5, (4, 6))
    ns = np.array([[0.0], [2.0], [9.0], [31.0]])
    check(lambda m: fn(m, name)(m.tensor(a), m.tensor(ns)), tr)
    check(lambda m: fn(m, name)(m.tensor(a).t(), m.tensor(ns).t()), tr)
    check(lambda m: fn(m, name)(m.tensor(a)[:, ::2], m.tensor([1, 5, 12])), tr)
    check(lambda m: fn(m, name)(m.tensor(a).reshape(2, 1, 12), m.tensor(ns).reshape(4, 1)), tr)
    check(lambda m: fn(m, name)(m.zeros(2, 3), m.zeros(4)), tr)
    check(lambda m: fn(m, name)(m.zeros(0, 3), m.ones(3)), tr)


# ---- autograd ----
@pytest.mark.parametrize("name", NAMES)
def test_no_gradient_node(tr, name):
    for m in (tr, pl):
        x = m.tensor([0.3, 1.5], requires_grad=True)
        n = m.tensor([2.0, 3.0], requires_grad=True)
        for y in (fn(m, name)(x, 3), fn(m, name)(x, n), fn(m, name)(0.5, n), fn(m, name)(x, n)):
            assert y.grad_fn is None and not y.requires_grad
    check(lambda m: fn(m, name)(m.tensor([0.3, 1.5], requires_grad=True), 3).sum().backward(), tr)
    # out= is written whatever requires grad (there is no node to refuse)
    check(lambda m: fn(m, name)(m.tensor([0.3, 1.5], requires_grad=True), 3, out=m.empty(2)), tr)
    check(lambda m: fn(m, name)(m.tensor([0.3]), 3, out=m.empty(1, requires_grad=True)), tr)


# ---- out= ----
@pytest.mark.parametrize("name", NAMES)
def test_out(tr, name):
    x = pl.tensor([0.3, 1.5])
    out = pl.empty(2)
    assert fn(pl, name)(x, 4, out=out) is out
    assert pl.equal(out, fn(pl, name)(x, 4))
    check(lambda m: fn(m, name)(m.tensor([0.3, 1.5]), 4, out=m.empty(2, dtype=m.float64)), tr)
    check(lambda m: fn(m, name)(m.tensor([0.3, 1.5]), 4, out=m.empty(2, dtype=m.int64)), tr)
    check(lambda m: fn(m, name)(m.tensor([0.3, 1.5]), 4, out=m.empty(0)), tr)
    check(lambda m: fn(m, name)(m.tensor([0.3, 1.5]), 4, out=None), tr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the resize warning
        check(lambda m: fn(m, name)(m.tensor([0.3, 1.5]), 4, out=m.empty(3)), tr)


# ---- bad calls ----
@pytest.mark.parametrize("name", NAMES)
def test_errors_match_torch(tr, name):
    calls = [
        lambda m, x: fn(m, name)(x),
        lambda m, x: fn(m, name)(),
        lambda m, x: fn(m, name)(x, 3, 4),
        lambda m, x: fn(m, name)(x, 3, foo=1),
        lambda m, x: fn(m, name)(x, None),
        lambda m, x: fn(m, name)(None, 3),
        lambda m, x: fn(m, name)(x, "a"),
        lambda m, x: fn(m, name)([0.5], 2),
        lambda m, x: fn(m, name)(x, [2]),
        lambda m, x: fn(m, name)(x, (2,)),
        lambda m, x: fn(m, name)(np.array([0.5]), 2),
        lambda m, x: fn(m, name)(x, np.array([2])),
        lambda m, x: fn(m, name)(1, 2),
        lambda m, x: fn(m, name)(0.5, 2.0),
        lambda m, x: fn(m, name)(x, m.float32),
        lambda m, x: fn(m, name)(input=x, n=3),
        lambda m, x: fn(m, name)(n=3, input=x),
        lambda m, x: fn(m, name)(foo=1, x=x, n=2),
        lambda m, x: fn(m, name)(x=x, n=2, out=3),
        lambda m, x: fn(m, name)(x=x, n=None, out=None),
        lambda m, x: fn(m, name)(x, 3, out=3),
        lambda m, x: fn(m, name)(x, n=3, out=3),
        lambda m, x: fn(m, name)(x, 3, x=x),
        lambda m, x: fn(m, name)(x, 2**64),
        lambda m, x: fn(m, name)(x, -2**63 - 1),
        lambda m, x: fn(m, name)(2**70, m.tensor([3])),
        lambda m, x: fn(m, name)(x, fractions.Fraction(3)),
        lambda m, x: fn(m, name)(x, decimal.Decimal(3)),
        lambda m, x: fn(m, name)(x, np.array(3)),
        # accepted spellings
        lambda m, x: fn(m, name)(x=x, n=3),
        lambda m, x: fn(m, name)(x, n=3),
        lambda m, x: fn(m, name)(n=m.tensor([2, 3]), x=0.5),
        lambda m, x: fn(m, name)(x, 2**63),
        lambda m, x: fn(m, name)(x, -2**63),
    ]
    for call in calls:
        check(lambda m: call(m, m.tensor([0.5, 2.0])), tr)


def test_names_and_rows():
    for name in NAMES:
        assert name in pl.special.__all__
        assert fn(pl, name).__name__ == f"special_{name}"
    rows = {r[0]: r[1:] for r in pl._C._binary_ops}
    for name in NAMES:
        assert rows[name] == (None, None, None)  # no node of any form
    assert pl.special.__all__ == sorted(pl.special.__all__)
