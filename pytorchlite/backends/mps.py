"""``torch.backends.mps``: no Apple GPU support in pytorchlite."""


def is_available():
    """False: no MPS device."""
    return False


def is_built():
    """False: built without MPS."""
    return False
