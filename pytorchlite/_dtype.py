"""Data types: ``pytorchlite.float32`` and friends, printed as PyTorch prints them."""

__all__ = ["dtype", "float32", "float64", "int64", "bool", "float", "double", "long"]


class dtype:
    """A tensor element type. Compare by identity; printed as ``torch.float32``.

    Note:
        pytorchlite has four dtypes: float32, float64, int64 and bool. The printed names keep
        PyTorch's ``torch.`` prefix so that output matches PyTorch's line for line.
    """

    __slots__ = ("_name", "is_floating_point", "is_complex", "is_signed", "itemsize")

    def __init__(self, name, is_floating_point, is_signed, itemsize):
        self._name = name
        self.is_floating_point = is_floating_point
        self.is_complex = False
        self.is_signed = is_signed
        self.itemsize = itemsize

    def __repr__(self):
        return "torch." + self._name

    def __reduce__(self):
        return (_dtype_by_name, (self._name,))

    def to_real(self):
        return self

    def to_complex(self):
        raise NotImplementedError("pytorchlite has no complex dtypes")


float32 = dtype("float32", True, True, 4)
float64 = dtype("float64", True, True, 8)
int64 = dtype("int64", False, True, 8)
bool = dtype("bool", False, False, 1)  # noqa: A001 (PyTorch's name)
float = float32  # noqa: A001
double = float64
long = int64

_ALL = (bool, int64, float32, float64)  # the core's dtype order


def _dtype_by_name(name):
    for d in _ALL:
        if d._name == name:
            return d
    raise ValueError(name)


class finfo:
    """finfo(type=None) -> the numerical limits of a floating dtype (the default dtype if None),
    with PyTorch's attribute names and printed form."""

    _LIMITS = {  # bits, eps, max, tiny (= smallest_normal), resolution
        "float32": (32, 2.0 ** -23, 3.4028234663852886e+38, 2.0 ** -126, 1e-06),
        "float64": (64, 2.0 ** -52, 1.7976931348623157e+308, 2.0 ** -1022, 1e-15),
    }

    def __init__(self, type=None):  # noqa: A002 (PyTorch's argument name)
        if type is None:
            from . import _C
            type = _C.get_default_dtype()
        if not isinstance(type, dtype) or not type.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use "
                            "torch.iinfo to handle 'torch.finfo'")
        self.bits, self.eps, self.max, self.tiny, self.resolution = self._LIMITS[type._name]
        self.min = -self.max
        self.smallest_normal = self.tiny
        self.dtype = type._name

    def __eq__(self, other):
        return isinstance(other, finfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(("finfo", self.dtype))

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")
