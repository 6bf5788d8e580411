"""The legacy tensor types (torch.FloatTensor, LongTensor ...), scalar_tensor and logspace.

``torch.FloatTensor`` is no subclass of Tensor, as in PyTorch: it is a ``torch.tensortype``
whose isinstance check asks for the dtype (``isinstance(torch.zeros(2), torch.FloatTensor)``)
and whose call makes a tensor of that dtype from sizes, a Size, data or a tensor.
"""
import builtins
import operator

from . import _C, _argparse
from . import _dtype as _dt
from ._size import Size
from ._tensor import Tensor

__all__ = ["TYPES", "scalar_tensor", "logspace"]

_NAMES = {"FloatTensor": _dt.float32, "DoubleTensor": _dt.float64, "HalfTensor": _dt.float16,
          "BFloat16Tensor": _dt.bfloat16, "LongTensor": _dt.int64, "IntTensor": _dt.int32,
          "ShortTensor": _dt.int16, "CharTensor": _dt.int8, "ByteTensor": _dt.uint8,
          "BoolTensor": _dt.bool}
_OPTION_NAMES = {_dt.float32: "float", _dt.float64: "double", _dt.float16: "c10::Half",
                 _dt.bfloat16: "c10::BFloat16", _dt.int64: "long int", _dt.int32: "int",
                 _dt.int16: "short int", _dt.int8: "signed char", _dt.uint8: "unsigned char",
                 _dt.bool: "bool"}


def _options(dtype):
    return (f"TensorOptions(dtype={_OPTION_NAMES[dtype]}, device=cpu, layout=Strided, "
            "requires_grad=false (default), pinned_memory=false (default), "
            "memory_format=(nullopt))")


def _is_int(a):
    """An int-like size: an int or NumPy integer (a 0-d integer array too), not an array."""
    return (hasattr(type(a), "__index__") and getattr(a, "ndim", 0) == 0
            and not isinstance(a, (builtins.bool, builtins.float, _C.TensorBase)))


class tensortype(type):
    """The metaclass of the legacy tensor types (PyTorch's ``torch.tensortype``)."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, _C.TensorBase) and obj.dtype is cls.dtype

    def __subclasscheck__(cls, sub):
        return sub is cls

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"

    def __call__(cls, *args, device=None, **kwargs):
        return _new(cls.dtype, args, device, kwargs)


def _new(dtype, args, device, kwargs):
    """PyTorch's legacy constructor of dtype: () empty, (*sizes) or (Size) uninitialised,
    (data) a copy converted to dtype, (tensor) the tensor itself if it has that dtype."""
    from ._devices import check_device

    if kwargs:
        raise _invalid_arguments(args, kwargs,
                                 f"some of the keywords were incorrect: {next(iter(kwargs))}")
    check_device(device)
    if not args:
        return _C.empty(0, dtype=dtype)
    if len(args) == 1 and isinstance(args[0], _C.TensorBase):
        if args[0].dtype is not dtype:
            raise TypeError(f"expected {_options(dtype)} (got {_options(args[0].dtype)})")
        return args[0]
    if all(_is_int(a) for a in args):
        return _C.empty(*map(operator.index, args), dtype=dtype)
    if len(args) == 1:
        data = args[0]
        if isinstance(data, Size):
            return _C.empty(*data, dtype=dtype)
        if isinstance(data, (builtins.float, builtins.int, builtins.bool)):
            raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
        if isinstance(data, (str, bytes)) or not hasattr(data, "__len__"):
            raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
        return _C.tensor(data, dtype=dtype)
    raise _invalid_arguments(args, {}, "some of the arguments have invalid types: ("
                             + ", ".join(f"!{_argparse.type_name(a)}!" for a in args) + ")")


def _invalid_arguments(args, kwargs, why):
    """PyTorch's TypeError for arguments no form of the legacy constructor takes."""
    got = [_argparse.type_name(a) for a in args] + [f"{k}={_argparse.type_name(v)}" for k, v in kwargs.items()]
    return TypeError(f"new() received an invalid combination of arguments - got ({', '.join(got)}), "
                     "but expected one of:\n * (*, torch.device device = None)\n"
                     f"      didn't match because {why}\n * (torch.Storage storage)\n"
                     " * (Tensor other)\n * (tuple of ints size, *, torch.device device = None)\n"
                     " * (object data, *, torch.device device = None)\n")


TYPES = {}
for _name, _dtype in _NAMES.items():
    TYPES[_name] = tensortype(_name, (), {"__module__": "torch", "dtype": _dtype,
                                          "is_cuda": False, "is_sparse": False,
                                          "__doc__": f"Legacy constructor of {_dtype} tensors."})
del _name, _dtype

_base_type = Tensor.type


def _type(self, dtype=None, non_blocking=False):
    """The type name ('torch.FloatTensor') without dtype; else self converted to dtype (a
    dtype, a legacy type such as torch.LongTensor, or its name)."""
    if isinstance(dtype, tensortype):
        dtype = dtype.dtype
    return _base_type(self, dtype)


Tensor.type = _type


def _tensor_new(self, *args, device=None, **kwargs):
    """The legacy constructor of self's dtype (``t.new(2, 3)``, ``t.new([1, 2])``)."""
    return _new(self.dtype, args, device, kwargs)


Tensor.new = _tensor_new


def scalar_tensor(s, *, dtype=None, layout=None, device=None, pin_memory=False,
                  requires_grad=False):
    """A 0-dim tensor holding the number s (of the default float dtype unless dtype is given)."""
    from ._devices import check_device

    check_device(device)
    if isinstance(s, _C.TensorBase):
        s = s.item()
    if not isinstance(s, (builtins.int, builtins.float, builtins.bool)):
        raise TypeError(f"scalar_tensor(): argument 's' (position 1) must be Number, not "
                        f"{type(s).__name__}")
    dtype = _C.get_default_dtype() if dtype is None else dtype
    return _C.full((), s, dtype=dtype, requires_grad=requires_grad)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """steps values base ** t for t evenly spaced from start to end."""
    from ._devices import check_device

    check_device(device)
    if out is not None:
        raise NotImplementedError("pytorchlite: logspace(out=) is not supported")
    steps = _C.tensor(steps).item() if isinstance(steps, _C.TensorBase) else steps
    if not _is_int(steps):
        raise TypeError(f"logspace(): argument 'steps' (position 3) must be int, not "
                        f"{type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = _C.get_default_dtype() if dtype is None else dtype
    exps = _C.linspace(float(start), float(end), steps, dtype=_dt.float64)
    out = (_C.full((), float(base), dtype=_dt.float64) ** exps)
    if not dtype.is_floating_point:
        out = out.round()
    out = out.to(dtype)
    return out.requires_grad_() if requires_grad else out
