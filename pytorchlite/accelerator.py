"""``torch.accelerator``: pytorchlite runs on the CPU only, so there is no accelerator."""

__all__ = ["is_available", "current_accelerator", "device_count"]


def is_available():
    """False: no accelerator."""
    return False


def current_accelerator(check_available=False):
    """None: no accelerator."""
    return None


def device_count():
    """0: no accelerator."""
    return 0
