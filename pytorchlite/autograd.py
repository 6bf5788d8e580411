"""Grad-mode switches (no_grad, enable_grad, set_grad_enabled) and ``autograd.backward``.

Each works as a context manager and as a function decorator, as in PyTorch.
"""
import functools

from . import _C

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "backward", "grad"]

is_grad_enabled = _C.is_grad_enabled


class _GradMode:
    _enabled = True

    def __enter__(self):
        self._prev = _C._set_grad_enabled(self._enabled)
        return None

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper

    def clone(self):
        return self.__class__()


class no_grad(_GradMode):
    """Context manager (and decorator) that turns gradient recording off."""

    _enabled = False


class enable_grad(_GradMode):
    """Context manager (and decorator) that turns gradient recording on."""

    _enabled = True


class set_grad_enabled(_GradMode):
    """Sets gradient recording on or off; usable as a function or a context manager."""

    def __init__(self, mode):
        self._enabled = bool(mode)
        self._prev = _C._set_grad_enabled(self._enabled)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._prev)
        return False

    def clone(self):
        return self.__class__(self._enabled)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Computes the gradients of ``tensors`` with respect to the graph leaves."""
    if create_graph:
        raise NotImplementedError("pytorchlite does not support create_graph=True")
    if inputs is not None:
        raise NotImplementedError("pytorchlite does not support backward(inputs=...)")
    from ._tensor import Tensor

    if isinstance(tensors, Tensor):
        tensors = (tensors,)
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = (grad_tensors,) * len(tensors) if grad_tensors is None else (grad_tensors,)
    for t, g in zip(tensors, grad_tensors):
        _C._backward(t, g, bool(retain_graph))


def grad(*args, **kwargs):
    raise NotImplementedError("pytorchlite does not support torch.autograd.grad yet")
