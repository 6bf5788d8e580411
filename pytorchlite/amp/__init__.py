"""torch.amp: automatic mixed precision (autocast regions and gradient scaling)."""
from .autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_available

__all__ = ["autocast", "custom_bwd", "custom_fwd", "is_autocast_available", "GradScaler"]


def __getattr__(name):
    """GradScaler (and the grad_scaler module) load on first use, not with ``import torch``."""
    if name in ("GradScaler", "grad_scaler"):
        import importlib
        module = importlib.import_module(__name__ + ".grad_scaler")
        return module if name == "grad_scaler" else module.GradScaler
    raise AttributeError(f"module 'pytorchlite.amp' has no attribute '{name}'")
