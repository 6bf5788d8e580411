"""nn.Parameter (a Tensor subclass that modules register as learnable state) and nn.Buffer."""
import weakref
from collections import OrderedDict

import pytorchlite as torch

__all__ = ["Parameter", "Buffer"]


class Parameter(torch.Tensor):
    """A Tensor that is a module parameter: assigning one to a Module attribute registers it.

    ``Parameter(data=None, requires_grad=True)`` aliases ``data``'s storage (no copy) and is
    always a leaf.
    """

    # Results of operations on a Parameter are plain Tensors (never Parameters), as in PyTorch.
    __torch_function__ = torch._C._disabled_torch_function_impl

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = torch.empty(0)
        return torch.Tensor._make_subclass(cls, data, requires_grad)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __repr__(self):
        printer = _parameter_printer()
        if printer is not None:
            return printer(self)
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self.data, self.requires_grad, OrderedDict()))


def _parameter_printer():
    try:
        from pytorchlite import _tensor_str
    except ImportError:
        return None
    return getattr(_tensor_str, "parameter_repr", None)


def _rebuild_parameter(data, requires_grad, backward_hooks):
    """Unpickling helper: rebuild a Parameter from its data (hooks are not supported)."""
    return Parameter(data, requires_grad)


# Tensors have no per-object attribute dict, so Buffer(...) marks are kept here:
# id(tensor) -> (weak reference to the tensor, persistent flag).
_buffer_marks = {}


def _buffer_mark(t):
    entry = _buffer_marks.get(id(t))
    if entry is not None and entry[0]() is t:
        return entry
    return None


def _buffer_persistent(t):
    """The persistent flag given to Buffer(t) (True for an unmarked tensor)."""
    entry = _buffer_mark(t)
    return True if entry is None else entry[1]


class _BufferMeta(type):
    # isinstance(t, Buffer) is True for a Tensor returned by Buffer(...).
    def __instancecheck__(cls, instance):
        if cls is Buffer:
            return isinstance(instance, torch.Tensor) and _buffer_mark(instance) is not None
        return super().__instancecheck__(instance)


class Buffer(metaclass=_BufferMeta):
    """Marks a Tensor as a module buffer when assigned as an attribute.

    ``Buffer(data=None, *, persistent=True)`` returns a detached Tensor aliasing ``data``;
    assigning it to a Module attribute registers it with that persistence.
    """

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = torch.empty(0)
        t = data.detach().requires_grad_(data.requires_grad)
        key = id(t)
        _buffer_marks[key] = (weakref.ref(t, lambda _ref: _buffer_marks.pop(key, None)),
                              persistent)
        return t
