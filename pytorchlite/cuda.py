"""``torch.cuda`` as a CPU-only PyTorch build answers: no device is ever available. The queries
return what CPU-only torch returns (False, 0, None); the calls that need a device raise its
``AssertionError: Torch not compiled with CUDA enabled``. The context managers (``device``,
``device_of``, ``stream``) are no-ops where CPU-only torch's are, and ``Stream`` and ``Event``
cannot be made."""

__all__ = ["is_available", "device_count", "manual_seed", "manual_seed_all", "seed", "seed_all",
           "is_initialized", "init", "empty_cache", "synchronize", "current_device",
           "set_device", "get_device_name", "get_device_properties", "get_device_capability",
           "current_stream", "memory_allocated", "max_memory_allocated", "memory_reserved",
           "max_memory_reserved", "reset_peak_memory_stats", "is_bf16_supported",
           "memory_stats", "mem_get_info", "set_per_process_memory_fraction", "ipc_collect",
           "default_stream", "get_rng_state", "get_rng_state_all", "set_rng_state",
           "set_rng_state_all", "initial_seed", "get_arch_list", "get_gencode_flags", "device",
           "device_of", "Stream", "Event", "StreamContext", "stream", "set_stream",
           "is_current_stream_capturing", "is_tf32_supported", "can_device_access_peer",
           "memory_cached", "max_memory_cached", "reset_max_memory_allocated",
           "reset_max_memory_cached", "default_generators", "OutOfMemoryError",
           "FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor",
           "IntTensor", "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]

import collections
import warnings

from ._C import OutOfMemoryError

_NO_CUDA = "Torch not compiled with CUDA enabled"


def is_available():
    """False: pytorchlite has no CUDA."""
    return False


def device_count():
    """0: no CUDA device."""
    return 0


def is_initialized():
    """False: CUDA is never initialized."""
    return False


def is_bf16_supported(including_emulation=True):
    """False: no CUDA device."""
    return False


def manual_seed(seed):
    """Nothing to seed without a GPU (PyTorch silently ignores the call too)."""


def manual_seed_all(seed):
    """Nothing to seed without a GPU."""


def seed():
    """Nothing to seed without a GPU."""


def seed_all():
    """Nothing to seed without a GPU."""


def empty_cache():
    """Nothing cached without a GPU."""


def _memory(device=None):
    return 0


memory_allocated = max_memory_allocated = memory_reserved = max_memory_reserved = _memory


def memory_stats(device=None):
    """An empty OrderedDict: no CUDA allocator has statistics."""
    return collections.OrderedDict()


def reset_peak_memory_stats(device=None):
    """Raises the AttributeError CPU-only PyTorch raises (its binding for this is missing)."""
    raise AttributeError("module 'torch._C' has no attribute '_cuda_resetPeakMemoryStats'")


def _renamed(old_name, new_name):
    def call(device=None):
        warnings.warn(f"`torch.cuda.{old_name}` has been renamed to `torch.cuda.{new_name}`",
                      FutureWarning, stacklevel=2)
        return globals()[new_name](device)

    call.__name__ = call.__qualname__ = old_name
    call.__doc__ = f"Deprecated: ``{new_name}`` (with PyTorch's FutureWarning)."
    return call


def _resets_peak(old_name):
    def call(device=None):
        warnings.warn(f"torch.cuda.{old_name} now calls torch.cuda.reset_peak_memory_stats, "
                      "which resets /all/ peak memory stats.", FutureWarning, stacklevel=2)
        return reset_peak_memory_stats(device)

    call.__name__ = call.__qualname__ = old_name
    call.__doc__ = "Deprecated: ``reset_peak_memory_stats`` (with PyTorch's FutureWarning)."
    return call


memory_cached = _renamed("memory_cached", "memory_reserved")
max_memory_cached = _renamed("max_memory_cached", "max_memory_reserved")
reset_max_memory_allocated = _resets_peak("reset_max_memory_allocated")
reset_max_memory_cached = _resets_peak("reset_max_memory_cached")
default_generators = ()  # one per CUDA device


def is_tf32_supported():
    """False: no CUDA device."""
    return False


def is_current_stream_capturing():
    """Raises CPU-only PyTorch's RuntimeError (there is no stream to capture)."""
    raise RuntimeError("Tried to instantiate dummy base class _cuda_isCurrentStreamCapturing")


def set_stream(stream):
    """A no-op, as for ``stream(None)``: no stream can be made without CUDA."""


def get_rng_state_all():
    """[]: one state per CUDA device, and there is none."""
    return []


def set_rng_state(new_state, device="cuda"):
    """Nothing to set without a GPU (PyTorch defers the call until CUDA starts, which never
    happens on a CPU-only build)."""


def set_rng_state_all(new_states):
    """Nothing to set without a GPU."""


def get_arch_list():
    """[]: compiled for no CUDA architecture."""
    return []


def get_gencode_flags():
    """'': compiled for no CUDA architecture."""
    return ""


def _needs_device(name):
    def call(*args, **kwargs):
        raise AssertionError(_NO_CUDA)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = "Raises CPU-only PyTorch's AssertionError (there is no CUDA device)."
    return call


init = _needs_device("init")
synchronize = _needs_device("synchronize")
current_device = _needs_device("current_device")
get_device_name = _needs_device("get_device_name")
get_device_properties = _needs_device("get_device_properties")
get_device_capability = _needs_device("get_device_capability")
current_stream = _needs_device("current_stream")
default_stream = _needs_device("default_stream")
get_rng_state = _needs_device("get_rng_state")
initial_seed = _needs_device("initial_seed")
mem_get_info = _needs_device("mem_get_info")
set_per_process_memory_fraction = _needs_device("set_per_process_memory_fraction")
ipc_collect = _needs_device("ipc_collect")
can_device_access_peer = _needs_device("can_device_access_peer")


def _device_index(where, optional=False):
    """The CUDA device index where names (an int as it is); None for none if optional, as
    PyTorch's CPU-only build has no current device to fall back on."""
    from ._devices import device as _device

    if isinstance(where, int):
        return where
    if isinstance(where, str):
        where = _device(where)
    if isinstance(where, _device):
        if where.type != "cuda":
            raise ValueError(f"Expected a cuda device, but got: {where}")
        if where.index is not None:
            return where.index
    if isinstance(where, device):
        return where.idx
    if optional:
        return None
    raise ValueError(f"Expected a torch.device with a specified index or an integer, but "
                     f"got:{where}")


def _exchange_device(idx):
    if idx < 0:
        return -1
    raise RuntimeError("PyTorch was compiled without CUDA support")


def set_device(device):
    """Selects a CUDA device: a negative index is a no-op; any other raises what CPU-only
    PyTorch raises (an AttributeError: its CUDA binding is missing)."""
    if _device_index(device) >= 0:
        raise AttributeError("module 'torch._C' has no attribute '_cuda_setDevice'")


class device:
    """Context manager selecting a CUDA device: a no-op for a negative index; entering any
    other raises ``RuntimeError: PyTorch was compiled without CUDA support``."""

    def __init__(self, device):
        self.idx = _device_index(device, optional=True)
        self.prev_idx = -1

    def __enter__(self):
        self.prev_idx = _exchange_device(self.idx)

    def __exit__(self, type, value, traceback):  # noqa: A002 - the context-manager protocol
        self.idx = _exchange_device(self.prev_idx)
        return False


class device_of(device):
    """``device`` on the device of a tensor: a no-op, as no tensor is on a CUDA device."""

    def __init__(self, obj):
        super().__init__(obj.get_device() if obj.is_cuda else -1)


class Stream:
    """A CUDA stream; none can be made without CUDA."""

    def __new__(cls, device=None, priority=0, **kwargs):
        raise RuntimeError("torch.cuda.Stream requires CUDA support")


class Event:
    """A CUDA event; none can be made without CUDA."""

    def __new__(cls, enable_timing=False, blocking=False, interprocess=False, **kwargs):
        raise RuntimeError("Tried to instantiate dummy base class Event")


class StreamContext:
    """Context manager making a stream current: a no-op, as there is no CUDA device (and no
    stream other than None to give it)."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        return None

    def __exit__(self, type, value, traceback):  # noqa: A002 - the context-manager protocol
        return None


def stream(stream):
    """``StreamContext(stream)``."""
    return StreamContext(stream)


class _cuda_tensortype(type):
    """torch.cuda.FloatTensor and friends: no tensor is one, and none can be made."""

    def __instancecheck__(cls, obj):
        return False

    def __call__(cls, *args, **kwargs):
        raise TypeError(f"type torch.cuda.{cls.__name__} not available. Torch not compiled with "
                        "CUDA enabled.")

    def __repr__(cls):
        return f"<class 'torch.cuda.{cls.__name__}'>"


for _name in __all__[__all__.index("FloatTensor"):]:
    globals()[_name] = _cuda_tensortype(_name, (), {"__module__": "torch.cuda"})
del _name

# torch.cuda.amp: a module of its own in PyTorch; registered under that name so that
# `import torch.cuda.amp` and `from torch.cuda.amp import autocast` find it
import sys as _sys  # noqa: E402

from .amp import cuda_amp as amp  # noqa: E402

_sys.modules[__name__ + ".amp"] = amp
