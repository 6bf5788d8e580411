"""torch.distributions against real torch, part two: gradients through rsample, log_prob and
entropy; kl_divergence values and gradients; the special functions behind them; and the
standard-gamma / Dirichlet samplers' streams bit for bit. Skipped without torch."""
import numpy as np
import pytest

ref = pytest.importorskip("torch")
import pytorchlite as pl  # noqa: E402


def np_of(t):
    return np.ascontiguousarray(t.detach().numpy())


def same_bits(a, b):
    a, b = np_of(a), np_of(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def grads_both(params, fn, seed=0):
    """fn(module, *leaf tensors) -> tensor; returns [(value, grads...)] for torch, pytorchlite
    (float64 leaves, the sum of the output back-propagated)."""
    out = []
    for m in (ref, pl):
        m.manual_seed(seed)
        leaves = [m.tensor(p, dtype=m.float64, requires_grad=True) for p in params]
        y = fn(m, *leaves)
        y.sum().backward()
        out.append([np_of(y)] + [None if p.grad is None else np_of(p.grad) for p in leaves])
    return out


def assert_grads_match(params, fn, rtol=1e-7, seed=0):
    (tr, *tg), (pr, *pg) = grads_both(params, fn, seed)
    np.testing.assert_allclose(pr, tr, rtol=rtol, atol=1e-10)
    for a, b in zip(tg, pg):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(b, a, rtol=rtol, atol=1e-10)


def V(m, v):
    return m.tensor(v, dtype=m.float64)


COV = [[2.0, 0.5], [0.5, 1.0]]
TRIL = [[1.0, 0.0], [0.3, 2.0]]

RSAMPLE = {
    "Normal": ([[0.0, 1.0], [1.0, 2.0]], lambda m, a, b: m.distributions.Normal(a, b)),
    "Uniform": ([[0.0, 1.0], [1.0, 3.0]], lambda m, a, b: m.distributions.Uniform(a, b)),
    "Exponential": ([[0.5, 2.0]], lambda m, a: m.distributions.Exponential(a)),
    "Laplace": ([[0.0, 1.0], [1.0, 2.0]], lambda m, a, b: m.distributions.Laplace(a, b)),
    # concentrations in every regime of the implicit gradient (small x, large alpha, rational)
    "Gamma": ([[0.2, 0.9, 2.5, 9.0, 40.0], [1.0, 2.0, 0.7, 1.0, 3.0]],
              lambda m, a, b: m.distributions.Gamma(a, b)),
    "Beta": ([[0.3, 2.0, 8.0, 1.0], [0.5, 3.0, 9.0, 20.0]],
             lambda m, a, b: m.distributions.Beta(a, b)),
    "Dirichlet": ([[[0.5, 2.0, 1.0], [7.0, 8.0, 9.0]]], lambda m, a: m.distributions.Dirichlet(a)),
    "MVNcov": ([[0.0, 1.0], COV],
               lambda m, a, c: m.distributions.MultivariateNormal(a, covariance_matrix=c)),
    "MVNprec": ([[0.0, 1.0], COV],
                lambda m, a, c: m.distributions.MultivariateNormal(a, precision_matrix=c)),
    "Cauchy": ([[0.0, 1.0], [1.0, 0.5]], lambda m, a, b: m.distributions.Cauchy(a, b)),
    "LogNormal": ([[0.0, 1.0], [1.0, 0.5]], lambda m, a, b: m.distributions.LogNormal(a, b)),
    "HalfNormal": ([[1.0, 0.5]], lambda m, a: m.distributions.HalfNormal(a)),
    "MVNtril": ([[0.0, 1.0], TRIL],
                lambda m, a, c: m.distributions.MultivariateNormal(a, scale_tril=c)),
}


@pytest.mark.parametrize("name", sorted(RSAMPLE))
def test_rsample_gradients_match_torch(name):
    params, build = RSAMPLE[name]
    assert_grads_match(params, lambda m, *p: build(m, *p).rsample((20,)), rtol=1e-6, seed=4)


LOG_PROB = {
    "Normal": ([0.3, 2.0], "Normal"), "Uniform": ([0.3, 2.0], "Uniform"),
    "Exponential": ([0.3, 2.0], "Exponential"), "Laplace": ([0.3, 2.0], "Laplace"),
    "Gamma": ([[0.3, 0.1, 2.0, 5.0, 1.0]], "Gamma"), "Beta": ([0.2, 0.5, 0.9, 0.01], "Beta"),
    "Dirichlet": ([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]], "Dirichlet"),
    "MVNcov": ([[0.3, 2.0], [1.0, 1.0]], "MVNcov"), "MVNprec": ([[0.3, 2.0]], "MVNprec"),
    "MVNtril": ([[0.3, 2.0], [-1.0, 1.0]], "MVNtril"),
    "LogNormal": ([0.3, 2.0], "LogNormal"), "Cauchy": ([0.3, 2.0], "Cauchy"), "HalfNormal": ([0.3, 2.0], "HalfNormal"),
}


@pytest.mark.parametrize("name", sorted(LOG_PROB))
def test_log_prob_and_entropy_gradients_match_torch(name):
    value, key = LOG_PROB[name]
    params, build = RSAMPLE[key]
    assert_grads_match(params, lambda m, *p: build(m, *p).log_prob(V(m, value)))
    assert_grads_match(params, lambda m, *p: build(m, *p).entropy())


def test_gamma_cdf_gradients_match_torch():
    assert_grads_match([[1.0, 3.0]], lambda m, r: m.distributions.Gamma(
        V(m, [0.5, 2.0]), r).cdf(V(m, [0.3, 1.2])), rtol=1e-9)


def test_cauchy_cdf_icdf_gradients_match_torch():
    assert_grads_match([[0.0, 1.0], [1.0, 0.5]], lambda m, a, b: m.distributions.Cauchy(
        a, b).cdf(V(m, [0.3, 2.0])) + m.distributions.Cauchy(a, b).icdf(V(m, [0.2, 0.9])))


def test_discrete_log_prob_gradients_match_torch():
    assert_grads_match([[0.2, 0.7]], lambda m, p: m.distributions.Geometric(p).log_prob(
        V(m, [3.0, 0.0])) + m.distributions.Geometric(p).entropy())
    assert_grads_match([[0.5, 3.0]], lambda m, r: m.distributions.Poisson(r).log_prob(
        V(m, [0.0, 4.0])))
    assert_grads_match([[0.2, 0.7]], lambda m, p: m.distributions.Binomial(
        V(m, [6.0, 6.0]), p).log_prob(V(m, [1.0, 5.0])))
    assert_grads_match([[0.2, -0.7]], lambda m, x: m.distributions.Binomial(
        V(m, [6.0, 6.0]), logits=x).entropy())
    assert_grads_match([[0.2, 0.7]], lambda m, p: m.distributions.Bernoulli(p).log_prob(
        V(m, [1.0, 0.0])))
    assert_grads_match([[-1.0, 2.0]], lambda m, x: m.distributions.Bernoulli(logits=x).entropy())
    assert_grads_match([[0.5, 2.0, 1.0]], lambda m, x: m.distributions.Categorical(
        logits=x).log_prob(m.tensor([0, 2, 1])))
    assert_grads_match([[0.5, 2.0, 1.0]], lambda m, p: m.distributions.Categorical(
        probs=p).entropy())
    assert_grads_match([[0.5, 2.0, 1.0]], lambda m, p: m.distributions.OneHotCategorical(
        probs=p).log_prob(V(m, [[0.0, 1.0, 0.0]])))


def _pairs(m):
    D = m.distributions
    a, b = V(m, [0.5, 2.0]), V(m, [1.5, 0.7])
    return {
        "Normal": (D.Normal(a, b), D.Normal(b, a)),
        "Bernoulli": (D.Bernoulli(V(m, [0.0, 0.3, 1.0])), D.Bernoulli(V(m, [0.5, 0.6, 0.2]))),
        "Categorical": (D.Categorical(V(m, [0.0, 0.3, 0.7])),
                        D.Categorical(V(m, [0.5, 0.3, 0.2]))),
        "CategoricalInf": (D.Categorical(V(m, [0.5, 0.5])), D.Categorical(V(m, [1.0, 0.0]))),
        "OneHot": (D.OneHotCategorical(V(m, [0.1, 0.9])), D.OneHotCategorical(V(m, [0.6, 0.4]))),
        "Beta": (D.Beta(a, b), D.Beta(b, a)),
        "Gamma": (D.Gamma(a, b), D.Gamma(b, a)),
        "Exponential": (D.Exponential(a), D.Exponential(b)),
        "Laplace": (D.Laplace(a, b), D.Laplace(b, a)),
        "Uniform": (D.Uniform(V(m, [0.0, 0.0]), V(m, [1.0, 3.0])),
                    D.Uniform(V(m, [-1.0, 0.5]), V(m, [2.0, 4.0]))),
        "Dirichlet": (D.Dirichlet(V(m, [0.5, 2.0, 1.0])), D.Dirichlet(V(m, [1.5, 2.0, 3.0]))),
        "MVN": (D.MultivariateNormal(V(m, [0.0, 1.0]), covariance_matrix=V(m, COV)),
                D.MultivariateNormal(V(m, [[1.0, 1.0], [0.0, 2.0]]), scale_tril=V(m, TRIL))),
        "Independent": (D.Independent(D.Normal(a, b), 1), D.Independent(D.Normal(b, a), 1)),
        "ExponentialGamma": (D.Exponential(a), D.Gamma(b, a)),
        "GammaExponential": (D.Gamma(b, a), D.Exponential(a)),
        "LaplaceNormal": (D.Laplace(a, b), D.Normal(b, a)),
        "NormalLaplace": (D.Normal(a, b), D.Laplace(b, a)),
        "UniformNormal": (D.Uniform(V(m, [0.0, 0.0]), V(m, [1.0, 3.0])), D.Normal(a, b)),
        "UniformGamma": (D.Uniform(V(m, [0.0, 0.5]), V(m, [1.0, 3.0])), D.Gamma(a, b)),
        "Poisson": (D.Poisson(a), D.Poisson(b)),
        "Binomial": (D.Binomial(V(m, [5.0, 9.0]), V(m, [0.2, 0.7])),
                     D.Binomial(V(m, [5.0, 4.0]), V(m, [0.5, 0.1]))),
        "Cauchy": (D.Cauchy(a, b), D.Cauchy(b, a)),
        "Geometric": (D.Geometric(V(m, [0.2, 0.9])), D.Geometric(logits=V(m, [1.0, -1.0]))),
        "HalfNormal": (D.HalfNormal(a), D.HalfNormal(b)),
        "LogNormal": (D.LogNormal(a, b), D.LogNormal(b, a)),
        "BetaUniform": (D.Beta(a, b), D.Uniform(V(m, [0.0, 0.1]), V(m, [1.0, 1.0]))),
    }


@pytest.mark.parametrize("pair", sorted(_pairs(ref)))
def test_kl_divergence_matches_torch(pair):
    p_ref, q_ref = _pairs(ref)[pair]
    p_pl, q_pl = _pairs(pl)[pair]
    a = ref.distributions.kl_divergence(p_ref, q_ref)
    b = pl.distributions.kl_divergence(p_pl, q_pl)
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(np_of(b), np_of(a), rtol=1e-10, atol=1e-12)


def test_kl_gradients_match_torch():
    assert_grads_match([[0.5, 2.0], [1.0, 3.0]], lambda m, a, b: m.distributions.kl_divergence(
        m.distributions.Gamma(a, b), m.distributions.Gamma(b, a)))
    assert_grads_match([[0.0, 1.0], COV, TRIL], lambda m, a, c, t: m.distributions.kl_divergence(
        m.distributions.MultivariateNormal(a, covariance_matrix=c),
        m.distributions.MultivariateNormal(2 * a, scale_tril=t)))
    assert_grads_match([[0.5, 2.0, 1.0]], lambda m, a: m.distributions.kl_divergence(
        m.distributions.Dirichlet(a), m.distributions.Dirichlet(a * a + 1)))


def test_exponential_family_fallbacks_match_torch():
    # the Bregman forms PyTorch falls back on, called directly on families with closed forms
    for m in (ref, pl):
        m.manual_seed(0)
    out = []
    for m in (ref, pl):
        scale = m.tensor([2.0, 1.0], dtype=m.float64, requires_grad=True)
        p = m.distributions.Normal(V(m, [0.5, 1.0]), V(m, [1.0, 2.0]))
        q = m.distributions.Normal(V(m, [0.0, 0.0]), scale)
        kl = m.distributions.kl._kl_expfamily_expfamily(p, q)
        kl.sum().backward()
        g = m.distributions.Gamma(V(m, [2.0, 3.0]), 1.0)
        out.append([kl, scale.grad, m.distributions.ExponentialFamily.entropy(g),
                    m.distributions.ExponentialFamily.entropy(p)])
    for a, b in zip(*out):
        np.testing.assert_allclose(np_of(b), np_of(a), rtol=1e-12)


def test_numpy_backed_backwards_refuse_a_second_derivative():
    from pytorchlite.distributions import _math
    x = pl.tensor([0.3], dtype=pl.float64, requires_grad=True)
    (gx,) = pl.autograd.grad(_math.erfinv(x).sum(), [x], create_graph=True)
    with pytest.raises(RuntimeError):
        gx.sum().backward()


def test_kl_errors_and_registration():
    messages = {}
    for m in (ref, pl):
        D = m.distributions
        for p, q in ((D.Laplace(0.0, 1.0), D.Dirichlet(m.ones(2))),
                     (D.Dirichlet(m.ones(2)), D.Normal(0.0, 1.0)),
                     (D.Independent(D.Normal(m.zeros(2), 1.0), 1), D.Normal(0.0, 1.0))):
            with pytest.raises(NotImplementedError) as err:
                D.kl_divergence(p, q)
            messages.setdefault(m.__name__, []).append(str(err.value))
        with pytest.raises(ValueError, match="different event shapes"):
            D.kl_divergence(D.MultivariateNormal(m.zeros(2), m.eye(2)),
                            D.MultivariateNormal(m.zeros(3), m.eye(3)))

        class MyNormal(D.Normal):
            pass

        # a subclass finds its parent's rule, until one is registered for it
        p, q = MyNormal(0.0, 1.0), D.Normal(1.0, 2.0)
        np.testing.assert_allclose(D.kl_divergence(p, q).item(),
                                   D.kl_divergence(D.Normal(0.0, 1.0), q).item())

        @D.register_kl(MyNormal, D.Normal)
        def _kl(p, q):
            return m.tensor(42.0)

        assert D.kl_divergence(p, q).item() == 42.0
    assert messages["pytorchlite"] == messages["torch"]


# ------------------------------------------------------------------ special functions

def _special_inputs():
    return np.concatenate([np.linspace(-4.75, -0.05, 40), np.linspace(0.01, 60, 300)])


@pytest.mark.parametrize("fn", ["lgamma", "digamma", "erfinv"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_special_functions_match_torch(fn, dtype):
    from pytorchlite.distributions import _math
    x = _special_inputs() if fn != "erfinv" else np.linspace(-0.999, 0.999, 301)
    x = x.astype(dtype)
    a = getattr(ref, fn)(ref.from_numpy(x))
    b = getattr(_math, fn)(pl.from_numpy(x))
    assert b.dtype == getattr(pl, dtype)
    np.testing.assert_allclose(np_of(b), np_of(a), rtol=1e-5 if dtype == "float32" else 1e-11,
                               atol=1e-6 if dtype == "float32" else 1e-11)
    xs = np.array([0.0, -0.0, -1.0, -2.0, 1.0, np.inf, np.nan], dtype=dtype)
    if fn == "erfinv":
        xs = np.array([1.0, -1.0, 0.0, 2.0, np.nan], dtype=dtype)
    a = getattr(ref, fn)(ref.from_numpy(xs))
    b = getattr(_math, fn)(pl.from_numpy(xs))
    np.testing.assert_allclose(np_of(b), np_of(a), rtol=1e-6, equal_nan=True)  # inf/nan exact


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_core_lgamma_digamma_ops(dtype):
    x = np.concatenate([_special_inputs(), [0.0, -0.0, -1.0, 10.0, 1e18, np.inf, -np.inf,
                                            np.nan, 1e-30]]).astype(dtype)
    # digamma follows torch's algorithm bit for bit; lgamma is libm's (torch's differs by an ulp)
    assert same_bits(ref.from_numpy(x).digamma(), pl.from_numpy(x).digamma())
    np.testing.assert_allclose(np_of(pl.lgamma(pl.from_numpy(x))),
                               np_of(ref.lgamma(ref.from_numpy(x))),
                               rtol=4e-7 if dtype == "float32" else 1e-15,
                               atol=1e-8 if dtype == "float32" else 1e-15, equal_nan=True)
    for m in (ref, pl):
        t = m.tensor([0.5, 3.0], requires_grad=True)
        assert type(t.lgamma().grad_fn).__name__ == "LgammaBackward0"
        assert type(m.digamma(t).grad_fn).__name__ == "DigammaBackward0"
        assert m.tensor([1, 2]).lgamma().dtype == m.float32
    assert_grads_match([[0.3, 1.7, 6.0, -0.4, 25.0]], lambda m, t: t.lgamma() + t.digamma(),
                       rtol=1e-12)

    def second(m, t):  # d/dx of lgamma's gradient (double backward through LgammaBackward0)
        (g,) = m.autograd.grad(t.lgamma().sum(), [t], create_graph=True)
        return g
    assert_grads_match([[0.3, 1.7, 6.0, -0.4]], second, rtol=1e-12)


@pytest.mark.parametrize("fn", ["lgamma", "digamma", "erfinv"])
def test_special_function_gradients_match_torch(fn):
    from pytorchlite.distributions import _math
    x = [0.3, 1.7, 6.0, -0.4] if fn != "erfinv" else [-0.9, 0.1, 0.5]
    assert_grads_match([x], lambda m, t: getattr(ref, fn)(t) if m is ref else
                       getattr(_math, fn)(t), rtol=1e-9)


def test_cholesky_and_triangular_solve_gradients_match_torch():
    from pytorchlite.distributions import _math
    a = [[[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]]]
    b = [[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]]
    assert_grads_match([a], lambda m, x: ref.linalg.cholesky(x) if m is ref else
                       _math.cholesky(x))
    tri = [[2.0, 0.0, 0.0], [0.5, 1.5, 0.0], [-1.0, 0.3, 0.8]]
    assert_grads_match([tri, b], lambda m, x, y: ref.linalg.solve_triangular(
        x, y, upper=False) if m is ref else _math.solve_triangular(x, y, upper=False))
    assert_grads_match([np.array(tri).T.tolist(), b], lambda m, x, y: ref.linalg.solve_triangular(
        x, y, upper=True) if m is ref else _math.solve_triangular(x, y, upper=True))


# ------------------------------------------------------------------ the samplers' streams

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_standard_gamma_stream_bitwise(dtype):
    alphas = np.array([0.0, 1e-3, 0.05, 0.3, 0.999, 1.0, 1.5, 2.5, 10.0, 100.0, 1e4, 3.4e38,
                       1e-40] * 40, dtype=dtype)
    a, b = [], []
    for m, out in ((ref, a), (pl, b)):
        m.manual_seed(123)
        out.append(m._standard_gamma(m.from_numpy(alphas)) if m is ref else
                   pl._C._standard_gamma(pl.from_numpy(alphas), None))
        out.append(m.rand(3))  # the stream continues in the same place
    assert same_bits(a[0], b[0]) and same_bits(a[1], b[1])


def test_standard_gamma_strided_and_generator():
    alphas = np.arange(1, 25, dtype=np.float64).reshape(4, 6) / 5
    for m in (ref, pl):
        m.manual_seed(0)
    t_in = ref.from_numpy(alphas).t()
    p_in = pl.from_numpy(alphas).t()
    a = ref._standard_gamma(t_in)
    b = pl._C._standard_gamma(p_in, None)
    assert same_bits(a, b)
    g1, g2 = ref.Generator().manual_seed(9), pl.Generator().manual_seed(9)
    assert same_bits(ref._standard_gamma(ref.ones(50), generator=g1),
                     pl._C._standard_gamma(pl.ones(50), g2))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dirichlet_stream_bitwise(dtype):
    rs = np.random.RandomState(0)
    alpha = (rs.gamma(1.0, size=(9, 7)) + 0.01).astype(dtype)
    for m in (ref, pl):
        m.manual_seed(77)
    a = ref._sample_dirichlet(ref.from_numpy(alpha))
    b = pl._C._sample_dirichlet(pl.from_numpy(alpha), None)
    assert same_bits(a, b)
    assert same_bits(ref.rand(2), pl.rand(2))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_poisson_and_binomial_streams_bitwise(dtype):
    # every branch: rate 0, the product of uniforms below 10, transformed rejection above;
    # binomial inversion, BTRS, p above 1/2 (the complement), p 0 and 1, count 0
    rates = np.array([0.0, 0.1, 1.0, 3.7, 9.99, 10.0, 15.0, 100.0, 1e4] * 20, dtype=dtype)
    n = np.array([0, 1, 5, 10, 20, 50, 100, 1000, 37] * 20, dtype=dtype)
    p = np.array([0.0, 0.3, 0.5, 0.9, 0.05, 0.5, 0.99, 0.2, 1.0] * 20, dtype=dtype)
    for m in (ref, pl):
        m.manual_seed(21)
    a = [ref.poisson(ref.from_numpy(rates)), ref.binomial(ref.from_numpy(n), ref.from_numpy(p)),
         ref.rand(2)]
    b = [pl._C._poisson(pl.from_numpy(rates), None),
         pl._C._binomial(pl.from_numpy(n), pl.from_numpy(p), None), pl.rand(2)]
    for x, y in zip(a, b):
        assert same_bits(x, y)


def test_poisson_huge_rates_match_torch():
    rates = [float("inf"), 1e18, 1e30, 5e9]
    for m in (ref, pl):
        m.manual_seed(4)
    a = ref.poisson(ref.tensor(rates, dtype=ref.float64))
    b = pl._C._poisson(pl.tensor(rates, dtype=pl.float64), None)
    assert same_bits(a, b)


def test_sampler_errors_match_torch():
    for fn in (lambda m: m._standard_gamma(m.ones(3, dtype=m.int64)) if m is ref else
               pl._C._standard_gamma(pl.ones(3, dtype=pl.int64), None),
               lambda m: m._sample_dirichlet(m.ones(3, dtype=m.int64)) if m is ref else
               pl._C._sample_dirichlet(pl.ones(3, dtype=pl.int64), None),
               lambda m: m.poisson(m.tensor([1.0, -1.0])) if m is ref else
               pl._C._poisson(pl.tensor([1.0, -1.0]), None)):
        with pytest.raises(Exception) as er:
            fn(ref)
        with pytest.raises(type(er.value)) as ep:
            fn(pl)
        assert str(ep.value) == str(er.value)


def test_straight_through_rsample_matches_torch():
    assert_grads_match([[0.2, 0.5, 0.3]], lambda m, p: (
        m.distributions.OneHotCategoricalStraightThrough(probs=p).rsample((5,))
        * V(m, [1.0, 2.0, 3.0])), seed=8)


def test_utils_match_torch():
    for fn in (lambda m, u: u.probs_to_logits(V(m, [0.0, 0.2, 1.0])),
               lambda m, u: u.probs_to_logits(V(m, [0.0, 0.2, 1.0]), is_binary=True),
               lambda m, u: u.logits_to_probs(V(m, [[0.5, -1.0, 3.0]])),
               lambda m, u: u.logits_to_probs(V(m, [0.5, -1.0, 3.0]), is_binary=True),
               lambda m, u: u.clamp_probs(m.tensor([0.0, 0.5, 1.0]))):
        a = fn(ref, ref.distributions.utils)
        b = fn(pl, pl.distributions.utils)
        np.testing.assert_allclose(np_of(b), np_of(a), rtol=1e-12)
        assert np_of(a).dtype == np_of(b).dtype
    a = ref.distributions.utils.broadcast_all(ref.zeros(2, 1, dtype=ref.float64), 3.0)
    b = pl.distributions.utils.broadcast_all(pl.zeros(2, 1, dtype=pl.float64), 3.0)
    assert [tuple(t.shape) for t in a] == [tuple(t.shape) for t in b]
    assert all(same_bits(x, y) for x, y in zip(a, b))
    for m in (ref, pl):
        with pytest.raises(ValueError, match="Input arguments must all be instances of Number"):
            m.distributions.utils.broadcast_all("a", 1.0)
