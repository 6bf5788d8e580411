"""Bilinear, Unflatten, and the lazy layers: UninitializedParameter / UninitializedBuffer,
LazyModuleMixin and LazyLinear (shapes inferred, and drawn in PyTorch's order, on the first
forward)."""
import itertools
import math
import operator

import pytorchlite as torch
from .. import init
from ..parameter import Parameter
from .linear import Linear, _check_device
from .module import Module

__all__ = ["Bilinear", "Unflatten", "LazyLinear", "UninitializedParameter",
           "UninitializedBuffer", "LazyModuleMixin"]


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = sum_ij input1[..., i] weight[o, i, j] input2[..., j] + bias[o]."""
    out, in1, in2 = weight.shape
    if input1.shape[-1] != in1:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{input1.shape[-1]} but expected {in1}")
    if input2.shape[-1] != in2:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{input2.shape[-1]} but expected {in2}")
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, in1)  # (rows, in1)
    x2 = input2.reshape(-1, in2)  # (rows, in2)
    mixed = x1.matmul(weight.permute(1, 0, 2).reshape(in1, out * in2))  # (rows, out * in2)
    y = (mixed.reshape(-1, out, in2) * x2.unsqueeze(1)).sum(2)  # (rows, out)
    y = y.reshape(lead + (out,))
    return y if bias is None else y + bias  # AddBackward0 last, as PyTorch


class Bilinear(Module):
    """y = x1^T A x2 + b, A of shape (out_features, in1_features, in2_features); A and b drawn
    from U(-1/sqrt(in1), 1/sqrt(in1)) in PyTorch's order."""

    __constants__ = ["in1_features", "in2_features", "out_features"]

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None,
                 dtype=None):
        _check_device(device)
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        kwargs = {} if dtype is None else {"dtype": dtype}
        self.weight = Parameter(torch.empty((out_features, in1_features, in2_features),
                                            **kwargs))
        if bias:
            self.bias = Parameter(torch.empty(out_features, **kwargs))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Re-draw weight and bias as the constructor does."""
        bound = 1 / math.sqrt(self.weight.size(1))
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class Unflatten(Module):
    """Split one dimension into unflattened_size."""

    __constants__ = ["dim", "unflattened_size"]

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if isinstance(dim, int):
            if not isinstance(unflattened_size, (tuple, list)):
                raise TypeError("unflattened_size must be a tuple of ints, but found type "
                                f"{type(unflattened_size).__name__}")
            for idx, elem in enumerate(unflattened_size):
                if not isinstance(elem, int):
                    raise TypeError("unflattened_size must be tuple of ints, but found element "
                                    f"of type {type(elem).__name__} at pos {idx}")
        else:
            raise TypeError(f"invalid argument type for dim parameter: {type(dim).__name__}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class UninitializedParameter(Parameter):
    """A parameter with no shape yet; ``materialize(shape)`` gives it storage and turns it
    into a plain Parameter.

    Note:
        PyTorch refuses every operation on it but a few conversions (through
        ``__torch_function__``); pytorchlite refuses the common arithmetic, shape and
        reduction methods and operators with the same ValueError, while a plain
        ``torch.*`` function given one sees an empty tensor.
    """

    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        _check_device(device)
        data = torch.empty(0, **({} if dtype is None else {"dtype": dtype}))
        return torch.Tensor._make_subclass(cls, data, requires_grad)

    def materialize(self, shape, device=None, dtype=None):
        """Give the parameter an uninitialised storage of shape and make it a Parameter."""
        _check_device(device)
        self.data = torch.empty(shape, dtype=self.data.dtype if dtype is None else dtype)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. "
                           "This error usually happens in `load_state_dict` when trying to "
                           "load an uninitialized parameter into an initialized one. Call "
                           "`forward` to initialize the parameters before accessing their "
                           "attributes.")

    def __repr__(self):
        return "<UninitializedParameter>"

    def __reduce_ex__(self, proto):
        return (self.__class__, (self.requires_grad,))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.requires_grad, None, self.data.dtype)
        memo[id(self)] = result
        return result


_REFUSED = ("numel", "dim", "t", "view", "reshape", "flatten", "matmul", "mm", "sum", "mean",
            "norm", "add", "sub", "mul", "div", "pow", "abs", "exp", "log", "neg", "clone",
            "detach", "tolist", "item", "numpy", "fill_", "uniform_", "normal_", "zero_",
            "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
            "__truediv__", "__rtruediv__", "__matmul__", "__rmatmul__", "__pow__", "__neg__",
            "__getitem__", "__setitem__")


def _refuse(name):
    method = getattr(torch.Tensor, name)

    def refused(self, *args, **kwargs):
        raise ValueError(f"Attempted to use an uninitialized parameter in {method}. This error "
                         "happens when you are using a `LazyModule` or explicitly manipulating "
                         "`torch.nn.parameter.UninitializedParameter` objects. When using "
                         "LazyModules Call `forward` with a dummy batch to initialize the "
                         "parameters before calling torch functions")
    refused.__name__ = name
    return refused


for _name in _REFUSED:
    setattr(UninitializedParameter, _name, _refuse(_name))


class UninitializedBuffer(torch.Tensor):
    """A buffer with no shape yet; ``materialize(shape)`` makes it a plain Tensor."""

    __torch_function__ = torch._C._disabled_torch_function_impl
    cls_to_become = torch.Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        _check_device(device)
        data = torch.empty(0, **({} if dtype is None else {"dtype": dtype}))
        return torch.Tensor._make_subclass(cls, data, requires_grad)

    def materialize(self, shape, device=None, dtype=None):
        """Give the buffer an uninitialised storage of shape and make it a Tensor."""
        _check_device(device)
        self.data = torch.empty(shape, dtype=self.data.dtype if dtype is None else dtype)
        self.__class__ = self.cls_to_become

    def __repr__(self):
        return "<UninitializedBuffer>"


def is_lazy(param):
    """True for an UninitializedParameter or UninitializedBuffer."""
    return isinstance(param, (UninitializedParameter, UninitializedBuffer))


class LazyModuleMixin:
    """Shapes of a module's parameters inferred from its first input: ``initialize_parameters``
    runs as a forward pre-hook, then the module becomes ``cls_to_become``."""

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_hook = self._register_load_state_dict_pre_hook(self._lazy_load_hook)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters,
                                                               with_kwargs=True)

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if (is_lazy(param) or keep_vars) \
                    else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if (is_lazy(buf) or keep_vars) \
                    else buf.detach()

    def _lazy_load_hook(self, state_dict, prefix, local_metadata, strict, missing_keys,
                        unexpected_keys, error_msgs):
        for name, param in itertools.chain(self._parameters.items(), self._buffers.items()):
            key = prefix + name
            if key in state_dict and param is not None:
                input_param = state_dict[key]
                if is_lazy(param) and not is_lazy(input_param):
                    with torch.no_grad():
                        param.materialize(tuple(input_param.size()))

    def initialize_parameters(self, *args, **kwargs):
        """Materialize the parameters from the first input (each lazy module defines it)."""
        raise NotImplementedError(f"initialize_parameters is not implemented for "
                                  f"{self.__class__.__name__}")

    def has_uninitialized_params(self):
        """True while any parameter or buffer is still uninitialized."""
        params = self._parameters.values()
        buffers = self._buffers.values()
        return any(is_lazy(p) for p in itertools.chain(params, buffers))

    def _infer_parameters(self, module, args, kwargs=None):
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        module._load_hook.remove()
        delattr(module, "_initialize_hook")
        delattr(module, "_load_hook")
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become


class LazyLinear(LazyModuleMixin, Linear):
    """Linear whose in_features is taken from the first input's last dimension; it then
    becomes a Linear, initialised as Linear(in_features, out_features) is."""

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self):
        """Draw weight and bias as Linear does (once their shapes are known)."""
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        """Materialize weight (out_features, input.shape[-1]) and bias, then draw them."""
        if self.has_uninitialized_params():
            with torch.no_grad():
                self.in_features = operator.index(input.shape[-1])
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()


def _export():
    """nn.parameter names them too (torch.nn.parameter.UninitializedParameter...)."""
    from .. import parameter
    parameter.UninitializedParameter = UninitializedParameter
    parameter.UninitializedBuffer = UninitializedBuffer
    parameter.is_lazy = is_lazy


_export()
