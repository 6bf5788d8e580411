"""Memory formats: torch.memory_format and its four values, and the Tensor methods that take
one (contiguous, is_contiguous, clone, to).

channels_last is a stride order, not a new layout: an (N, C, H, W) tensor whose channels are
adjacent in memory, strides (H*W*C, 1, W*C, C) as PyTorch's; channels_last_3d likewise for
(N, C, D, H, W). A channels-last copy is a permuted contiguous copy viewed back in (N, C, ...)
order, so every operation reads it correctly through its strides.
"""
from . import _C
from ._tensor import Tensor

__all__ = ["memory_format", "contiguous_format", "channels_last", "channels_last_3d",
           "preserve_format"]


class memory_format:
    """The memory layout a tensor is asked for (PyTorch's torch.memory_format)."""

    __slots__ = ("_name",)

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return "torch." + self._name

    def __reduce__(self):
        return self._name


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")

# the order in which a format's dims grow in stride, innermost first
_ORDER = {"channels_last": (1, 3, 2, 0), "channels_last_3d": (1, 4, 3, 2, 0)}
_RANK = {"channels_last": 4, "channels_last_3d": 5}

_base_contiguous = Tensor.contiguous
_base_is_contiguous = Tensor.is_contiguous
_base_clone = Tensor.clone
_base_to = Tensor.to


def _check_format(fmt, method):
    if not isinstance(fmt, memory_format):
        raise TypeError(f"{method}(): argument 'memory_format' must be torch.memory_format, not "
                        f"{type(fmt).__name__}")


def _strided_like(t, fmt):
    """True if t's strides are those of the given channels-last format (size-1 dims free)."""
    order = _ORDER[fmt._name]
    if t.dim() != len(order):
        return False
    shape, strides = t.shape, t.stride()
    expected = 1
    for d in order:
        if shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= shape[d]
    return True


def _to_channels_last(t, fmt, copy=False):
    """t laid out channels-last (rank checked): a copy unless t already is, or always a
    copy with copy=True."""
    rank = _RANK[fmt._name]
    if t.dim() != rank:
        raise RuntimeError(f"required rank {rank} tensor to use {fmt._name} format")
    perm = (0,) + tuple(range(2, rank)) + (1,)
    back = (0, rank - 1) + tuple(range(1, rank - 1))
    permuted = t.permute(perm)
    return (_base_clone(permuted) if copy else _base_contiguous(permuted)).permute(back)


def is_contiguous(self, memory_format=contiguous_format):
    """True if the tensor's strides are those of memory_format (default: row-major)."""
    if memory_format is contiguous_format:
        return _base_is_contiguous(self)
    _check_format(memory_format, "is_contiguous")
    if memory_format._name in _ORDER:
        return _strided_like(self, memory_format)
    return _base_is_contiguous(self)


def contiguous(self, memory_format=contiguous_format):
    """self if already in memory_format, else a copy laid out in it."""
    if memory_format is contiguous_format:
        return _base_contiguous(self)
    _check_format(memory_format, "contiguous")
    if memory_format is preserve_format:
        return _base_contiguous(self)
    if _strided_like(self, memory_format):
        return self
    return _to_channels_last(self, memory_format)


def _channels_last_of(t):
    """The channels-last format t is laid out in (and not row-major), or None."""
    if t.dim() in (4, 5) and not _base_is_contiguous(t):
        fmt = channels_last if t.dim() == 4 else channels_last_3d
        if _strided_like(t, fmt):
            return fmt
    return None


def clone(self, *, memory_format=preserve_format):
    """A copy; preserve_format keeps a channels-last layout, as PyTorch's."""
    if memory_format is preserve_format and (self.ndim < 4 or _base_is_contiguous(self)):
        return _base_clone(self)
    _check_format(memory_format, "clone")
    if memory_format is preserve_format:
        kept = _channels_last_of(self)
        return _base_clone(self) if kept is None else _to_channels_last(self, kept, copy=True)
    if memory_format is contiguous_format:
        return _base_contiguous(self) if not _base_is_contiguous(self) else _base_clone(self)
    return _to_channels_last(self, memory_format, copy=True)


def _like_layout(input, out, fmt):
    """out (a new row-major tensor shaped as input) laid out as a *_like factory's
    memory_format asks: preserve_format (None) keeps input's channels-last layout."""
    if fmt is None or fmt is preserve_format:
        fmt = _channels_last_of(input)
        if fmt is None:
            return out
    _check_format(fmt, "empty_like")
    if fmt is contiguous_format:
        return out
    return _to_channels_last(out, fmt)


def empty(*size, memory_format=None, **kwargs):
    # torch.empty: the C factory, laid out channels-last when memory_format asks (its
    # docstring is the factory's, given in the package's __init__)
    if memory_format is None or memory_format is contiguous_format:
        return _C.empty(*size, **kwargs)
    _check_format(memory_format, "empty")
    if memory_format is preserve_format:
        raise RuntimeError("unsupported memory format Preserve")
    requires_grad = kwargs.pop("requires_grad", False)
    out = _to_channels_last(_C.empty(*size, **kwargs), memory_format)
    return out.requires_grad_(requires_grad) if requires_grad else out


def to(self, *args, **kwargs):
    """Returns the tensor with the requested dtype and memory_format (device must be the
    CPU); self when nothing changes."""
    if "memory_format" not in kwargs and (self.dim() < 4 or _base_is_contiguous(self)):
        return _base_to(self, *args, **kwargs)
    memory_format = kwargs.pop("memory_format", preserve_format)
    _check_format(memory_format, "to")
    kept = _channels_last_of(self) if memory_format is preserve_format else None
    out = _base_to(self, *args, **kwargs)
    if kept is not None and out is not self and not _strided_like(out, kept):
        return _to_channels_last(out, kept)
    if memory_format is contiguous_format:
        return _base_contiguous(out)
    if memory_format._name in _ORDER:
        if _strided_like(out, memory_format):
            return out
        return _to_channels_last(out, memory_format)
    return out


Tensor.is_contiguous = is_contiguous
Tensor.contiguous = contiguous
Tensor.clone = clone
Tensor.to = to
