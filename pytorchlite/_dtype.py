"""Data types: ``pytorchlite.float32`` and friends, printed as PyTorch prints them."""

__all__ = ["dtype", "float32", "float64", "float16", "bfloat16", "int64", "int32", "int16",
           "int8", "uint8", "bool", "float", "double", "half", "long", "int", "short"]


class dtype:
    """A tensor element type. Compare by identity; printed as ``torch.float32``.

    Note:
        pytorchlite has the dtypes bool, uint8, int8, int16, int32, int64, float16, bfloat16,
        float32 and float64 (no complex, uint16/32/64 or float8 types). The printed names keep
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
float16 = dtype("float16", True, True, 2)
bfloat16 = dtype("bfloat16", True, True, 2)
int64 = dtype("int64", False, True, 8)
int32 = dtype("int32", False, True, 4)
int16 = dtype("int16", False, True, 2)
int8 = dtype("int8", False, True, 1)
uint8 = dtype("uint8", False, False, 1)
bool = dtype("bool", False, False, 1)  # noqa: A001 (PyTorch's name)
float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16

# the core's dtype order (csrc/core/tensor.h, pl_dtype)
_ALL = (bool, int64, float32, float64, uint8, int8, int16, int32, float16, bfloat16)


def _dtype_by_name(name):
    for d in _ALL:
        if d._name == name:
            return d
    raise ValueError(name)
