"""``torch.xpu`` as a PyTorch build without Intel GPU support answers: no XPU device is ever
available. The queries return what such a build returns (False, 0); the calls that need a
device raise its ``AssertionError: Torch not compiled with XPU enabled``."""

__all__ = ["is_available", "device_count", "is_initialized", "init", "manual_seed",
           "manual_seed_all", "seed", "seed_all", "empty_cache", "synchronize", "current_device",
           "set_device", "get_device_name", "get_device_properties", "get_rng_state",
           "memory_allocated", "max_memory_allocated", "memory_reserved", "max_memory_reserved"]

_NO_XPU = "Torch not compiled with XPU enabled"


def is_available():
    """False: pytorchlite has no XPU."""
    return False


def device_count():
    """0: no XPU device."""
    return 0


def is_initialized():
    """False: XPU is never initialized."""
    return False


def manual_seed(seed):
    """Nothing to seed without an XPU (PyTorch silently ignores the call too)."""


def manual_seed_all(seed):
    """Nothing to seed without an XPU."""


def seed():
    """Nothing to seed without an XPU."""


def seed_all():
    """Nothing to seed without an XPU."""


def empty_cache():
    """Nothing cached without an XPU."""


def _memory(device=None):
    return 0


memory_allocated = max_memory_allocated = memory_reserved = max_memory_reserved = _memory


def _needs_device(name):
    def call(*args, **kwargs):
        raise AssertionError(_NO_XPU)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = "Raises PyTorch's AssertionError (there is no XPU device)."
    return call


init = _needs_device("init")
synchronize = _needs_device("synchronize")
current_device = _needs_device("current_device")
set_device = _needs_device("set_device")
get_device_name = _needs_device("get_device_name")
get_device_properties = _needs_device("get_device_properties")
get_rng_state = _needs_device("get_rng_state")
