"""Anomaly detection: ``detect_anomaly`` and ``set_detect_anomaly`` (context managers).

While it is on, each node made by the forward records the forward call's traceback, and a
backward whose node fails says so in a UserWarning ("Error detected in MulBackward0. Traceback
of forward call that caused the error: ..."); with ``check_nan`` a node returning NaN
gradients raises PyTorch's RuntimeError.
"""
import functools
import warnings

from .. import _C

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled"]


def is_anomaly_enabled():
    prev = _C._set_detect_anomaly(False, True)
    _C._set_detect_anomaly(*prev)
    return prev[0]


def is_anomaly_check_nan_enabled():
    prev = _C._set_detect_anomaly(False, True)
    _C._set_detect_anomaly(*prev)
    return prev[1]


class detect_anomaly:
    """Context manager (and decorator) that turns anomaly detection on."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", stacklevel=2)

    def __enter__(self):
        self.prev = _C._set_detect_anomaly(True, bool(self.check_nan))

    def __exit__(self, *args):
        _C._set_detect_anomaly(*self.prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly:
    """Turns anomaly detection on or off, as a function or a context manager."""

    def __init__(self, mode, check_nan=True):
        self.prev = _C._set_detect_anomaly(bool(mode), bool(check_nan))

    def __enter__(self):
        pass

    def __exit__(self, *args):
        _C._set_detect_anomaly(*self.prev)
        return False
