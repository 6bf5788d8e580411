"""``torch.cuda`` as seen from a CPU-only library: no device is ever available."""

__all__ = ["is_available", "device_count", "manual_seed", "manual_seed_all"]


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Nothing to seed without a GPU (PyTorch silently ignores the call too)."""


def manual_seed_all(seed):
    """Nothing to seed without a GPU."""
