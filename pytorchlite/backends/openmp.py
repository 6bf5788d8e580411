"""``torch.backends.openmp``: the CPU build runs its kernels on threads."""


def is_available():
    """True, as CPU PyTorch answers."""
    return True
