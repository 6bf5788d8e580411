"""``torch.inference_mode``: no gradient recording, and tensors made inside are inference
tensors (``is_inference()``), which autograd refuses to save for backward later."""
import functools

from .. import _C

__all__ = ["inference_mode"]


class inference_mode:
    """Context manager (and decorator): ``with torch.inference_mode():`` or
    ``@torch.inference_mode()``; ``inference_mode(False)`` does nothing."""

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):  # used as @inference_mode
            return cls()(mode)
        return super().__new__(cls)

    def __enter__(self):
        if self.mode:
            self.prev_grad = _C._set_grad_enabled(False)
            self.prev = _C._set_inference_mode(True)

    def __exit__(self, *args):
        if self.mode:
            _C._set_inference_mode(self.prev)
            _C._set_grad_enabled(self.prev_grad)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self.mode):
                return fn(*args, **kwargs)

        return wrapper

    def clone(self):
        return self.__class__(self.mode)


def is_inference_mode_enabled():
    return _C.is_inference_mode_enabled()
