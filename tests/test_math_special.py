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
