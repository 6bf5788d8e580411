"""Elementwise math, bitwise and logical ops (logaddexp, xlogy, lerp, addcmul, the bitwise
operators ...) and, from _products.py, products of vectors and matrices, written from the core's
differentiable ops: none needs a backward of its own.

``attach(Tensor)`` puts the methods on Tensor; ``FUNCTIONS`` maps the torch.* names to their
functions (``__init__.py`` exports them).

Where PyTorch has a node of its own (LerpBackward0, AddcmulBackward0, XlogyBackward0...) the
composite is recorded as one node of that name whose backward differentiates it again
(_named_op.composite); the in-place forms take the same node.
"""
import math
import numbers

from . import _C
from . import _dtype as _dt
from ._named_op import composite, composite_
from ._rounding import whole as _whole
from .amp import _policy as _amp

_B = _C.TensorBase


def _is_t(x):
    return isinstance(x, _B)


def _need_tensor(fname, x, name, pos):
    if not _is_t(x):
        raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _scalar_ok(fname, x, name, pos):
    if not (_is_t(x) or isinstance(x, numbers.Number)):
        raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _as_tensor(x, like):
    """A Python number as a 0-dim tensor of the dtype it takes beside ``like``."""
    if _is_t(x):
        return x
    if isinstance(x, int) and not isinstance(x, bool) and not -2 ** 63 <= x < 2 ** 63:
        raise OverflowError("int too big to convert")
    return _C.full((), x, dtype=(like.detach().reshape(-1)[:0] + x).dtype)


def _float_of(t):
    """``t`` itself when floating, else converted to the default float dtype (PyTorch's
    promotion of integer inputs to unary float ops)."""
    return t if t.dtype.is_floating_point else t.to(_C.get_default_dtype())


def _where(cond, a, b):
    return _C.where(cond, a, b)


# ---- elementwise math ----
def logaddexp(self, other):
    """log(exp(self) + exp(other)), computed without overflow."""
    _need_tensor("logaddexp", other, "other", 2)
    return composite("LogaddexpBackward0", _logaddexp, _float_of(self), _float_of(other))


def _logaddexp(a, b):
    m = a.maximum(b)
    r = m + (-(a - b).abs()).exp().log1p()
    return _where(a == b, a + math.log(2.0), r)  # equal infinities: a - b is nan


def logaddexp2(self, other):
    """log2(2**self + 2**other), computed without overflow."""
    _need_tensor("logaddexp2", other, "other", 2)
    return composite("Logaddexp2Backward0", _logaddexp2, _float_of(self), _float_of(other))


def _logaddexp2(a, b):
    m = a.maximum(b)
    r = m + (-(a - b).abs() * math.log(2.0)).exp().log1p() / math.log(2.0)
    return _where(a == b, a + 1.0, r)


def logit(self, eps=None):
    """log(p / (1 - p)), with p clamped to [eps, 1 - eps] when eps is given."""
    if eps is not None and (isinstance(eps, bool) or not isinstance(eps, numbers.Real)):
        raise TypeError(f"logit(): argument 'eps' (position 1) must be float, not "
                        f"{type(eps).__name__}")
    return composite("LogitBackward0", lambda x: _logit(x, eps), _float_of(self))


def _logit(x, eps):
    if eps is not None:
        x = x.clamp(float(eps), 1.0 - float(eps))
    return (x / (1 - x)).log()


def logit_(self, eps=None):
    logit(self.detach(), eps)  # (its argument checks)
    return composite_("LogitBackward0", lambda x: _logit(x, eps), self)


def xlogy(self, other):
    """self * log(other), 0 where self is 0 (nan where other is nan)."""
    if not _is_t(self):
        _need_tensor("xlogy", other, "other", 2)
        self = _as_tensor(self, other)
        return composite("XlogyBackward1", lambda y: _xlogy(self, y), _float_of(other))
    _scalar_ok("xlogy", other, "other", 2)
    if not _is_t(other):
        y = _as_tensor(other, self)
        return composite("XlogyBackward2", lambda x: _xlogy(x, y), _float_of(self))
    return composite("XlogyBackward0", _xlogy, _float_of(self), _float_of(other))


def _xlogy(x, y):
    r = _where(x == 0, _C.zeros((), dtype=(x * y).dtype), x * y.log())
    return _where(y != y, y, r)


def xlogy_(self, other):
    if not _is_t(other):
        y = _as_tensor(other, self)
        return composite_("XlogyBackward2", lambda x: _xlogy(x, y), self)
    return composite_("XlogyBackward0", _xlogy, self, other)


def xlog1py(self, other):
    """self * log1p(other), 0 where self is 0 (torch.special.xlog1py)."""
    if not _is_t(self):
        _need_tensor("xlog1py", other, "other", 2)
        self = _as_tensor(self, other)
    other = _as_tensor(other, self)
    x, y = _float_of(self), _float_of(other)
    r = _where(x == 0, _C.zeros((), dtype=(x * y).dtype), x * y.log1p())
    return _where(y != y, y, r)


def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
    """nan, +inf and -inf replaced by nan, posinf and neginf (by default 0 and the dtype's
    largest and lowest finite values)."""
    fills = _nan_fills(self, nan, posinf, neginf)
    if fills is None:
        return self.clone()
    return composite("NanToNumBackward0", lambda x: _nan_to_num(x, *fills), self)


def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
    fills = _nan_fills(self, nan, posinf, neginf)
    if fills is None:
        return self
    return composite_("NanToNumBackward0", lambda x: _nan_to_num(x, *fills), self)


def _nan_fills(self, nan, posinf, neginf):
    """The three replacement values as 0-dim tensors of self's dtype (None for a non-floating
    self, which has nothing to replace)."""
    nan, posinf, neginf = (v.item() if _is_t(v) and v.numel() == 1 else v
                           for v in (nan, posinf, neginf))
    for value, name in ((nan, "nan"), (posinf, "posinf"), (neginf, "neginf")):
        if value is not None and (isinstance(value, bool) or
                                  not isinstance(value, numbers.Real)):
            raise TypeError(f"nan_to_num(): argument '{name}' must be float, not "
                            f"{type(value).__name__}")
    if not self.dtype.is_floating_point:
        return None
    from ._typeinfo import finfo

    fi = finfo(self.dtype)
    values = (0.0 if nan is None else nan, fi.max if posinf is None else posinf,
              fi.min if neginf is None else neginf)
    return tuple(_C.full((), v, dtype=self.dtype) for v in values)


def _nan_to_num(x, nan, big, low):
    r = _where(x != x, nan, x)
    r = _where(r == math.inf, big, r)
    return _where(r == -math.inf, low, r)


def signbit(self):
    """Whether the sign bit is set (True for -0.0 too)."""
    import numpy as np

    return _C.from_numpy(np.array(np.signbit(self._compute_numpy()), order="C"))


def sgn(self):
    """sign for real tensors (PyTorch's node SgnBackward0)."""
    if not self.dtype.is_floating_point:
        return self.sign()
    return composite("SgnBackward0", lambda x: x.sign(), self)


def heaviside(self, values):
    """0 where self < 0, values where self == 0, 1 where self > 0."""
    _check_heaviside(self, values)
    # PyTorch records a node (NotImplemented) whose backward raises; its edge is self's
    return composite("NotImplemented", lambda x: _heaviside(x, values), self,
                     backward=_no_heaviside_derivative)


def _check_heaviside(self, values):
    _need_tensor("heaviside", values, "values", 2)
    if self.dtype != values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")


def _heaviside(x, values):
    x, v = x.detach(), values.detach()
    pos = (x > 0).to(x.dtype)
    return _where(x == 0, v, pos) if x.dtype is not _dt.bool else (x | (v & ~x))


def _no_heaviside_derivative(g, x, op="heaviside"):
    raise RuntimeError(f"derivative for aten::{op} is not implemented")


def _check_lerp(self, end, weight):
    from ._legacy import _OPTION_NAMES as c_names

    if not (_is_t(weight) or isinstance(weight, numbers.Number)):
        raise TypeError(f"lerp(): argument 'weight' must be Tensor or Number, not "
                        f"{type(weight).__name__}")
    if self.dtype != end.dtype:
        raise RuntimeError(f"expected dtype {c_names[self.dtype]} for `end` but got dtype "
                           f"{c_names[end.dtype]}")
    if _is_t(weight) and weight.dtype != self.dtype:
        raise RuntimeError(f"expected dtype {c_names[self.dtype]} for `weight` but got dtype "
                           f"{c_names[weight.dtype]}")
    if not self.dtype.is_floating_point:
        kernel = "lerp_kernel_tensor" if _is_t(weight) else "lerp_kernel_scalar"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_dt_name(self.dtype)}\'')


def lerp(self, end, weight):
    """self + weight * (end - self); weight a number or a tensor."""
    _need_tensor("lerp", end, "end", 2)
    _check_lerp(self, end, weight)
    if _is_t(weight):
        return composite("LerpBackward1", _lerp, self, end, weight)
    return composite("LerpBackward0", lambda a, b: _lerp(a, b, weight), self, end)


def _lerp(a, b, weight):
    """PyTorch's vectorised lerp: fma(w, b - a, a) for |w| < 0.5, else fma(w - 1, b - a, b),
    in float32 for the 16- and 32-bit floats. The fma is exact here for those (float64 holds
    the product exactly; the one rounding of the sum is float32's in all but ~2^-29 of cases),
    float64's rounds twice."""
    opmath = _dt.float64 if a.dtype in (_dt.float32, _dt.float16, _dt.bfloat16) else a.dtype
    diff = b - a if a.dtype in (_dt.float32, _dt.float64) else b.float() - a.float()
    if _is_t(weight):
        small = weight.abs() < 0.5
        w = weight.float() if weight.dtype in (_dt.float16, _dt.bfloat16) else weight
        coeff = _C.where(small, w, w - 1).to(opmath)
        base = _C.where(small, a, b).to(opmath)
    else:
        small = abs(weight) < 0.5
        w = _C.full((), weight, dtype=diff.dtype)  # the weight in the compute dtype
        coeff = (w if small else w - 1).item()
        base = (a if small else b).to(opmath)
    return (diff.to(opmath) * coeff + base).to(a.dtype)


def lerp_(self, end, weight):
    _need_tensor("lerp_", end, "end", 2)
    _check_lerp(self, end, weight)
    shapes = (self.shape, end.shape) + ((weight.shape,) if _is_t(weight) else ())
    if tuple(_broadcast_shapes(*shapes)) != tuple(self.shape):
        return self.copy_(lerp(self, end, weight))  # (copy_ raises the shape error)
    if _is_t(weight):
        return composite_("LerpBackward1", _lerp, self, end, weight)
    return composite_("LerpBackward0", lambda a, b: _lerp(a, b, weight), self, end)


def _addc(fname, self, tensor1, tensor2, value, op):
    _check_addc(fname, tensor1, tensor2)
    name = "AddcmulBackward0" if fname == "addcmul" else "AddcdivBackward0"
    return composite(name, lambda s, a, b: s + value * op(a, b), self, tensor1, tensor2)


def _check_addc(fname, tensor1, tensor2):
    _need_tensor(fname, tensor1, "tensor1", 2)
    _need_tensor(fname, tensor2, "tensor2", 3)
    if fname == "addcdiv" and not tensor1.dtype.is_floating_point and \
            not tensor2.dtype.is_floating_point:
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
            "to(input.dtype) using PyTorch 1.5.0 or older. The future addcdiv behavior can be "
            "implemented with torch.addcmul(input, value, tensor1 / tensor2) instead.")


def _broadcast_shapes(*shapes):
    from . import broadcast_shapes

    return broadcast_shapes(*shapes)


def _value_overload(fname, tensor1, tensor2, rest, value):
    """PyTorch's deprecated addcmul/addcdiv(input, value, tensor1, tensor2) form."""
    import warnings

    if len(rest) != 1 or value != 1:
        raise TypeError(f"{fname}() takes 3 positional arguments but {3 + len(rest)} were given")
    if _is_t(tensor1) and tensor1.numel() == 1:
        tensor1 = tensor1.item()
    if not isinstance(tensor1, numbers.Number):
        raise TypeError(f"{fname}(): argument 'value' must be Number, not "
                        f"{type(tensor1).__name__}")
    warnings.warn(f"This overload of {fname} is deprecated:\n\t{fname}(Tensor input, Number "
                  f"value, Tensor tensor1, Tensor tensor2)\nConsider using one of the following "
                  f"signatures instead:\n\t{fname}(Tensor input, Tensor tensor1, Tensor "
                  "tensor2, *, Number value = 1)", UserWarning, stacklevel=3)
    return tensor2, rest[0], tensor1


def addcmul(self, tensor1, tensor2, *rest, value=1):
    """self + value * tensor1 * tensor2."""
    if rest:
        tensor1, tensor2, value = _value_overload("addcmul", tensor1, tensor2, rest, value)
    return _addc("addcmul", self, tensor1, tensor2, value, lambda a, b: a * b)


def addcdiv(self, tensor1, tensor2, *rest, value=1):
    """self + value * tensor1 / tensor2."""
    if rest:
        tensor1, tensor2, value = _value_overload("addcdiv", tensor1, tensor2, rest, value)
    return _addc("addcdiv", self, tensor1, tensor2, value, lambda a, b: a / b)


def _addc_(fname, self, tensor1, tensor2, rest, value):
    if rest:
        tensor1, tensor2, value = _value_overload(fname, tensor1, tensor2, rest, value)
    _check_addc(fname, tensor1, tensor2)
    shape = tuple(_broadcast_shapes(self.shape, tensor1.shape, tensor2.shape))
    if shape != tuple(self.shape):
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast "
                           f"shape {list(shape)}")
    if fname == "addcmul":
        return composite_("AddcmulBackward0", lambda s, a, b: s + value * (a * b), self,
                          tensor1, tensor2)
    return composite_("AddcdivBackward0", lambda s, a, b: s + value * (a / b), self, tensor1,
                      tensor2)


def addcmul_(self, tensor1, tensor2, *rest, value=1):
    return _addc_("addcmul", self, tensor1, tensor2, rest, value)


def addcdiv_(self, tensor1, tensor2, *rest, value=1):
    return _addc_("addcdiv", self, tensor1, tensor2, rest, value)


def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|self - other| <= atol + rtol * |other|, elementwise (equal infinities are close)."""
    _need_tensor("isclose", other, "other", 2)
    _tolerances("isclose", rtol, atol, equal_nan)
    if self.dtype != other.dtype:
        raise RuntimeError(f"{_dt_name(self.dtype)} did not match {_dt_name(other.dtype)}")
    a, b = self.detach(), other.detach()
    eq = a == b
    if equal_nan:
        eq = eq | ((a != a) & (b != b))
    if not self.dtype.is_floating_point:
        if self.dtype is _dt.bool:
            return eq
        a, b = a.double(), b.double()
    close = (a - b).abs() <= atol + rtol * b.abs()
    return eq | (close & (a.abs() != math.inf) & (b.abs() != math.inf))


def _tolerances(fname, rtol, atol, equal_nan):
    for pos, (value, name) in enumerate(((rtol, "rtol"), (atol, "atol")), 2):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be float, not "
                            f"{type(value).__name__}")
    if not isinstance(equal_nan, bool):
        raise TypeError(f"{fname}(): argument 'equal_nan' (position 4) must be bool, not "
                        f"{type(equal_nan).__name__}")


def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every element of self is close to other's (``isclose(...).all()``)."""
    _need_tensor("allclose", other, "other", 2)
    _tolerances("allclose", rtol, atol, equal_nan)
    return bool(isclose(self, other, rtol, atol, equal_nan).all())


def isposinf(self):
    return self == math.inf if self.dtype.is_floating_point else _C.zeros(self.shape,
                                                                          dtype=_dt.bool)


def isneginf(self):
    return self == -math.inf if self.dtype.is_floating_point else _C.zeros(self.shape,
                                                                           dtype=_dt.bool)


def isreal(self):
    """True everywhere: pytorchlite has no complex dtypes."""
    return _C.ones(self.shape, dtype=_dt.bool)


def positive(self):
    if self.dtype is _dt.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return self


def frac(self):
    """self - trunc(self) (PyTorch's node FracBackward0); floating only, as PyTorch's kernel."""
    if not self.dtype.is_floating_point:
        _whole(self, "frac", "frac_cpu", True)
    return composite("FracBackward0", lambda x: x - x.trunc(), self)


def frac_(self):
    if not self.dtype.is_floating_point:
        _whole(self, "frac", "frac_cpu", True)
    return composite_("FracBackward0", lambda x: x - x.trunc(), self)


def square(self):
    """self ** 2 (PowBackward0, as PyTorch); bools square to int64."""
    if self.dtype == _dt.bool:
        return self.long() * self.long()  # PyTorch squares bools to int64
    return self.pow(2)


def square_(self):
    return self.copy_(self.square())


def sgn_(self):
    return self.sign_()


def heaviside_(self, values):
    _check_heaviside(self, values)
    return composite_("NotImplemented", lambda x: _heaviside(x, values), self,
                      backward=lambda g, x: _no_heaviside_derivative(g, x, "heaviside_"))


def true_divide_(self, other):
    return self.div_(other)


def floor_divide_(self, other):
    return self.__ifloordiv__(other)


def castable_result(self, r):
    """r, the result of an in-place op on self, when PyTorch's can_cast lets it into self's
    dtype; else PyTorch's RuntimeError."""
    if r.dtype != self.dtype:
        from ._typeinfo import can_cast

        if not can_cast(r.dtype, self.dtype):
            raise RuntimeError(f"result type {_dt_name(r.dtype)} can't be cast to the "
                               f"desired output type {_dt_name(self.dtype)}")
    return r


def _rounding_inplace(name):
    # floor_/ceil_/trunc_/round_: the core's in-place kernel on floating tensors; integer
    # tensors are already whole (PyTorch leaves them as they are); bool has no kernel
    def method(self):
        if self.dtype is _dt.bool:
            raise NotImplementedError(f'"{name}_vml_cpu" not implemented for \'Bool\'')
        if self.dtype.is_floating_point:
            return getattr(self, "_" + name + "_")()
        return self
    method.__name__ = name + "_"
    return method


floor_ = _rounding_inplace("floor")
ceil_ = _rounding_inplace("ceil")
trunc_ = _rounding_inplace("trunc")
round_ = _rounding_inplace("round")


def is_signed(self):
    """Whether the dtype is signed (the floating dtypes are)."""
    return self.dtype.is_signed


def fix(self):
    return self.trunc()


def fix_(self):
    return self.copy_(self.trunc())


def float_power(self, exponent):
    """self ** exponent computed in float64."""
    if not _is_t(self):
        _need_tensor("float_power", exponent, "exponent", 2)
        return exponent.double().__rpow__(float(self))
    _scalar_ok("float_power", exponent, "exponent", 2)
    e = exponent.double() if _is_t(exponent) else float(exponent)
    return self.double().pow(e)


def float_power_(self, exponent):
    _scalar_ok("float_power_", exponent, "exponent", 1)
    if self.dtype is not _dt.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {_dt_name(self.dtype)} "
                           "but the operation's result requires dtype Double")
    return self.copy_(float_power(self, exponent))


def _dt_name(d):
    return {_dt.float32: "Float", _dt.float64: "Double", _dt.int64: "Long", _dt.bool: "Bool",
            _dt.float16: "Half", _dt.bfloat16: "BFloat16", _dt.int32: "Int", _dt.int16: "Short",
            _dt.int8: "Char", _dt.uint8: "Byte"}.get(d, str(d))


def _bound(value):
    """A clamp bound; a Python int past int64 is PyTorch's OverflowError."""
    if isinstance(value, int) and not isinstance(value, bool) and \
            not -2 ** 63 <= value < 2 ** 63:
        raise OverflowError("int too big to convert")
    return value


def clamp_min(self, min):  # noqa: A002
    return self.clamp(min=_bound(min))


def clamp_max(self, max):  # noqa: A002
    return self.clamp(max=_bound(max))


def clamp_min_(self, min):  # noqa: A002
    return self.clamp_(min=_bound(min))


def clamp_max_(self, max):  # noqa: A002
    return self.clamp_(max=_bound(max))


# ---- logical and bitwise ----
def logical_and(self, other):
    _need_tensor("logical_and", other, "other", 2)
    return self.bool() & other.bool()


def logical_or(self, other):
    _need_tensor("logical_or", other, "other", 2)
    return self.bool() | other.bool()


def logical_xor(self, other):
    _need_tensor("logical_xor", other, "other", 2)
    return self.bool() ^ other.bool()


def logical_not(self):
    return ~self.bool()


def _integral_check(name, *ts):
    for t in ts:
        if _is_t(t) and t.dtype.is_floating_point:
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'{_dt_name(t.dtype)}\'')
        if isinstance(t, float):
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'Float\'')


def bitwise_and(self, other):
    return self & _bound(other)


def bitwise_or(self, other):
    return self | _bound(other)


def bitwise_xor(self, other):
    return self ^ _bound(other)


def bitwise_not(self):
    _integral_check("bitwise_not", self)
    return ~self


def _shift(self, other, left):
    """self << other (left) or self >> other in int64 arithmetic, as PyTorch: shifts of the
    width or more (or negative) give 0, or -1 for a right shift of a negative value."""
    import numpy as np

    name = "lshift" if left else "rshift"
    if not _is_t(self) and not _is_t(other):
        fname = "bitwise_left_shift" if left else "bitwise_right_shift"
        raise TypeError(f"{fname}() received an invalid combination of arguments - got "
                        f"({type(self).__name__}, {type(other).__name__})")
    if not (_is_t(other) or isinstance(other, numbers.Number)):
        raise TypeError(f"unsupported operand type(s) for shift: '{type(other).__name__}'")
    if not _is_t(self):
        self = _as_tensor(self, other)
    _integral_check(name, self, other)
    other_t = _as_tensor(other, self)
    dtype = (self.detach() & other_t.detach()).dtype
    if dtype is _dt.bool:
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'Bool\'')
    bits = 8 * _C.zeros((), dtype=dtype).element_size()
    a = self.detach().to(dtype).long().numpy()
    b = other_t.detach().to(dtype).long().numpy()
    a, b = np.broadcast_arrays(a, b)
    ok = (b >= 0) & (b < bits)
    sh = np.where(ok, b, 0)
    if left:
        res = np.where(ok, np.left_shift(a, sh), 0)
    else:
        res = np.where(ok, np.right_shift(a, sh), np.where(a < 0, -1, 0))
    return _C.from_numpy(np.array(res.astype(np.int64), order="C")).to(dtype)


def bitwise_left_shift(self, other):
    return _shift(self, other, True)


def bitwise_right_shift(self, other):
    return _shift(self, other, False)


def _lshift(self, other):
    if not (_is_t(other) or isinstance(other, numbers.Number)):
        return NotImplemented
    return _shift(self, other, True)


def _rshift(self, other):
    if not (_is_t(other) or isinstance(other, numbers.Number)):
        return NotImplemented
    return _shift(self, other, False)


def _rlshift(self, other):
    if not isinstance(other, numbers.Number):
        return NotImplemented
    return _shift(_as_tensor(other, self), self, True)


def _rrshift(self, other):
    if not isinstance(other, numbers.Number):
        return NotImplemented
    return _shift(_as_tensor(other, self), self, False)


def _ilshift(self, other):
    return self.copy_(_shift(self, other, True))


def _irshift(self, other):
    return self.copy_(_shift(self, other, False))


# ---- products (_products.py) ----
from ._products import (addbmm, addbmm_, addmv, addmv_, baddbmm, baddbmm_, cdist,  # noqa: E402
                        cosine_similarity, cross, dist, ger, inner, kron, linalg_cross, mv,
                        outer, tensordot)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each element of ``elements`` is in ``test_elements``."""
    import numpy as np

    def number(v):
        return isinstance(v, numbers.Number) and not isinstance(v, complex)

    if not ((_is_t(elements) or number(elements)) and (_is_t(test_elements) or number(test_elements))
            and (_is_t(elements) or _is_t(test_elements))):
        got = ", ".join("Tensor" if _is_t(v) else type(v).__name__
                        for v in (elements, test_elements))
        tail = "bool assume_unique = False, bool invert = False, Tensor out = None)"
        raise TypeError(f"isin() received an invalid combination of arguments - got ({got}), but "
                        f"expected one of:\n * (Tensor elements, Tensor test_elements, *, {tail}\n"
                        f" * (Number element, Tensor test_elements, *, {tail}\n"
                        f" * (Tensor elements, Number test_element, *, {tail}\n")
    a = elements._compute_numpy() if _is_t(elements) else np.asarray(elements)
    b = test_elements._compute_numpy() if _is_t(test_elements) else np.asarray(test_elements)
    r = np.isin(a, b, invert=invert)
    shape = tuple(elements.shape) if _is_t(elements) else ()
    return _C.from_numpy(np.ascontiguousarray(r).reshape(-1)).reshape(shape)


METHODS = ["allclose", "logaddexp", "logaddexp2", "logit", "logit_", "xlogy", "xlogy_", "nan_to_num",
           "nan_to_num_", "signbit", "sgn", "heaviside", "lerp", "lerp_", "addcmul", "addcdiv",
           "addcmul_", "addcdiv_", "isclose", "isposinf", "isneginf", "isreal", "positive",
           "fix", "fix_", "float_power", "float_power_", "clamp_min", "clamp_max",
           "clamp_min_", "clamp_max_", "logical_and", "logical_or", "logical_xor",
           "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
           "bitwise_left_shift", "bitwise_right_shift", "mv", "addmv", "addmv_", "addbmm",
           "baddbmm", "addbmm_", "baddbmm_", "outer", "ger", "inner", "kron", "cross", "dist",
           "frac", "frac_", "square", "square_", "sgn_", "heaviside_", "true_divide_",
           "floor_divide_",
           "floor_", "ceil_", "trunc_", "round_", "is_signed"]


def _logical_inplace(name):
    fn = globals()[name]

    def method(self, *args):
        r = fn(self, *args)
        from .autograd import no_grad

        with no_grad():  # not differentiable: PyTorch records nothing, even on a leaf
            return self.copy_(r)
    method.__name__ = name + "_"
    return method


def _bitwise_inplace(name, op):
    def method(self, other):
        r = op(self, other)
        if r.dtype != self.dtype and not (self.dtype.is_floating_point or
                                          r.dtype is _dt.bool):
            from ._typeinfo import can_cast

            if not can_cast(r.dtype, self.dtype):
                raise RuntimeError(f"result type {_dt_name(r.dtype)} can't be cast to the "
                                   f"desired output type {_dt_name(self.dtype)}")
        return self.copy_(r)
    method.__name__ = name
    return method


for _n in ("logical_and", "logical_or", "logical_xor", "logical_not"):
    globals()[_n + "_"] = _logical_inplace(_n)
    METHODS.append(_n + "_")
bitwise_and_ = _bitwise_inplace("bitwise_and_", bitwise_and)
bitwise_or_ = _bitwise_inplace("bitwise_or_", bitwise_or)
bitwise_xor_ = _bitwise_inplace("bitwise_xor_", bitwise_xor)
bitwise_not_ = _bitwise_inplace("bitwise_not_", lambda a, b: bitwise_not(a))
bitwise_left_shift_ = _bitwise_inplace("bitwise_left_shift_", bitwise_left_shift)
bitwise_right_shift_ = _bitwise_inplace("bitwise_right_shift_", bitwise_right_shift)
METHODS += ["bitwise_and_", "bitwise_or_", "bitwise_xor_", "bitwise_left_shift_",
            "bitwise_right_shift_"]
del _n


def bitwise_not__(self):
    return self.copy_(bitwise_not(self))


# the torch.* functions whose first argument must be a Tensor are made from the methods in
# __init__.py; these take a Python number first or are not methods at all
FUNCTIONS = {"tensordot": tensordot, "cdist": cdist, "cosine_similarity": cosine_similarity,
             "isin": isin, "xlogy": xlogy, "float_power": float_power,
             "bitwise_left_shift": bitwise_left_shift,
             "bitwise_right_shift": bitwise_right_shift}


def attach(cls):
    for name in METHODS:
        setattr(cls, name, globals()[name])
    cls.bitwise_not_ = bitwise_not__
    cls.__lshift__ = _lshift
    cls.__rshift__ = _rshift
    cls.__rlshift__ = _rlshift
    cls.__rrshift__ = _rrshift
    cls.__ilshift__ = _ilshift
    cls.__irshift__ = _irshift
