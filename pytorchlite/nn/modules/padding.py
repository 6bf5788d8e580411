"""Padding layers: Zero/Constant/Reflection/Replication/CircularPad 1d, 2d, 3d (F.pad)."""
from .. import functional as F
from .module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
           "CircularPad2d", "CircularPad3d"]


def _ntuple(value, n):
    """PyTorch's _ntuple: a sequence as a tuple, anything else repeated n times."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,) * n


class _PadNd(Module):
    __constants__ = ["padding"]
    _mode = "constant"
    _n = 2  # entries in padding: two per padded dim

    def __init__(self, padding):
        super().__init__()
        self.padding = _ntuple(padding, self._n)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    __constants__ = ["padding", "value"]

    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim with a constant value: padding = (left, right)."""


class ConstantPad2d(_ConstantPadNd):
    """Pads the last two dims with a constant: padding = (left, right, top, bottom)."""

    _n = 4


class ConstantPad3d(_ConstantPadNd):
    """Pads the last three dims with a constant: (left, right, top, bottom, front, back)."""

    _n = 6


class ZeroPad1d(ConstantPad1d):
    """Pads the last dim with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pads the last two dims with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pads the last three dims with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Pads the last dim with its reflection (edge not repeated)."""

    _mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Pads the last two dims with their reflection."""

    _mode, _n = "reflect", 4


class ReflectionPad3d(_PadNd):
    """Pads the last three dims with their reflection."""

    _mode, _n = "reflect", 6


class ReplicationPad1d(_PadNd):
    """Pads the last dim by repeating its edge values."""

    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Pads the last two dims by repeating their edge values."""

    _mode, _n = "replicate", 4


class ReplicationPad3d(_PadNd):
    """Pads the last three dims by repeating their edge values."""

    _mode, _n = "replicate", 6


class _CircularPadNd(_PadNd):
    _mode = "circular"

    def forward(self, input):
        low = self._n // 2 + 1
        if input.dim() not in (low, low + 1):
            raise ValueError(f"expected {low}D or {low + 1}D input (got {input.dim()}D input)")
        return F.pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    """Pads the last dim with the values from its other end (wraps around)."""


class CircularPad2d(_CircularPadNd):
    """Pads the last two dims by wrapping around."""

    _n = 4


class CircularPad3d(_CircularPadNd):
    """Pads the last three dims by wrapping around."""

    _n = 6
