"""Probability distributions (torch.distributions): parameterisable distributions with
sampling that follows PyTorch's random streams (the same seed gives the same samples),
log-densities, entropies, moments, and KL divergences between common pairs.

``import pytorchlite.distributions as D`` (or ``torch.distributions`` through the lazy module
attribute) gives the classes below.

Note:
    pytorchlite has a subset of PyTorch's distributions (those listed in ``__all__``) and of
    its transforms (see ``transforms``).
"""
from . import constraints
from .bernoulli import Bernoulli
from .counts import Binomial, Poisson
from .cauchy import Cauchy, Geometric
from .categorical import Categorical, OneHotCategorical, OneHotCategoricalStraightThrough
from .dirichlet import Beta, Dirichlet
from .distribution import Distribution, ExponentialFamily
from .exponential import Exponential
from .gamma import Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .transformed_distribution import HalfNormal, LogNormal, TransformedDistribution
from . import transforms
from .uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Dirichlet", "Distribution", "Exponential",
           "ExponentialFamily", "Gamma", "Geometric", "HalfNormal", "Independent", "Laplace", "LogNormal",
           "MultivariateNormal", "TransformedDistribution", "transforms",
           "Normal", "OneHotCategorical", "OneHotCategoricalStraightThrough", "Poisson", "Uniform",
           "constraints", "kl_divergence", "register_kl"]
