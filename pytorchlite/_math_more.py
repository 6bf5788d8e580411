"""More of PyTorch's math functions (issue 10): the in-place forms fmod_, remainder_, digamma_,
lgamma_; ldexp and frexp; the torch.* functions of the table's gcd, lcm and nextafter rows;
and the trapezoid rule (trapezoid, trapz, cumulative_trapezoid).

``METHODS`` are put on Tensor; ``FUNCTIONS`` are the torch.* names (``_everyday.py`` installs
both). The elementwise kernels live in the op table (csrc/core/op_table.h); what is here is
composition of core ops, recorded under PyTorch's node names where PyTorch has one.
"""
import math
import numbers

from . import _C
from . import _dtype as _dt
from ._named_op import composite, composite_

_B = _C.TensorBase
_LN2 = math.log(2.0)


def _is_t(x):
    return isinstance(x, _B)


def _dt_name(dtype):
    return _dt.scalar_name(dtype) if hasattr(_dt, "scalar_name") else \
        {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
         "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
         "float16": "Half", "bfloat16": "BFloat16"}[str(dtype).split(".")[-1]]


def _need_tensor(fname, x, name, pos):
    if not _is_t(x):
        raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


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
    return function


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
    exponent int32; 0 for zeros, infinities and nan).

    Note: computed with NumPy's frexp (C's), exact; mantissa's FrexpBackward0 is
    grad / 2**exponent.
    """
    from . import return_types
    from ._named_op import np

    if not self.dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    a = self._compute_numpy() if self.dtype == _dt.bfloat16 else self.detach().numpy()
    m, e = np.frexp(a)
    exponent = _C.from_numpy(np.ascontiguousarray(e.astype(np.int32)).reshape(-1)).reshape(
        tuple(self.shape))
    mant = _C.from_numpy(np.ascontiguousarray(m).reshape(-1)).reshape(tuple(self.shape)).to(
        self.dtype)
    scale = exponent.to(self.dtype).neg().exp2()

    def forward(x):
        return mant.clone() if x is self else mant.clone()

    mantissa = composite("FrexpBackward0", forward, self, saves=False,
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


METHODS = ["fmod_", "remainder_", "digamma_", "lgamma_", "ldexp", "ldexp_", "frexp"]
FUNCTIONS = {"gcd": _tensor_fn("gcd", _B.gcd), "ldexp": _tensor_fn("ldexp", ldexp), "lcm": _tensor_fn("lcm", _B.lcm),
             "nextafter": _tensor_fn("nextafter", _B.nextafter),
             "trapezoid": trapezoid, "trapz": trapz, "cumulative_trapezoid": cumulative_trapezoid}


def attach(cls):
    for name in METHODS:
        setattr(cls, name, globals()[name])
