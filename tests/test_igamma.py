"""The regularized incomplete gamma functions: torch.igamma / igammac, Tensor.igamma(_) /
igammac(_), torch.special.gammainc / gammaincc. Mathematical identities first (no torch
needed), then PyTorch's bits over every regime of the algorithm, its dtypes, gradient and
errors."""
import math

import numpy as np
import pytest

import pytorchlite as pl

F64 = pl.float64


def _p(a, x, dtype=F64):
    return pl.igamma(pl.tensor(a, dtype=dtype), pl.tensor(x, dtype=dtype))


def _q(a, x, dtype=F64):
    return pl.igammac(pl.tensor(a, dtype=dtype), pl.tensor(x, dtype=dtype))


# ---- identities (closed forms of P and Q) ----
XS = [1e-6, 0.01, 0.3, 0.5, 0.9, 1.0, 1.2, 2.5, 7.0, 19.0, 40.0, 120.0]


def test_a_one_is_one_minus_exp():
    got = _p([1.0] * len(XS), XS).tolist()
    for x, g in zip(XS, got):
        assert g == pytest.approx(-math.expm1(-x), rel=1e-13, abs=1e-300)


def test_a_half_is_erf_of_the_root():
    got = _p([0.5] * len(XS), XS).tolist()
    for x, g in zip(XS, got):
        assert g == pytest.approx(math.erf(math.sqrt(x)), rel=1e-13)


@pytest.mark.parametrize("n", [2, 5, 25, 60, 150, 300])
def test_integer_a_is_a_poisson_tail(n):
    """Q(n, x) = exp(-x) sum_{k<n} x^k / k!: covers the series, the continued fraction and
    (n = 25 ... 300 with x near n) Temme's expansion. PyTorch's expansion divides by
    sqrt(2 pi a) with pi rounded to float; its results carry that 1e-8-relative error in the
    correction term, and so do ours (they are PyTorch's bits)."""
    xs = [0.2, 0.5 * n, 0.9 * n, n - 0.5, float(n), 1.1 * n, 1.5 * n, 2.0 * n + 5]
    got = _q([float(n)] * len(xs), xs).tolist()
    for x, g in zip(xs, got):
        term, tail = math.exp(-x), 0.0
        for k in range(n):
            tail += term
            term *= x / (k + 1)
        temme = n > 20 and abs(x - n) / n < 0.3
        assert g == pytest.approx(tail, rel=3e-9 if temme else 1e-10, abs=1e-280)


def test_p_plus_q_is_one():
    rng = np.random.default_rng(3)
    a = 10 ** rng.uniform(-3, 3, 2000)
    x = a * 10 ** rng.uniform(-1, 1, 2000)
    s = (_p(a.tolist(), x.tolist()) + _q(a.tolist(), x.tolist())).numpy()
    np.testing.assert_allclose(s, 1.0, rtol=0, atol=1e-12)


def test_boundaries():
    nan, inf = float("nan"), float("inf")
    a = [-1.0, 0.0, 0.0, 1.0, nan, inf, 1.0, 1.0, 0.0, inf]
    x = [1.0, 1.0, 0.0, -1.0, 1.0, 1.0, inf, 0.0, -0.0, inf]
    for dtype in (pl.float32, F64):
        p, q = _p(a, x, dtype).tolist(), _q(a, x, dtype).tolist()
        want_p = [nan, 1.0, nan, nan, nan, 0.0, 1.0, 0.0, nan, nan]
        want_q = [nan, 0.0, nan, nan, nan, 1.0, 0.0, 1.0, nan, nan]
        for got, want in ((p, want_p), (q, want_q)):
            assert [("nan" if math.isnan(v) else v) for v in got] == \
                   [("nan" if math.isnan(v) else v) for v in want]


def test_forms_agree_and_broadcast():
    a = pl.tensor([[0.5], [3.0], [40.0]])
    x = pl.tensor([0.25, 3.5, 41.0, 80.0])
    p = pl.igamma(a, x)
    assert p.shape == (3, 4) and p.dtype == pl.float32
    assert pl.equal(a.igamma(x), p) and pl.equal(pl.special.gammainc(a, x), p)
    assert pl.equal(pl.special.gammaincc(a, x), pl.igammac(a, x))
    t = a.expand(3, 4).clone()
    assert t.igamma_(x) is t and pl.equal(t, p)
    t = a.expand(3, 4).clone()
    assert pl.equal(t.igammac_(x), pl.igammac(a, x))
    out = pl.empty(3, 4)
    assert pl.igamma(a, x, out=out) is out and pl.equal(out, p)
    assert pl.special.gammaincc(a, x, out=out) is out and pl.equal(out, pl.igammac(a, x))


def test_gradient_of_x_is_the_density():
    a = pl.tensor([0.5, 2.0, 7.5, 150.0], dtype=F64)
    x = pl.tensor([0.2, 1.5, 9.0, 148.0], dtype=F64, requires_grad=True)
    pl.igamma(a, x).sum().backward()
    for ai, xi, g in zip(a.tolist(), x.detach().tolist(), x.grad.tolist()):
        dens = math.exp((ai - 1) * math.log(xi) - xi - math.lgamma(ai))
        assert g == pytest.approx(dens, rel=1e-12)
    x.grad = None
    pl.igammac(a, x).sum().backward()
    for ai, xi, g in zip(a.tolist(), x.detach().tolist(), x.grad.tolist()):
        assert g == pytest.approx(-math.exp((ai - 1) * math.log(xi) - xi - math.lgamma(ai)),
                                  rel=1e-12)


def test_gradient_reduces_over_broadcast_and_refuses_a():
    a = pl.tensor([[1.5], [2.5]], requires_grad=True)
    x = pl.tensor([0.5, 1.0, 4.0], requires_grad=True)
    r = pl.igamma(a, x)
    assert r.grad_fn.name() == "IgammaBackward0"
    assert pl.igammac(a, x).grad_fn.name() == "IgammacBackward0"
    r.sum().backward(inputs=[x])  # a's derivative is not asked for
    assert x.grad.shape == (3,)
    with pytest.raises(NotImplementedError, match=r"the derivative for 'igamma: input' is not"):
        pl.igamma(a, x).sum().backward()
    with pytest.raises(NotImplementedError, match=r"'igammac: input'"):
        pl.igammac(a, x).sum().backward()
    assert pl.igamma(a.detach(), x.detach()).grad_fn is None


def test_zeta_backward_with_inputs_skips_the_refused_derivative():
    s = pl.tensor([2.5, 3.0], dtype=F64, requires_grad=True)
    q = pl.tensor([1.5, 2.0], dtype=F64, requires_grad=True)
    pl.special.zeta(s, q).sum().backward(inputs=[q])
    assert q.grad is not None and s.grad is None


def test_errors():
    t = pl.tensor([1.0, 2.0])
    with pytest.raises(NotImplementedError, match="\"igamma_cpu\" not implemented for 'Long'"):
        pl.igamma(pl.tensor([1, 2]), pl.tensor([1, 2]))
    with pytest.raises(NotImplementedError, match="\"igammac_cpu\" not implemented for 'Bool'"):
        pl.igammac(pl.tensor([True]), pl.tensor([False]))
    with pytest.raises(TypeError, match=r"igamma\(\): argument 'other' \(position 2\) must be "
                                        r"Tensor, not float"):
        pl.igamma(t, 2.0)
    with pytest.raises(TypeError, match=r"igammac\(\): argument 'input' \(position 1\)"):
        pl.igammac(2.0, t)
    with pytest.raises(TypeError, match=r"igamma\(\): argument 'other' \(position 1\)"):
        t.igamma(2.0)
    with pytest.raises(TypeError, match=r"special_gammainc\(\): argument 'other' \(position 2\) "
                                        r"must be Tensor, not int"):
        pl.special.gammainc(t, 2)
    with pytest.raises(TypeError, match=r"special_gammaincc\(\): argument 'input'"):
        pl.special.gammaincc(2, t)
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
        pl.tensor([1, 2]).igammac_(t)
    with pytest.raises(RuntimeError, match="must match the size"):
        pl.igamma(pl.ones(2, 3), pl.ones(4))


# ---- against PyTorch ----
def _regimes(n, seed):
    """(a, x) pairs over every branch: both series, the continued fraction, Lanczos' and the
    logarithmic prefactor, Temme's expansion for 20 < a < 200 and a > 200, and the extremes."""
    rng = np.random.default_rng(seed)
    a = np.concatenate([10 ** rng.uniform(-3, 3.5, n), rng.uniform(0, 2, n // 4),
                        rng.uniform(15, 400, n // 2), 10 ** rng.uniform(-8, 7, n // 4),
                        rng.integers(0, 50, n // 8).astype(float)])
    x = np.concatenate([a[:n] * 10 ** rng.uniform(-2, 2, n), rng.uniform(0, 3, n // 4),
                        a[n + n // 4:n + n // 4 + n // 2] * rng.uniform(0.5, 1.5, n // 2),
                        10 ** rng.uniform(-8, 7, n // 4), rng.integers(0, 50, n // 8)])
    return a, x


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bit_for_bit_with_torch(dtype):
    torch = pytest.importorskip("torch")
    a, x = _regimes(8000, 11)
    a, x = a.astype(dtype), x.astype(dtype)
    # torch's AVX-512 igamma kernel: 3 of the 16000 pairs (near a = 20, csrc/core/ops/
    # igamma_fn.h) differ by up to 1e-5 (float32) relative; everything else bit for bit
    avx512 = torch.backends.cpu.get_cpu_capability() == "AVX512"
    for name in ("igamma", "igammac"):
        want = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(x)).numpy()
        got = getattr(pl, name)(pl.from_numpy(a), pl.from_numpy(x)).numpy()
        same = (got.view(np.uint8) == want.view(np.uint8)).reshape(len(a), -1).all(1)
        bad = np.nonzero(~same)[0]
        if avx512 and name == "igamma":
            rel = np.abs(got[bad] - want[bad]) / np.abs(want[bad])
            assert bad.size <= 3 and (rel <= (1e-5 if dtype == "float32" else 1e-13)).all(), rel
            continue
        assert bad.size == 0, (name, bad.size, [(a[i], x[i], got[i], want[i]) for i in bad[:4]])


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_types_with_torch(dtype):
    torch = pytest.importorskip("torch")
    a, x = _regimes(1000, 5)
    ta = torch.from_numpy(a).to(getattr(torch, dtype))
    tx = torch.from_numpy(x).to(getattr(torch, dtype))
    la = pl.from_numpy(a).to(getattr(pl, dtype))
    lx = pl.from_numpy(x).to(getattr(pl, dtype))
    for name in ("igamma", "igammac"):
        want = getattr(torch, name)(ta, tx).float().numpy()
        got = getattr(pl, name)(la, lx).float().numpy()
        np.testing.assert_array_equal(got, want)
        assert getattr(pl, name)(la, lx).dtype == getattr(pl, dtype)


def test_mixed_dtypes_and_gradient_with_torch():
    torch = pytest.importorskip("torch")
    cases = [(lambda m: m.tensor([1.0, 2.5]), lambda m: m.tensor([1, 3])),
             (lambda m: m.tensor([True, False]), lambda m: m.tensor([0.5, 2.0])),
             (lambda m: m.tensor([1.0, 2.0], dtype=m.float64), lambda m: m.tensor([1.0, 2.0])),
             (lambda m: m.tensor([[1.0, 2.0]]).t(), lambda m: m.tensor(3.0))]
    for mk_a, mk_x in cases:
        for name in ("igamma", "igammac"):
            want = getattr(torch, name)(mk_a(torch), mk_x(torch))
            got = getattr(pl, name)(mk_a(pl), mk_x(pl))
            assert str(got.dtype) == str(want.dtype)
            np.testing.assert_array_equal(got.numpy(), want.numpy())
    a = np.array([0.5, 2.0, 7.5, 31.0, 250.0])
    x = np.array([0.3, 3.0, 7.0, 30.0, 255.0])
    for name in ("igamma", "igammac"):
        grads = []
        for m in (torch, pl):
            xt = m.tensor(x, requires_grad=True)
            getattr(m, name)(m.tensor(a), xt).sum().backward()
            grads.append(xt.grad.numpy())
        # the formula's lgamma: libm's here, SLEEF's in PyTorch's vectorised lgamma (an ulp)
        np.testing.assert_allclose(grads[1], grads[0], rtol=1e-13, atol=0)


def test_binary_functions_name_positions_as_torch():
    """torch.f(t, number) and torch.f(number, t) for the Tensor-only binary functions: the
    function's own argument positions (the method's TypeError is left to the function)."""
    torch = pytest.importorskip("torch")
    t = [1.0, 2.0]
    for name in ("atan2", "arctan2", "hypot", "fmax", "fmin", "maximum", "minimum", "nextafter",
                 "gcd", "igamma", "igammac", "copysign"):
        for args in (lambda m: (m.tensor(t), 2.0), lambda m: (2.0, m.tensor(t))):
            got = []
            for m in (torch, pl):
                try:
                    got.append(("ok", getattr(m, name)(*args(m)).tolist()))
                except TypeError as exc:
                    got.append(("TypeError", str(exc).split("\n")[0]))
            assert got[0] == got[1], (name, got)
    with pytest.raises(TypeError, match=r"maximum\(\): argument 'other' \(position 1\)"):
        pl.tensor(t).maximum(2.0)
