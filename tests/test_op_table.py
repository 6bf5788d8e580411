"""The unary op table (csrc/core/op_table.h): every row, as the table declares it.

For each row of _C._unary_ops: the method, in-place method and torch.* function exist as its
PY column says; the forward matches NumPy on contiguous and strided input; the backward matches
float64 central differences and records the row's grad_fn; double backward works
(gradgradcheck); integer and bool input take the dtype PyTorch gives; and, when torch is
importable, values, gradients, result dtypes and errors match it.
"""
import numpy as np
import pytest

import pytorchlite as torch
from pytorchlite import _C

ROWS = {name: (grad_fn, py) for name, grad_fn, py in _C._unary_ops}


def _np_sinc(x):
    return np.sinc(x)


def _erfc(x):
    from math import erfc
    return np.vectorize(erfc)(x)


def _erfinv(y):
    """erf's inverse by Newton steps from a first guess (float64)."""
    from math import erf, exp, pi, sqrt
    def one(v):
        x = 0.0
        for _ in range(60):
            x -= (erf(x) - v) / (2 / sqrt(pi) * exp(-x * x))
        return x
    return np.vectorize(one)(y)


def _ndtr(x):
    return 0.5 * _erfc(-np.asarray(x) / np.sqrt(2))


def _ndtri(p):
    from math import erfc, exp, pi, sqrt
    def one(v):
        x = 0.0
        for _ in range(60):
            x -= (0.5 * erfc(-x / sqrt(2)) - v) / (exp(-x * x / 2) / sqrt(2 * pi))
        return x
    return np.vectorize(one)(p)


def _i1(x):
    """The power series of I1 (converges fast on the sample domains)."""
    from math import factorial
    x = np.asarray(x, dtype=np.float64)
    return sum((x / 2) ** (2 * k + 1) / (factorial(k) * factorial(k + 1)) for k in range(40))


def _bessel_j(n, x):
    """J_n by its power series (converges fast on the sample domain)."""
    from math import factorial
    x = np.asarray(x, dtype=np.float64)
    return sum((-1) ** k * (x / 2) ** (2 * k + n) / (factorial(k) * factorial(k + n))
               for k in range(40))


def _bessel_y(n, x):
    """Y_n by its series about 0 (log term, harmonic numbers; fine on the sample domain)."""
    from math import factorial, pi
    x = np.asarray(x, dtype=np.float64)
    gamma = 0.57721566490153286061
    h = [0.0]
    for k in range(1, 42):
        h.append(h[-1] + 1.0 / k)
    if n == 0:
        s = sum((-1) ** (k + 1) * h[k] * (x * x / 4) ** k / factorial(k) ** 2 for k in range(1, 40))
        return 2 / pi * ((np.log(x / 2) + gamma) * _bessel_j(0, x) + s)
    psi = [h[k] - gamma for k in range(41)]  # psi(k + 1)
    s = sum((-1) ** k * (psi[k] + psi[k + 1]) * (x / 2) ** (2 * k + 1) /
            (factorial(k) * factorial(k + 1)) for k in range(39))
    return -2 / (pi * x) + 2 / pi * np.log(x / 2) * _bessel_j(1, x) - s / pi


def _bessel_k(n, x):
    """K_0, K_1 by their series about 0 (log term, harmonic numbers; fine on the sample
    domain)."""
    from math import factorial
    x = np.asarray(x, dtype=np.float64)
    gamma = 0.57721566490153286061
    h = [0.0]
    for k in range(1, 42):
        h.append(h[-1] + 1.0 / k)
    q = x * x / 4
    if n == 0:
        s = sum(h[k] * q ** k / factorial(k) ** 2 for k in range(1, 40))
        return -(np.log(x / 2) + gamma) * np.i0(x) + s
    psi = [h[k] - gamma for k in range(41)]  # psi(k + 1)
    s = sum((psi[k] + psi[k + 1]) * q ** k / (factorial(k) * factorial(k + 1)) for k in range(39))
    return 1 / x + np.log(x / 2) * _i1(x) - x / 4 * s


def _airy_ai(x):
    """Ai(0) f(x) + Ai'(0) g(x), f and g the Maclaurin series in x^3 (fine on [-2, 2])."""
    x = np.asarray(x, dtype=np.float64)
    f, g, tf, tg = 1.0, x, 1.0, x
    for k in range(40):
        tf = tf * x ** 3 / ((3 * k + 2) * (3 * k + 3))
        tg = tg * x ** 3 / ((3 * k + 3) * (3 * k + 4))
        f, g = f + tf, g + tg
    return 0.355028053887817239260 * f - 0.258819403792806798405 * g


# name -> (NumPy reference, domain (low, high) kept away from poles and kinks)
REFERENCE = {
    "neg": (np.negative, (-2, 2)), "exp": (np.exp, (-2, 2)), "log": (np.log, (0.5, 2)),
    "sqrt": (np.sqrt, (0.5, 2)), "abs": (np.abs, (0.2, 2)), "relu": (lambda x: np.maximum(x, 0), (0.2, 2)),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), (-2, 2)), "tanh": (np.tanh, (-2, 2)),
    "sin": (np.sin, (-2, 2)), "cos": (np.cos, (-2, 2)), "rsqrt": (lambda x: 1 / np.sqrt(x), (0.5, 2)),
    "reciprocal": (lambda x: 1 / x, (0.5, 2)), "sign": (np.sign, (0.2, 2)),
    "log1p": (np.log1p, (0.5, 2)), "expm1": (np.expm1, (-2, 2)),
    "floor": (np.floor, (0.1, 0.9)), "ceil": (np.ceil, (0.1, 0.9)), "trunc": (np.trunc, (0.1, 0.9)),
    "round": (np.round, (0.1, 0.4)),
    "tan": (np.tan, (-1, 1)), "asin": (np.arcsin, (-0.9, 0.9)), "acos": (np.arccos, (-0.9, 0.9)),
    "atan": (np.arctan, (-2, 2)), "sinh": (np.sinh, (-2, 2)), "cosh": (np.cosh, (-2, 2)),
    "asinh": (np.arcsinh, (-2, 2)), "acosh": (np.arccosh, (1.2, 3)), "atanh": (np.arctanh, (-0.9, 0.9)),
    "exp2": (np.exp2, (-2, 2)), "log2": (np.log2, (0.5, 2)), "log10": (np.log10, (0.5, 2)),
    "erfc": (_erfc, (-2, 2)), "sinc": (_np_sinc, (0.2, 2)),
    "silu": (lambda x: x / (1 + np.exp(-x)), (-2, 2)),
    "erfinv": (_erfinv, (-0.9, 0.9)), "i0": (np.i0, (-3, 3)),
    "special_i0e": (lambda x: np.i0(x) * np.exp(-np.abs(x)), (0.2, 3)),
    "special_i1": (_i1, (-3, 3)), "special_i1e": (lambda x: _i1(x) * np.exp(-np.abs(x)), (0.2, 3)),
    "special_ndtri": (_ndtri, (0.05, 0.95)), "special_log_ndtr": (lambda x: np.log(_ndtr(x)), (-3, 3)),
    "special_erfcx": (lambda x: np.exp(np.asarray(x) ** 2) * _erfc(x), (-2, 2)),
    "special_entr": (lambda x: -x * np.log(x), (0.2, 2)),
    "special_bessel_j0": (lambda x: _bessel_j(0, x), (-2, 2)),
    "special_bessel_j1": (lambda x: _bessel_j(1, x), (-2, 2)),
    "special_bessel_y0": (lambda x: _bessel_y(0, x), (0.3, 0.8)),
    "special_bessel_y1": (lambda x: _bessel_y(1, x), (0.5, 1.5)),
    "special_airy_ai": (_airy_ai, (-2, 2)),
    "special_modified_bessel_i1": (_i1, (-3, 3)),
    "special_modified_bessel_k0": (lambda x: _bessel_k(0, x), (0.3, 1.8)),
    "special_modified_bessel_k1": (lambda x: _bessel_k(1, x), (0.3, 1.8)),
    "special_scaled_modified_bessel_k0": (lambda x: _bessel_k(0, x) * np.exp(x), (0.3, 1.8)),
    "special_scaled_modified_bessel_k1": (lambda x: _bessel_k(1, x) * np.exp(x), (0.3, 1.8)),
    "special_spherical_bessel_j0": (lambda x: np.sin(x) / x, (0.2, 3)),
}
NO_TORCH_GRAD = {"special_bessel_j0", "special_bessel_j1", "special_bessel_y0",
                 "special_bessel_y1", "special_airy_ai", "special_modified_bessel_i1",
                 "special_modified_bessel_k0", "special_modified_bessel_k1",
                 "special_scaled_modified_bessel_k0", "special_scaled_modified_bessel_k1",
                 "special_spherical_bessel_j0"}  # PyTorch records no node
NO_BACKWARD = {"special_airy_ai"}  # a recorded node refuses its backward (no Ai' kernel)
PIECEWISE_CONSTANT = {"sign", "floor", "ceil", "trunc", "round"}
ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
           "arccosh": "acosh", "arctanh": "atanh", "negative": "neg"}


def _torch_fn(tr, name):
    """torch's function of a row (silu is torch.nn.functional's, special_x torch.special.x)."""
    if name.startswith("special_"):
        return getattr(tr.special, name[len("special_"):])
    return getattr(tr, name, None) or getattr(tr.nn.functional, name)


def method(name):
    return "_" + name if ROWS[name][1] == "PRIV" else name


def sample(name, shape, dtype=torch.float64, seed=0):
    lo, hi = REFERENCE[name][1]
    x = np.random.default_rng(seed).uniform(lo, hi, size=shape)
    if name in ("sinc", "sign", "abs", "relu", "special_i0e", "special_i1e"):  # both signs, not 0
        x *= np.where(np.arange(x.size).reshape(shape) % 2, 1, -1)
    return torch.tensor(x, dtype=dtype)


def test_every_row_has_a_reference_here():
    assert set(ROWS) == set(REFERENCE)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_names_come_from_the_row(name):
    grad_fn, py = ROWS[name]
    m = method(name)
    assert callable(getattr(torch.Tensor, m)) and callable(getattr(torch.Tensor, m + "_"))
    if py == "PRIV":
        assert not hasattr(torch, "_" + name)
    else:
        # the function is the method (or, once a Tensor subclass defines __torch_function__,
        # a dispatcher around it)
        x = sample(name, (3,))
        assert torch.equal(getattr(torch, name)(x), getattr(x, name)())
        assert hasattr(torch, name + "_") == (py == "PUB")


@pytest.mark.parametrize("name", sorted(ROWS))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_forward_matches_numpy_contiguous_and_strided(name, dtype):
    x = sample(name, (4, 6), dtype)
    ref = REFERENCE[name][0](x.numpy().astype(np.float64))
    y = getattr(x, method(name))()
    tol = 1e-6 if dtype == torch.float32 else 1e-12
    np.testing.assert_allclose(y.numpy(), ref, rtol=tol, atol=tol)
    assert y.dtype == dtype
    # a transposed (non-contiguous) input runs the strided loop
    yt = getattr(x.t(), method(name))()
    np.testing.assert_array_equal(yt.numpy(), y.numpy().T)
    # in place writes the same values
    z = x.clone()
    assert getattr(z, method(name) + "_")() is z
    np.testing.assert_array_equal(z.numpy(), y.numpy())


@pytest.mark.parametrize("name", sorted(ROWS))
def test_backward_matches_central_differences(name):
    x = sample(name, (5,)).requires_grad_()
    y = getattr(x, method(name))()
    assert type(y.grad_fn).__name__ == ROWS[name][0]
    if name in NO_BACKWARD:
        with pytest.raises(RuntimeError, match=f"the derivative for '{name}' is not implemented"):
            y.sum().backward()
        return
    y.sum().backward()
    if name in PIECEWISE_CONSTANT:
        np.testing.assert_array_equal(x.grad.numpy(), np.zeros(5))
        return
    f, eps, x0 = REFERENCE[name][0], 1e-6, x.detach().numpy()
    numeric = (f(x0 + eps) - f(x0 - eps)) / (2 * eps)
    np.testing.assert_allclose(x.grad.numpy(), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(set(ROWS) - PIECEWISE_CONSTANT - NO_BACKWARD -
                                         {"relu", "abs"}))
def test_double_backward(name):
    x = sample(name, (4,)).requires_grad_()
    assert torch.autograd.gradgradcheck(lambda a: getattr(a, method(name))(), (x,))


def test_sinc_gradient_at_zero_is_zero():
    x = torch.tensor([0.0, 0.5], dtype=torch.float64, requires_grad=True)
    torch.sinc(x).sum().backward()
    assert x.grad[0].item() == 0.0
    assert torch.sinc(torch.tensor([0.0])).item() == 1.0


def test_aliases_are_the_rows():
    x = sample("asin", (3,))
    for alias, name in ALIASES.items():
        if name == "acosh":
            x = sample("acosh", (3,))
        elif name != "asin":
            x = sample(name, (3,))
        assert torch.equal(getattr(torch, alias)(x), getattr(torch, name)(x))
        assert torch.equal(getattr(x, alias)(), getattr(x, name)())


def test_integer_input_follows_the_dt_column():
    i = torch.tensor([-2, 0, 3])
    assert torch.neg(i).dtype == torch.int64 and torch.neg(i).tolist() == [2, 0, -3]
    assert torch.abs(i).tolist() == [2, 0, 3] and torch.relu(i).tolist() == [0, 0, 3]
    assert torch.sign(i).tolist() == [-1, 0, 1]
    for name in ("exp", "tan", "asinh", "log2", "erfc", "sinc"):
        assert getattr(torch, name)(i).dtype == torch.float32
    b = torch.tensor([True, False])
    assert torch.sign(b).dtype == torch.bool and torch.sign(b).tolist() == [True, False]
    with pytest.raises(NotImplementedError, match="\"abs_cpu\" not implemented for 'Bool'"):
        torch.abs(b)
    with pytest.raises(RuntimeError, match="Boolean inputs not supported for relu"):
        torch.relu(b)
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor"):
        torch.neg(b)
    with pytest.raises(RuntimeError, match="result type Float can't be cast"):
        i.clone().tan_()


# ---- against torch ----

@pytest.fixture(scope="module")
def torch_ref():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("name", sorted(ROWS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_and_gradients_match_torch(torch_ref, name, dtype):
    tr = torch_ref
    x = sample(name, (3, 7), getattr(torch, dtype))
    xr = tr.tensor(x.numpy(), requires_grad=True)
    x.requires_grad_()
    y, yr = getattr(x, method(name))(), _torch_fn(tr, name)(xr)
    # float32: libm against SLEEF, a few ulps apart
    tol = dict(rtol=4e-7, atol=1e-7) if dtype == "float32" else dict(rtol=1e-14, atol=1e-15)
    if dtype == "float32" and name.startswith("special_"):
        tol = dict(rtol=3e-6, atol=1e-7)  # float32 special functions: a few more ulps
    np.testing.assert_allclose(y.detach().numpy(), yr.detach().numpy(), **tol)
    if name in NO_TORCH_GRAD:
        assert yr.grad_fn is None
        return
    assert type(y.grad_fn).__name__ == type(yr.grad_fn).__name__
    g = sample("exp", (3, 7), getattr(torch, dtype), seed=1)
    y.backward(g)
    yr.backward(tr.tensor(g.numpy()))
    np.testing.assert_allclose(x.grad.numpy(), xr.grad.numpy(), **tol)


@pytest.mark.parametrize("name", sorted(n for n in ROWS if ROWS[n][1] != "PRIV"))
@pytest.mark.parametrize("values", [[-3, 0, 5], [True, False]])
def test_integer_and_bool_input_as_torch(torch_ref, name, values):
    tr = torch_ref
    x, xr = torch.tensor(values), tr.tensor(values)
    try:
        expected = getattr(tr, name)(xr)
    except (RuntimeError, NotImplementedError) as exc:
        with pytest.raises(type(exc)) as info:
            getattr(torch, name)(x)
        assert str(info.value) == str(exc)
        return
    got = getattr(torch, name)(x)
    assert str(got.dtype) == str(expected.dtype)
    np.testing.assert_allclose(got.numpy().astype(np.float64), expected.numpy().astype(np.float64),
                               rtol=4e-7, equal_nan=True)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_special_values_as_torch(torch_ref, name):
    tr = torch_ref
    vals = [0.0, -0.0, 1.0, -1.0, float("inf"), float("-inf"), float("nan"), 1e-30, 40.0, -40.0]
    x = torch.tensor(vals, dtype=torch.float64)
    got = getattr(x, method(name))().numpy()
    expected = _torch_fn(tr, name)(tr.tensor(vals, dtype=tr.float64)).numpy()
    if name == "sign":  # pytorchlite's sign of nan is 0 (the row's expression), torch's nan
        got, expected = got[:6], expected[:6]
    np.testing.assert_allclose(got, expected, rtol=1e-15, atol=0, equal_nan=True)
    real = ~np.isnan(expected)  # the sign of a nan result is libm's
    np.testing.assert_array_equal(np.signbit(got[real]), np.signbit(expected[real]))


# ---- the binary rows ----

BINARY_ROWS = {name: rest for name, *rest in _C._binary_ops}
# name -> NumPy reference, and the domain of both operands
BINARY_MATH = {
    "atan2": (np.arctan2, (-2, 2)), "hypot": (np.hypot, (-2, 2)),
    "copysign": (np.copysign, (0.2, 2)), "fmax": (np.fmax, (-2, 2)), "fmin": (np.fmin, (-2, 2)),
}


def pair(shape_a=(3, 4), shape_b=(3, 4), dtype=torch.float64, seed=0):
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(-2, 2, size=shape_a), rng.uniform(-2, 2, size=shape_b)
    return torch.tensor(a, dtype=dtype), torch.tensor(b, dtype=dtype)


def test_binary_rows_name_their_nodes():
    assert BINARY_ROWS["sub"] == ["SubBackward0", "SubBackward0", "RsubBackward1"]
    assert BINARY_ROWS["eq"] == [None, None, None]
    x = torch.rand(3, requires_grad=True)
    for name, (grad_fn, _, _) in BINARY_ROWS.items():
        if grad_fn is None or name in ("div_floor", "div_trunc"):
            continue
        fn = getattr(torch, name, None) or getattr(torch.Tensor, "_" + name)
        assert type(fn(x, torch.rand(3) + 0.5).grad_fn).__name__ == grad_fn, name
    assert type((2 - x).grad_fn).__name__ == "RsubBackward1"
    assert len((2 - x).grad_fn.next_functions) == 1
    assert type(torch.copysign(x, -1.0).grad_fn).__name__ == "CopysignBackward1"


@pytest.mark.parametrize("name", sorted(BINARY_MATH))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_binary_math_forward_matches_numpy(name, dtype):
    ref = BINARY_MATH[name][0]
    a, b = pair((3, 4), (4,), dtype)
    got = getattr(torch, name)(a, b)
    assert got.dtype == dtype and got.shape == (3, 4)
    tol = 1e-6 if dtype == torch.float32 else 1e-14
    np.testing.assert_allclose(got.numpy(), ref(a.numpy(), b.numpy()), rtol=tol, atol=tol)
    np.testing.assert_array_equal(getattr(a.t(), name)(b.reshape(4, 1)).numpy(), got.numpy().T)
    if hasattr(a, name + "_"):
        c = a.clone()
        assert getattr(c, name + "_")(b) is c
        np.testing.assert_array_equal(c.numpy(), got.numpy())


@pytest.mark.parametrize("name", sorted(BINARY_MATH))
def test_binary_math_backward_matches_central_differences(name):
    ref = BINARY_MATH[name][0]
    a, b = pair((5,), (5,))
    a.requires_grad_()
    b.requires_grad_()
    getattr(torch, name)(a, b).sum().backward()
    eps, a0, b0 = 1e-6, a.detach().numpy(), b.detach().numpy()
    np.testing.assert_allclose(a.grad.numpy(), (ref(a0 + eps, b0) - ref(a0 - eps, b0)) / (2 * eps),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(b.grad.numpy(), (ref(a0, b0 + eps) - ref(a0, b0 - eps)) / (2 * eps),
                               rtol=1e-6, atol=1e-8)
    assert torch.autograd.gradgradcheck(lambda x, y: getattr(torch, name)(x, y),
                                        (a.detach().requires_grad_(), b.detach().requires_grad_()))


def test_binary_math_argument_rules():
    a = torch.rand(3)
    for name in ("atan2", "hypot", "fmax", "fmin"):
        with pytest.raises(TypeError, match=f"{name}\\(\\): argument 'other' \\(position 1\\) must be Tensor"):
            getattr(a, name)(2)
    assert torch.copysign(torch.tensor([1.0, -2.0]), -1).tolist() == [-1.0, -2.0]
    i = torch.tensor([3, -4])
    assert torch.atan2(i, i).dtype == torch.float32 and torch.fmax(i, i).dtype == torch.int64
    with pytest.raises(NotImplementedError, match="\"hypot_cpu\" not implemented for 'Long'"):
        torch.hypot(i, i)
    nan = float("nan")
    assert torch.fmax(torch.tensor([nan, 1.0]), torch.tensor([2.0, nan])).tolist() == [2.0, 1.0]
    assert torch.equal(torch.arctan2(torch.ones(2), -torch.ones(2)), torch.atan2(torch.ones(2), -torch.ones(2)))


def test_remainder_of_a_number_records_a_node_that_refuses():
    x = torch.rand(3, requires_grad=True) + 1
    y = torch.remainder(2.0, x)
    assert type(y.grad_fn).__name__ == "NotImplemented"
    with pytest.raises(RuntimeError, match="derivative for aten::remainder is not implemented"):
        y.sum().backward()


@pytest.mark.filterwarnings("ignore:This overload of")  # torch warns once per process
def test_deprecated_alpha_overload_of_add_and_sub():
    a, b = torch.ones(2), torch.arange(2.0)
    assert torch.sub(a, 2, b).tolist() == [1.0, -1.0]
    assert torch.add(a, 3, b).tolist() == [1.0, 4.0]
    with pytest.raises(TypeError, match="takes 1 positional argument but 2 were given"):
        a.mul(2, b)


def test_repeat_beyond_eight_dims():
    x = torch.arange(6.0).reshape(2, 3)
    assert x.repeat(*[1] * 9).shape == (1,) * 7 + (2, 3)
    assert torch.equal(x.repeat(2, 3), torch.tensor(np.tile(x.numpy(), (2, 3))))
    assert torch.zeros(*[1] * 16).ndim == 16


@pytest.mark.parametrize("name", sorted(BINARY_MATH))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_binary_math_matches_torch(torch_ref, name, dtype):
    tr = torch_ref
    a, b = pair((4, 5), (5,), getattr(torch, dtype), seed=3)
    a.requires_grad_()
    b.requires_grad_()
    ar = tr.tensor(a.detach().numpy(), requires_grad=True)
    br = tr.tensor(b.detach().numpy(), requires_grad=True)
    y, yr = getattr(torch, name)(a, b), getattr(tr, name)(ar, br)
    tol = dict(rtol=4e-7, atol=1e-7) if dtype == "float32" else dict(rtol=1e-14, atol=1e-15)
    if dtype == "float32" and name.startswith("special_"):
        tol = dict(rtol=3e-6, atol=1e-7)  # float32 special functions: a few more ulps
    np.testing.assert_allclose(y.detach().numpy(), yr.detach().numpy(), **tol)
    if name in NO_TORCH_GRAD:
        assert yr.grad_fn is None
        return
    assert type(y.grad_fn).__name__ == type(yr.grad_fn).__name__
    y.sum().backward()
    yr.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ar.grad.numpy(), **tol)
    np.testing.assert_allclose(b.grad.numpy(), br.grad.numpy(), **tol)
    for vals in ([3, -4, 0], [True, False, True]):
        x, xr = torch.tensor(vals), tr.tensor(vals)
        try:
            expected = getattr(tr, name)(xr, xr)
        except (RuntimeError, NotImplementedError) as exc:
            with pytest.raises(type(exc), match=str(exc).replace("(", "\\(").replace(")", "\\)")):
                getattr(torch, name)(x, x)
            continue
        got = getattr(torch, name)(x, x)
        assert str(got.dtype) == str(expected.dtype)
        np.testing.assert_allclose(got.numpy().astype(float), expected.numpy().astype(float), rtol=4e-7)
