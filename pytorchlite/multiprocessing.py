"""pytorchlite.multiprocessing: Python's ``multiprocessing`` under PyTorch's name, with
PyTorch's sharing-strategy functions.

Everything of ``multiprocessing`` is here (``get_context``, ``set_start_method``, ``Process``,
``Queue``...), bound to Python's default context, so ``set_start_method("spawn")`` also sets
the start method DataLoader workers use by default.

Note:
    PyTorch moves a tensor put on a queue into shared memory and sends a handle; pytorchlite
    pickles it (a copy of its data). The sharing strategy is therefore recorded and checked
    but changes nothing.

reference: https://pytorch.org/docs/stable/multiprocessing.html
"""
import multiprocessing as _multiprocessing
from multiprocessing import *  # noqa: F401,F403

__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies"]
__all__ += _multiprocessing.__all__

_all_sharing_strategies = {"file_descriptor", "file_system"}
_sharing_strategy = "file_descriptor"


def set_sharing_strategy(new_strategy):
    """Set the strategy for sharing CPU tensors.

    Args:
        new_strategy (str): Name of the selected strategy. Should be one of
            the values returned by :func:`get_all_sharing_strategies()`.
    """
    global _sharing_strategy
    if new_strategy not in _all_sharing_strategies:
        raise AssertionError(
            f"invalid sharing strategy {new_strategy!r}, "
            f"expected one of {_all_sharing_strategies}"
        )
    _sharing_strategy = new_strategy


def get_sharing_strategy():
    """Return the current strategy for sharing CPU tensors."""
    return _sharing_strategy


def get_all_sharing_strategies():
    """Return a set of sharing strategies supported on a current system."""
    return set(_all_sharing_strategies)
