"""More of PyTorch's math functions (issue 10): the in-place forms fmod_, remainder_, digamma_,
lgamma_; polygamma and mvlgamma; ldexp and frexp; renorm, addr and put; the torch.* functions
of the table's gcd, lcm and nextafter rows; and the trapezoid rule (trapezoid, trapz,
cumulative_trapezoid).

``METHODS`` are put on Tensor; ``FUNCTIONS`` are the torch.* names (``_everyday.py`` installs
both). The elementwise kernels live in the op table (csrc/core/op_table.h); what is here is
composition of core ops, recorded under PyTorch's node names where PyTorch has one.
"""
import math
import numbers

from . import _C
from . import _dtype as _dt
from ._math_ops import _dt_name, _is_t, _need_tensor
from ._named_op import composite, composite_

_B = _C.TensorBase
_LN2 = math.log(2.0)


def _check_cast(result_dtype, self):
    from ._typeinfo import can_cast

    if result_dtype != self.dtype and not can_cast(result_dtype, self.dtype):
        raise RuntimeError(f"result type {_dt_name(result_dtype)} can't be cast to the "
                           f"desired output type {_dt_name(self.dtype)}")


def _tensor_fn(name, method):
    """torch.name(input, other): both Tensors (the method's argument positions plus one)."""
    def function(input, other):  # noqa: A002
        _need_tensor(name, input, "input", 1)
        _need_tensor(name, other, "other", 2)
        return method(input, other)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = method.__doc__
    function.fast_call = method  # a Tensor first: the method itself checks other (_out.install)
    return function


def _copysign_fn(input, other):  # noqa: A002
    """torch.copysign(input, other): other a Tensor or a number, input a Tensor."""
    if not _is_t(input):
        raise TypeError(f"copysign() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(other).__name__}), but expected one of:\n"
                        " * (Tensor input, Tensor other, *, Tensor out = None)\n"
                        " * (Tensor input, Number other, *, Tensor out = None)\n")
    return _B.copysign(input, other)


_copysign_fn.fast_call = _B.copysign


# ---- in-place remainder / fmod ----
def _mod_(name, floating, integral):
    def method(self, other):
        if not (_is_t(other) or isinstance(other, numbers.Number)):
            raise TypeError(f"{name}_() received an invalid combination of arguments - got "
                            f"({type(other).__name__}), but expected one of:\n"
                            " * (Tensor other)\n * (Number other)\n")
        self._check_overlap(other)
        if self._floating_with(other) and self.dtype.is_floating_point:
            return getattr(self, floating)(other)  # the core's in-place op and node
        r = getattr(self.detach(), integral)(other.detach() if _is_t(other) else other)
        _check_cast(r.dtype, self)
        return self.copy_(r)

    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = f"In-place ``{name}``."
    return method


fmod_ = _mod_("fmod", "_fmod_", "fmod")
remainder_ = _mod_("remainder", "_remainder_", "remainder")


# ---- in-place gamma functions ----
def _gamma_(name):
    def method(self):
        if not self.dtype.is_floating_point:
            _check_cast(_C.get_default_dtype(), self)
        return composite_(name[0].upper() + name[1:] + "Backward0",
                          lambda x: getattr(x, name)(), self)

    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = f"In-place ``{name}``."
    return method


digamma_ = _gamma_("digamma")
lgamma_ = _gamma_("lgamma")


# ---- polygamma / mvlgamma ----
def _order(fname, n):
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{fname}(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    return n


def polygamma(n, input):  # noqa: A002
    """The n-th derivative of digamma at input (torch.polygamma(n, input))."""
    _order("polygamma", n)
    _need_tensor("polygamma", input, "input", 2)
    return input._polygamma(n)


def _polygamma_method(self, n):
    """polygamma(n, self)."""
    return self._polygamma(_order("polygamma", n))


def polygamma_(self, n):
    """In-place ``polygamma`` (PolygammaBackward1, as PyTorch's)."""
    _order("polygamma_", n)
    if not self.dtype.is_floating_point:
        _check_cast(_C.get_default_dtype(), self)
    if n < 0:
        self.detach()._polygamma(n)  # (its error)
    return composite_("PolygammaBackward1", lambda x: x._polygamma(n), self)


def _mvlgamma(x, p):
    # PyTorch's composition: lgamma(x + j) over j = -(p-1)/2 ... 0 in halves, summed, plus the
    # constant p (p - 1) / 4 log(pi)
    from . import arange

    js = arange(-p / 2.0 + 0.5, 0.5, 0.5, dtype=x.dtype)
    return (x.unsqueeze(-1) + js).lgamma().sum(-1) + p * (p - 1) * math.log(math.pi) / 4


def mvlgamma(self, p, _pos=1):
    """The multivariate log-gamma function of dimension p."""
    if isinstance(p, bool) or not isinstance(p, int):
        raise TypeError(f"mvlgamma(): argument 'p' (position {_pos}) must be int, not "
                        f"{type(p).__name__}")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    x = self if self.dtype.is_floating_point else self.to(_C.get_default_dtype())
    return composite("MvlgammaBackward0", lambda t: _mvlgamma(t, p), x)


def _mvlgamma_fn(input, p):  # noqa: A002
    """torch.mvlgamma(input, p)."""
    _need_tensor("mvlgamma", input, "input", 1)
    return mvlgamma(input, p, _pos=2)


def mvlgamma_(self, p):
    """In-place ``mvlgamma``."""
    mvlgamma(self.detach().reshape(-1)[:0], p)  # (its argument checks)
    if not self.dtype.is_floating_point:  # (PyTorch's message names the two the other way)
        raise RuntimeError(f"mvlgamma: result type {_dt_name(self.dtype)} can't be cast to the "
                           f"desired output type {_dt_name(_C.get_default_dtype())}")
    return composite_("MvlgammaBackward0", lambda t: _mvlgamma(t, p), self)


# ---- ldexp / frexp ----
def _int_exponent(self, other):
    """PyTorch's exact path: a floating self and an integral (or bool) exponent."""
    return self.dtype.is_floating_point and not other.dtype.is_floating_point


def _pow2(self, other):
    """PyTorch's 2**other for ldexp's other path: float32 (or other's floating dtype) beside an
    integral or float32 self, else 2 as a 0-dim tensor of self's dtype raised to other."""
    if not self.dtype.is_floating_point or self.dtype == _dt.float32:
        return other.__rpow__(2.0)
    return _C.full((), 2.0, dtype=self.dtype).pow(other)


def _ldexp_exact(x, e):
    """x * 2**e rounded once into x's dtype, as C's ldexp: float64 by two exact powers of two
    (halves of e), the other floating dtypes through a float64 product."""
    e = e.long()
    if x.dtype == _dt.float64:
        e = e.clamp(-2200, 2200)
        half = e.div(2, rounding_mode="floor")
        return x * half.double().exp2() * (e - half).double().exp2()
    return (x.double() * e.clamp(-1100, 1100).double().exp2()).to(x.dtype)


def _ldexp(x, e):
    if _int_exponent(x, e):
        return _ldexp_exact(x, e)
    return x * _pow2(x, e)


def _ldexp_backward(grad, x, e):
    p = _pow2(x, e)
    gx = grad * p
    ge = grad * x * p * _LN2 if e.dtype.is_floating_point else None
    return gx, ge


def ldexp(self, other):
    """self * 2**other (exact for an integral exponent, as C's ldexp)."""
    _need_tensor("ldexp", other, "other", 1)
    return composite("LdexpBackward0", _ldexp, self, other, backward=_ldexp_backward)


def ldexp_(self, other):
    """In-place ``ldexp``."""
    _need_tensor("ldexp_", other, "other", 1)
    if not self.dtype.is_floating_point:
        raise RuntimeError(f"ldexp can't be cast to the desired output type {_dt_name(self.dtype)}")
    return composite_("LdexpBackward0", _ldexp, self, other, backward=_ldexp_backward)


def frexp(self):
    """(mantissa, exponent) with self == mantissa * 2**exponent, 0.5 <= |mantissa| < 1 (the
    exponent int32; 0 for zeros, infinities and nan); the mantissa's FrexpBackward0 is
    grad / 2**exponent."""
    from . import return_types

    mant, exponent = self._frexp()
    scale = exponent.to(self.dtype).neg().exp2()
    mantissa = composite("FrexpBackward0", lambda x: mant.clone(), self, saves=False,
                         backward=lambda g, x: g * scale)
    return return_types.frexp((mantissa, exponent))


# ---- the trapezoid rule ----
def _wrap(dim, n, fname):
    if not -max(n, 1) <= dim < max(n, 1):
        lo, hi = -max(n, 1), max(n, 1) - 1
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], "
                         f"but got {dim})")
    return dim % max(n, 1)


def _slices(y, dim):
    n = y.shape[dim]
    return y.narrow(dim, 1, n - 1), y.narrow(dim, 0, n - 1)


def _invalid(fname, y, x, dx):
    got = ", ".join([type(a).__name__ for a in (y, x) if a is not None] +
                    ([f"dx={type(dx).__name__}"] if dx is not None else []))
    return TypeError(f"{fname}() received an invalid combination of arguments - got ({got}), "
                     f"but expected one of:\n * (Tensor y, Tensor x, *, int dim = -1)\n"
                     f" * (Tensor y, *, Number dx = 1, int dim = -1)\n")


def _trapezoid_args(fname, y, x, dx, dim):
    if not _is_t(y) or (x is not None and (dx is not None or not _is_t(x))) or \
            (dx is not None and (isinstance(dx, bool) or not isinstance(dx, numbers.Number))):
        raise _invalid(fname, y, x, dx)
    if y.dtype == _dt.bool:
        raise RuntimeError(f"{fname}: received a bool input for `y`, but bool is not supported")
    dim = _wrap(dim, y.dim(), fname)
    if x is not None:
        if x.dtype == _dt.bool:
            raise RuntimeError(f"{fname}: received a bool input for `x`, but bool is not "
                               "supported")
    return dim


def _diffs(fname, y, x, dim):
    """x's spacings along dim, shaped to broadcast against y's slices."""
    if x.dim() == 1:
        if x.shape[0] != y.shape[dim]:
            raise RuntimeError(f"{fname}: There must be one `x` value for each sample point")
        d = x[1:] - x[:-1]
        shape = [1] * y.dim()
        shape[dim] = d.shape[0]
        return d.view(shape)
    d_dim = dim - y.dim() + x.dim()  # x aligned with y's trailing dims
    n = x.shape[d_dim] if 0 <= d_dim < x.dim() else 1
    hi, lo = x.narrow(d_dim, 1, n - 1), x.narrow(d_dim, 0, n - 1)
    return hi - lo


def _div2(t):
    return composite("DivBackward1", lambda u: u / 2.0, t, saves=False)


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoid rule along dim: with spacing dx (1 by default) or sample points x.

    As PyTorch computes it: (sum(y) - (y[0] + y[-1]) / 2) * dx for a constant spacing, and
    sum((x[1:] - x[:-1]) * (y[1:] + y[:-1])) / 2 for sample points.
    """
    dim = _trapezoid_args("trapezoid", y, x, dx, dim)
    if y.dim() and y.shape[dim] == 0:
        return y.sum(dim) * 0
    if x is not None:
        hi, lo = _slices(y, dim)
        return _div2((_diffs("trapezoid", y, x, dim) * (hi + lo)).sum(dim))
    ends = y.select(dim, 0) + y.select(dim, -1)
    dx = 1 if dx is None else dx
    return composite("MulBackward1", lambda t: t * dx, y.sum(dim) - ends * 0.5, saves=False)


def trapz(y, x=None, *, dx=None, dim=-1):
    """The trapezoid rule (torch.trapz: the older name of trapezoid)."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoid rule along dim (one fewer element than y along dim)."""
    dim = _trapezoid_args("cumulative_trapezoid", y, x, dx, dim)
    hi, lo = _slices(y, dim)
    if x is not None:
        return _div2((_diffs("cumulative_trapezoid", y, x, dim) * (hi + lo)).cumsum(dim))
    half = (1 if dx is None else dx) / 2.0
    return composite("MulBackward1", lambda t: t * half, hi + lo, saves=False).cumsum(dim)


# ---- renorm, addr, put ----
def _renorm(x, p, dim, maxnorm):
    dims = tuple(d for d in range(x.dim()) if d != dim)
    norm = x._vector_norm(float(p), dims, True)
    # maxnorm / (norm + 1e-7) as a true division (Python's number / tensor is a reciprocal
    # times the number, rounded differently)
    scale = _C.full((), float(maxnorm), dtype=norm.dtype).div(norm + 1e-7)
    factor = _C.where(norm > maxnorm, scale, _C.ones((), dtype=norm.dtype))
    return x * factor


def _renorm_args(self, p, dim, maxnorm):
    if not float(p) > 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        m = int(maxnorm) if float(maxnorm).is_integer() else maxnorm
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {m}")
    if self.dim() < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {self.dim()} "
                           "dimensions")
    return _wrap(dim, self.dim(), "renorm")


def renorm(self, p, dim, maxnorm):
    """Each slice along dim whose p-norm exceeds maxnorm scaled down to norm maxnorm (by
    maxnorm / (norm + 1e-7), as PyTorch's)."""
    dim = _renorm_args(self, p, dim, maxnorm)
    return composite("RenormBackward0", lambda x: _renorm(x, p, dim, maxnorm), self)


def renorm_(self, p, dim, maxnorm):
    """In-place ``renorm``."""
    dim = _renorm_args(self, p, dim, maxnorm)
    return composite_("RenormBackward0", lambda x: _renorm(x, p, dim, maxnorm), self)


def _addr_args(self, vec1, vec2, beta, alpha):
    _need_tensor("addr", vec1, "vec1", 1)
    _need_tensor("addr", vec2, "vec2", 2)
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v.dim() != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v.dim()}-D")
    integral = not (self.dtype.is_floating_point or vec1.dtype.is_floating_point or
                    vec2.dtype.is_floating_point)
    if integral and self.dtype != _dt.bool:
        for name, k in (("beta", beta), ("alpha", alpha)):
            if isinstance(k, float):
                raise RuntimeError(f"For integral input tensors, argument {name} must not be a "
                                   "floating point number.")


def _addr(m, v1, v2, beta, alpha):
    prod = v1.unsqueeze(1) * v2 if alpha == 1 else (v1.unsqueeze(1) * alpha) * v2
    if beta == 0:  # self is ignored (nan and inf in it do not propagate)
        return prod.to((m.detach().reshape(-1)[:0] + prod.detach().reshape(-1)[:0]).dtype)
    return (m if beta == 1 else m * beta) + prod


def addr(self, vec1, vec2, *, beta=1, alpha=1):
    """beta * self + alpha * outer(vec1, vec2)."""
    _addr_args(self, vec1, vec2, beta, alpha)
    self.detach().expand(vec1.shape[0], vec2.shape[0])  # (PyTorch's error when self does not fit)
    return composite("AddrBackward0", lambda m, a, b: _addr(m, a, b, beta, alpha), self, vec1,
                     vec2)


def addr_(self, vec1, vec2, *, beta=1, alpha=1):
    """In-place ``addr``."""
    _addr_args(self, vec1, vec2, beta, alpha)
    return composite_("AddrBackward0", lambda m, a, b: _addr(m, a, b, beta, alpha), self,
                      vec1, vec2)


def _put_args(self, index, source):
    _need_tensor("put_", index, "index", 1)
    _need_tensor("put_", source, "source", 2)
    if index.dtype != _dt.int64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got "
                           f"{_dt_name(index.dtype)}")
    if source.dtype != self.dtype:
        raise RuntimeError("put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {_dt_name(self.dtype)} and source.dtype = "
                           f"{_dt_name(source.dtype)}")
    if source.numel() != index.numel():
        raise IndexError("put_(): Expected source and index to have the same number of "
                         f"elements, but got source.numel() = {source.numel()}, "
                         f"index.numel() = {index.numel()}")
    n = self.numel()
    flat = index.reshape(-1)
    if flat.numel():
        bad = (flat >= n) | (flat < -n)
        if bool(bad.any()):
            i = int(flat[bad.nonzero()[0, 0]])
            raise IndexError(f"out of range: tried to access index {i} on a tensor of {n} "
                             "elements.")


def _put(x, index, source, accumulate):
    flat = x.reshape(-1).clone()
    idx = index.reshape(-1)
    idx = _C.where(idx < 0, idx + x.numel(), idx)
    if accumulate:
        flat = flat.index_add(0, idx, source.reshape(-1))
    else:
        flat = flat.index_copy(0, idx, source.reshape(-1))
    return flat.reshape(tuple(x.shape))


def put(self, index, source, accumulate=False):
    """A copy of self with source's elements written (or added, accumulate=True) at the flat
    positions index (negative ones count from the end)."""
    _put_args(self, index, source)
    return composite("PutBackward0", lambda x, s: _put(x, index, s, accumulate), self, source)


def put_(self, index, source, accumulate=False):
    """In-place ``put``."""
    _put_args(self, index, source)
    return composite_("PutBackward0", lambda x, s: _put(x, index, s, accumulate), self, source)


METHODS = ["fmod_", "remainder_", "digamma_", "lgamma_", "ldexp", "ldexp_", "frexp", "polygamma_",
           "mvlgamma", "mvlgamma_", "renorm", "renorm_", "addr", "addr_", "put", "put_"]
FUNCTIONS = {"gcd": _tensor_fn("gcd", _B.gcd), "ldexp": _tensor_fn("ldexp", ldexp),
             "lcm": _tensor_fn("lcm", _B.lcm),
             "nextafter": _tensor_fn("nextafter", _B.nextafter), "polygamma": polygamma,
             "igamma": _tensor_fn("igamma", _B.igamma), "igammac": _tensor_fn("igammac", _B.igammac),
             "atan2": _tensor_fn("atan2", _B.atan2), "arctan2": _tensor_fn("arctan2", _B.atan2),
             "hypot": _tensor_fn("hypot", _B.hypot), "fmax": _tensor_fn("fmax", _B.fmax),
             "fmin": _tensor_fn("fmin", _B.fmin), "maximum": _tensor_fn("maximum", _B.maximum),
             "minimum": _tensor_fn("minimum", _B.minimum), "copysign": _copysign_fn,
             "mvlgamma": _mvlgamma_fn,
             "trapezoid": trapezoid, "trapz": trapz, "cumulative_trapezoid": cumulative_trapezoid}


def attach(cls):
    for name in METHODS:
        setattr(cls, name, globals()[name])
    cls.polygamma = _polygamma_method
