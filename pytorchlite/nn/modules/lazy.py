"""nn.modules.lazy: LazyModuleMixin under PyTorch's module path (defined in linear_more)."""
from .linear_more import LazyModuleMixin

__all__ = ["LazyModuleMixin"]
