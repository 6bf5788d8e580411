"""``torch.autograd.Variable``: kept for old code; ``Variable(t, requires_grad=...)`` returns
a Tensor, as PyTorch does."""
from .. import _C

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, _C.TensorBase)


class Variable(_C.TensorBase, metaclass=_VariableMeta):
    """``Variable(data, requires_grad=False, volatile=False)``: an alias of ``data`` (a Tensor)."""

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        from .. import Tensor, tensor

        if data is None:
            data = tensor([])
        if not isinstance(data, _C.TensorBase):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return Tensor._make_subclass(Tensor, data, requires_grad)
