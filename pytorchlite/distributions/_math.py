"""Numerical pieces the distributions need that pytorchlite has no op for yet: lgamma and
digamma (thin wrappers of the core's ops), erfinv, logsumexp, matrix diagonals, a Cholesky
factorisation and a triangular solve, and the gamma / Dirichlet samplers with their
reparameterised gradients.

Each is either a composition of existing differentiable ops, or an autograd.Function whose
forward is computed with NumPy (in double, then cast to the input's dtype) and whose backward
is written with the same formulas PyTorch's derivatives use, so gradients flow through
``rsample`` and ``log_prob`` as they do in PyTorch. Those backwards are once_differentiable:
a second derivative through them raises instead of coming out wrong.

Note:
    erfinv and the incomplete gamma agree with PyTorch's to a few ulps, not bit for bit
    (lgamma to one ulp, digamma bit for bit); the samplers
    (``_C._standard_gamma``, ``_C._sample_dirichlet``) are bit for bit.
"""
import math

import numpy as np

from .. import _C
from ..autograd.function import Function, once_differentiable

__all__ = ["atan", "erfinv", "gammainc", "lgamma", "tan", "digamma", "logsumexp", "diagonal", "diag_embed", "tril", "cholesky",
           "solve_triangular", "standard_gamma", "sample_dirichlet", "flip_matrix"]


def _np(t):
    return t.detach().numpy()


def _like(a, t):
    """A new tensor from the array a, with t's dtype."""
    a = np.asarray(a, dtype=_np(t).dtype)
    return _C.from_numpy(np.ascontiguousarray(a).reshape(a.shape))


def _float_input(x):
    if not x.dtype.is_floating_point:
        x = x.to(_C.get_default_dtype())
    return x


# ---- lgamma / digamma in double precision NumPy (for the NumPy-backed gradients below) ----

def _lgamma_one(v):
    if v != v:
        return v
    if v <= 0 and (v == -math.inf or v == math.floor(v)):  # the poles (and -inf)
        return math.inf
    return math.lgamma(v)


_lgamma_u = np.frompyfunc(_lgamma_one, 1, 1)


def _lgamma_np(x):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore"):  # NaN inputs raise the flag inside the loop
        out = np.asarray(_lgamma_u(x), dtype=np.float64)
    return np.where(np.isnan(x), np.nan, out)


def _digamma_np(x):
    """psi(x): reflection below 0.5, recurrence up to 10, then the asymptotic series."""
    x = np.array(x, dtype=np.float64)
    out = np.zeros_like(x)
    with np.errstate(all="ignore"):
        pole = (x <= 0) & (x == np.floor(x))
        neg = x < 0.5
        refl = np.where(neg, -math.pi / np.tan(math.pi * x), 0.0)
        y = np.where(neg, 1.0 - x, x)
        while True:
            small = y < 10.0
            if not small.any():
                break
            out -= np.where(small, 1.0 / y, 0.0)
            y = np.where(small, y + 1.0, y)
        z = 1.0 / (y * y)
        series = z * (1 / 12 - z * (1 / 120 - z * (1 / 252 - z * (1 / 240 - z * (
            1 / 132 - z * (691 / 32760 - z / 12))))))
        out += np.log(y) - 0.5 / y - series + refl
    out = np.where(x == 0, np.copysign(np.inf, -x), out)
    out = np.where(pole & (x != 0), np.nan, out)
    return np.where(np.isnan(x), np.nan, out)


_erf_u = np.frompyfunc(math.erf, 1, 1)


def _erfinv_np(y):
    """erf^-1(y): a logarithmic starting guess refined by Newton steps on math.erf."""
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(all="ignore"):
        w = -np.log((1.0 - y) * (1.0 + y))
        t = 2 / (math.pi * 0.147) - w / 2
        x = np.sign(y) * np.sqrt(np.sqrt(t * t + w / 0.147) - t)
        inner = np.abs(y) < 1
        for _ in range(4):
            err = np.asarray(_erf_u(np.where(inner, x, 0.0)), dtype=np.float64) - y
            step = err / (2 / math.sqrt(math.pi) * np.exp(-x * x))
            x = np.where(inner, x - step, x)
    x = np.where(y == 1, np.inf, np.where(y == -1, -np.inf, x))
    return np.where((np.abs(y) > 1) | np.isnan(y), np.nan, x)


class _Erfinv(Function):
    @staticmethod
    def forward(ctx, y):
        out = _like(_erfinv_np(_np(y)), y)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x * x).exp() * (math.sqrt(math.pi) / 2)


def erfinv(y):
    """The inverse error function elementwise (torch.erfinv), differentiable."""
    return _Erfinv.apply(_float_input(y))


def lgamma(x):
    """log|Gamma(x)| elementwise (torch.lgamma), differentiable (the core's LgammaBackward0)."""
    return x.lgamma()


def digamma(x):
    """The digamma function psi(x) elementwise (torch.digamma), differentiable."""
    return x.digamma()


def logsumexp(x, dim, keepdim=False):
    """log(sum(exp(x), dim)) computed stably (torch.logsumexp), differentiable."""
    m = x.detach().max(dim, keepdim=True).values
    m = m.masked_fill(m.isinf(), 0.0)
    out = (x - m).exp().sum(dim, keepdim=True).log() + m
    return out if keepdim else out.squeeze(dim)


# ---- matrices: diagonals, triangles, Cholesky, triangular solves ----

def _eye(n, like):
    return _C.eye(n, dtype=like.dtype)


def diagonal(x):
    """The diagonals of the last two dims of a batch of square matrices, differentiable."""
    return (x * _eye(x.shape[-1], x)).sum(-1)


def diag_embed(v):
    """Batches of diagonal matrices with v's last dim on the diagonal, differentiable."""
    return v.unsqueeze(-1) * _eye(v.shape[-1], v)


def tril(x, diagonal=0):  # noqa: A002 - PyTorch's argument name
    """The lower triangle of the last two dims (zeros above), differentiable."""
    n, m = x.shape[-2], x.shape[-1]
    mask = np.tril(np.ones((n, m), dtype=_np(x).dtype if x.dtype.is_floating_point else bool),
                   diagonal)
    if x.dtype.is_floating_point:
        return x * _C.from_numpy(mask)
    return _C.from_numpy(np.where(mask, _np(x), np.zeros((), dtype=_np(x).dtype)))


def flip_matrix(x):
    """x flipped along its last two dims, differentiable."""
    idx_r = _C.arange(x.shape[-2] - 1, -1, -1)
    idx_c = _C.arange(x.shape[-1] - 1, -1, -1)
    return x.index_select(-2, idx_r).index_select(-1, idx_c)


def _sum_to(a, shape):
    """Sums the NumPy array a down to a broadcast-compatible shape."""
    shape = tuple(shape)
    lead = a.ndim - len(shape)
    if lead:
        a = a.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and a.shape[i] != 1)
    return a.sum(axis=axes, keepdims=True) if axes else a


def _mT(a):
    return np.swapaxes(a, -1, -2)


def _np_solve_tri(a, b, upper):
    """Solves a x = b for a triangular a (batched with broadcasting), in NumPy."""
    shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, shape + a.shape[-2:])
    b = np.broadcast_to(b, shape + b.shape[-2:])
    return np.linalg.solve(a, b) if a.size and b.size else np.zeros(shape + b.shape[-2:])


class _Cholesky(Function):
    @staticmethod
    def forward(ctx, a):
        arr = _np(a).astype(np.float64)
        try:
            lo = np.linalg.cholesky(arr)
        except np.linalg.LinAlgError:
            raise _C.LinAlgError if hasattr(_C, "LinAlgError") else RuntimeError(
                "linalg.cholesky: The factorization could not be completed because the "
                "input is not positive-definite.") from None
        out = _like(lo, a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        (lo,) = ctx.saved_tensors
        L, gL = _np(lo).astype(np.float64), _np(g).astype(np.float64)
        phi = np.tril(_mT(L) @ gL)
        n = L.shape[-1]
        phi[..., range(n), range(n)] *= 0.5
        # S = L^{-T} phi L^{-1}
        left = _np_solve_tri(_mT(L), phi, upper=True)
        s = _mT(_np_solve_tri(_mT(L), _mT(left), upper=True))
        return _like(0.5 * (s + _mT(s)), g)


def cholesky(a):
    """The lower Cholesky factor of a batch of positive-definite matrices
    (torch.linalg.cholesky), differentiable."""
    return _Cholesky.apply(a)


class _SolveTriangular(Function):
    @staticmethod
    def forward(ctx, a, b, upper):
        an, bn = _np(a).astype(np.float64), _np(b).astype(np.float64)
        an = np.triu(an) if upper else np.tril(an)
        x = _np_solve_tri(an, bn, upper)
        ctx.upper = upper
        ctx.shapes = (tuple(a.shape), tuple(b.shape))
        out = _like(x, b)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        an = _np(a).astype(np.float64)
        an = np.triu(an) if ctx.upper else np.tril(an)
        gb = _np_solve_tri(_mT(an), _np(g).astype(np.float64), not ctx.upper)
        ga = -gb @ _mT(_np(x).astype(np.float64))
        ga = np.triu(ga) if ctx.upper else np.tril(ga)
        ashape, bshape = ctx.shapes
        return _like(_sum_to(ga, ashape), a), _like(_sum_to(gb, bshape), g), None


def solve_triangular(a, b, upper=False):
    """X with a @ X = b for triangular a, batched with broadcasting
    (torch.linalg.solve_triangular(a, b, upper=upper)), differentiable in a and b."""
    return _SolveTriangular.apply(a, b, bool(upper))


# ---- gamma and Dirichlet samples with their reparameterised gradients ----

_GRAD_COEF = np.array([  # the bivariate rational approximation's coefficients (see below)
    [0.16009398, -0.094634809, 0.025146376, -0.0030648343,
     1, 0.32668115, 0.10406089, 0.0014179084],
    [0.53487893, 0.1298071, 0.065735949, -0.0015649758,
     0.16639465, 0.020070113, -0.0035938915, -0.00058392623],
    [0.040121004, -0.0065914022, -0.0026286047, -0.0013441777,
     0.017050642, -0.0021309326, 0.00085092367, -1.5247877e-07]])


def _standard_gamma_grad_np(alpha, x):
    """d x / d alpha for x ~ Gamma(alpha, 1) at fixed CDF value (implicit reparameterisation):
    a series for small x, Rice's saddle-point expansion for large alpha, otherwise a rational
    approximation in (log(x / alpha), log(alpha)). The regimes and coefficients are
    PyTorch's, so the gradients agree with torch's."""
    a = np.asarray(alpha, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    a, x = np.broadcast_arrays(a, x)
    out = np.empty_like(x)
    with np.errstate(all="ignore"):
        # series for x < 0.8
        numer = np.ones_like(x)
        denom = a.copy()
        s1, s2 = numer / denom, numer / (denom * denom)
        for i in range(1, 6):
            numer = numer * (-x / i)
            denom = denom + 1
            s1 = s1 + numer / denom
            s2 = s2 + numer / (denom * denom)
        pow_xa = x ** a
        pdf = x ** (a - 1) * np.exp(-x)
        cdf = pow_xa * s1
        cdf_a = (np.log(x) - _digamma_np(a)) * cdf - pow_xa * s2
        small = -cdf_a / pdf
        small = np.where(np.isnan(small), 0.0, small)
        # Rice saddle point for alpha > 8
        near = (0.9 * a <= x) & (x <= 1.1 * a)
        n1 = 1 + 24 * a * (1 + 12 * a)
        n2 = 1440 * (a * a) + 6 * x * (53 - 120 * x) - 65 * x * x / a + a * (107 + 3600 * x)
        near_v = n1 * n2 / (1244160 * (a * a) * (a * a))
        den = np.sqrt(8 * a)
        t2 = den / (a - x)
        t3 = (x - a - a * np.log(x / a)) ** -1.5
        t23 = np.where(x < a, t2 - t3, t2 + t3)
        t1 = np.log(x / a) * t23 - np.sqrt(2 / a) * (a + x) / ((a - x) * (a - x))
        stirling = 1 + 1 / (12 * a) * (1 + 1 / (24 * a))
        far_v = -stirling * (x * t1) / den
        rice = np.where(near, near_v, far_v)
        # rational approximation otherwise
        u, v = np.log(x / a), np.log(a)
        cv = _GRAD_COEF[0][:, None] + u.reshape(-1) * (
            _GRAD_COEF[1][:, None] + u.reshape(-1) * _GRAD_COEF[2][:, None])
        vv = v.reshape(-1)
        p = cv[0] + vv * (cv[1] + vv * (cv[2] + vv * cv[3]))
        q = cv[4] + vv * (cv[5] + vv * (cv[6] + vv * cv[7]))
        rational = np.exp(p / q).reshape(x.shape)
    out = np.where(x < 0.8, small, np.where(a > 8.0, rice, rational))
    return out


class _StandardGamma(Function):
    @staticmethod
    def forward(ctx, alpha, generator):
        out = _C._standard_gamma(alpha, generator)
        ctx.save_for_backward(alpha, out)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        alpha, out = ctx.saved_tensors
        grad = _standard_gamma_grad_np(_np(alpha), _np(out))
        return g * _like(grad, g), None


def standard_gamma(alpha, generator=None):
    """torch._standard_gamma(alpha): Gamma(alpha, 1) samples, differentiable in alpha."""
    if alpha.requires_grad:
        return _StandardGamma.apply(alpha, generator)
    return _C._standard_gamma(alpha, generator)


class _Dirichlet(Function):
    @staticmethod
    def forward(ctx, alpha, generator):
        out = _C._sample_dirichlet(alpha, generator)
        ctx.save_for_backward(alpha, out)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        alpha, x = ctx.saved_tensors
        from ._dirichlet_grad import dirichlet_grad_np
        an, xn, gn = _np(alpha).astype(np.float64), _np(x).astype(np.float64), _np(g)
        total = np.broadcast_to(an.sum(-1, keepdims=True), an.shape)
        grad = dirichlet_grad_np(xn, an, total)
        gn = gn.astype(np.float64)
        out = grad * (gn - (xn * gn).sum(-1, keepdims=True))
        return _like(out, g), None


def sample_dirichlet(alpha, generator=None):
    """torch._sample_dirichlet(alpha), differentiable in alpha (PyTorch's _Dirichlet)."""
    if alpha.requires_grad:
        return _Dirichlet.apply(alpha, generator)
    return _C._sample_dirichlet(alpha, generator)


def _gammainc_np(a, x):
    """The regularised lower incomplete gamma function P(a, x) in double precision: the power
    series for x < a + 1, otherwise 1 - Q with Q from Lentz's continued fraction."""
    a, x = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(x, dtype=np.float64))
    out = np.empty(a.shape, dtype=np.float64)
    flat_a, flat_x, flat = a.reshape(-1), x.reshape(-1), out.reshape(-1)
    tiny = 1e-300
    for i, (s, z) in enumerate(zip(flat_a, flat_x)):
        if math.isnan(s) or math.isnan(z) or s < 0 or z < 0:
            flat[i] = math.nan
        elif s == 0:
            flat[i] = 1.0 if z > 0 else math.nan
        elif z == 0:
            flat[i] = 0.0
        elif math.isinf(z):
            flat[i] = 1.0
        else:
            log_pre = s * math.log(z) - z - math.lgamma(s)
            if z < s + 1:
                term = total = 1.0 / s
                k = s
                for _ in range(10000):
                    k += 1
                    term *= z / k
                    total += term
                    if abs(term) < abs(total) * 1e-17:
                        break
                flat[i] = total * math.exp(log_pre)
            else:
                b = z + 1 - s
                c, d = 1 / tiny, 1 / b
                h = d
                for n in range(1, 10000):
                    an = -n * (n - s)
                    b += 2
                    d = an * d + b
                    d = tiny if abs(d) < tiny else d
                    c = b + an / c
                    c = tiny if abs(c) < tiny else c
                    d = 1 / d
                    delta = d * c
                    h *= delta
                    if abs(delta - 1) < 1e-16:
                        break
                flat[i] = 1.0 - math.exp(log_pre) * h
    return out


class _Gammainc(Function):
    @staticmethod
    def forward(ctx, a, x):
        ctx.save_for_backward(a, x)
        return _like(_gammainc_np(_np(a), _np(x)), x)

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        an, xn = _np(a).astype(np.float64), _np(x).astype(np.float64)
        with np.errstate(all="ignore"):
            dx = np.exp((an - 1) * np.log(xn) - xn - _lgamma_np(an))
        dx = _sum_to(np.broadcast_to(dx, np.broadcast_shapes(an.shape, xn.shape)) *
                     _np(g).astype(np.float64), tuple(x.shape))
        return None, _like(dx, x)


def gammainc(a, x):
    """The regularised lower incomplete gamma function (torch.special.gammainc),
    differentiable in x (PyTorch has no derivative in a either)."""
    return _Gammainc.apply(_float_input(a), _float_input(x))


class _Atan(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _like(np.arctan(_np(x)), x)

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (1 + x * x)


class _Tan(Function):
    @staticmethod
    def forward(ctx, x):
        out = _like(np.tan(_np(x)), x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 + y * y)


def atan(x):
    """arctan elementwise (torch.atan), differentiable."""
    return _Atan.apply(_float_input(x))


def tan(x):
    """tan elementwise (torch.tan), differentiable."""
    return _Tan.apply(_float_input(x))
