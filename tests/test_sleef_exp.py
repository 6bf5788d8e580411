"""torch.expm1 and torch.log1p bit for bit as PyTorch's CPU kernels (csrc/core/ops/sleef_exp.c):
SLEEF's 1-ulp expm1 / log1p on every element (ATen's vec::map loads a short last vector
partially, so one-element and odd-length tensors take the vector path too), and the activations
whose ATen formulas are built on them."""
import numpy as np
import pytest

import pytorchlite as pl

torch = pytest.importorskip("torch")

F32_SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1e-45, -1e-45, 1.1754942e-38,
               -1.1754942e-38, 1.1754944e-38, -1.1754944e-38, 3.4028235e38, -3.4028235e38,
               # expm1: overflow to +inf above 88.7228317..., -1 below -16.6355323...
               88.72283172607421875, np.nextafter(np.float32(88.72283172607421875), np.float32(np.inf)),
               88.7228, 88.72284, -16.635532, np.nextafter(np.float32(-16.635532), np.float32(0)),
               -16.635534, -17.0, -87.0, -88.8, -103.9, -104.0, -105.0, 1e-8, -1e-8,
               # log1p: -1, just above it, the core bound 1e38 and the values around it
               -1.0, np.nextafter(np.float32(-1), np.float32(0)), -1.0000001, -2.0,
               1e38, np.nextafter(np.float32(1e38), np.float32(np.inf)),
               np.nextafter(np.float32(1e38), np.float32(0)), 2e38, 0.5, -0.5, 1.0, 3.0]
F64_SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 5e-324, -5e-324, 2.2250738585072014e-308,
               -2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308,
               709.782712893383996732223, np.nextafter(709.782712893383996732223, np.inf), 709.78,
               710.0, -36.736800569677101399113302437, np.nextafter(-36.736800569677101399113302437, 0),
               -36.74, -37.0, -700.0, -745.2, -1000.0, -1000.5, 1e-17, -1e-17,
               -1.0, np.nextafter(-1.0, 0), np.nextafter(-1.0, -2), -2.0,
               1e307, np.nextafter(1e307, np.inf), np.nextafter(1e307, 0), 1e308, 0.5, -0.5, 1.0]
FNS = ["expm1", "log1p"]


def _bits(a):
    a = np.ascontiguousarray(a)
    return a.view(np.uint32 if a.dtype == np.float32 else np.uint64)


def _same(got, want, msg=""):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, msg
    bad = np.flatnonzero(_bits(got).ravel() != _bits(want).ravel())
    assert bad.size == 0, (f"{msg}: {bad.size} of {got.size} differ, e.g. at {bad[:5]}: "
                           f"{got.ravel()[bad[:5]]} vs {want.ravel()[bad[:5]]}")


def _both(fn, x):
    return (getattr(pl, fn)(pl.from_numpy(x)).numpy(),
            getattr(torch, fn)(torch.from_numpy(x)).numpy())


@pytest.mark.parametrize("fn", FNS)
def test_float32_every_64th_bit_pattern(fn):
    # 2^26 inputs spread over every sign, exponent and mantissa region, in chunks; the offset
    # 37 keeps the low mantissa bits from being all zero
    step, chunk = 64, 1 << 24
    for start in range(0, 1 << 32, chunk * step):
        bits = (np.arange(start, min(start + chunk * step, 1 << 32), step, dtype=np.uint64)
                + 37).astype(np.uint32)
        x = bits.view(np.float32)
        _same(*_both(fn, x), f"{fn} from bit pattern {start:#x}")


def _floats_between(a, b, step):
    """every step-th float32 from a to b (a < b), as bit patterns walk them on each side of 0"""
    def bits(v):
        return int(np.float32(v).view(np.uint32))
    parts = []
    if a < 0:  # negative floats: the pattern grows with the magnitude
        parts.append(np.arange(bits(min(b, -0.0)), bits(a) + 1, step, dtype=np.uint64))
    if b > 0:
        parts.append(np.arange(bits(max(a, 0.0)), bits(b) + 1, step, dtype=np.uint64))
    return np.concatenate(parts).astype(np.uint32).view(np.float32)


@pytest.mark.parametrize("fn", FNS)
def test_float32_dense_where_the_algorithm_works(fn):
    # every 67th float32 where the reduction and the polynomial do their work (about 33
    # million inputs, checked in chunks)
    a, b = {"expm1": (-17.0, 89.0), "log1p": (-1.0, 8.0)}[fn]
    x = _floats_between(a, b, 67)
    for i in range(0, x.size, 1 << 23):
        _same(*_both(fn, x[i:i + (1 << 23)]), f"{fn} on [{a}, {b}]")


@pytest.mark.parametrize("fn", FNS)
def test_float32_special_values(fn):
    x = np.array(F32_SPECIAL, np.float32)
    _same(*_both(fn, x), fn)
    for v in x:  # one element at a time too: the partial-vector path
        _same(*_both(fn, np.array([v], np.float32)), f"{fn}({v})")


@pytest.mark.parametrize("fn", FNS)
def test_float64_random_across_the_range(fn):
    rng = np.random.default_rng(1)
    n = 1 << 20
    parts = [rng.integers(0, 1 << 64, n, dtype=np.uint64).view(np.float64),  # every exponent
             rng.uniform(-40, 710, n), rng.uniform(-1, 3, n),
             np.exp(rng.uniform(-745, 709, n // 2)), -np.exp(rng.uniform(-745, 0, n // 2)),
             np.array(F64_SPECIAL)]
    for x in parts:
        _same(*_both(fn, np.ascontiguousarray(x)), fn)


@pytest.mark.parametrize("fn", FNS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_short_odd_and_strided_tensors(fn, dtype):
    rng = np.random.default_rng(2)
    base = (rng.standard_normal(4099) * 6).astype(dtype)
    if fn == "log1p":
        base = np.abs(base) - 0.99
    for n in (1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 65, 1023, 4099):
        _same(*_both(fn, base[:n].copy()), f"{fn} n={n}")
    x = base[:4096].reshape(64, 64)
    for f in (lambda m, t: getattr(t, fn)(), lambda m, t: getattr(t.t(), fn)(),
              lambda m, t: getattr(t[:, ::3], fn)(), lambda m, t: getattr(m, fn)(t[::2, 1::5])):
        _same(f(pl, pl.tensor(x)).numpy(), f(torch, torch.tensor(x)).numpy(), fn)
    a, b = pl.tensor(x), torch.tensor(x)
    getattr(a, fn + "_")()
    getattr(b, fn + "_")()
    _same(a.numpy(), b.numpy(), fn + "_")


@pytest.mark.parametrize("fn", FNS)
def test_gradient_bitwise(fn):
    rng = np.random.default_rng(3)
    for dtype in (np.float32, np.float64):
        x = (rng.uniform(-0.9, 5, 1000)).astype(dtype)
        g = rng.standard_normal(1000).astype(dtype)
        out = []
        for m in (pl, torch):
            t = m.tensor(x, requires_grad=True)
            getattr(t, fn)().backward(m.tensor(g))
            out.append(t.grad.numpy())
        _same(*out, f"{fn} grad")


# ---- the activations built on expm1 / log1p: ATen's vector blocks take SLEEF's functions,
# the rest of each chunk libm's, so the sizes cross the 16/32-element blocks, the 32768 grain
# and the per-thread chunks ----

SIZES = [1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1023, 32767, 32768, 40001, 100003]
ACTS = [("elu", {}), ("elu", {"alpha": 0.3}), ("celu", {}), ("celu", {"alpha": 0.6}),
        ("selu", {}), ("softplus", {}), ("softplus", {"beta": 2.5, "threshold": 7.0}),
        ("softplus", {"beta": 0.5}), ("logsigmoid", {})]


def _act_inputs(n, seed, dtype):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(n) * 8).astype(dtype)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 20.0, -20.0, 7.0 / 2.5, 1e-30,
                        -1e-30, -100.0, 100.0, -800.0, 800.0], dtype)
    k = min(n, special.size)
    x[:k] = special[:k]
    return x


def _same_or_nan(got, want, msg):
    # a NaN's sign follows which lambda produced it; a NaN only has to be a NaN
    got, want = np.asarray(got), np.asarray(want)
    nan = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(got), nan, err_msg=msg)
    _same(got[~nan], want[~nan], msg)


def _act(m, name, kw):
    return lambda t: getattr(m.nn.functional, name)(t, **kw)


@pytest.mark.parametrize("name,kw", ACTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_bitwise_with_torch(name, kw, dtype):
    for n in SIZES:
        x = _act_inputs(n, n, dtype)
        _same_or_nan(_act(pl, name, kw)(pl.from_numpy(x)).numpy(),
                     _act(torch, name, kw)(torch.from_numpy(x)).numpy(), f"{name}{kw} n={n}")


@pytest.mark.parametrize("name,kw", ACTS)
def test_activation_views_in_place_and_modules(name, kw):
    x = _act_inputs(6 * 41, 5, np.float32).reshape(6, 41)
    for f in (lambda t: t.t(), lambda t: t[:, ::3], lambda t: t[1:, 2:], lambda t: t[0]):
        _same_or_nan(_act(pl, name, kw)(f(pl.tensor(x))).numpy(),
                     _act(torch, name, kw)(f(torch.tensor(x))).numpy(), f"{name}{kw} view")
    want = _act(torch, name, kw)(torch.tensor(x)).numpy()
    if name in ("elu", "celu", "selu"):
        t = pl.tensor(x)
        getattr(pl.nn.functional, name)(t, inplace=True, **kw)
        _same_or_nan(t.numpy(), want, f"{name} inplace")
        t = pl.tensor(x)
        getattr(pl.nn.functional, name + "_")(t, **kw)
        _same_or_nan(t.numpy(), want, f"{name}_")
    cls = {"elu": "ELU", "celu": "CELU", "selu": "SELU", "softplus": "Softplus",
           "logsigmoid": "LogSigmoid"}[name]
    _same_or_nan(getattr(pl.nn, cls)(**kw)(pl.tensor(x)).numpy(), want, cls)


@pytest.mark.parametrize("name,kw", ACTS)
def test_activation_forward_with_a_graph_and_its_node(name, kw):
    x = _act_inputs(1000, 6, np.float64)
    x = x[np.isfinite(x)]
    out = []
    for m in (pl, torch):
        t = m.tensor(x, requires_grad=True)
        y = _act(m, name, kw)(t)
        out.append((y.detach().numpy(), type(y.grad_fn).__name__))
    _same_or_nan(out[0][0], out[1][0], name)
    assert out[0][1] == out[1][1]


@pytest.mark.parametrize("name,kw", [("elu", {}), ("softplus", {}), ("logsigmoid", {})])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_layouts_as_aten_walks_them(name, kw, dtype):
    # ATen's loop runs each contiguous inner row (after coalescing) through the vector blocks
    # and the scalar tail, over the pieces its threads take in memory order
    x = _act_inputs(301 * 257, 7, dtype).reshape(301, 257)
    y = _act_inputs(4 * 5 * 37, 8, dtype).reshape(4, 5, 37)
    cases = [(x, lambda t: t[:, 1:]), (x, lambda t: t[3:, :250]), (x, lambda t: t.t()[1:]),
             (x, lambda t: t[::2]), (x, lambda t: t[:, ::2]), (y, lambda t: t.permute(2, 0, 1)),
             (y, lambda t: t.permute(1, 2, 0)[:, 3:]), (y, lambda t: t[:, :, 2:].transpose(0, 1)),
             (y, lambda t: t[:1, 2:3]), (y[:1, :1, :1], lambda t: t[0, 0])]
    for i, (base, f) in enumerate(cases):
        _same_or_nan(_act(pl, name, kw)(f(pl.tensor(base))).numpy(),
                     _act(torch, name, kw)(f(torch.tensor(base))).numpy(), f"{name} case {i}")
    e = pl.tensor(x[:1]).expand(5, 257)  # a stride-0 dim
    _same_or_nan(_act(pl, name, kw)(e).numpy(),
                 _act(torch, name, kw)(torch.tensor(x[:1]).expand(5, 257)).numpy(), name)


def _grads(m, name, kw, x, g, reduce_sum=False, view=None):
    t = m.tensor(x, requires_grad=True)
    u = view(t) if view else t
    y = _act(m, name, kw)(u)
    if reduce_sum:  # the gradient of a sum: an expanded (stride-0) tensor of ones
        y.sum().backward()
    else:
        y.backward(m.tensor(g) if view is None else m.tensor(g).reshape(y.shape))
    return t.grad.numpy()


@pytest.mark.parametrize("name,kw", ACTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_gradient_bitwise_with_torch(name, kw, dtype):
    # the backward kernels of elu (celu: 1 / alpha taken in float32, as PyTorch) and softplus
    # (SLEEF's exp on the vector blocks, libm's on the rest) and log_sigmoid's (from the
    # forward's buffer exp(-|x|))
    for n in (1, 17, 1000, 40001):
        x = _act_inputs(n, n + 3, dtype)
        x = np.where(np.isfinite(x), x, 0.5).astype(dtype)
        g = np.random.default_rng(n).standard_normal(n).astype(dtype)
        for s in (False, True):
            _same_or_nan(_grads(pl, name, kw, x, g, s), _grads(torch, name, kw, x, g, s),
                         f"{name}{kw} grad n={n} sum={s}")
    x = _act_inputs(12 * 37, 9, dtype).reshape(12, 37)
    g = np.random.default_rng(9).standard_normal(11 * 35).astype(dtype)
    v = lambda t: t[1:, 2:]  # noqa: E731
    _same_or_nan(_grads(pl, name, kw, x, g, view=v), _grads(torch, name, kw, x, g, view=v),
                 f"{name} grad through a view")


@pytest.mark.parametrize("name,kw", ACTS)
def test_activation_second_derivative_close_to_torch(name, kw):
    # under create_graph the backward is the recorded formula: values as torch's within rounding
    x = np.random.default_rng(10).standard_normal(50) * 3
    out = []
    for m in (pl, torch):
        t = m.tensor(x, requires_grad=True)
        (d,) = m.autograd.grad(_act(m, name, kw)(t).sum(), t, create_graph=True)
        (dd,) = m.autograd.grad(d.sum(), t)
        out.append((d.detach().numpy(), dd.numpy()))
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
