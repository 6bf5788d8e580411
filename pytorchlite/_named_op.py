"""Composite ops that show PyTorch's grad_fn name (FlipBackward0, TrilBackward0 ...).

``apply(name, forward, backward, *tensors)`` computes ``forward(*tensors)`` without recording
and, when a graph is wanted, records one node named ``name`` whose gradient is
``backward(grad)`` (one gradient or None per tensor). Both are written with existing
differentiable ops, so the backward records its own graph under create_graph=True and double
backward works.
"""
from . import _C
from .autograd.function import Function

__all__ = ["apply", "np"]


class _LazyNumpy:
    """NumPy, imported on first use: ``import pytorchlite`` does not import it (the modules of
    the ops computed with NumPy use this in its place)."""

    def __getattr__(self, name):
        import numpy

        return getattr(numpy, name)


np = _LazyNumpy()


class _Named(Function):
    @staticmethod
    def forward(ctx, forward, backward, *tensors):
        ctx.grads_of = backward
        return forward(*tensors)

    @staticmethod
    def backward(ctx, grad):
        grads = ctx.grads_of(grad)
        if not isinstance(grads, tuple):
            grads = (grads,)
        return (None, None) + grads


def apply(name, forward, backward, *tensors):
    """forward(*tensors), recorded as one node ``name`` when some tensor requires grad."""
    if not (_C.is_grad_enabled() and any(isinstance(t, _C.TensorBase) and t.requires_grad
                                         for t in tensors)):
        return forward(*tensors)
    from .autograd._formulas import _node_class  # (it imports NumPy: only once a graph is wanted)

    return _node_class(_Named, name).apply(forward, backward, *tensors)
