"""pytorchlite: a small PyTorch-compatible deep-learning library with a C core.

``import pytorchlite as torch`` and PyTorch code runs unchanged: the same names, defaults,
printed forms, exception types and (for the same seed) the same random numbers.
"""
import builtins as _builtins  # torch.int, torch.float and torch.bool are dtypes here
import operator as _operator
try:
    from . import _C
except ImportError as _exc:  # a checkout whose extension was never built
    import os as _os
    if not any(f.startswith("_C.") for f in _os.listdir(_os.path.dirname(__file__))):
        raise ImportError(
            "pytorchlite's C extension is not built in this checkout "
            f"({_os.path.dirname(__file__)}): run `pip install -e .` (or "
            "`python setup.py build_ext --inplace`) in the repository root") from None
    raise
from . import _vml  # noqa: F401 - the optional MKL route for exp, log, sin ... (pytorchlite[mkl])
from . import _dtype
from ._dtype import bool, double, dtype, float, float32, float64, int64, long  # noqa: A004
from ._dtype import bfloat16, float16, half, int, int8, int16, int32, short, uint8  # noqa: A004
from ._size import Size
from ._tensor import Tensor
from . import _memory_format  # noqa: E402
from ._memory_format import (channels_last, channels_last_3d, contiguous_format,  # noqa: F401
                             memory_format, preserve_format)
from . import autograd
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .autograd import inference_mode
from .autograd.grad_mode import is_inference_mode_enabled
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled
from . import return_types

__version__ = "0.1.0"


class _GradFnType:
    """Creates the grad_fn classes (named AddmmBackward0 etc.) on first use."""

    @staticmethod
    def make(name, base):
        return type(name, (base,), {"__slots__": (), "__module__": "torch.autograd.graph",
                                    "__repr__": _GradFnType.repr})

    @staticmethod
    def repr(node):
        return f"<{type(node).__name__} object at {hex(id(node))}>"


_C._register(Tensor, Size, list(_dtype._ALL), _GradFnType.make)
from ._typeinfo import can_cast, finfo, iinfo, promote_types, result_type  # noqa: E402


from ._devices import (are_deterministic_algorithms_enabled, compile, device,  # noqa: E402,A004
                       get_default_device, get_float32_matmul_precision, get_num_interop_threads,
                       is_deterministic_algorithms_warn_only_enabled, set_default_device,
                       set_float32_matmul_precision, set_num_interop_threads,
                       use_deterministic_algorithms)
_devices.install_tensor_methods(Tensor)  # pin_memory, share_memory_, get_device ...


# ---- factories (C) ----
tensor = _C.tensor
empty = _memory_format.empty
zeros = _C.zeros
ones = _C.ones
full = _C.full
arange = _C.arange
linspace = _C.linspace
eye = _C.eye
from_numpy = _C.from_numpy
cat = _C.cat
concat = _C.cat
concatenate = _C.cat
stack = _C.stack
addmm = _C.addmm
from ._legacy import TYPES as _LEGACY_TYPES, logspace, scalar_tensor  # noqa: E402
globals().update(_LEGACY_TYPES)  # FloatTensor, LongTensor ...
set_default_dtype = _C.set_default_dtype
get_default_dtype = _C.get_default_dtype
OutOfMemoryError = _C.OutOfMemoryError
get_num_threads = _C.get_num_threads
set_num_threads = _C.set_num_threads


def where(condition, input=None, other=None):  # noqa: A002
    """Elementwise ``input if condition else other``; with one argument, ``nonzero(as_tuple)``."""
    if not isinstance(condition, _C.TensorBase):
        raise TypeError(f"where(): argument 'condition' (position 1) must be Tensor, not "
                        f"{type(condition).__name__}")
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    return _C.where(condition, input, other)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a Tensor or NumPy array when it can."""
    import sys

    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    np = sys.modules.get("numpy")  # an ndarray exists only once NumPy is imported
    if np is not None and isinstance(data, np.ndarray) and \
            data.dtype in (np.float32, np.float64, np.float16, np.int64, np.int32, np.int16,
                           np.int8, np.uint8, np.bool_):
        t = _C.from_numpy(data)
        return t if dtype is None else t.to(dtype)
    try:
        return _C.tensor(data, dtype=dtype)
    except RuntimeError as e:  # with a dtype, PyTorch converts a non-number with __index__
        if dtype is None or not str(e).startswith("Could not infer dtype of"):
            raise
        raise TypeError(f"'{_typename_of(data)}' object cannot be interpreted as an "
                        "integer") from None


def _typename_of(obj):
    """A type's name as PyTorch prints it in errors: this package's types as torch.X."""
    kind = type(obj)
    return f"torch.{kind.__name__}" if kind.__module__.startswith(__name__) else kind.__name__


def _check_input(fname, input):  # noqa: A002
    """PyTorch's TypeError for a function whose first argument must be a Tensor."""
    if not isinstance(input, _C.TensorBase):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def cumprod(input, dim, *, dtype=None):  # noqa: A002
    """Cumulative product along dim, with its backward (autograd/_formulas.py)."""
    _check_input("cumprod", input)
    return input.cumprod(dim, dtype=dtype)


def _function(method):
    """torch.name(input, ...) for the Tensor method input.name(...), with PyTorch's TypeError
    when input is not a Tensor (instead of an AttributeError from deep inside)."""
    name = method.__name__

    def function(input, *args, **kwargs):  # noqa: A002
        _check_input(name, input)
        return method(input, *args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = method.__doc__
    return function


def _like(fn):
    def like(input, *, dtype=None, requires_grad=False, memory_format=None, **kw):  # noqa: A002
        _check_input(fn.__name__ + "_like", input)
        out = fn(input.shape, dtype=dtype or input.dtype)
        return _memory_format._like_layout(input, out, memory_format).requires_grad_(requires_grad)

    like.__name__ = fn.__name__ + "_like"
    return like


empty_like = _like(_C.empty)
zeros_like = _like(_C.zeros)
ones_like = _like(_C.ones)


def full_like(input, fill_value, *, dtype=None, requires_grad=False, memory_format=None,  # noqa: A002
              **kw):
    _check_input("full_like", input)
    out = _C.full(input.shape, fill_value, dtype=dtype or input.dtype)
    return _memory_format._like_layout(input, out, memory_format).requires_grad_(requires_grad)


from ._utils import typename  # noqa: E402


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):  # noqa: A002
    _check_input("is_floating_point", input)
    return input.dtype.is_floating_point


def numel(input):  # noqa: A002
    _check_input("numel", input)
    return input.numel()


# ---- ops as functions: the Tensor methods, called with the tensor first ----
_B = _C.TensorBase
# The op table's unary rows (csrc/core/op_table.h): torch.name and torch.name_ for each public
# row (a PRIV row's method is wrapped by Tensor, which keeps integer input as it is).
for _name, _grad_fn, _py in _C._unary_ops:
    if _py != "PRIV":
        globals()[_name] = getattr(_B, _name)
    if _py == "PUB":
        globals()[_name + "_"] = getattr(_B, _name + "_")
# NumPy-style aliases of table rows, as methods and functions
for _alias, _name in (("negative", "neg"), ("arcsin", "asin"), ("arccos", "acos"),
                      ("arctan", "atan"), ("arcsinh", "asinh"), ("arccosh", "acosh"),
                      ("arctanh", "atanh")):
    globals()[_alias] = globals()[_name]
    globals()[_alias + "_"] = globals()[_name + "_"]
    setattr(Tensor, _alias, getattr(_B, _name))
    setattr(Tensor, _alias + "_", getattr(_B, _name + "_"))
del _name, _grad_fn, _py, _alias
# the op table's binary math rows (their methods are bound by hand: argument forms differ)
atan2 = arctan2 = _B.atan2
hypot = _B.hypot
copysign = _B.copysign
fmax = _B.fmax
nextafter = _B.nextafter
gcd = _B.gcd
lcm = _B.lcm
gcd_ = _B.gcd_
lcm_ = _B.lcm_
fmin = _B.fmin
matmul = _B.matmul
mm = _B.mm
add = _B.add
sub = _B.sub
subtract = _B.sub
mul = _B.mul
multiply = _B.mul
div = _B.div
divide = _B.div
true_divide = _B.div
pow = _B.pow  # noqa: A001
maximum = _B.maximum
minimum = _B.minimum
eq = _B.eq
ne = _B.ne
lt = _B.lt
le = _B.le
gt = _B.gt
ge = _B.ge
clamp = _B.clamp
clip = _B.clamp
sum = _B.sum  # noqa: A001
mean = _B.mean
var = _B.var
std = _B.std
max = _B.max  # noqa: A001
min = _B.min  # noqa: A001
argmax = _B.argmax
argmin = _B.argmin
softmax = _B.softmax
log_softmax = _B.log_softmax
reshape = _B.reshape
transpose = _B.transpose
permute = _B.permute
squeeze = _B.squeeze
unsqueeze = _B.unsqueeze
t = _B.t
select = _B.select
narrow = _B.narrow
index_select = _B.index_select
clone = _B.clone
detach = _B.detach
flatten = _function(Tensor.flatten)
chunk = _function(Tensor.chunk)
split = _function(Tensor.split)
unbind = _function(Tensor.unbind)
equal = _function(Tensor.equal)
isnan = _function(Tensor.isnan)
isinf = _function(Tensor.isinf)
isfinite = _function(Tensor.isfinite)
nonzero = _function(Tensor.nonzero)
masked_fill = _function(Tensor.masked_fill)
index_put_ = _function(Tensor.index_put_)
index_put = _function(Tensor.index_put)
index_add = _function(Tensor.index_add)
square = _function(Tensor.square)
erf = _B.erf
lgamma = _B.lgamma
digamma = _B.digamma
erf_ = _function(Tensor.erf_)
# torch.name_(t, ...): the in-place Tensor methods under torch's module-level names
for _name in ("clamp_", "clip_", "detach_", "fill_", "zero_"):
    globals()[_name] = _function(getattr(Tensor, _name))
del _name
all = _function(Tensor.all)  # noqa: A001
any = _function(Tensor.any)  # noqa: A001
prod = _function(Tensor.prod)
cumsum = _function(Tensor.cumsum)
cumprod = _function(Tensor.cumprod)
sort = _function(Tensor.sort)
argsort = _function(Tensor.argsort)
topk = _function(Tensor.topk)
gather = _function(Tensor.gather)
floor_divide = _function(Tensor.floor_divide)


from ._shape_api import FUNCTIONS as _SHAPE_FUNCTIONS  # noqa: E402
globals().update(_SHAPE_FUNCTIONS)
swapaxes = _function(Tensor.swapaxes)
swapdims = _function(Tensor.swapdims)
unflatten = _function(Tensor.unflatten)
as_strided = _function(Tensor.as_strided)


def remainder(input, other):  # noqa: A002 - torch's argument name
    """``input % other``; ``input`` may be a Python number when ``other`` is a Tensor."""
    if not isinstance(input, Tensor) and isinstance(other, Tensor):
        return other.__rmod__(input)
    _check_input("remainder", input)
    return Tensor.remainder(input, other)


fmod = _function(Tensor.fmod)
floor = _function(Tensor.floor)
ceil = _function(Tensor.ceil)
trunc = _function(Tensor.trunc)
round = _function(Tensor.round)  # noqa: A001
frac = _function(Tensor.frac)
dot = _function(Tensor.dot)
median = _function(Tensor.median)


def bmm(input, mat2):  # noqa: A002
    """Batched matrix product of (b, n, m) and (b, m, p) tensors."""
    _check_input("bmm", input)
    if not isinstance(mat2, _C.TensorBase):
        raise TypeError(f"bmm(): argument 'mat2' (position 2) must be Tensor, not {type(mat2).__name__}")
    if input.dim() != 3 or mat2.dim() != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor" if input.dim() != 3 else
                           "batch2 must be a 3D tensor")
    return input.matmul(mat2)


def _shape_arg(shape):
    """One argument of broadcast_shapes as a tuple of ints, with PyTorch's errors."""
    import numbers

    if isinstance(shape, numbers.Integral) and not isinstance(shape, _C.TensorBase):
        shape = (_operator.index(shape),)
    elif not isinstance(shape, (tuple, list)):
        raise RuntimeError("Input shapes should be of type ints, a tuple of ints, or a list of "
                           f"ints, got {shape}")
    for n in shape:
        if not isinstance(n, numbers.Integral) or isinstance(n, _C.TensorBase):
            raise TypeError(f"torch.Size() takes an iterable of 'int' (item 0 is "
                            f"'{type(n).__name__}')")
    return tuple(_operator.index(n) for n in shape)


def broadcast_shapes(*shapes):
    """The shape that tensors of the given shapes broadcast to (a torch.Size)."""
    shapes = [_shape_arg(shape) for shape in shapes]  # every type is checked first, as in torch
    for shape in shapes:
        for n in shape:  # (this module's any and all are torch's)
            if n < 0:
                raise ValueError("Attempting to broadcast a dimension with negative length!")
    out = []
    for i, shape in enumerate(shapes):
        if len(shape) > len(out):
            out = [1] * (len(shape) - len(out)) + out
        for d in range(1, len(shape) + 1):
            n, m = shape[-d], out[-d]
            if n != m and n != 1 and m != 1:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {n} at {-d}! Mismatching "
                    f"argument at index {i} had {shape}; but expected shape should be "
                    f"broadcastable to {out}")
            if m == 1:
                out[-d] = n
    return Size(out)


def broadcast_tensors(*tensors):
    """Expanded views of the tensors, all of their common broadcast shape."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = ()
    for i, t in enumerate(tensors):
        if not isinstance(t, _C.TensorBase):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
        shape = random._broadcast_shape(shape, t.shape)
    # a tensor already of the broadcast shape comes back itself, as in torch
    return tuple(t if tuple(t.shape) == tuple(shape) else t.expand(shape) for t in tensors)


# ---- random streams; printing and the submodules load on first use ----
from .random import *  # noqa: E402,F401,F403
from . import random  # noqa: E402
from . import _torch_docs  # noqa: E402

_torch_docs.attach(globals())
empty.__doc__ = _C.empty.__doc__  # torch.empty is the factory behind a memory_format wrapper
from . import amp  # noqa: E402 - torch.autocast, its queries and GradScaler
from .amp.autocast_mode import (autocast, autocast_decrement_nesting,  # noqa: E402,F401
                                autocast_increment_nesting, clear_autocast_cache,
                                get_autocast_cpu_dtype, get_autocast_dtype, get_autocast_gpu_dtype,
                                is_autocast_cache_enabled, is_autocast_cpu_enabled,
                                is_autocast_enabled, set_autocast_cache_enabled,
                                set_autocast_cpu_dtype, set_autocast_cpu_enabled,
                                set_autocast_dtype, set_autocast_enabled, set_autocast_gpu_dtype)
from . import _everyday  # noqa: E402 - math, reductions, linear algebra and out=

_everyday.install(globals(), Tensor)

_LAZY = {"nn": None, "optim": None, "utils": None, "cuda": None,
         "set_printoptions": "_tensor_str", "serialization": None, "save": "serialization",
         "load": "serialization", "einsum": "_einsum", "testing": None,
         "from_dlpack": "utils.dlpack", "multiprocessing": None, "distributions": None,
         "backends": None, "accelerator": None, "jit": None,
         "func": None, "vmap": "func", "linalg": None, "cpu": None, "special": None, "version": None,
         "mps": None, "xpu": None, "distributed": None}


def __getattr__(name):
    """Imports ``pytorchlite.nn`` (optim, utils, cuda, set_printoptions, save, load) when first
    used.

    Note:
        PyTorch imports every submodule with ``import torch``; pytorchlite loads them on first
        use, so ``torch.nn`` works the same and a script that never touches it starts sooner.
    """
    if name in _devices.DEPRECATED_FLAGS:  # torch.has_cuda ... (warn at every use, as PyTorch)
        return _devices.deprecated_flag(name)
    if name not in _LAZY:
        raise AttributeError(f"module 'pytorchlite' has no attribute '{name}'")
    import importlib

    source = _LAZY[name]
    module = importlib.import_module("." + (source or name), __name__)
    value = getattr(module, name) if source else module
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
