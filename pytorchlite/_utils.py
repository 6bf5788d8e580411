"""Small helpers shared across the package."""

__all__ = ["typename"]

_TENSOR_TYPE_NAMES = {
    "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
    "bfloat16": "BFloat16Tensor", "int64": "LongTensor", "int32": "IntTensor",
    "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
}


def typename(obj):
    """The type name PyTorch puts in its messages (``torch.typename``): 'torch.FloatTensor'
    for a float32 tensor, the qualified class name otherwise."""
    from ._tensor import Tensor

    if isinstance(obj, Tensor):
        dtype_name = str(obj.dtype).rsplit(".", 1)[-1]
        return "torch." + _TENSOR_TYPE_NAMES.get(dtype_name, "Tensor")
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qualname = obj.__class__.__qualname__
    if module in ("", "builtins"):
        return qualname
    return module + "." + qualname
