"""Facts about dtypes: ``finfo``/``iinfo`` (limits, printed as PyTorch prints them) and the
promotion queries ``promote_types``, ``result_type`` and ``can_cast``."""
import builtins
import math

from . import _C
from . import _dtype as _dt

__all__ = ["finfo", "iinfo", "promote_types", "result_type", "can_cast"]

# bits, mantissa digits (with the implicit one), largest exponent, smallest normal exponent
_FLOAT_FORMATS = {
    "float16": (16, 11, 15, -14),
    "bfloat16": (16, 8, 127, -126),
    "float32": (32, 24, 127, -126),
    "float64": (64, 53, 1023, -1022),
}
_INT_BITS = {"uint8": 8, "int8": 8, "int16": 16, "int32": 32, "int64": 64}


class finfo:
    """Machine limits of a floating dtype (PyTorch's ``torch.finfo``); ``finfo()`` describes the
    default dtype. Fields: bits, eps, max, min, tiny, smallest_normal, resolution, dtype."""

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")
    _cache = {}

    def __new__(cls, type=None):  # noqa: A002 (PyTorch's name)
        if type is None:
            type = _C.get_default_dtype()  # noqa: A001
        if not isinstance(type, _dt.dtype):
            raise TypeError(f"finfo(): argument 'type' (position 1) must be torch.dtype, not "
                            f"{builtins.type(type).__name__}")
        if not type.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo "
                            "to handle 'torch.finfo'")
        self = cls._cache.get(type._name)
        if self is None:
            self = object.__new__(cls)
            bits, digits, emax, emin = _FLOAT_FORMATS[type._name]
            self.bits = bits
            self.eps = math.ldexp(1.0, 1 - digits)
            self.max = math.ldexp(2.0 - math.ldexp(1.0, 1 - digits), emax)
            self.min = -self.max
            self.tiny = self.smallest_normal = math.ldexp(1.0, emin)
            self.resolution = 10.0 ** -math.floor(-math.log10(self.eps))
            self.dtype = type._name
            cls._cache[type._name] = self
        return self

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype (PyTorch's ``torch.iinfo``): bits, min, max, dtype."""

    __slots__ = ("bits", "min", "max", "dtype")
    _cache = {}

    def __new__(cls, type):  # noqa: A002 (PyTorch's name)
        if not isinstance(type, _dt.dtype):
            raise TypeError(f"iinfo(): argument 'type' (position 1) must be torch.dtype, not "
                            f"{builtins.type(type).__name__}")
        if type is _dt.bool:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if type.is_floating_point:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        self = cls._cache.get(type._name)
        if self is None:
            self = object.__new__(cls)
            bits = _INT_BITS[type._name]
            self.bits = bits
            self.min = -(1 << (bits - 1)) if type.is_signed else 0
            self.max = (1 << (bits - 1)) - 1 if type.is_signed else (1 << bits) - 1
            self.dtype = type._name
            cls._cache[type._name] = self
        return self

    def __repr__(self):
        return f"iinfo(min={float(self.min):g}, max={float(self.max):g}, dtype={self.dtype})"


def _check_dtype(fname, argname, position, value):
    if not isinstance(value, _dt.dtype):
        raise TypeError(f"{fname}(): argument '{argname}' (position {position}) must be "
                        f"torch.dtype, not {type(value).__name__}")


def promote_types(type1, type2):
    """The smallest dtype both convert to without losing kind (PyTorch's table)."""
    _check_dtype("promote_types", "type1", 1, type1)
    _check_dtype("promote_types", "type2", 2, type2)
    return _C._promote_types(type1, type2)


def result_type(tensor, other):
    """The dtype of ``tensor op other``: dimensioned tensors over zero-dim ones over Python
    numbers within a kind, as PyTorch's arithmetic promotes."""
    return _C._result_type(tensor, other)


def can_cast(from_, to):
    """Whether a same-kind cast is allowed: no floating to integer, nothing but bool to bool."""
    _check_dtype("can_cast", "from_", 1, from_)
    _check_dtype("can_cast", "to", 2, to)
    if from_.is_floating_point and not to.is_floating_point:
        return False
    return not (from_ is not _dt.bool and to is _dt.bool)
