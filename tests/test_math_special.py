"""Issue 10's missing math functions against torch: gcd/lcm, fmod_/remainder_, the in-place gamma
functions, nextafter, ldexp/frexp, the trapezoid rule, and torch.special: values (bit for bit
where PyTorch's algorithm is plain scalar code), result dtypes, gradients, in-place forms and
the errors of bad input."""
import math

import numpy as np
import pytest

import pytorchlite as pl

torch = pytest.importorskip("torch")

NAN, INF = float("nan"), float("inf")
EDGE = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.75, 1e-30, -1e30, INF, -INF, NAN]


def both(fn):
    """fn(torch) and fn(pytorchlite): (kind, value) where kind is the exception type's name or
    'ok', so that errors compare as well as results."""
    out = []
    for m in (torch, pl):
        try:
            out.append(("ok", fn(m)))
        except Exception as exc:  # noqa: BLE001 - the type is what is compared
            out.append((type(exc).__name__, str(exc).split("\n")[0]))
    return out


def same_tensor(got, want, exact=True, rtol=1e-6):
    assert str(got.dtype) == str(want.dtype)
    assert tuple(got.shape) == tuple(want.shape)
    g = np.array(got.detach().tolist(), dtype=np.float64)
    w = np.array(want.detach().tolist(), dtype=np.float64)
    if exact:
        np.testing.assert_array_equal(g, w)
        real = ~np.isnan(w)  # the sign of a nan is libm's
        np.testing.assert_array_equal(np.signbit(g[real]), np.signbit(w[real]))
    else:
        np.testing.assert_allclose(g, w, rtol=rtol, atol=1e-12, equal_nan=True)


def check(fn, exact=True, rtol=1e-6):
    (tk, tv), (lk, lv) = both(fn)
    assert lk == tk, (tv, lv)
    if tk != "ok":
        assert lv == tv
        return
    if isinstance(tv, tuple):
        for g, w in zip(lv, tv):
            same_tensor(g, w, exact, rtol)
    elif isinstance(tv, torch.Tensor):
        same_tensor(lv, tv, exact, rtol)
    else:
        assert lv == tv


def grad_fn_name(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__


INTS = ["int64", "int32", "int16", "int8", "uint8"]


# ---- gcd / lcm ----
@pytest.mark.parametrize("name", ["gcd", "lcm"])
@pytest.mark.parametrize("dtype", INTS)
def test_gcd_lcm_values_and_dtypes(name, dtype):
    a = [4, -6, 0, 7, 12, 0, 9, 100, -35]
    b = [6, 4, 0, 0, -18, 5, 9, 75, 21]
    if dtype == "uint8":
        a, b = [abs(v) for v in a], [abs(v) for v in b]

    def run(m):
        x, y = m.tensor(a, dtype=getattr(m, dtype)), m.tensor(b, dtype=getattr(m, dtype))
        return getattr(m, name)(x, y)
    check(run)


@pytest.mark.parametrize("name", ["gcd", "lcm"])
def test_gcd_lcm_broadcast_promotion_inplace_and_errors(name):
    check(lambda m: getattr(m, name)(m.tensor([[4], [6]]), m.tensor([6, 9, 12])))
    check(lambda m: getattr(m, name)(m.tensor([4, 6], dtype=m.int32), m.tensor([6, 4], dtype=m.int8)))
    check(lambda m: getattr(m.tensor([4, 6]), name + "_")(m.tensor([6, 9])))
    check(lambda m: getattr(m, name + "_")(m.tensor([4, 6], dtype=m.int32), m.tensor([6, 9])))
    check(lambda m: getattr(m, name)(m.tensor([2**62, -2**63]), m.tensor([2**61, 2])))
    for bad in (lambda m: getattr(m, name)(m.tensor([4., 6.]), m.tensor([6., 4.])),
                lambda m: getattr(m, name)(m.tensor([True]), m.tensor([False])),
                lambda m: getattr(m, name)(m.tensor([4, 6]), 2),
                lambda m: getattr(m.tensor([4, 6]), name)(2),
                lambda m: getattr(m.tensor([4, 6], dtype=m.int8), name + "_")(m.tensor([6, 9]))):
        check(bad)


# ---- fmod_ / remainder_ ----
@pytest.mark.parametrize("name", ["fmod_", "remainder_"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mod_inplace_floating(name, dtype):
    a = [1.5, -2.5, 7.25, -0.0, 3.0, INF, NAN, 5.0]
    for other in (0.7, -1.5, "tensor"):
        def run(m):
            x = m.tensor(a, dtype=getattr(m, dtype))
            o = m.tensor([0.7, 0.3, -2.0, 1.0, 0.0, 2.0, 1.0, INF], dtype=getattr(m, dtype)) \
                if other == "tensor" else other
            r = getattr(x, name)(o)
            assert r is x
            return x
        check(run)


@pytest.mark.parametrize("name", ["fmod_", "remainder_"])
def test_mod_inplace_integers_and_errors(name):
    check(lambda m: getattr(m.tensor([5, -7, 9, -9]), name)(3))
    check(lambda m: getattr(m.tensor([5, -7, 9, -9]), name)(m.tensor([2, 3, -4, -4])))
    check(lambda m: getattr(m.tensor([5, -7], dtype=m.int32), name)(m.tensor([2, 3])))
    check(lambda m: getattr(m.tensor([5., -7.]), name)(m.tensor(3)))
    check(lambda m: getattr(m.tensor([5, -7]), name)(0.5))
    check(lambda m: getattr(m.tensor([5, -7]), name)("a"))


@pytest.mark.parametrize("name", ["fmod_", "remainder_"])
def test_mod_inplace_gradients(name):
    res = []
    for m in (torch, pl):
        x = m.tensor([1.5, -2.5, 7.25], dtype=m.float64, requires_grad=True)
        o = m.tensor([0.7, 0.3, -2.0], dtype=m.float64, requires_grad=True)
        y1 = getattr(x.clone(), name)(0.7)
        y2 = getattr(x.clone(), name)(o)
        (y1 * 2 + y2 * 3).sum().backward()
        res.append((grad_fn_name(y1), grad_fn_name(y2), x.grad.tolist(), o.grad.tolist()))
    assert res[1] == res[0]


# ---- digamma_ / lgamma_ ----
@pytest.mark.parametrize("name", ["digamma", "lgamma"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gamma_inplace(name, dtype):
    vals = [0.5, 1.0, 2.5, 7.0, -0.5, -2.5, 30.0, 0.0, -0.0, -3.0, INF, NAN]

    def run(m):
        x = m.tensor(vals, dtype=getattr(m, dtype))
        assert getattr(x, name + "_")() is x
        return x
    check(run, exact=name == "digamma", rtol=1e-6 if dtype == "float32" else 1e-14)
    check(lambda m: getattr(m.tensor([1, 2]), name + "_")())
    res = []
    for m in (torch, pl):
        x = m.tensor([0.7, 1.5, 3.0], dtype=m.float64, requires_grad=True)
        y = getattr(x.clone(), name + "_")()
        y.sum().backward()
        res.append((grad_fn_name(y), x.grad.tolist()))
    assert res[1][0] == res[0][0]
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-13)


# ---- nextafter ----
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_nextafter(dtype):
    a = [1.0, 0.0, -0.0, INF, -INF, 1.0, 3.5, -1e-30, 5e-324 if dtype == "float64" else 1e-45]
    b = [2.0, 1.0, -1.0, 0.0, 0.0, 1.0, -INF, 0.0, 0.0]

    def run(m):
        return m.nextafter(m.tensor(a, dtype=getattr(m, dtype)), m.tensor(b, dtype=getattr(m, dtype)))
    check(run)
    check(lambda m: m.tensor(a, dtype=getattr(m, dtype)).nextafter_(m.tensor(b, dtype=getattr(m, dtype))))
    check(lambda m: m.nextafter(m.tensor([NAN, 1.0]), m.tensor([1.0, NAN])).isnan())
    check(lambda m: m.nextafter(m.tensor([1.0], dtype=m.float64), m.tensor([2.0])))


def test_nextafter_errors_and_gradient():
    check(lambda m: m.nextafter(m.tensor([1, 0]), m.tensor([2, -1])))
    check(lambda m: m.nextafter(m.tensor([1., 0.]), 2.))
    check(lambda m: m.tensor([1, 0]).nextafter_(m.tensor([2., -1.])))
    res = []
    for m in (torch, pl):
        x = m.tensor([1., 0.], requires_grad=True)
        y = m.tensor([2., -1.], requires_grad=True)
        r = m.nextafter(x, y)
        r.sum().backward()
        res.append((grad_fn_name(r), x.grad.tolist(), y.grad.tolist()))
    assert res[1] == res[0]


# ---- ldexp / frexp ----
def test_ldexp_values_and_dtypes():
    check(lambda m: m.ldexp(m.tensor([1., 0.5, 4., 3., -2., 0., INF]), m.tensor([1, 128, -150, -150, 3, 5, -2])))
    check(lambda m: m.ldexp(m.tensor([1., 0.5, 2. ** 60, -3.], dtype=m.float64),
                            m.tensor([200, 1024, -1100, -1074])))
    check(lambda m: m.ldexp(m.tensor([1, 2]), m.tensor([200, 1])))
    check(lambda m: m.ldexp(m.tensor([1., 4.]), m.tensor([1.5, -150.])))
    check(lambda m: m.ldexp(m.tensor([1., 4.], dtype=m.float64), m.tensor([1.5, -150.])))
    check(lambda m: m.ldexp(m.tensor([1., 4.], dtype=m.float64), m.tensor([1.5, -15.], dtype=m.float64)))
    check(lambda m: m.ldexp(m.tensor([1., 4.]), m.tensor([1, 2], dtype=m.int32)))
    check(lambda m: m.ldexp(m.tensor([[1.], [4.]]), m.tensor([1, 2, 3])))
    check(lambda m: m.ldexp(m.tensor([1., 4.], dtype=m.float16), m.tensor([3, -20])))
    check(lambda m: m.tensor([3., 5.]).ldexp(m.tensor([1, 2])))


def test_ldexp_inplace_errors_and_gradients():
    def inplace(m):
        x = m.tensor([3., 5.])
        assert x.ldexp_(m.tensor([1, 2])) is x
        return x
    check(inplace)
    check(lambda m: m.ldexp_(m.tensor([3., 5.]), m.tensor([1.5, 2.])))
    check(lambda m: m.tensor([3, 5]).ldexp_(m.tensor([1, 2])))
    check(lambda m: m.ldexp(m.tensor([1., 4.]), 2))
    check(lambda m: m.tensor([1., 4.]).ldexp(2))
    res = []
    for m in (torch, pl):
        x = m.tensor([1., 4., -2.], dtype=m.float64, requires_grad=True)
        e = m.tensor([1.5, 2., -1.], dtype=m.float64, requires_grad=True)
        r1 = m.ldexp(x, m.tensor([1, 2, 3]))
        r2 = m.ldexp(x, e)
        r3 = x.clone().ldexp_(m.tensor([1, 2, 3]))
        (r1 + r2 * 2 + r3 * 3).sum().backward()
        res.append(([grad_fn_name(r) for r in (r1, r2, r3)], x.grad.tolist(), e.grad.tolist()))
    assert res[1][0] == res[0][0]
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-14)
    np.testing.assert_allclose(res[1][2], res[0][2], rtol=1e-14)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_frexp(dtype):
    vals = [0.0, -0.0, 1.0, 3.0, -3.5, 1e-30, 1024.0, INF, -INF, 1e-45 if dtype == "float32" else 0.25]

    def run(m):
        r = m.frexp(m.tensor(vals, dtype=getattr(m, dtype)))
        return (r.mantissa, r.exponent)
    check(run)
    check(lambda m: tuple(m.tensor(vals, dtype=getattr(m, dtype)).frexp()))


def test_frexp_printing_errors_and_gradient():
    for fn in (lambda m: repr(m.frexp(m.tensor([3., 8.], dtype=m.float64))),
               lambda m: type(m.frexp(m.tensor([3.]))).__name__,
               lambda m: m.frexp(m.tensor([3]))):
        (tk, tv), (lk, lv) = both(fn)
        assert (lk, lv) == (tk, tv)
    res = []
    for m in (torch, pl):
        x = m.tensor([3., 5., -0.1], requires_grad=True)
        mant, exp = m.frexp(x)
        mant.sum().backward()
        res.append((grad_fn_name(mant), exp.requires_grad, x.grad.tolist()))
    assert res[1] == res[0]


# ---- the trapezoid rule ----
Y1 = [1., 2., 4., 7., -3.5]
Y2 = [[1., 2., 4.], [7., 1., 0.]]
X1 = [0., 1., 3., 3.5, 6.]


@pytest.mark.parametrize("fname", ["trapezoid", "trapz", "cumulative_trapezoid"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_trapezoid_family(fname, dtype):
    def T(m, v, dt=dtype):
        return m.tensor(v, dtype=getattr(m, dt))

    check(lambda m: getattr(m, fname)(T(m, Y1)))
    check(lambda m: getattr(m, fname)(T(m, Y2), dim=0))
    check(lambda m: getattr(m, fname)(T(m, Y2), dim=-1))
    check(lambda m: getattr(m, fname)(T(m, Y1), dx=0.3))
    check(lambda m: getattr(m, fname)(T(m, Y1), dx=2))
    check(lambda m: getattr(m, fname)(T(m, Y1), T(m, X1)))
    check(lambda m: getattr(m, fname)(T(m, Y1), x=T(m, X1, "float64")))
    check(lambda m: getattr(m, fname)(T(m, Y2), T(m, [[0., 1., 3.], [1., 2., 5.]])))
    check(lambda m: getattr(m, fname)(T(m, Y2), T(m, [0., 1.5]), dim=0))


@pytest.mark.parametrize("fname", ["trapezoid", "cumulative_trapezoid"])
def test_trapezoid_errors_and_gradients(fname):
    for bad in (lambda m: getattr(m, fname)(m.tensor([1., 2.]), m.tensor([0., 1., 3.])),
                lambda m: getattr(m, fname)(m.tensor([1., 2.]), dim=3),
                lambda m: getattr(m, fname)(m.tensor([1., 2.]), 0.5),
                lambda m: getattr(m, fname)(m.tensor([1., 2.]), m.tensor([1., 2.]), dx=2.)):
        check(bad)
    res = []
    for m in (torch, pl):
        y = m.tensor(Y2, dtype=m.float64, requires_grad=True)
        r1 = getattr(m, fname)(y)
        r2 = getattr(m, fname)(y, dx=0.5, dim=0)
        r3 = getattr(m, fname)(y, m.tensor([0., 1., 3.], dtype=m.float64))
        (r1.sum() + r2.sum() * 2 + r3.sum() * 3).backward()
        res.append(([grad_fn_name(r) for r in (r1, r2, r3)], y.grad.tolist()))
    assert res[1][0] == res[0][0]
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-14)


def test_trapezoid_empty():
    check(lambda m: m.trapezoid(m.tensor([])))
    check(lambda m: m.trapezoid(m.zeros(2, 0)))


# ---- polygamma / mvlgamma ----
PG = [0.5, 2.0, -1.5, 0.3, 7.0, 30.0, 0.0, -2.0, 1e-3, INF, NAN]


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_polygamma_values(n, dtype):
    # float64 (and float32 for n <= 1: digamma, trigamma) as PyTorch's bits; float32 beyond
    # rounds its factorial product differently by an ulp
    exact = dtype == "float64" or n <= 2
    check(lambda m: m.polygamma(n, m.tensor(PG, dtype=getattr(m, dtype))), exact=exact,
          rtol=2e-7 if dtype == "float32" else 1e-15)
    check(lambda m: m.special.polygamma(n, m.tensor(PG, dtype=getattr(m, dtype))), exact=exact,
          rtol=2e-7 if dtype == "float32" else 1e-15)
    check(lambda m: m.tensor(PG, dtype=getattr(m, dtype)).polygamma(n), exact=exact, rtol=2e-7)

    def inplace(m):
        x = m.tensor(PG, dtype=getattr(m, dtype))
        assert x.polygamma_(n) is x
        return x
    check(inplace, exact=exact, rtol=2e-7)


def test_polygamma_integers_errors_and_gradients():
    check(lambda m: m.polygamma(2, m.tensor([1, 2])))
    check(lambda m: m.polygamma(-1, m.tensor([1.])))
    check(lambda m: m.polygamma(1.5, m.tensor([1.])))
    check(lambda m: m.polygamma(1, [1.0]))
    check(lambda m: m.tensor([1, 2]).polygamma_(2))
    res = []
    for m in (torch, pl):
        x = m.tensor([0.7, 1.5, 3.0], dtype=m.float64, requires_grad=True)
        ys = [m.polygamma(0, x), m.polygamma(2, x), x.clone().polygamma_(1)]
        g, = m.autograd.grad(sum(y.sum() for y in ys), x, create_graph=True)
        gg, = m.autograd.grad(g.sum(), x)
        res.append(([grad_fn_name(y) for y in ys], g.tolist(), gg.tolist()))
    assert res[1][0] == res[0][0]
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-13)
    np.testing.assert_allclose(res[1][2], res[0][2], rtol=1e-13)


@pytest.mark.parametrize("p", [1, 2, 3, 5])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mvlgamma(p, dtype):
    vals = [3.0, 4.5, 10.0, 2.5, 7.25]
    tol = 1e-6 if dtype == "float32" else 1e-14  # lgamma: libm beside PyTorch's own
    check(lambda m: m.mvlgamma(m.tensor(vals, dtype=getattr(m, dtype)), p), exact=False, rtol=tol)
    check(lambda m: m.special.multigammaln(m.tensor(vals, dtype=getattr(m, dtype)), p),
          exact=False, rtol=tol)

    def inplace(m):
        x = m.tensor(vals, dtype=getattr(m, dtype))
        assert x.mvlgamma_(p) is x
        return x
    check(inplace, exact=False, rtol=tol)


def test_mvlgamma_errors_and_gradient():
    check(lambda m: m.mvlgamma(m.tensor([3, 4]), 2), exact=False)
    check(lambda m: m.mvlgamma(m.tensor([1.]), 0))
    check(lambda m: m.mvlgamma(m.tensor([1.]), 1.5))
    check(lambda m: m.tensor([3, 4]).mvlgamma_(2))
    res = []
    for m in (torch, pl):
        x = m.tensor([3.0, 4.5], dtype=m.float64, requires_grad=True)
        y1, y2 = x.mvlgamma(3), x.clone().mvlgamma_(2)
        (y1.sum() + y2.sum()).backward()
        res.append(([grad_fn_name(y1), grad_fn_name(y2)], x.grad.tolist()))
    assert res[1][0] == res[0][0]
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-13)


# ---- torch.special ----
U = [0.5, -1.0, 0.0, -0.0, 3.0, -2.5, 0.01, 12.0, -30.0, INF, -INF, NAN]
P01 = [0.5, 0.1, 0.0, 1.0, 0.9, 1e-20, 0.99999, 0.135, 0.865, -0.1, 1.5, NAN]
SPECIAL = {  # name: (inputs, bit for bit in float32, in float64)
    "erf": (U, False, False), "erfc": (U, False, False), "erfinv": ([0.5, -1.0, 0.0, 0.3, -0.99, 0.7, 0.71, 1.5, NAN], True, False),
    "expit": (U, False, False), "exp2": (U, False, False), "expm1": (U, False, False),
    "log1p": ([0.5, -1.0, 0.0, 3.0, -0.5, 1e-10, 1e30, INF, -2.0, NAN], False, False),
    "gammaln": ([0.5, 3.0, 10.0, -2.5, 1e-3, 100.0, 0.0, -1.0, INF], False, False),
    "digamma": (U, True, True), "psi": (U, True, True), "i0": (U, True, True),
    "i0e": (U, True, True), "i1": (U, True, True), "i1e": (U, True, True),
    "ndtr": (U, False, False), "ndtri": (P01, False, True), "log_ndtr": (U, False, False),
    "erfcx": (U + [26.5, 1e10, -26.0], False, False), "entr": (U, True, True),
    "sinc": (U, False, False), "round": ([0.5, 1.5, 2.5, -0.5, 2.567, -3.3, INF, NAN], True, True),
}


@pytest.mark.parametrize("name", sorted(SPECIAL))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_special_unary(name, dtype):
    vals, exact32, exact64 = SPECIAL[name]
    exact = exact32 if dtype == "float32" else exact64
    tol = 3e-6 if dtype == "float32" else 1e-13
    check(lambda m: getattr(m.special, name)(m.tensor(vals, dtype=getattr(m, dtype))),
          exact=exact, rtol=tol)


@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_special_unary_integer_input_and_gradient(name):
    vals = [1, 2, 0, -1] if name not in ("ndtri",) else [0, 1]
    check(lambda m: getattr(m.special, name)(m.tensor(vals)), exact=False, rtol=3e-6)
    check(lambda m: getattr(m.special, name)([1.0]))
    if name == "round":
        return
    domain = {"ndtri": [0.2, 0.6, 0.9], "erfinv": [-0.5, 0.2, 0.8], "entr": [0.2, 1.5, 3.0],
              "gammaln": [0.5, 2.5, 4.0]}.get(name, [-1.5, 0.3, 2.0])
    res = []
    for m in (torch, pl):
        x = m.tensor(domain, dtype=m.float64, requires_grad=True)
        y = getattr(m.special, name)(x)
        y.backward(m.tensor([1.0, -2.0, 0.5], dtype=m.float64))
        res.append((grad_fn_name(y), x.grad.tolist()))
    assert res[1][0] == res[0][0]
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-12)


def test_special_others():
    x = [[0.5, 1.5, 2.5], [-1.0, 0.0, 3.0]]
    check(lambda m: m.special.logit(m.tensor([0.2, 0.7, 0.0, 1.0])))
    check(lambda m: m.special.logit(m.tensor([0.2, 0.7, 0.0, 1.0]), eps=0.3))
    check(lambda m: m.special.softmax(m.tensor(x), 1), exact=False)
    check(lambda m: m.special.softmax(m.tensor(x), 0, dtype=m.float64), exact=False)
    check(lambda m: m.special.log_softmax(m.tensor(x), 1), exact=False)
    check(lambda m: m.special.logsumexp(m.tensor(x), 1), exact=False)
    check(lambda m: m.special.logsumexp(m.tensor(x), (0, 1), keepdim=True), exact=False)
    check(lambda m: m.special.round(m.tensor([0.5, 1.5, 2.567, -1.25]), decimals=1))
    check(lambda m: m.special.xlogy(m.tensor([0., 1.5, 2.]), m.tensor([2., 3., 0.])))
    check(lambda m: m.special.xlog1py(m.tensor([0., 1.5, 2.]), m.tensor([2., 3., -1.])))
    check(lambda m: m.special.xlog1py(m.tensor([1, 2]), m.tensor([3, 4])))
    check(lambda m: m.special.xlog1py(2., m.tensor([3., 4.])))
    check(lambda m: m.special.xlog1py(m.tensor([3., 4.]), 2))
    res = []
    for m in (torch, pl):
        a = m.tensor([0.5, 1.5], dtype=m.float64, requires_grad=True)
        b = m.tensor([2.0, 3.0], dtype=m.float64, requires_grad=True)
        ys = [m.special.xlog1py(a, b), m.special.xlog1py(a, 2.), m.special.xlog1py(2., b),
              m.special.round(a), m.special.ndtr(a), m.special.softmax(a, 0)]
        sum(y.sum() * (k + 1) for k, y in enumerate(ys)).backward()
        res.append(([grad_fn_name(y) for y in ys], a.grad.tolist(), b.grad.tolist()))
    assert res[1][0] == res[0][0]
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-13)
    np.testing.assert_allclose(res[1][2], res[0][2], rtol=1e-13)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_special_zeta(dtype):
    xs = [2., 1., 0.5, 2., 2., 2., 3., 4.5, 2., INF, 2.]
    qs = [1., 1., 1., 0., -1., -1.5, 2., 0.3, 1e5, 2., NAN]
    check(lambda m: m.special.zeta(m.tensor(xs, dtype=getattr(m, dtype)),
                                   m.tensor(qs, dtype=getattr(m, dtype))))
    check(lambda m: m.special.zeta(m.tensor([2, 3]), m.tensor([1, 2])))
    check(lambda m: m.special.zeta(3.0, m.tensor(qs, dtype=getattr(m, dtype))))
    check(lambda m: m.special.zeta(m.tensor(xs, dtype=getattr(m, dtype)), 2.0))
    check(lambda m: m.special.zeta(m.tensor([[2.], [3.]]), m.tensor([1.5, 2.])))


def test_special_zeta_gradients():
    res = []
    for m in (torch, pl):
        q = m.tensor([1.5, 2.0], dtype=m.float64, requires_grad=True)
        x = m.tensor([2.0, 3.5], dtype=m.float64)
        ys = [m.special.zeta(x, q), m.special.zeta(2.0, q)]
        sum(y.sum() for y in ys).backward()
        res.append(([grad_fn_name(y) for y in ys], q.grad.tolist()))
    assert res[1][0] == res[0][0]
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-13)

    def x_grad(m):
        x = m.tensor([2.0, 3.0], requires_grad=True)
        r = m.special.zeta(x, 2.0)
        name = grad_fn_name(r)
        r.sum().backward()
        return name
    check(x_grad)


# ---- renorm / addr / put ----
M23 = [[0., 1., 2.], [3., 4., 5.]]
M234 = [[[((i * 7 + j * 3 + k) % 11) / 3.0 - 1.5 for k in range(4)] for j in range(3)]
        for i in range(2)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_renorm(dtype):
    def T(m, v):
        return m.tensor(v, dtype=getattr(m, dtype))
    for p, dim, maxnorm in ((2, 0, 5.), (1, 1, 2.), (float("inf"), 1, 2.), (3, -1, 0.5),
                            (2, 1, 1.), (1.5, 2, 1.), (2, 0, 0.)):
        src = M23 if dim != 2 else M234
        exact = p in (1, 2, float("inf"))  # other orders: the norm's pow rounds differently
        check(lambda m: T(m, src).renorm(p, dim, maxnorm), exact=exact)
        # (a norm over two dims: its float64 sum order can differ from PyTorch's by an ulp)
        check(lambda m: m.renorm(T(m, M234), p, dim if dim != 2 else 1, maxnorm),
              exact=exact and dtype == "float32", rtol=1e-6 if dtype == "float32" else 1e-15)

        def inplace(m):
            x = T(m, src)
            assert x.renorm_(p, dim, maxnorm) is x
            return x
        check(inplace, exact=exact and (dim != 2 or dtype == "float32"),
              rtol=1e-6 if dtype == "float32" else 1e-15)


def test_renorm_errors_and_gradient():
    for bad in (lambda m: m.tensor(M23).renorm(0, 1, 2.), lambda m: m.tensor(M23).renorm(-1, 1, 2.),
                lambda m: m.tensor(M23).renorm(2, 1, -2.), lambda m: m.tensor(M23).renorm(2, 2, 2.),
                lambda m: m.arange(6.).renorm(2, 0, 2.), lambda m: m.tensor(3.).renorm(2, 0, 2.)):
        check(bad)
    res = []
    for m in (torch, pl):
        x = m.tensor(M234, dtype=m.float64, requires_grad=True)
        y1, y2 = x.renorm(2, 1, 1.), x.clone().renorm_(1, 0, 3.)
        (y1 * m.tensor(M234[0][0], dtype=m.float64)).sum().backward()
        y2.sum().backward()
        res.append(([grad_fn_name(y1), grad_fn_name(y2)], x.grad.tolist()))
    assert res[1][0] == res[0][0]
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-13)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_addr(dtype):
    def T(m, v):
        return m.tensor(v, dtype=getattr(m, dtype))
    v, w = [1., 2.], [1., -2., 3.]
    for kw in ({}, {"beta": 2, "alpha": 3}, {"beta": 0}, {"alpha": 0}, {"beta": -1}):
        check(lambda m: m.addr(T(m, M23), T(m, v), T(m, w), **kw))
        check(lambda m: T(m, M23).addr(T(m, v), T(m, w), **kw))
        check(lambda m: m.addr(T(m, [1.]), T(m, v), T(m, w), **kw))

        def inplace(m):
            x = T(m, M23)
            assert x.addr_(T(m, v), T(m, w), **kw) is x
            return x
        check(inplace)
    if dtype != "int64":
        check(lambda m: m.addr(T(m, M23), T(m, v), T(m, w), beta=0.5, alpha=2.5))
        check(lambda m: m.addr(m.tensor([[NAN] * 3] * 2, dtype=getattr(m, dtype)), T(m, v),
                               T(m, w), beta=0))


def test_addr_errors_promotion_and_gradient():
    v, w = [1., 2.], [1., -2., 3.]
    check(lambda m: m.addr(m.tensor(M23), m.tensor([1, 2]), m.tensor(w)))
    for bad in (lambda m: m.addr(m.tensor(M23), m.tensor(M23), m.tensor(w)),
                lambda m: m.addr(m.tensor(M23), m.tensor(w), m.tensor(w)),
                lambda m: m.addr(m.arange(6).reshape(2, 3), m.tensor([1, 2]), m.tensor([1, 2, 3]),
                                 alpha=2.5)):
        check(bad)
    res = []
    for m in (torch, pl):
        a = m.tensor(M23, dtype=m.float64, requires_grad=True)
        b = m.tensor(v, dtype=m.float64, requires_grad=True)
        c = m.tensor(w, dtype=m.float64, requires_grad=True)
        y1, y2 = m.addr(a, b, c, beta=0.5, alpha=2), a.clone().addr_(b, c)
        (y1.sum() + (y2 * 3).sum()).backward()
        res.append(([grad_fn_name(y1), grad_fn_name(y2)], a.grad.tolist(), b.grad.tolist(),
                    c.grad.tolist()))
    assert res[1] == res[0]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_put(dtype):
    def T(m, v):
        return m.tensor(v, dtype=getattr(m, dtype))
    for idx, src, acc in (([1, -1], [9., 8.], False), ([1, 1], [9., 8.], True),
                          ([[1], [2]], [[9.], [8.]], False), ([0, 5, -6], [1., 2., 3.], True),
                          ([], [], False)):
        def inplace(m):
            x = T(m, M23)
            assert x.put_(m.tensor(idx, dtype=m.int64), T(m, src), accumulate=acc) is x
            return x
        check(inplace)
        check(lambda m: m.put(T(m, M23), m.tensor(idx, dtype=m.int64), T(m, src), acc))
        check(lambda m: T(m, M23).put(m.tensor(idx, dtype=m.int64), T(m, src), accumulate=acc))


def test_put_errors_and_gradient():
    for bad in (lambda m: m.tensor(M23).put_(m.tensor([1, 7]), m.tensor([9., 8.])),
                lambda m: m.tensor(M23).put_(m.tensor([1, -7]), m.tensor([9., 8.])),
                lambda m: m.tensor(M23).put_(m.tensor([1, 2], dtype=m.int32), m.tensor([9., 8.])),
                lambda m: m.tensor(M23).put_(m.tensor([1, 2]), m.tensor([9.])),
                lambda m: m.tensor(M23).put_(m.tensor([1, 2]), m.tensor([9, 8]))):
        check(bad)
    res = []
    for m in (torch, pl):
        x = m.tensor(M23, dtype=m.float64, requires_grad=True)
        s = m.tensor([2.0, -1.0], dtype=m.float64, requires_grad=True)
        idx = m.tensor([1, 4])
        y1, y2 = x.clone().put_(idx, s), x.put(idx, s, accumulate=True)
        (y1 * m.tensor(M23, dtype=m.float64)).sum().backward()
        (y2 * 2).sum().backward()
        res.append(([grad_fn_name(y1), grad_fn_name(y2)], x.grad.tolist(), s.grad.tolist()))
    assert res[1] == res[0]


@pytest.mark.parametrize("name", ["i0", "i0e", "i1", "i1e", "ndtri", "erfinv"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_special_functions_bit_for_bit_on_a_sweep(name, dtype):
    """The Cephes expansions with PyTorch's fused multiply-adds give its bits (ndtri in
    float64 only; erfinv in float32 only)."""
    exact = {"ndtri": dtype == "float64", "erfinv": dtype == "float32"}.get(name, True)
    rng = np.random.default_rng(3)
    if name == "ndtri":
        vals = rng.uniform(0, 1, 500)
    elif name == "erfinv":
        vals = rng.uniform(-1, 1, 500)
    else:
        vals = np.concatenate([rng.normal(0, 10, 250), rng.uniform(-8.5, 8.5, 250)])
    fn = name if name == "erfinv" else name
    check(lambda m: getattr(m.special, fn)(m.tensor(vals.tolist(), dtype=getattr(m, dtype))),
          exact=exact, rtol=4e-6 if dtype == "float32" else 1e-10)


def test_out_arguments():
    def run(m, fn, out):
        r = fn(m, out)
        assert r is out
        return out
    cases = [
        (lambda m, o: m.gcd(m.tensor([4, 6]), m.tensor([6, 9]), out=o), "int64"),
        (lambda m, o: m.lcm(m.tensor([4, 6]), m.tensor([6, 9]), out=o), "float32"),
        (lambda m, o: m.erfinv(m.tensor([0.4, -0.6]), out=o), "float32"),
        (lambda m, o: m.i0(m.tensor([0.4, -0.6]), out=o), "float64"),
        (lambda m, o: m.ldexp(m.tensor([0.4, -0.6]), m.tensor([1, 2]), out=o), "float32"),
        (lambda m, o: m.polygamma(1, m.tensor([0.4, 0.6]), out=o), "float32"),
        (lambda m, o: m.nextafter(m.tensor([0.4, 0.6]), m.tensor([1., 0.]), out=o), "float32"),
        (lambda m, o: m.mvlgamma(m.tensor([3.4, 2.6]), 2, out=o), "float32"),
        (lambda m, o: m.renorm(m.tensor(M23), 2, 0, 5., out=o), "float32"),
        (lambda m, o: m.addr(m.zeros(2, 3), m.tensor([0.4, 0.6]), m.tensor([1., 2., 3.]), out=o),
         "float32"),
    ]
    for fn, dt in cases:
        shape = (2, 3) if "M23" in fn.__code__.co_names or "addr" in fn.__code__.co_names else (2,)
        check(lambda m: run(m, fn, m.empty(shape, dtype=getattr(m, dt))), exact=False)
    check(lambda m: m.gcd(m.tensor([4, 6]), m.tensor([6, 9]), out=m.empty(2, dtype=m.int8)))


@pytest.mark.parametrize("name", ["bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1",
                                  "modified_bessel_i0"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bessel_j_bit_for_bit_and_without_gradient(name, dtype):
    rng = np.random.default_rng(5)
    vals = np.concatenate([rng.uniform(-5, 5, 200), rng.normal(0, 30, 200),
                           [0.0, -0.0, 1e-6, -1e-6, 5.0, -5.0, 1e10, INF, -INF, NAN]])
    check(lambda m: getattr(m.special, name)(m.tensor(vals.tolist(), dtype=getattr(m, dtype))))
    check(lambda m: getattr(m.special, name)(m.tensor([1, 2, 0])))
    check(lambda m: getattr(m.special, name)(m.tensor([True, False])))
    check(lambda m: getattr(m.special, name)(m.tensor([1.0], dtype=m.float16)))
    check(lambda m: getattr(m.special, name)(m.tensor([1.0], dtype=m.bfloat16)))
    for m in (torch, pl):
        y = getattr(m.special, name)(m.tensor([1.0, 2.0], requires_grad=True))
        assert y.grad_fn is None and not y.requires_grad


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_dtypes_compute_in_float32(dtype):
    vals = [0.3, 0.5, -1.5, 2.5, 7.0]
    for fn in (lambda m, x: m.digamma(x), lambda m, x: m.lgamma(x), lambda m, x: m.polygamma(2, x),
               lambda m, x: m.polygamma(1, x), lambda m, x: x.clone().digamma_(),
               lambda m, x: m.special.i0e(x), lambda m, x: m.special.i1(x), lambda m, x: m.i0(x),
               lambda m, x: m.special.bessel_j0(x), lambda m, x: m.special.entr(x)):
        check(lambda m: fn(m, m.tensor(vals, dtype=getattr(m, dtype))), exact=False, rtol=2e-2)
    res = []
    for m in (torch, pl):
        x = m.tensor([0.3, 0.5], dtype=getattr(m, dtype), requires_grad=True)
        y = m.polygamma(1, x)
        y.sum().backward()
        res.append((grad_fn_name(y), str(x.grad.dtype), x.grad.float().tolist()))
    assert res[1] == res[0]


def test_frexp_of_strided_and_empty_input():
    check(lambda m: tuple(m.frexp(m.tensor([[1., 2.5], [-3., 1e-40]]).t())))
    check(lambda m: tuple(m.frexp(m.tensor([[1., 2.5], [-3., 1e-300]], dtype=m.float64)[:, 1])))
    check(lambda m: tuple(m.frexp(m.zeros(0, 3))))
