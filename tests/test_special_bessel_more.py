"""torch.special's airy_ai, modified_bessel_i1 / k0 / k1, scaled_modified_bessel_k0 / k1 and
spherical_bessel_j0 against torch: values bit for bit in float32 and float64 over wide sweeps
(tiny, near 0, negative, large, each expansion's interval boundaries and their neighbours,
nan, +-inf, +-0), result dtypes of integer, bool and half input, no gradient node, out=, reprs
and the errors of bad calls."""
import numpy as np
import pytest

import pytorchlite as pl

torch = pytest.importorskip("torch")

NAMES = ["airy_ai", "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1",
         "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "spherical_bessel_j0"]
# where each function switches expansions (the Airy series' end at 8.3203353 included)
BOUNDARIES = {"airy_ai": [-2.09, 2.09, 8.3203353, 103.892], "modified_bessel_i1": [8.0, -8.0],
              "modified_bessel_k0": [2.0], "modified_bessel_k1": [2.0],
              "scaled_modified_bessel_k0": [2.0], "scaled_modified_bessel_k1": [2.0],
              "spherical_bessel_j0": [0.5, -0.5]}


def fn(m, name):
    return getattr(m.special, name)


def both(call):
    """call(torch) and call(pytorchlite), each as ('ok', value) or (exception type, message)."""
    out = []
    for m in (torch, pl):
        try:
            out.append(("ok", call(m)))
        except Exception as exc:  # noqa: BLE001 - the type is what is compared
            out.append((type(exc).__name__, str(exc).split("\n")[0]))
    return out


def same_bits(got, want):
    """Equal dtypes, shapes and values, bit for bit (a nan's sign is libm's, not compared)."""
    assert str(got.dtype) == str(want.dtype)
    assert tuple(got.shape) == tuple(want.shape)
    g = np.array(got.detach().tolist(), dtype=np.float64)
    w = np.array(want.detach().tolist(), dtype=np.float64)
    nan = np.isnan(w)
    np.testing.assert_array_equal(np.isnan(g), nan)
    bad = np.flatnonzero((g != w)[~nan] | (np.signbit(g) != np.signbit(w))[~nan])
    assert bad.size == 0, [(g[~nan][i], w[~nan][i]) for i in bad[:5]]


def check(call):
    (tk, tv), (lk, lv) = both(call)
    assert lk == tk, (tv, lv)
    if tk != "ok":
        assert lv == tv
    elif isinstance(tv, torch.Tensor):
        same_bits(lv, tv)
    else:
        assert lv == tv


def sweep(name, dtype):
    """A few thousand inputs in dtype: random over several scales, both signs, the tiny and
    the huge, the boundaries and the values next to them, and the special values."""
    rng = np.random.default_rng(17)
    parts = [rng.uniform(-10, 10, 1500), rng.uniform(-0.6, 0.6, 400), rng.uniform(0, 2.2, 600),
             rng.uniform(-3, 3, 600), rng.normal(0, 30, 600), rng.uniform(-110, 110, 400),
             rng.uniform(0, 1e3, 300), 10.0 ** rng.uniform(-45, 4, 400),
             -(10.0 ** rng.uniform(-45, 4, 400))]
    special = [0.0, -0.0, 1e-300, -1e-300, 5e-324, 1e-40, 1e-8, -1e-8, 1.0, -1.0, 1e3, -1e3,
               1e4, 1e30, -1e30, 1e300, np.inf, -np.inf, np.nan]
    with np.errstate(over="ignore"):  # 1e300 and the like are inf in float32
        v = np.concatenate(parts + [special]).astype(dtype)
    edges = []
    for b in BOUNDARIES[name]:
        c = dtype(b)
        lo, hi = np.nextafter(c, dtype(-np.inf)), np.nextafter(c, dtype(np.inf))
        edges += [np.nextafter(lo, dtype(-np.inf)), lo, c, hi, np.nextafter(hi, dtype(np.inf))]
    return np.concatenate([v, np.array(edges, dtype=dtype)]).tolist()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_bit_for_bit_on_a_wide_sweep(name, dtype):
    vals = sweep(name, np.float32 if dtype == "float32" else np.float64)
    check(lambda m: fn(m, name)(m.tensor(vals, dtype=getattr(m, dtype))))


@pytest.mark.parametrize("name", NAMES)
def test_special_values(name):
    vals = [0.0, -0.0, np.inf, -np.inf, np.nan, -1.0, -1e-30, 1e-30, 103.9, -103.9, 1e10]
    for dtype in ("float32", "float64"):
        check(lambda m: fn(m, name)(m.tensor(vals, dtype=getattr(m, dtype))))


@pytest.mark.parametrize("name", NAMES)
def test_strided_zero_dim_and_empty_input(name):
    grid = np.linspace(-4, 12, 48).reshape(6, 8).tolist()
    check(lambda m: fn(m, name)(m.tensor(grid).t()))
    check(lambda m: fn(m, name)(m.tensor(grid, dtype=m.float64)[:, ::3]))
    check(lambda m: fn(m, name)(m.tensor(1.5)))
    check(lambda m: fn(m, name)(m.zeros(0, 3)))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8", "bool",
                                   "float16", "bfloat16"])
def test_result_dtype_or_error_of_other_input(name, dtype):
    vals = [True, False, True] if dtype == "bool" else [0, 1, 2, 3, 7, 9, 100]
    if dtype not in ("uint8", "bool"):
        vals = vals + [-1, -3]
    check(lambda m: fn(m, name)(m.tensor(vals, dtype=getattr(m, dtype))))


@pytest.mark.parametrize("name", NAMES)
def test_integer_input_takes_the_default_dtype(name):
    for m in (torch, pl):
        m.set_default_dtype(m.float64)
    try:
        check(lambda m: fn(m, name)(m.tensor([0, 1, 2, 5, -3])))
    finally:
        for m in (torch, pl):
            m.set_default_dtype(m.float32)


@pytest.mark.parametrize("name", NAMES)
def test_no_gradient_node(name):
    for m in (torch, pl):
        x = m.tensor([0.5, 1.5, 3.0], requires_grad=True)
        y = fn(m, name)(x)
        assert y.grad_fn is None and not y.requires_grad
        assert x.grad is None
        z = fn(m, name)(x * 2)  # a non-leaf input: still no node
        assert z.grad_fn is None and not z.requires_grad
        with m.no_grad():
            assert fn(m, name)(x).grad_fn is None
    check(lambda m: fn(m, name)(m.tensor([0.5, 1.5, 3.0], requires_grad=True)))


@pytest.mark.parametrize("name", NAMES)
def test_out_argument(name):
    def run(m, x, out):
        r = fn(m, name)(x, out=out)
        assert r is out
        return out
    vals = [0.25, 1.0, 2.5, -1.5, 9.0]
    check(lambda m: run(m, m.tensor(vals), m.empty(5)))
    # float32 input into a float64 out: computed in float32, then widened
    check(lambda m: run(m, m.tensor(vals), m.empty(5, dtype=m.float64)))
    check(lambda m: run(m, m.tensor(vals, dtype=m.float64), m.empty(0, dtype=m.float64)))
    check(lambda m: run(m, m.tensor([1, 2, 3]), m.empty(3)))
    check(lambda m: run(m, m.tensor(vals), m.empty(5, dtype=m.int64)))
    check(lambda m: run(m, m.tensor(vals, dtype=m.float64), m.empty(5)))
    # no node, so nothing refuses an input or an out that requires grad
    check(lambda m: run(m, m.tensor(vals, requires_grad=True), m.empty(5)))
    check(lambda m: run(m, m.tensor(vals), m.empty(5, requires_grad=True)).detach())
    for m in (torch, pl):
        o = m.empty(5, requires_grad=True)
        fn(m, name)(m.tensor(vals), out=o)
        assert o.requires_grad and o.is_leaf and o.grad_fn is None


@pytest.mark.parametrize("name", NAMES)
def test_reprs(name):
    vals = [0.0, 0.5, 1.0, 2.0, -2.5, 10.0, np.inf, np.nan]
    for dtype in ("float32", "float64"):
        (tk, tv), (lk, lv) = both(
            lambda m: repr(fn(m, name)(m.tensor(vals, dtype=getattr(m, dtype)))))
        assert (lk, lv) == (tk, tv)
    (tk, tv), (lk, lv) = both(lambda m: str(fn(m, name)(m.tensor([[1.0, 3.0], [0.25, 7.5]]))))
    assert (lk, lv) == (tk, tv)


@pytest.mark.parametrize("name", NAMES)
def test_errors_of_bad_calls(name):
    calls = [lambda f, m: f(1.0), lambda f, m: f([1.0, 2.0]), lambda f, m: f(None),
             lambda f, m: f(np.ones(2)), lambda f, m: f(), lambda f, m: f(m.ones(2), m.ones(2)),
             lambda f, m: f(m.ones(2), foo=1), lambda f, m: f(m.ones(2), out=3),
             lambda f, m: f(input=m.ones(2)), lambda f, m: f(x=m.ones(2)),
             lambda f, m: f(x=2.0), lambda f, m: f(m.ones(2), x=m.ones(2)),
             lambda f, m: f(m.ones(2), input=m.ones(2)),
             lambda f, m: f(input=m.ones(2), x=m.ones(2))]
    for call in calls:
        check(lambda m: call(fn(m, name), m))


def test_modified_bessel_i1_is_not_special_i1():
    """PyTorch evaluates modified_bessel_i1 with its own products (and, in float32, all the
    double-precision terms), so its last bits differ from special.i1's on a sweep: the same
    elements differ in pytorchlite."""
    vals = np.random.default_rng(4).uniform(-12, 12, 3000).tolist()
    for dtype in ("float32", "float64"):
        diff = []
        for m in (torch, pl):
            x = m.tensor(vals, dtype=getattr(m, dtype))
            diff.append((m.special.modified_bessel_i1(x) != m.special.i1(x)).tolist())
        assert diff[1] == diff[0]
        assert any(diff[0])


def test_modified_bessel_k_relations():
    """The scaled forms are exp(x) times the plain ones, to rounding (pytorchlite alone, a
    check independent of torch's bits)."""
    x = pl.tensor(np.linspace(0.05, 30, 400).tolist(), dtype=pl.float64)
    for plain, scaled in (("modified_bessel_k0", "scaled_modified_bessel_k0"),
                          ("modified_bessel_k1", "scaled_modified_bessel_k1")):
        a = np.array((fn(pl, plain)(x) * pl.exp(x)).tolist())
        b = np.array(fn(pl, scaled)(x).tolist())
        np.testing.assert_allclose(a, b, rtol=1e-13)


def test_names_are_exported():
    for name in NAMES:
        assert name in pl.special.__all__
        assert callable(getattr(pl.special, name))
