"""torch.autocast (torch.amp.autocast): regions of a script that run listed ops in bfloat16 or
float16, the autocast queries and setters (torch.is_autocast_enabled ...), and the custom_fwd /
custom_bwd decorators of custom autograd functions.

Only the CPU state acts on ops (the core's thread-local state, csrc/core/autocast.h). The
other device types keep their enabled flag and dtype here, per thread, so that the queries answer
as a CPU-only PyTorch build does; ``torch.autocast('cuda')`` warns that CUDA is unavailable and
is disabled, as there.
"""
import collections.abc
import functools
import threading
import warnings

import pytorchlite as torch

from .. import _C

__all__ = ["autocast_decorator", "autocast", "is_autocast_available", "custom_fwd",
           "custom_bwd"]

# Default autocast dtype of each device type that has one (PyTorch's table); the others answer
# "unsupported scalarType".
_DEFAULT_DTYPE = {"cuda": "float16", "xpu": "float16", "mps": "float16", "ipu": "float16",
                  "mtia": "float16", "privateuseone": "float16", "hip": "float16",
                  "hpu": "bfloat16", "xla": "bfloat16", "maia": "bfloat16"}
_other = threading.local()  # enabled flags and dtypes of the non-CPU device types


def _device_type(device_type):
    return torch.device(device_type).type  # PyTorch's RuntimeError for an unknown string


def _others():
    state = getattr(_other, "state", None)
    if state is None:
        state = _other.state = {}
    return state


def _other_state(dev):
    state = _others()
    if dev not in state:
        if dev not in _DEFAULT_DTYPE:
            raise RuntimeError("unsupported scalarType")
        state[dev] = [False, getattr(torch, _DEFAULT_DTYPE[dev])]
    return state[dev]


def is_autocast_available(device_type):
    """Whether autocast can run on device_type (cpu, cuda, xpu, mps ...)."""
    return _device_type(device_type) in _DEFAULT_DTYPE or _device_type(device_type) == "cpu"


def is_autocast_enabled(device_type=None):
    """Whether autocast is on in this thread for device_type ('cuda' when not given)."""
    dev = "cuda" if device_type is None else _device_type(device_type)
    if dev == "cpu":
        return _C._autocast_state()[0]
    return _other_state(dev)[0] if dev in _DEFAULT_DTYPE else False


def set_autocast_enabled(device_type, enabled=None):
    """Turns autocast on or off in this thread (``set_autocast_enabled(True)`` means cuda)."""
    position = 2
    if enabled is None:
        device_type, enabled, position = "cuda", device_type, 1
    if not isinstance(enabled, bool):
        raise TypeError(f"set_autocast_enabled(): argument 'enabled' (position {position}) must "
                        f"be bool, not {type(enabled).__name__}")
    dev = _device_type(device_type)
    if dev == "cpu":
        _C._autocast_set(enabled, None, None)
    else:
        _other_state(dev)[0] = enabled


def get_autocast_dtype(device_type):
    """The dtype autocast runs listed ops in on device_type (bfloat16 on the CPU by default)."""
    dev = _device_type(device_type)
    if dev == "cpu":
        return _C._autocast_state()[1]
    return _other_state(dev)[1]


def set_autocast_dtype(device_type, dtype):
    """Sets the dtype autocast uses on device_type in this thread."""
    if not isinstance(dtype, torch.dtype):
        raise TypeError("set_autocast_dtype(): argument 'dtype' (position 2) must be torch.dtype, "
                        f"not {type(dtype).__name__}")
    dev = _device_type(device_type)
    if dev == "cpu":
        _C._autocast_set(None, dtype, None)
    else:
        _other_state(dev)[1] = dtype


def is_autocast_cache_enabled():
    """Whether autocast caches the casts of weights (leaves that require grad)."""
    return _C._autocast_state()[2]


def set_autocast_cache_enabled(enabled):
    """Turns the weight-cast cache on or off in this thread."""
    _C._autocast_set(None, None, bool(enabled))


def clear_autocast_cache():
    """Drops the cached casts (autocast does it when its outermost region exits)."""
    _C._autocast_clear_cache()


def autocast_increment_nesting():
    """Adds one to this thread's autocast nesting depth; returns the new depth."""
    return _C._autocast_nesting(1)


def autocast_decrement_nesting():
    """Takes one from this thread's autocast nesting depth; returns the new depth."""
    return _C._autocast_nesting(-1)


def _deprecated(old, new):
    warnings.warn(f"torch.{old}() is deprecated. Please use torch.{new} instead.",
                  DeprecationWarning, stacklevel=3)


def is_autocast_cpu_enabled():
    """Deprecated: ``is_autocast_enabled('cpu')``."""
    _deprecated("is_autocast_cpu_enabled", "is_autocast_enabled('cpu')")
    return is_autocast_enabled("cpu")


def set_autocast_cpu_enabled(enabled):
    """Deprecated: ``set_autocast_enabled('cpu', enabled)``."""
    _deprecated("set_autocast_cpu_enabled", "set_autocast_enabled('cpu', enabled)")
    set_autocast_enabled("cpu", enabled)


def get_autocast_cpu_dtype():
    """Deprecated: ``get_autocast_dtype('cpu')``."""
    _deprecated("get_autocast_cpu_dtype", "get_autocast_dtype('cpu')")
    return get_autocast_dtype("cpu")


def set_autocast_cpu_dtype(dtype):
    """Deprecated: ``set_autocast_dtype('cpu', dtype)``."""
    _deprecated("set_autocast_cpu_dtype", "set_autocast_dtype('cpu', dtype)")
    set_autocast_dtype("cpu", dtype)


def get_autocast_gpu_dtype():
    """Deprecated: ``get_autocast_dtype('cuda')``."""
    _deprecated("get_autocast_gpu_dtype", "get_autocast_dtype('cuda')")
    return get_autocast_dtype("cuda")


def set_autocast_gpu_dtype(dtype):
    """Deprecated: ``set_autocast_dtype('cuda', dtype)``."""
    _deprecated("set_autocast_gpu_dtype", "set_autocast_dtype('cuda', dtype)")
    set_autocast_dtype("cuda", dtype)


def autocast_decorator(autocast_instance, func):
    """func run inside autocast_instance's region on every call."""
    @functools.wraps(func)
    def decorate_autocast(*args, **kwargs):
        with autocast_instance:
            return func(*args, **kwargs)
    return decorate_autocast


class autocast:
    """A region (context manager or decorator) where autocast's ops run in lower precision.

    On the CPU the listed ops (matmul, mm, bmm, linear, conv, baddbmm, addmm, prelu,
    scaled_dot_product_attention ...) cast their floating-point tensor arguments to ``dtype``
    (bfloat16 by default, or float16), the float32 list (losses, linalg, 3-d pooling, pads ...)
    casts to float32, and cat/stack/index_copy promote to the widest floating dtype. float64
    tensors are left alone. The state is thread-local; regions nest, and leaving one (also
    through an exception) restores the state it found.

    Args:
        device_type (str): 'cpu', or another device type (only its flag is kept: 'cuda' warns
            that CUDA is unavailable and disables the region).
        dtype (torch.dtype, optional): the lower-precision dtype; default
            ``torch.get_autocast_dtype(device_type)``.
        enabled (bool): whether the region casts at all. Default: True.
        cache_enabled (bool, optional): whether a weight (a float32 leaf that requires grad)
            is cast once per region. Default: ``torch.is_autocast_cache_enabled()``.
    """

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self.device = device_type
        if not is_autocast_available(self.device):
            raise RuntimeError(
                f"User specified an unsupported autocast device_type '{self.device}'")
        self._cache_enabled = (is_autocast_cache_enabled() if cache_enabled is None
                               else cache_enabled)
        if enabled:
            if self.device == "cuda":
                warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.",
                              stacklevel=2)
                enabled = False
            elif self.fast_dtype not in (torch.bfloat16, torch.float16):
                name = self.device.upper()
                warnings.warn(f"In {name} autocast, but the target dtype is not supported. "
                              f"Disabling autocast.\n{name} Autocast only supports dtypes of "
                              "torch.bfloat16, torch.float16 currently.", stacklevel=2)
                enabled = False
        self._enabled = enabled

    def __enter__(self):
        self.prev_cache_enabled = is_autocast_cache_enabled()
        self.prev = is_autocast_enabled(self.device)
        self.prev_fastdtype = get_autocast_dtype(self.device)
        set_autocast_enabled(self.device, self._enabled)
        set_autocast_dtype(self.device, self.fast_dtype)
        autocast_increment_nesting()
        set_autocast_cache_enabled(self._cache_enabled)
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        # the cached casts live until the outermost region of this thread ends
        if autocast_decrement_nesting() == 0:
            clear_autocast_cache()
        set_autocast_enabled(self.device, self.prev)
        set_autocast_dtype(self.device, self.prev_fastdtype)
        set_autocast_cache_enabled(self.prev_cache_enabled)
        return False

    def __call__(self, func):
        if not callable(func):
            raise TypeError(
                f"autocast()(func) requires a callable, but got {type(func).__name__}. "
                "Did you mean to use autocast as a context manager? For example:\n"
                "    with torch.autocast(device_type=...):\n"
                "        output = model(input)")
        return autocast_decorator(self, func)


def _cast(value, device_type, dtype):
    """value with its floating-point tensors (not float64) cast to dtype, through lists,
    tuples and dicts."""
    if isinstance(value, torch.Tensor):
        eligible = (value.is_floating_point() and value.device.type == device_type
                    and value.dtype is not torch.float64)
        return value.to(dtype) if eligible else value
    if isinstance(value, (str, bytes)) or type(value).__module__ == "numpy":
        return value
    if isinstance(value, collections.abc.Mapping):
        return {_cast(k, device_type, dtype): _cast(v, device_type, dtype)
                for k, v in value.items()}
    if isinstance(value, collections.abc.Iterable):
        items = (_cast(v, device_type, dtype) for v in value)
        return type(value)(items) if isinstance(value, (list, tuple)) else items
    return value


def _check_device_type(device_type):
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorator for the ``forward`` of a custom autograd Function under autocast.

    With ``cast_inputs`` (a dtype), inside an autocast region the floating-point tensor
    arguments are cast to it and ``forward`` runs with autocast off; without it, ``forward``
    runs in the current autocast state. ``backward`` decorated with :func:`custom_bwd` then
    runs in the state ``forward`` saw.
    """
    _check_device_type(device_type)
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        args[0]._dtype = get_autocast_dtype(device_type)
        if cast_inputs is None:
            args[0]._fwd_used_autocast = is_autocast_enabled(device_type)
            return fwd(*args, **kwargs)
        args[0]._fwd_used_autocast = False
        if not is_autocast_enabled(device_type):
            return fwd(*args, **kwargs)
        with autocast(device_type=device_type, enabled=False):
            return fwd(*_cast(args, device_type, cast_inputs),
                       **_cast(kwargs, device_type, cast_inputs))
    return decorate_fwd


def custom_bwd(bwd=None, *, device_type):
    """Decorator for the ``backward`` of a custom autograd Function: runs it in the autocast
    state its :func:`custom_fwd` ``forward`` ran in."""
    _check_device_type(device_type)
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        with autocast(device_type=device_type, enabled=args[0]._fwd_used_autocast,
                      dtype=args[0]._dtype):
            return bwd(*args, **kwargs)
    return decorate_bwd
