"""pytorchlite.utils: the data loading utilities (pytorchlite.utils.data)."""
from . import data

__all__ = ["data"]
