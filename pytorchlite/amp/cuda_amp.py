"""torch.cuda.amp as a CPU-only PyTorch build has it: the deprecated spellings of
``torch.amp.autocast('cuda')`` and ``torch.amp.GradScaler('cuda')``. Each warns FutureWarning,
then (no CUDA) that it disables itself."""
import functools
import warnings

import pytorchlite as _torch

from . import autocast_mode as _mode
from .grad_scaler import GradScaler as _GradScaler

__all__ = ["autocast", "custom_fwd", "custom_bwd", "GradScaler"]


class autocast(_mode.autocast):
    """Deprecated: ``torch.amp.autocast('cuda', ...)`` (disabled: no CUDA)."""

    def __init__(self, enabled=True, dtype=_torch.float16, cache_enabled=True):
        warnings.warn("`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)


class GradScaler(_GradScaler):
    """Deprecated: ``torch.amp.GradScaler('cuda', ...)`` (disabled: no CUDA)."""

    def __init__(self, init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning,
                      stacklevel=2)
        super().__init__("cuda", init_scale=init_scale, growth_factor=growth_factor,
                         backoff_factor=backoff_factor, growth_interval=growth_interval,
                         enabled=enabled)


def custom_fwd(fwd=None, *, cast_inputs=None):
    """Deprecated: ``torch.amp.custom_fwd(device_type='cuda')``."""
    warnings.warn("`torch.cuda.amp.custom_fwd(args...)` is deprecated. Please use "
                  "`torch.amp.custom_fwd(args..., device_type='cuda')` instead.", FutureWarning,
                  stacklevel=2)
    return functools.partial(_mode.custom_fwd, device_type="cuda")(fwd=fwd, cast_inputs=cast_inputs)


def custom_bwd(bwd):
    """Deprecated: ``torch.amp.custom_bwd(device_type='cuda')``."""
    warnings.warn("`torch.cuda.amp.custom_bwd(args...)` is deprecated. Please use "
                  "`torch.amp.custom_bwd(args..., device_type='cuda')` instead.", FutureWarning,
                  stacklevel=2)
    return functools.partial(_mode.custom_bwd, device_type="cuda")(bwd)
