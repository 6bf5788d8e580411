"""torch.distributions against real torch: the same seed gives the same samples (bit for bit
where the underlying stream is reproduced), and log_prob, entropy, moments, cdf/icdf, shapes,
validation errors and printed forms agree. Skipped without torch."""
import math

import numpy as np
import pytest

ref = pytest.importorskip("torch")
import pytorchlite as pl  # noqa: E402


def np_of(t):
    return np.ascontiguousarray(t.detach().numpy())


def same_bits(a, b):
    a, b = np_of(a), np_of(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def close(a, b, rtol=1e-5, atol=1e-6):
    a, b = np_of(a), np_of(b)
    assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, a.shape, b.dtype, b.shape)
    np.testing.assert_allclose(b, a, rtol=rtol, atol=atol, equal_nan=True)


def both(fn, seed=0):
    """fn(module) run under torch and pytorchlite, each after manual_seed(seed)."""
    out = []
    for m in (ref, pl):
        m.manual_seed(seed)
        out.append(fn(m))
    return out


def state_same():
    a = np_of(ref.get_rng_state()).astype(np.uint8).tobytes()
    b = np_of(pl.get_rng_state()).astype(np.uint8).tobytes()
    return a == b


def T(m, v, dtype="float32"):
    return m.tensor(v, dtype=getattr(m, dtype))


# Each entry: name -> fn(module, dtype) building the distribution with batched parameters.
DISTS = {
    "Normal": lambda m, dt: m.distributions.Normal(T(m, [0.0, 1.5, -2.0], dt),
                                                   T(m, [1.0, 0.5, 3.0], dt)),
    "Uniform": lambda m, dt: m.distributions.Uniform(T(m, [0.0, -1.0, 2.0], dt),
                                                     T(m, [1.0, 3.0, 2.5], dt)),
    "Bernoulli": lambda m, dt: m.distributions.Bernoulli(T(m, [0.1, 0.5, 0.95], dt)),
    "BernoulliLogits": lambda m, dt: m.distributions.Bernoulli(logits=T(m, [-2.0, 0.0, 3.0], dt)),
    "Categorical": lambda m, dt: m.distributions.Categorical(
        T(m, [[0.2, 0.5, 0.3], [0.7, 0.1, 0.2]], dt)),
    "CategoricalLogits": lambda m, dt: m.distributions.Categorical(
        logits=T(m, [[0.2, -1.5, 0.3, 2.0], [0.0, 0.0, 0.0, 0.0]], dt)),
    "OneHotCategorical": lambda m, dt: m.distributions.OneHotCategorical(
        T(m, [[0.2, 0.5, 0.3], [0.7, 0.1, 0.2]], dt)),
    "Exponential": lambda m, dt: m.distributions.Exponential(T(m, [0.5, 1.0, 4.0], dt)),
    "Laplace": lambda m, dt: m.distributions.Laplace(T(m, [0.0, 1.5, -2.0], dt),
                                                     T(m, [1.0, 0.5, 3.0], dt)),
    "Gamma": lambda m, dt: m.distributions.Gamma(T(m, [0.3, 1.0, 4.5], dt),
                                                 T(m, [1.0, 2.0, 0.5], dt)),
    "Beta": lambda m, dt: m.distributions.Beta(T(m, [0.5, 2.0, 7.0], dt),
                                               T(m, [1.5, 2.0, 0.3], dt)),
    "Dirichlet": lambda m, dt: m.distributions.Dirichlet(
        T(m, [[0.5, 1.0, 3.0], [2.0, 2.0, 2.0]], dt)),
    "MVNcov": lambda m, dt: m.distributions.MultivariateNormal(
        T(m, [0.0, 1.0], dt), covariance_matrix=T(m, [[2.0, 0.5], [0.5, 1.0]], dt)),
    "MVNprec": lambda m, dt: m.distributions.MultivariateNormal(
        T(m, [[0.0, 1.0], [1.0, -1.0]], dt), precision_matrix=T(m, [[2.0, 0.5], [0.5, 1.0]], dt)),
    "MVNtril": lambda m, dt: m.distributions.MultivariateNormal(
        T(m, [0.0, 1.0, 2.0], dt),
        scale_tril=T(m, [[1.0, 0.0, 0.0], [0.3, 2.0, 0.0], [-0.5, 0.1, 0.7]], dt)),
    "Poisson": lambda m, dt: m.distributions.Poisson(T(m, [0.0, 0.5, 4.0, 10.0, 250.0], dt)),
    "Binomial": lambda m, dt: m.distributions.Binomial(
        T(m, [12.0, 12.0, 12.0, 12.0], dt), T(m, [0.0, 0.3, 0.6, 1.0], dt)),
    "BinomialLogits": lambda m, dt: m.distributions.Binomial(
        T(m, [[100.0], [7.0]], dt), logits=T(m, [-1.0, 0.5, 4.0], dt)),
    "Cauchy": lambda m, dt: m.distributions.Cauchy(T(m, [0.0, 1.5, -2.0], dt),
                                                   T(m, [1.0, 0.5, 3.0], dt)),
    "Geometric": lambda m, dt: m.distributions.Geometric(T(m, [0.05, 0.5, 1.0], dt)),
    "GeometricLogits": lambda m, dt: m.distributions.Geometric(logits=T(m, [-3.0, 0.0, 2.0], dt)),
    "LogNormal": lambda m, dt: m.distributions.LogNormal(T(m, [0.0, 1.5, -2.0], dt),
                                                         T(m, [1.0, 0.5, 3.0], dt)),
    "HalfNormal": lambda m, dt: m.distributions.HalfNormal(T(m, [1.0, 0.5, 3.0], dt)),
    "Independent": lambda m, dt: m.distributions.Independent(
        m.distributions.Normal(T(m, [[0.0, 1.5], [1.0, -2.0]], dt),
                               T(m, [[1.0, 0.5], [2.0, 3.0]], dt)), 1),
}

# Samples are bit for bit the same as torch's (same stream, same arithmetic), except where a
# later elementwise op rounds differently (Laplace: log1p; MultivariateNormal: matmul order).
BITWISE = {"Normal", "Uniform", "Bernoulli", "BernoulliLogits", "Categorical",
           "CategoricalLogits", "OneHotCategorical", "Exponential", "Gamma", "Beta",
           "Dirichlet", "Independent", "Poisson", "Binomial", "BinomialLogits", "LogNormal",
           "HalfNormal", "Cauchy", "Geometric", "GeometricLogits"}

# A value in the support of each distribution, broadcastable to its batch + event shape.
VALUES = {
    "Normal": [0.3, 1.0, -4.0], "Uniform": [0.5, 2.0, 2.2], "Bernoulli": [1.0, 0.0, 1.0],
    "BernoulliLogits": [0.0, 1.0, 1.0], "Categorical": [2, 0], "CategoricalLogits": [3, 1],
    "OneHotCategorical": [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], "Exponential": [0.1, 2.0, 0.5],
    "Laplace": [0.3, 1.0, -4.0], "Gamma": [0.1, 2.0, 9.0], "Beta": [0.2, 0.5, 0.99],
    "Dirichlet": [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]], "MVNcov": [[0.5, 1.5], [0.0, 0.0]],
    "MVNprec": [[0.5, 1.5], [0.0, 0.0]], "MVNtril": [0.5, 1.5, -1.0],
    "LogNormal": [0.3, 1.0, 4.0], "HalfNormal": [0.3, 1.0, 4.0], "Cauchy": [0.3, 1.0, -4.0],
    "Geometric": [3.0, 1.0, 0.0], "GeometricLogits": [0.0, 2.0, 7.0],
    "Independent": [[0.5, 1.5], [0.0, 0.0]], "Poisson": [0.0, 1.0, 3.0, 12.0, 240.0],
    "Binomial": [0.0, 4.0, 7.0, 12.0], "BinomialLogits": [[30.0, 50.0, 98.0], [0.0, 3.0, 7.0]],
}

SAMPLE_SHAPES = [(), (5,), (2, 3)]


@pytest.mark.parametrize("name", sorted(DISTS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", SAMPLE_SHAPES, ids=str)
def test_sample_matches_torch(name, dtype, shape):
    a, b = both(lambda m: DISTS[name](m, dtype).sample(shape), seed=7)
    assert tuple(a.shape) == tuple(b.shape)
    if name in BITWISE:
        assert same_bits(a, b)
    else:
        close(a, b, rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-6)
    assert state_same()


@pytest.mark.parametrize("name", sorted(n for n in DISTS if DISTS[n](pl, "float32").has_rsample))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rsample_matches_torch(name, dtype):
    a, b = both(lambda m: DISTS[name](m, dtype).rsample((4,)), seed=3)
    if name in BITWISE:
        assert same_bits(a, b)
    else:
        close(a, b, rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-6)
    assert state_same()


def test_normal_sample_from_seed_zero():
    a, b = both(lambda m: m.distributions.Normal(0.0, 1.0).sample((3,)))
    assert same_bits(a, b)
    a, b = both(lambda m: m.distributions.Normal(0.0, 1.0).rsample((17,)))
    assert same_bits(a, b)


def test_scalar_parameters_and_long_streams():
    for build in (lambda m: m.distributions.Gamma(0.7, 2.0),
                  lambda m: m.distributions.Beta(2.0, 3.0),
                  lambda m: m.distributions.Exponential(3.0),
                  lambda m: m.distributions.Uniform(-1.0, 2.0),
                  lambda m: m.distributions.Bernoulli(0.3)):
        a, b = both(lambda m: build(m).sample((1000,)), seed=11)
        assert same_bits(a, b)
        assert state_same()


def test_laplace_draws_match_to_rounding():
    # the uniforms are torch's; the final log1p may round one ulp differently
    a, b = both(lambda m: m.distributions.Laplace(0.0, 1.0).sample((1000,)), seed=5)
    close(a, b, rtol=2e-6, atol=1e-6)
    assert state_same()


def _stats(d):
    return [d.mean, d.variance, d.stddev]


@pytest.mark.parametrize("name", sorted(DISTS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_log_prob_entropy_moments(name, dtype):
    rtol = 1e-5 if dtype == "float32" else 1e-10
    for m_ref, m_pl in [(ref, pl)]:
        dr, dp = DISTS[name](m_ref, dtype), DISTS[name](m_pl, dtype)
        vdt = "int64" if name.startswith("Categorical") else dtype
        vr, vp = T(m_ref, VALUES[name], vdt), T(m_pl, VALUES[name], vdt)
        close(dr.log_prob(vr), dp.log_prob(vp), rtol=rtol)
        try:
            entropy_ref = dr.entropy()
        except NotImplementedError as e:
            with pytest.raises(NotImplementedError) as got:
                dp.entropy()
            assert str(got.value) == str(e)
        else:
            close(entropy_ref, dp.entropy(), rtol=rtol)
        for a, b in zip(_stats(dr), _stats(dp)):
            close(a, b, rtol=rtol)
        assert tuple(dr.batch_shape) == tuple(dp.batch_shape)
        assert tuple(dr.event_shape) == tuple(dp.event_shape)
        try:
            mode_ref = dr.mode
        except NotImplementedError:
            with pytest.raises(NotImplementedError):
                dp.mode
        else:
            close(mode_ref, dp.mode, rtol=rtol)


@pytest.mark.parametrize("name", ["Normal", "Uniform", "Exponential", "Laplace", "LogNormal",
                                  "HalfNormal", "Cauchy"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cdf_icdf(name, dtype):
    rtol = 2e-5 if dtype == "float32" else 1e-9
    dr, dp = DISTS[name](ref, dtype), DISTS[name](pl, dtype)
    v = VALUES[name]
    close(dr.cdf(T(ref, v, dtype)), dp.cdf(T(pl, v, dtype)), rtol=rtol)
    q = [0.1, 0.5, 0.93]
    close(dr.icdf(T(ref, q, dtype)), dp.icdf(T(pl, q, dtype)), rtol=rtol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gamma_cdf(dtype):
    # torch's gammainc is itself an approximation (about 1e-10 for large concentrations)
    dr, dp = DISTS["Gamma"](ref, dtype), DISTS["Gamma"](pl, dtype)
    for v in (VALUES["Gamma"], [0.0, 0.7, 30.0]):
        close(dr.cdf(T(ref, v, dtype)), dp.cdf(T(pl, v, dtype)), rtol=1e-5, atol=1e-7)
    a = [100.0, 50.0, 0.3, 12.0]
    x = [90.0, 55.0, 1e-3, 40.0]
    g_ref = ref.distributions.Gamma(T(ref, a, dtype), 1.0).cdf(T(ref, x, dtype))
    g_pl = pl.distributions.Gamma(T(pl, a, dtype), 1.0).cdf(T(pl, x, dtype))
    close(g_ref, g_pl, rtol=1e-5 if dtype == "float32" else 1e-8, atol=1e-9)


@pytest.mark.parametrize("name", ["Bernoulli", "Categorical", "OneHotCategorical", "Binomial"])
def test_enumerate_support(name):
    for expand in (True, False):
        a = DISTS[name](ref, "float32").enumerate_support(expand=expand)
        b = DISTS[name](pl, "float32").enumerate_support(expand=expand)
        assert same_bits(a, b)


@pytest.mark.parametrize("name", sorted(DISTS))
def test_expand(name):
    dr = DISTS[name](ref, "float64")
    dp = DISTS[name](pl, "float64")
    new_batch = (4,) + tuple(dr.batch_shape)
    er, ep = dr.expand(new_batch), dp.expand(new_batch)
    assert tuple(er.batch_shape) == tuple(ep.batch_shape) == new_batch
    assert tuple(er.event_shape) == tuple(ep.event_shape)
    assert type(ep) is type(dp)
    a, b = both(lambda m: (er if m is ref else ep).sample((2,)), seed=1)
    assert tuple(a.shape) == tuple(b.shape)
    if name in BITWISE:
        assert same_bits(a, b)
    else:
        close(a, b, rtol=1e-12)
    if name not in ("Poisson", "BinomialLogits"):  # no entropy (inhomogeneous counts)
        close(er.entropy(), ep.entropy(), rtol=1e-10)


def test_log_prob_broadcasts_values():
    dr, dp = DISTS["Normal"](ref, "float32"), DISTS["Normal"](pl, "float32")
    v = [[0.0], [1.0], [2.0], [3.0]]
    a, b = dr.log_prob(T(ref, v)), dp.log_prob(T(pl, v))
    assert tuple(b.shape) == (4, 3)
    close(a, b)


# ------------------------------------------------------------------ printing and errors

REPRS = [
    lambda m: m.distributions.Normal(0.0, 1.0),
    lambda m: m.distributions.Normal(m.zeros(3), 1.0),
    lambda m: m.distributions.Uniform(0.0, 2.5),
    lambda m: m.distributions.Bernoulli(0.25),
    lambda m: m.distributions.Bernoulli(logits=m.zeros(2)),
    lambda m: m.distributions.Categorical(m.ones(3)),
    lambda m: m.distributions.OneHotCategorical(m.ones(3)),
    lambda m: m.distributions.Gamma(2.0, 3.0),
    lambda m: m.distributions.Beta(1.0, 2.0),
    lambda m: m.distributions.Dirichlet(m.ones(4)),
    lambda m: m.distributions.Exponential(m.ones(2, 2)),
    lambda m: m.distributions.Laplace(0.0, 2.0),
    lambda m: m.distributions.Independent(m.distributions.Normal(m.zeros(3), 1.0), 1),
    lambda m: m.distributions.MultivariateNormal(m.zeros(2), m.eye(2)),
    lambda m: m.distributions.MultivariateNormal(m.zeros(2), scale_tril=m.eye(2)),
    lambda m: m.distributions.Poisson(3.0),
    lambda m: m.distributions.LogNormal(0.0, 1.0),
    lambda m: m.distributions.HalfNormal(m.ones(2)),
    lambda m: m.distributions.TransformedDistribution(m.distributions.Normal(0.0, 1.0),
                                                      m.distributions.transforms.ExpTransform()),
    lambda m: m.distributions.Binomial(10, m.tensor([0.5, 0.2])),
]


@pytest.mark.parametrize("k", range(len(REPRS)))
def test_repr(k):
    assert repr(REPRS[k](pl)) == repr(REPRS[k](ref))


CONSTRAINTS = ["real", "positive", "nonnegative", "unit_interval", "simplex", "boolean",
               "one_hot", "real_vector", "lower_cholesky", "positive_definite",
               "nonnegative_integer", "positive_integer"]


@pytest.mark.parametrize("name", CONSTRAINTS)
def test_constraint_repr(name):
    assert repr(getattr(pl.distributions.constraints, name)) == \
        repr(getattr(ref.distributions.constraints, name))


def test_parameterised_constraint_reprs():
    for fn in (lambda c: c.interval(0.0, 2.0), lambda c: c.greater_than(1.5),
               lambda c: c.integer_interval(0, 4), lambda c: c.independent(c.positive, 2),
               lambda c: c.half_open_interval(-1.0, 1.0), lambda c: c.less_than(3)):
        assert repr(fn(pl.distributions.constraints)) == repr(fn(ref.distributions.constraints))


def _raised(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - compared with torch's
        return type(e).__name__, str(e)
    return None


ERRORS = [
    lambda m: m.distributions.Normal(0.0, -1.0),
    lambda m: m.distributions.Normal(m.zeros(2), m.tensor([1.0, 0.0])),
    lambda m: m.distributions.Normal(0.0, 1.0).log_prob(m.full((2,), float("nan"))),
    lambda m: m.distributions.Normal(m.zeros(2), 1.0).log_prob(m.zeros(3)),
    lambda m: m.distributions.Normal(0.0, 1.0).log_prob(1.0),
    lambda m: m.distributions.Bernoulli(1.5),
    lambda m: m.distributions.Bernoulli(),
    lambda m: m.distributions.Bernoulli(0.5, logits=0.0),
    lambda m: m.distributions.Bernoulli(0.5).log_prob(m.tensor(0.5)),
    lambda m: m.distributions.Categorical(m.tensor([0.5, -0.1, 0.6])),
    lambda m: m.distributions.Categorical(m.tensor(1.0)),
    lambda m: m.distributions.Categorical(m.ones(3)).log_prob(m.tensor([3])),
    lambda m: m.distributions.OneHotCategorical(m.ones(3)).log_prob(m.zeros(2)),
    lambda m: m.distributions.Uniform(1.0, 0.0),
    lambda m: m.distributions.Uniform(0.0, 1.0).log_prob(m.tensor(2.0)),
    lambda m: m.distributions.Exponential(1.0).log_prob(m.tensor(-1.0)),
    lambda m: m.distributions.Gamma(-1.0, 1.0),
    lambda m: m.distributions.Beta(1.0, 2.0).log_prob(m.tensor(1.5)),
    lambda m: m.distributions.Dirichlet(m.tensor(1.0)),
    lambda m: m.distributions.Dirichlet(m.tensor([1.0, -1.0])),
    lambda m: m.distributions.Dirichlet(m.ones(3)).log_prob(m.tensor([0.5, 0.6, 0.1])),
    lambda m: m.distributions.Laplace(0.0, 0.0),
    lambda m: m.distributions.MultivariateNormal(m.tensor(0.0), m.eye(1)),
    lambda m: m.distributions.MultivariateNormal(m.zeros(2)),
    lambda m: m.distributions.MultivariateNormal(m.zeros(2), m.eye(2), scale_tril=m.eye(2)),
    lambda m: m.distributions.MultivariateNormal(m.zeros(2), m.ones(2)),
    lambda m: m.distributions.MultivariateNormal(m.zeros(2), m.tensor([[1.0, 2.0], [2.0, 1.0]])),
    lambda m: m.distributions.MultivariateNormal(m.zeros(2), scale_tril=m.tensor(
        [[1.0, 1.0], [0.0, 1.0]])),
    lambda m: m.distributions.Independent(m.distributions.Normal(0.0, 1.0), 1),
    lambda m: m.distributions.Poisson(-1.0),
    lambda m: m.distributions.LogNormal(0.0, -1.0),
    lambda m: m.distributions.Geometric(m.tensor([0.0, 0.5])),
    lambda m: m.distributions.Geometric(1.5),
    lambda m: m.distributions.Cauchy(0.0, 0.0),
    lambda m: m.distributions.LogNormal(0.0, 1.0).log_prob(m.tensor(-1.0)),
    lambda m: m.distributions.HalfNormal(1.0).log_prob(m.tensor(-1.0)),
    lambda m: m.distributions.TransformedDistribution(m.distributions.Normal(0.0, 1.0), 3),
    lambda m: m.distributions.Poisson(2.0).log_prob(m.tensor(1.5)),
    lambda m: m.distributions.Binomial(2.5, m.tensor(0.5)),
    lambda m: m.distributions.Binomial(10, m.tensor(0.5)).log_prob(m.tensor(11.0)),
    lambda m: m.distributions.Binomial(m.tensor([3.0, 4.0]), m.tensor(0.5)).entropy(),
    lambda m: m.distributions.Normal(0.0, 1.0).expand((2,)).log_prob(m.zeros(3)),
    lambda m: m.distributions.Distribution.set_default_validate_args(2),
]


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_validation_errors_match_torch(k):
    expected = _raised(lambda: ERRORS[k](ref))
    assert expected is not None
    assert _raised(lambda: ERRORS[k](pl)) == expected


def test_validation_can_be_turned_off():
    for m in (ref, pl):
        d = m.distributions.Normal(0.0, -1.0, validate_args=False)
        assert math.isnan(d.log_prob(m.tensor(0.5)).item())
        D = m.distributions.Distribution
        D.set_default_validate_args(False)
        try:
            d = m.distributions.Bernoulli(1.5)
            assert d.probs.item() == 1.5
            m.distributions.Uniform(0.0, 1.0).log_prob(m.tensor(2.0))
        finally:
            D.set_default_validate_args(True)
        with pytest.raises(ValueError):
            m.distributions.Bernoulli(1.5)


def test_import_forms():
    import pytorchlite.distributions as D
    assert pl.distributions is D
    assert pl.distributions.Normal is D.normal.Normal
    from pytorchlite.distributions import constraints, kl_divergence  # noqa: F401
    assert "distributions" in dir(pl)
    assert pl.distributions.constraints.positive.check(pl.tensor([1.0, -1.0])).tolist() == \
        [True, False]


def _transformed(m):
    D, Tr = m.distributions, m.distributions.transforms
    base = D.Normal(T(m, [0.0, 1.0], "float64"), T(m, [1.0, 0.5], "float64"))
    return {
        "affine_exp": D.TransformedDistribution(base, [Tr.AffineTransform(1.0, 2.0),
                                                       Tr.ExpTransform()]),
        "sigmoid": D.TransformedDistribution(base, Tr.SigmoidTransform()),
        "logit": D.TransformedDistribution(D.Uniform(T(m, [0.0, 0.2], "float64"), 1.0),
                                           Tr.SigmoidTransform().inv),
        "power": D.TransformedDistribution(D.Exponential(T(m, [1.0, 2.0], "float64")),
                                           Tr.PowerTransform(0.5)),
        "affine_vec": D.TransformedDistribution(
            D.Normal(m.zeros(3, dtype=m.float64), 1.0),
            Tr.AffineTransform(T(m, [1.0, 2.0, 3.0], "float64"), T(m, [0.5, 2.0, 1.0], "float64"),
                               event_dim=1)),
        "tensor_scale": D.TransformedDistribution(
            base, Tr.AffineTransform(0.0, T(m, [[-1.0], [2.0]], "float64"))),
    }


@pytest.mark.parametrize("name", sorted(_transformed(pl)))
def test_transformed_distribution_matches_torch(name):
    dr, dp = _transformed(ref)[name], _transformed(pl)[name]
    assert tuple(dr.batch_shape) == tuple(dp.batch_shape)
    assert tuple(dr.event_shape) == tuple(dp.event_shape)
    assert repr(dr.support) == repr(dp.support)
    a, b = both(lambda m: (dr if m is ref else dp).sample((4,)), seed=9)
    close(a, b, rtol=1e-12)
    a, b = both(lambda m: (dr if m is ref else dp).rsample((4,)), seed=9)
    close(a, b, rtol=1e-12)
    close(dr.log_prob(a), dp.log_prob(b), rtol=1e-10)
    if name in ("affine_exp", "sigmoid", "logit"):
        q = [[0.2, 0.7]]
        close(dr.cdf(dr.icdf(T(ref, q, "float64"))), dp.cdf(dp.icdf(T(pl, q, "float64"))),
              rtol=1e-10)
        close(dr.icdf(T(ref, q, "float64")), dp.icdf(T(pl, q, "float64")), rtol=1e-10)
    er, ep = dr.expand((3,) + tuple(dr.batch_shape)), dp.expand((3,) + tuple(dp.batch_shape))
    assert tuple(er.batch_shape) == tuple(ep.batch_shape)


def test_transform_reprs_and_inverses():
    for fn in (lambda Tr: Tr.ExpTransform(), lambda Tr: Tr.ExpTransform().inv,
               lambda Tr: Tr.SigmoidTransform(), lambda Tr: Tr.AbsTransform(),
               lambda Tr: Tr.ComposeTransform([Tr.ExpTransform(), Tr.SigmoidTransform()])):
        assert repr(fn(pl.distributions.transforms)) == repr(fn(ref.distributions.transforms))
    x = [-1.5, 0.0, 2.0]
    for fn in (lambda Tr: Tr.ExpTransform(), lambda Tr: Tr.SigmoidTransform(),
               lambda Tr: Tr.AffineTransform(0.5, -3.0),
               lambda Tr: Tr.ComposeTransform([Tr.AffineTransform(0.5, 3.0), Tr.ExpTransform()])):
        tr, tp = fn(ref.distributions.transforms), fn(pl.distributions.transforms)
        xr, xp = T(ref, x, "float64"), T(pl, x, "float64")
        close(tr(xr), tp(xp), rtol=1e-12)
        close(tr.inv(tr(xr)), tp.inv(tp(xp)), rtol=1e-12)
        close(tr.log_abs_det_jacobian(xr, tr(xr)), tp.log_abs_det_jacobian(xp, tp(xp)),
              rtol=1e-12)
        assert tr.sign == tp.sign and tr.bijective == tp.bijective
    cached = pl.distributions.transforms.ExpTransform(cache_size=1)
    x = pl.tensor([0.5])
    assert cached.inv(cached(x)) is x
