"""``torch.cuda`` as a CPU-only PyTorch build answers: no device is ever available. The queries
return what CPU-only torch returns (False, 0, None); the calls that need a device raise its
``AssertionError: Torch not compiled with CUDA enabled``."""

__all__ = ["is_available", "device_count", "manual_seed", "manual_seed_all", "seed", "seed_all",
           "is_initialized", "init", "empty_cache", "synchronize", "current_device",
           "set_device", "get_device_name", "get_device_properties", "get_device_capability",
           "current_stream", "memory_allocated", "max_memory_allocated", "memory_reserved",
           "max_memory_reserved", "reset_peak_memory_stats", "is_bf16_supported",
           "FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor",
           "IntTensor", "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]

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


def reset_peak_memory_stats(device=None):
    raise AssertionError(_NO_CUDA)


def _needs_device(name):
    def call(*args, **kwargs):
        raise AssertionError(_NO_CUDA)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = "Raises CPU-only PyTorch's AssertionError (there is no CUDA device)."
    return call


init = _needs_device("init")
synchronize = _needs_device("synchronize")
current_device = _needs_device("current_device")
set_device = _needs_device("set_device")
get_device_name = _needs_device("get_device_name")
get_device_properties = _needs_device("get_device_properties")
get_device_capability = _needs_device("get_device_capability")
current_stream = _needs_device("current_stream")


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
