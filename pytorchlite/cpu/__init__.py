"""torch.cpu: the CPU device module (here: its deprecated ``torch.cpu.amp`` spellings)."""
from . import amp  # noqa: F401

__all__ = ["amp"]
