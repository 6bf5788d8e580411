"""pytorchlite.distributions on its own (no torch needed): sample statistics, normalisation of
densities, gradients against central differences, KL properties, the samplers' invariants and
the helpers (finfo, broadcast_shapes, broadcast_tensors)."""
import math

import numpy as np
import pytest

import pytorchlite as torch
import pytorchlite.distributions as D
from pytorchlite.distributions import _math


def arr(t):
    return np.asarray(t.detach().numpy())


STATS = [
    lambda: D.Normal(torch.tensor([0.0, 3.0]), torch.tensor([1.0, 0.5])),
    lambda: D.Uniform(torch.tensor([-1.0, 2.0]), torch.tensor([1.0, 5.0])),
    lambda: D.Bernoulli(torch.tensor([0.2, 0.9])),
    lambda: D.Exponential(torch.tensor([0.5, 4.0])),
    lambda: D.Laplace(torch.tensor([0.0, -2.0]), torch.tensor([1.0, 0.3])),
    lambda: D.Gamma(torch.tensor([0.3, 5.0]), torch.tensor([1.0, 2.0])),
    lambda: D.Beta(torch.tensor([0.5, 4.0]), torch.tensor([2.0, 1.0])),
    lambda: D.Dirichlet(torch.tensor([0.5, 1.0, 3.0])),
    lambda: D.OneHotCategorical(torch.tensor([0.2, 0.3, 0.5])),
    lambda: D.MultivariateNormal(torch.tensor([1.0, -1.0]),
                                 torch.tensor([[2.0, 0.6], [0.6, 1.0]])),
    lambda: D.Poisson(torch.tensor([0.7, 6.0, 40.0])),
    lambda: D.Binomial(torch.tensor([5.0, 30.0, 200.0]), torch.tensor([0.3, 0.5, 0.95])),
]


@pytest.mark.parametrize("k", range(len(STATS)))
def test_sample_moments(k):
    torch.manual_seed(k)
    d = STATS[k]()
    x = arr(d.sample((20000,))).astype(np.float64)
    mean, var = arr(d.mean), arr(d.variance)
    se = np.sqrt(var / x.shape[0])
    assert np.all(np.abs(x.mean(0) - mean) < 5 * se + 1e-3)
    np.testing.assert_allclose(x.var(0), var, rtol=0.1, atol=1e-3)
    assert x.shape == (20000,) + tuple(d.batch_shape) + tuple(d.event_shape)


def test_categorical_frequencies():
    torch.manual_seed(0)
    p = np.array([0.1, 0.6, 0.3])
    x = arr(D.Categorical(torch.tensor(p.tolist())).sample((30000,)))
    freq = np.bincount(x, minlength=3) / x.size
    assert np.all(np.abs(freq - p) < 0.015)


@pytest.mark.parametrize("build,lo,hi", [
    (lambda: D.Normal(0.5, 2.0), -20.0, 20.0), (lambda: D.Laplace(-1.0, 0.7), -20.0, 20.0),
    (lambda: D.Exponential(1.5), 0.0, 30.0), (lambda: D.Gamma(2.5, 1.5), 1e-9, 40.0),
    (lambda: D.Beta(2.0, 3.5), 1e-9, 1 - 1e-9), (lambda: D.Uniform(-1.0, 3.0), -0.999, 2.999),
])
def test_densities_integrate_to_one(build, lo, hi):
    d = build()
    x = np.linspace(lo, hi, 200001)
    pdf = np.exp(arr(d.log_prob(torch.tensor(x))))
    assert abs(np.trapezoid(pdf, x) - 1.0) < 2e-3


@pytest.mark.parametrize("d", [D.Bernoulli(torch.tensor([0.3, 0.8])),
                               D.Binomial(7, torch.tensor([0.1, 0.5, 0.8])),
                               D.Categorical(torch.tensor([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])),
                               D.OneHotCategorical(torch.tensor([0.2, 0.8]))], ids=repr)
def test_discrete_probabilities_sum_to_one(d):
    support = d.enumerate_support()
    total = arr(d.log_prob(support).exp().sum(0))
    np.testing.assert_allclose(total, np.ones_like(total), rtol=1e-6)


def _fd_rsample(build, params, shape=(6,), eps=1e-6):
    """rsample gradients (sum of the sample) vs central differences with the same seed."""
    leaves = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    torch.manual_seed(0)
    build(*leaves).rsample(shape).sum().backward()
    for i, p in enumerate(params):
        flat = np.array(p, dtype=np.float64).reshape(-1)
        numeric = np.zeros_like(flat)
        for j in range(flat.size):
            vals = []
            for sign in (1, -1):
                q = flat.copy()
                q[j] += sign * eps
                args = [torch.tensor(a, dtype=torch.float64) for a in params]
                args[i] = torch.tensor(q.reshape(np.shape(p)).tolist(), dtype=torch.float64)
                torch.manual_seed(0)
                vals.append(build(*args).rsample(shape).sum().item())
            numeric[j] = (vals[0] - vals[1]) / (2 * eps)
        np.testing.assert_allclose(arr(leaves[i].grad).reshape(-1), numeric, rtol=1e-5,
                                   atol=1e-6)


def test_location_scale_rsample_gradients_by_central_differences():
    _fd_rsample(D.Normal, [[0.0, 1.0], [1.0, 2.0]])
    _fd_rsample(D.Uniform, [[0.0, 1.0], [1.0, 3.0]])
    _fd_rsample(D.Laplace, [[0.0, 1.0], [1.0, 2.0]])
    _fd_rsample(D.Exponential, [[0.5, 2.0]])
    # a matrix parameter enters through its symmetric part, as the gradient does
    def sym(c):
        return (c + c.transpose(0, 1)) / 2
    _fd_rsample(lambda a, c: D.MultivariateNormal(a, covariance_matrix=sym(c)),
                [[0.0, 1.0], [[2.0, 0.5], [0.5, 1.0]]])
    _fd_rsample(lambda a, c: D.MultivariateNormal(a, precision_matrix=sym(c)),
                [[0.0, 1.0], [[2.0, 0.5], [0.5, 1.0]]])
    _fd_rsample(lambda a, c: D.MultivariateNormal(a, scale_tril=_math.tril(c)),
                [[0.0, 1.0], [[2.0, 0.0], [0.5, 1.0]]])


def test_gamma_rsample_gradient_is_the_implicit_one():
    # d x / d alpha holding the CDF fixed: F(x(a + h); a + h) = F(x(a); a), F by quadrature
    alpha = torch.tensor([0.4, 2.0, 12.0], dtype=torch.float64, requires_grad=True)
    torch.manual_seed(1)
    x = _math.standard_gamma(alpha)
    x.sum().backward()
    xs, a, g = arr(x), arr(alpha), arr(alpha.grad)

    def cdf(v, k):
        t = np.linspace(0.0, v, 400001)[1:]
        log_pdf = (k - 1) * np.log(t) - t - math.lgamma(k)
        return np.trapezoid(np.exp(log_pdf), t) + (t[0] ** k) / math.gamma(k + 1)
    for xi, ai, gi in zip(xs, a, g):
        h = 1e-4
        dF_da = (cdf(xi, ai + h) - cdf(xi, ai - h)) / (2 * h)
        pdf = math.exp((ai - 1) * math.log(xi) - xi - math.lgamma(ai))
        # PyTorch's approximation (which pytorchlite follows) is good to about 1%
        assert abs(gi - (-dF_da / pdf)) < 1.5e-2 * max(1.0, abs(gi))


def test_special_functions_against_math():
    x = np.array([0.1, 0.5, 1.0, 2.5, 7.0, 30.0])
    np.testing.assert_allclose(arr(_math.lgamma(torch.tensor(x))),
                               [math.lgamma(v) for v in x], rtol=1e-14)
    # digamma is lgamma's derivative; trigamma digamma's (central differences)
    h = 1e-5
    num = (np.array([math.lgamma(v + h) for v in x]) - [math.lgamma(v - h) for v in x]) / (2 * h)
    np.testing.assert_allclose(arr(_math.digamma(torch.tensor(x))), num, rtol=1e-7)
    t = torch.tensor(x, requires_grad=True)
    _math.digamma(t).sum().backward()
    num2 = (arr(_math.digamma(torch.tensor(x + h))) - arr(_math.digamma(torch.tensor(x - h)))) \
        / (2 * h)
    np.testing.assert_allclose(arr(t.grad), num2, rtol=1e-6)
    y = np.array([-0.9, -0.2, 0.0, 0.4, 0.99])
    back = [math.erf(v) for v in arr(_math.erfinv(torch.tensor(y)))]
    np.testing.assert_allclose(back, y, atol=1e-14)


def test_kl_of_a_distribution_with_itself_is_zero_and_positive_otherwise():
    cov = torch.tensor([[2.0, 0.5], [0.5, 1.0]], dtype=torch.float64)
    pairs = [
        (lambda s: D.Normal(torch.tensor([0.0, 1.0], dtype=torch.float64) * s, 1.0 + s)),
        (lambda s: D.Gamma(torch.tensor([0.5, 2.0], dtype=torch.float64) + s, 1.0 + s)),
        (lambda s: D.Beta(torch.tensor([0.5, 2.0], dtype=torch.float64) + s, 1.5)),
        (lambda s: D.Dirichlet(torch.tensor([0.5, 2.0, 1.0], dtype=torch.float64) + s)),
        (lambda s: D.Exponential(torch.tensor([0.5, 2.0], dtype=torch.float64) + s)),
        (lambda s: D.Laplace(s, 1.0 + s)),
        (lambda s: D.Bernoulli(torch.tensor([0.2, 0.6], dtype=torch.float64) + s / 4)),
        (lambda s: D.Categorical(torch.tensor([0.2, 0.6, 0.2], dtype=torch.float64) + s)),
        (lambda s: D.MultivariateNormal(torch.zeros(2, dtype=torch.float64) + s, cov * (1 + s))),
        (lambda s: D.Independent(D.Normal(torch.zeros(3, dtype=torch.float64) + s, 1.0), 1)),
    ]
    for build in pairs:
        same = arr(D.kl_divergence(build(0.0), build(0.0)))
        np.testing.assert_allclose(same, np.zeros_like(same), atol=1e-12)
        assert np.all(arr(D.kl_divergence(build(0.0), build(0.5))) > 0)


def test_kl_normal_matches_monte_carlo():
    torch.manual_seed(3)
    p, q = D.Normal(0.3, 1.2), D.Normal(-0.5, 0.8)
    x = p.sample((200000,))
    mc = (p.log_prob(x) - q.log_prob(x)).mean().item()
    assert abs(mc - D.kl_divergence(p, q).item()) < 0.02


def test_kl_uniform_outside_support_is_infinite():
    kl = D.kl_divergence(D.Uniform(0.0, 2.0), D.Uniform(0.5, 3.0))
    assert math.isinf(kl.item())


def test_standard_gamma_sampler_invariants():
    torch.manual_seed(5)
    a = torch.tensor([0.0, 1e-30, 0.5, 3.0] * 10)
    x = arr(torch._C._standard_gamma(a, None))
    assert np.all(x >= np.finfo(np.float32).tiny)  # never exactly 0, as in PyTorch
    torch.manual_seed(5)
    assert np.array_equal(x, arr(torch._C._standard_gamma(a, None)))
    g = torch.Generator().manual_seed(5)
    assert np.array_equal(x, arr(torch._C._standard_gamma(a, g)))
    with pytest.raises(NotImplementedError, match="\"gamma_cpu\" not implemented for 'Long'"):
        torch._C._standard_gamma(torch.ones(2, dtype=torch.int64), None)


def test_dirichlet_sampler_rows_are_on_the_simplex():
    torch.manual_seed(2)
    alpha = torch.tensor([[0.01, 0.02, 0.03], [5.0, 1.0, 0.5]], dtype=torch.float64)
    x = arr(torch._C._sample_dirichlet(alpha.expand(100, 2, 3), None))
    np.testing.assert_allclose(x.sum(-1), 1.0, rtol=1e-12)
    assert np.all((x > 0) & (x < 1))
    with pytest.raises(IndexError):
        torch._C._sample_dirichlet(torch.tensor(1.0), None)


def test_validation_errors_without_torch():
    with pytest.raises(ValueError, match="to satisfy the constraint GreaterThan"):
        D.Normal(0.0, -1.0)
    with pytest.raises(ValueError, match="to be within the support"):
        D.Exponential(1.0).log_prob(torch.tensor(-1.0))
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        D.Categorical()
    with pytest.raises(ValueError):
        D.Distribution.set_default_validate_args("yes")
    with pytest.raises(NotImplementedError, match="does not implement mode"):
        D.Distribution(validate_args=False).mode


def test_lazy_parameters_and_expand_share_storage():
    d = D.Bernoulli(logits=torch.tensor([0.0, 2.0]))
    assert "probs" not in d.__dict__
    np.testing.assert_allclose(arr(d.probs), 1 / (1 + np.exp(-np.array([0.0, 2.0]))), rtol=1e-6)
    assert "probs" in d.__dict__
    e = D.Normal(torch.zeros(3), 1.0).expand((4, 3))
    assert e.loc.stride() == (0, 1)
    assert tuple(e.sample().shape) == (4, 3)


def test_finfo_and_broadcasting_helpers():
    f = torch.finfo(torch.float32)
    assert f.eps == 2.0 ** -23 and f.tiny == 2.0 ** -126 and f.bits == 32
    assert torch.finfo().dtype == "float32" and torch.finfo(torch.float64).eps == 2.0 ** -52
    with pytest.raises(TypeError):
        torch.finfo(torch.int64)
    assert torch.broadcast_shapes((2, 1), (3,), ()) == torch.Size([2, 3])
    with pytest.raises(RuntimeError, match="Attempting to broadcast a dimension of length 3"):
        torch.broadcast_shapes((2,), (3,))
    a, b = torch.broadcast_tensors(torch.zeros(2, 1), torch.ones(3))
    assert tuple(a.shape) == tuple(b.shape) == (2, 3) and b.stride() == (0, 1)
    x = torch.ones(2, requires_grad=True)
    assert torch.broadcast_tensors(x, torch.ones(2))[0] is x  # no expand needed: x itself
    d = D.Normal(x, 1.0)
    assert d.loc is x
    d.rsample((3,)).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
