"""``torch.mps`` as PyTorch answers without Apple's Metal backend: no MPS device is available.
``is_available`` and ``device_count`` say so, seeding is ignored, and every call that needs the
backend raises PyTorch's ``RuntimeError: Cannot execute ...() without MPS backend.``"""

__all__ = ["compile_shader", "device_count", "get_rng_state", "manual_seed", "seed",
           "set_rng_state", "synchronize", "empty_cache", "set_per_process_memory_fraction",
           "current_allocated_memory", "driver_allocated_memory", "Event",
           "recommended_max_memory", "is_available"]


def is_available():
    """False: no MPS device."""
    return False


def device_count():
    """0: no MPS device."""
    return 0


def manual_seed(seed):
    """Nothing to seed without an MPS device (PyTorch ignores the call too)."""


def _needs_backend(name, backend_call):
    def call(*args, **kwargs):
        raise RuntimeError(f"Cannot execute {backend_call}() without MPS backend.")

    call.__name__ = call.__qualname__ = name
    call.__doc__ = "Raises PyTorch's RuntimeError: there is no MPS backend."
    return call


get_rng_state = _needs_backend("get_rng_state", "getDefaultGenerator")
set_rng_state = _needs_backend("set_rng_state", "getDefaultGenerator")
seed = _needs_backend("seed", "getDefaultGenerator")
synchronize = _needs_backend("synchronize", "deviceSynchronize")
empty_cache = _needs_backend("empty_cache", "emptyCache")
set_per_process_memory_fraction = _needs_backend("set_per_process_memory_fraction",
                                                 "setMemoryFraction")
current_allocated_memory = _needs_backend("current_allocated_memory",
                                          "getCurrentAllocatedMemory")
driver_allocated_memory = _needs_backend("driver_allocated_memory", "getDriverAllocatedMemory")
recommended_max_memory = _needs_backend("recommended_max_memory", "getRecommendedMaxMemory")


def compile_shader(source):
    """Raises PyTorch's RuntimeError: there is no Metal device to compile for."""
    raise RuntimeError("MPS is not available")


class Event:
    """An MPS event; none can be made without the backend."""

    def __init__(self, enable_timing=False):
        raise RuntimeError("Cannot execute acquireEvent() without MPS backend.")
