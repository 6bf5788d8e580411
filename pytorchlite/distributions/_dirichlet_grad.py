"""The reparameterised gradient of Dirichlet samples (PyTorch's _dirichlet_grad), used by
Dirichlet.rsample and Beta.rsample.

For x ~ Beta(alpha, total - alpha) (one coordinate of a Dirichlet sample against the rest),
the implicit gradient dx/dalpha = -(d cdf / d alpha) / pdf has no closed form. PyTorch
approximates it piecewise, and so does this module, regime by regime, in double precision:
a Taylor series in x near 0 (and in 1 - x near 1), Rice's saddle-point expansion when both
concentrations exceed 6, and otherwise a rational correction (fitted coefficients below) to
the analytic approximation x (psi(total) - psi(alpha)) / beta. Using PyTorch's regimes and
coefficients is what makes the gradients agree with torch's.
"""
import math

import numpy as np

from ._math import _digamma_np

__all__ = ["dirichlet_grad_np"]


def _psi(v):
    return float(_digamma_np(v))


def _alpha_small(x, alpha, beta):
    """Taylor series for x near 0 (gradient with respect to alpha)."""
    factor = _psi(alpha) - _psi(alpha + beta) - math.log(x)
    numer = 1.0
    series = numer / alpha * (factor + 1 / alpha)
    for i in range(1, 11):
        numer *= (i - beta) * x / i
        denom = alpha + i
        series += numer / denom * (factor + 1 / denom)
    result = x * (1 - x) ** -beta * series
    return 0.0 if math.isnan(result) else result


def _beta_small(x, alpha, beta):
    """Taylor series for x near 0 (gradient with respect to beta)."""
    factor = _psi(alpha + beta) - _psi(beta)
    numer, betas, dbetas, series = 1.0, 1.0, 0.0, factor / alpha
    for i in range(1, 9):
        numer *= -x / i
        dbetas = dbetas * (beta - i) + betas
        betas = betas * (beta - i)
        series += numer / (alpha + i) * (dbetas + factor * betas)
    result = -(1 - x) ** (1 - beta) * series
    return 0.0 if math.isnan(result) else result


def _alpha_mid(x, alpha, beta):
    """Rice saddle-point expansion for large alpha and beta."""
    total = alpha + beta
    mean = alpha / total
    std = math.sqrt(alpha * beta / (total + 1)) / total
    if mean - 0.1 * std <= x <= mean + 0.1 * std:  # away from the singularity at the mean
        b2 = beta * beta
        poly = 47 * x * b2 * b2 + alpha * (
            (43 + 20 * (16 + 27 * beta) * x) * b2 * beta + alpha * (
                3 * (59 + 180 * beta - 90 * x) * b2 + alpha * (
                    (453 + 1620 * beta * (1 - x) - 455 * x) * beta + alpha * (
                        8 * (1 - x) * (135 * beta - 11)))))
        num = (1 + 12 * alpha) * (1 + 12 * beta) / (total * total)
        den = 12960 * alpha ** 3 * beta * beta * (1 + 12 * total)
        return num / (1 - x) * poly / den
    prefactor = -x / math.sqrt(2 * alpha * beta / total)

    def st(v):
        return 1 + 1 / (12 * v) + 1 / (288 * v * v)
    stirling = st(alpha) * st(beta) / st(total)
    axbx = alpha * (x - 1) + beta * x
    term1 = (2 * alpha * alpha * (x - 1) + alpha * beta * (x - 1) - x * beta * beta) / (
        math.sqrt(2 * alpha / beta) * total ** 1.5 * axbx * axbx)
    term2 = 0.5 * math.log(alpha / (total * x))
    term3 = math.sqrt(8 * alpha * beta / total) / (beta * x + alpha * (x - 1))
    base4 = beta * math.log(beta / (total * (1 - x))) + alpha * math.log(alpha / (total * x))
    term4 = base4 ** -1.5 if base4 > 0 else math.nan
    return stirling * prefactor * (term1 + term2 * (term3 + (term4 if x < mean else -term4)))


_RATIONAL = np.array([  # [numerator/denominator][power of u][power of a][power of b]
    [[[1.003668233, -0.01061107488, -0.0657888334, 0.01201642863],
      [0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033],
      [-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013]],
     [[0.221950385, -0.3187676331, 0.01799915743, 0.01074823814],
      [-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057],
      [0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05]],
     [[-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565],
      [0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181],
      [0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05]]],
    [[[1, -0.02924021934, -0.04438342661, 0.007285809825],
      [0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521],
      [-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149]],
     [[0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273],
      [0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956],
      [-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05]],
     [[0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05],
      [0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05],
      [-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06]]]])


def _rational(x, alpha, total):
    beta = total - alpha
    u = math.log(x)
    a = math.log(alpha) - u
    b = math.log(total) - a
    powers = np.array([1.0, b, b * b, b ** 3])
    weights = np.outer([1.0, u, u * u], [1.0, a, a * a])
    p = float((weights * (_RATIONAL[0] @ powers)).sum())
    q = float((weights * (_RATIONAL[1] @ powers)).sum())
    approx = x * (_psi(total) - _psi(alpha)) / beta
    return p / q * approx


def _grad_one(x, alpha, total):
    beta = total - alpha
    boundary = total * x * (1 - x)
    if x <= 0.5 and boundary < 2.5:
        return _alpha_small(x, alpha, beta)
    if x >= 0.5 and boundary < 0.75:
        return -_beta_small(1 - x, beta, alpha)
    if alpha > 6 and beta > 6:
        return _alpha_mid(x, alpha, beta)
    return _rational(x, alpha, total)


def dirichlet_grad_np(x, alpha, total):
    """Elementwise d x / d alpha for Dirichlet samples x with concentrations alpha whose sum
    along the last dim is total (all float64 arrays of one shape)."""
    out = np.empty(np.shape(x), dtype=np.float64)
    flat = out.reshape(-1)
    for i, (xi, ai, ti) in enumerate(zip(np.ravel(x), np.ravel(alpha), np.ravel(total))):
        flat[i] = _grad_one(float(xi), float(ai), float(ti))
    return out
