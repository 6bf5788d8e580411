"""``out=`` for the torch.* functions that take it, and NumPy's ``axis=``/``keepdims=``
spellings that PyTorch accepts for ``dim=``/``keepdim=``: one mechanism for every op.

``write_out`` follows PyTorch: an ``out`` that requires grad, or inputs that do while grad mode
is on, are refused (out= functions are not differentiable); the result dtype must be castable
to out's; an out of another shape is resized (with PyTorch's deprecation warning when it held
elements), and the result is written into it and returned.
"""
import functools
import warnings

from . import _C
from .amp import _policy as _amp

_B = _C.TensorBase

_RESIZE = ("An output with one or more elements was resized since it had shape {old}, which "
           "does not match the required output shape {new}. This behavior is deprecated, and in "
           "a future PyTorch release outputs will not be resized unless they have zero elements. "
           "You can explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
           "with t.resize_(0).")


def _tensors(args):
    for a in args:
        if isinstance(a, _B):
            yield a
        elif isinstance(a, (list, tuple)):
            yield from (t for t in a if isinstance(t, _B))


def check_grad(name, out, inputs):
    """PyTorch's refusal of out= where autograd would have to record."""
    outs = out if isinstance(out, (tuple, list)) else (out,)
    if _C.is_grad_enabled() and (any(t.requires_grad for t in _tensors(inputs)) or
                                 any(isinstance(o, _B) and o.requires_grad for o in outs)):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")


def _write_one(name, out, result):
    from ._math_ops import _dt_name
    from ._typeinfo import can_cast

    if not isinstance(out, _B):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if not isinstance(result, _B):
        result = _C.tensor(result)
    if result.dtype != out.dtype and not can_cast(result.dtype, out.dtype):
        raise RuntimeError(f"result type {_dt_name(result.dtype)} can't be cast to the desired "
                           f"output type {_dt_name(out.dtype)}")
    with _no_grad():
        if tuple(out.shape) != tuple(result.shape):
            if out.numel() != 0:
                warnings.warn(_RESIZE.format(old=list(out.shape), new=list(result.shape)),
                              UserWarning, stacklevel=4)
            out.data = result.detach().to(out.dtype, copy=True).contiguous()
        else:
            out.copy_(result.detach())
    return out


class _no_grad:
    def __enter__(self):
        self.prev = _C.is_grad_enabled()
        _C._set_grad_enabled(False)

    def __exit__(self, *exc):
        _C._set_grad_enabled(self.prev)


def write_out(name, out, result, inputs=()):
    """Writes result (a tensor or a tuple of them) into out and returns out."""
    check_grad(name, out, inputs)
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{name}(): argument 'out' must be tuple of Tensors, not "
                            f"{type(out).__name__}")
        written = [_write_one(name, o, r) for o, r in zip(out, result)]
        kind = type(result)
        if kind is tuple:
            return tuple(written)
        from . import return_types

        named = getattr(return_types, kind.__name__ + "_out", kind)
        return named(written)
    return _write_one(name, out, result)


def _aliases(kwargs):
    if "axis" in kwargs:
        if "dim" in kwargs:
            raise TypeError("got multiple values for argument 'dim'")
        kwargs["dim"] = kwargs.pop("axis")
    if "keepdims" in kwargs:
        if "keepdim" in kwargs:
            raise TypeError("got multiple values for argument 'keepdim'")
        kwargs["keepdim"] = kwargs.pop("keepdims")
    return kwargs


def with_out(fn, name=None, aliases=False):
    """fn with an ``out=`` keyword (and ``axis``/``keepdims`` when aliases)."""
    name = name or fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        if not kwargs and out is None:
            return fn(*args)
        if aliases and kwargs:
            kwargs = _aliases(kwargs)
        if out is None:
            return fn(*args, **kwargs)
        check_grad(name, out, args)
        if _amp.on():  # out= forms are not on autocast's lists: computed as given
            return write_out(name, out, _amp.run(None, fn, args, kwargs), args)
        return write_out(name, out, fn(*args, **kwargs), args)

    wrapper.__name__ = wrapper.__qualname__ = name
    if getattr(fn, "__doc__", None):
        wrapper.__doc__ = fn.__doc__
    return wrapper


FACTORIES = ("zeros", "ones", "full", "empty", "eye", "arange", "range", "linspace", "logspace")
_ARANGE_RESIZE = ("The number of elements in the out tensor of shape {old} is {n} which does not "
                  "match the computed number of elements {m}. Note that this may occur as a "
                  "result of rounding error. The out tensor will be resized to a tensor of shape "
                  "({shape},).")


def factory_with_out(fn, name):
    """A factory (zeros, arange ...) with ``out=``: computed in out's dtype (an explicit dtype
    must equal it), then out resized to the result's shape (keeping its strides when the shape
    already fits) and filled; empty only resizes, as PyTorch's."""
    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        from ._math_ops import _dt_name

        if not isinstance(out, _B):
            raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
        dtype = kwargs.pop("dtype", None)
        if dtype is not None and dtype != out.dtype:
            raise RuntimeError(f"dtype {_dt_name(dtype)} does not match dtype of out parameter "
                               f"({_dt_name(out.dtype)})")
        requires_grad = kwargs.pop("requires_grad", False)
        check_grad(f"aten::{name}", out, ())
        result = fn(*args, dtype=out.dtype, **kwargs)
        with _no_grad():
            if tuple(out.shape) != tuple(result.shape):
                if name in ("arange", "range") and out.numel() not in (0, result.numel()):
                    warnings.warn(_ARANGE_RESIZE.format(old=list(out.shape), n=out.numel(),
                                                        m=result.numel(), shape=result.numel()),
                                  UserWarning, stacklevel=2)
                out.resize_(result.shape)
            if name != "empty":
                out.copy_(result)
        if requires_grad:
            out.requires_grad_(True)
        return out

    wrapper.__name__ = wrapper.__qualname__ = name
    return wrapper


def with_aliases(fn):
    """A Tensor method that also takes ``axis=``/``keepdims=``."""
    @functools.wraps(fn)
    def method(self, *args, **kwargs):
        if not kwargs:
            return fn(self, *args)
        return fn(self, *args, **_aliases(kwargs))

    return method


# the torch.* functions (by name in the package namespace) that take out=; the reductions
# among them take axis=/keepdims= too
OUT_FUNCTIONS = (
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "pow",
    "matmul", "mm", "bmm", "dot", "mv", "outer", "ger", "inner", "kron", "addmm", "addmv",
    "addbmm", "baddbmm", "addcmul", "addcdiv", "exp", "log", "sqrt", "rsqrt", "abs", "neg",
    "negative", "sin", "cos", "tanh", "sigmoid", "sign", "sgn", "log1p", "expm1", "reciprocal",
    "erf", "lgamma", "digamma", "floor", "ceil", "trunc", "round", "frac", "fix", "square",
    "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge", "clamp", "clip", "clamp_min",
    "clamp_max", "remainder", "fmod", "floor_divide", "logaddexp", "logaddexp2", "logit",
    "xlogy", "heaviside", "lerp", "float_power", "nan_to_num", "signbit", "isin", "isposinf", "isneginf", "logical_and", "logical_or", "logical_xor",
    "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
    "bitwise_left_shift", "bitwise_right_shift", "cat", "concat", "concatenate", "stack",
    "where", "cross", "cumsum", "cumprod", "logcumsumexp", "diff", "msort", "tensordot",
    "inverse", "det", "logdet", "pinverse", "cholesky_solve", "dist", "gcd", "lcm",
    "nextafter", "ldexp", "erfinv", "i0", "polygamma", "mvlgamma", "addr", "renorm", "hypot",
    "igamma", "igammac", "atan2", "arctan2", "fmax", "fmin", "copysign", "maximum", "minimum",
    "tril", "triu", "diag", "gather", "index_select", "masked_select", "take", "exp2", "sinc",
    "take_along_dim", "cross", "atan", "square")
REDUCTIONS = ("sum", "mean", "nansum", "nanmean", "prod", "amax", "amin", "logsumexp", "std",
              "var", "max", "min", "argmax", "argmin", "all", "any", "median", "nanmedian",
              "mode", "kthvalue", "quantile", "nanquantile", "norm", "aminmax", "cummax",
              "cummin", "sort", "topk")
METHOD_ALIASES = ("sum", "mean", "std", "var", "amax", "amin", "max", "min", "argmax", "argmin",
                  "prod", "nansum", "nanmean", "logsumexp", "all", "any")


def fast(fn, wrapper, name):
    """wrapper as a torch.* function that calls fn itself in the common case (a Tensor first,
    no out=/axis=/keepdims=), without a Python frame (_C._FastFunction)."""
    function = _C._FastFunction(fn, wrapper, name)
    function.__doc__ = wrapper.__doc__ or getattr(fn, "__doc__", None)
    return function


# Functions and methods whose PyTorch signature has dim / keepdim and that PyTorch's argument
# parser also calls by NumPy's names (axis, keepdims); the C parser
# takes those itself, these are written in Python.
NUMPY_NAMED = ("cumsum", "cumprod", "logcumsumexp", "argsort", "count_nonzero", "diff",
               "median", "var_mean", "std_mean", "take_along_dim", "repeat_interleave",
               "tensor_split", "gather", "cummax", "cummin", "sort", "unbind",
               "chunk", "renorm", "cumulative_trapezoid", "scatter", "scatter_add",
               "index_add", "index_copy", "index_fill", "flatten", "unflatten")
_NUMPY_NAMES = {"axis": "dim", "keepdims": "keepdim"}


def numpy_named(fn):
    """fn also called with NumPy's keyword names, translated to PyTorch's."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if kwargs and not _NUMPY_NAMES.keys().isdisjoint(kwargs):
            for numpy_name, name in _NUMPY_NAMES.items():
                if numpy_name in kwargs:
                    if name in kwargs:
                        raise TypeError(f"{fn.__name__}() got multiple values for argument "
                                        f"'{name}'")
                    kwargs[name] = kwargs.pop(numpy_name)
        return fn(*args, **kwargs)

    wrapper.fast_call = getattr(fn, "fast_call", fn)  # no keywords: the function itself
    return wrapper


def install(namespace, tensor_cls, skip=()):
    for name in NUMPY_NAMED:
        if name in namespace:
            namespace[name] = numpy_named(namespace[name])
        method = getattr(tensor_cls, name, None)
        if method is not None:
            setattr(tensor_cls, name, numpy_named(method))
    for name in FACTORIES:  # their common call goes straight to the factory, whatever comes first
        if name in namespace:
            fn = namespace[name]
            namespace[name] = _C._FastFunction(fn, factory_with_out(fn, name), name, any_first=True)
            namespace[name].__doc__ = getattr(fn, "__doc__", None)
    for name in OUT_FUNCTIONS:
        if name in namespace and name not in skip:
            fn = namespace[name]  # fast_call: what a call with a Tensor first may run directly
            namespace[name] = fast(getattr(fn, "fast_call", fn), with_out(fn, name), name)
    for name in REDUCTIONS:
        if name in namespace:
            namespace[name] = fast(namespace[name],  # (torch.norm is Python: no axis=)
                                   with_out(namespace[name], name, aliases=name != "norm"),
                                   name)
    for name in METHOD_ALIASES:
        method = getattr(tensor_cls, name)
        if type(method).__name__ != "method_descriptor":  # the C parser takes axis= itself
            setattr(tensor_cls, name, with_aliases(method))
