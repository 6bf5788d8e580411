"""pytorchlite.utils: the data loading utilities (pytorchlite.utils.data)."""
from . import data, hooks

__all__ = ["data", "hooks"]
