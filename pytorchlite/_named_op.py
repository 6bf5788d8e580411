"""Composite ops that show PyTorch's grad_fn name (FlipBackward0, TrilBackward0 ...).

``apply(name, forward, backward, *tensors)`` computes ``forward(*tensors)`` without recording
and, when a graph is wanted, records one node named ``name`` whose gradient is
``backward(grad)`` (one gradient or None per tensor). Both are written with existing
differentiable ops, so the backward records its own graph under create_graph=True and double
backward works.
"""
import functools

from . import _C
from .autograd.function import Function

__all__ = ["apply", "composite", "composite_", "np"]


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


# ---- named composites: a graph node whose backward differentiates the composite again ----
_FREE_SAVED = 4  # pl_hook_event PL_HOOK_FREE_SAVED (csrc/core/autograd.h)
_MAX_EDGES = 4   # PL_NODE_MAX_INPUTS
_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed). Saved intermediate values of the graph are freed "
          "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
          "backward through the graph a second time or if you need to access saved tensors after "
          "calling backward.")
_HINT = ("Hint: enable anomaly detection to find the operation that failed to compute its "
         "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")


class _Composite(_C.Node):
    """The grad_fn of one named composite call: keeps fn and its inputs (with their versions)
    and, in the backward, runs fn on them again under grad mode and differentiates it."""

    def _pl_call(self, event, grads):
        if event == _FREE_SAVED:
            self._inputs = self._fn = self._backward = None  # (their closures may hold tensors)
            return None
        if self._inputs is None:
            raise RuntimeError(_FREED)
        inputs, versions = self._inputs, self._versions
        for t, v in zip(inputs, versions):
            if v is not None and t._version != v:
                raise RuntimeError(_modified_message(t, v))
        from . import zeros

        # one gradient per differentiable output (a missing one is zeros)
        gs = tuple(zeros(m[0], dtype=m[1]) if g is None else g
                   for g, m in zip(grads, self._meta) if m is not None)
        if self._backward is not None:  # an explicit derivative (differentiable ops)
            grads = self._backward(gs[0], *inputs)
            return grads if isinstance(grads, tuple) else (grads,)
        fn = self._fn if self._single else functools.partial(_outputs, self._fn, self._meta)
        if _C.is_grad_enabled():  # create_graph: each gradient is a named composite too
            name = type(self).__name__
            bw_name = name[:-1] + "Backward" + name[-1]
            return tuple(composite(bw_name, functools.partial(_vjp, fn, i, len(gs)), *inputs,
                                   *gs) if t.requires_grad else None
                         for i, t in enumerate(inputs))
        with _EnableGrad():
            args = tuple(_leaf(t) for t in inputs)
            wanted = [a for a in args if a.requires_grad]
            outs = fn(*args)
            got = iter(_grad(outs, wanted, gs[0] if self._single else gs, allow_unused=True))
        return tuple(next(got) if a.requires_grad else None for a in args)


def _outputs(fn, meta, *args):
    """The differentiable outputs of a composite with several."""
    return tuple(o for o, m in zip(fn(*args), meta) if m is not None)


def _leaf(t):
    """t without history (a leaf that requires grad when t does)."""
    return t.detach().requires_grad_(t.requires_grad) if t.is_floating_point() else t.detach()


def _grad(*args, **kwargs):
    from .autograd import grad

    return grad(*args, **kwargs)


def _vjp(fn, i, n_grads, *args):
    """The gradient of fn(*inputs) . grads with respect to inputs[i] (args: inputs, then the
    n_grads output gradients). Under grad mode (a backward differentiating it again) args are
    leaves and the result is recorded."""
    inputs, gs = args[:-n_grads], args[-n_grads:]
    gs = gs[0] if n_grads == 1 else gs
    if not _C.is_grad_enabled():
        inputs = tuple(_leaf(t) for t in inputs)
        with _EnableGrad():
            r = _grad(fn(*inputs), inputs[i], gs, allow_unused=True)[0]
        return r if r is not None else _zeros_like(inputs[i])
    r = _grad(fn(*inputs), inputs[i], gs, allow_unused=True, create_graph=True)[0]
    return r if r is not None else _zeros_like(inputs[i]) + 0 * args[-1].sum()


def _zeros_like(t):
    from . import zeros_like

    return zeros_like(t)


class _EnableGrad:
    def __enter__(self):
        self.prev = _C._set_grad_enabled(True)

    def __exit__(self, *exc):
        _C._set_grad_enabled(self.prev)


def _modified_message(t, version):
    shape = "[" + ", ".join(str(s) for s in t.shape) + "]"
    # PyTorch names the tensor's current node without its "BackwardN" suffix here
    where = "" if t.grad_fn is None else \
        f", which is output 0 of {type(t.grad_fn).__name__.split('Backward')[0]},"
    return ("one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [{t.type()} {shape}]{where} is at version {t._version}; "
            f"expected version {version} instead. {_HINT}")


_composite_classes = {}


def _composite_class(name):
    cls = _composite_classes.get(name)
    if cls is None:
        cls = type(name, (_Composite,), {"__module__": "torch.autograd.graph",
                                         "__qualname__": name})
        cls.__repr__ = lambda self: f"<{type(self).__name__} object at {hex(id(self))}>"
        _composite_classes[name] = cls
    return cls


def _wants_graph(tensors):
    return _C.is_grad_enabled() and any(t.requires_grad for t in tensors)


def composite(name, fn, *tensors, saves=True, backward=None):
    """fn(*tensors) (tensor arguments only; bind the others into fn), recorded as one node
    ``name`` with one edge per tensor, in order, as PyTorch's node of that name has. fn may
    return a tuple (values and indices, std and mean...): its floating outputs are the node's.

    The backward runs fn again on the saved inputs under grad mode and differentiates that,
    recording it when the outer backward has create_graph=True, so no derivative is written
    out and double backward works. fn must be deterministic (not for random ops).
    saves=False: the gradient does not depend on the inputs' values (a linear fn), so an
    in-place change to an input after the call is not an error (PyTorch's node saves nothing).
    backward(grad, *tensors), when given (single-output fn), returns the gradients directly
    with differentiable ops instead (cheaper: no second forward; for the common activations).
    """
    if not _wants_graph(tensors) or len(tensors) > _MAX_EDGES:
        return fn(*tensors)
    prev = _C._set_grad_enabled(False)
    try:
        out = fn(*tensors)
    finally:
        _C._set_grad_enabled(prev)
    single = not isinstance(out, tuple)
    if single and any(out is t for t in tensors):
        out = out.detach()
    outs = (out,) if single else tuple(out)
    meta = tuple((tuple(o.shape), o.dtype) if o.is_floating_point() else None for o in outs)
    if all(m is None for m in meta):
        return out
    node = _composite_class(name)()
    node._fn, node._inputs, node._single, node._meta = fn, tensors, single, meta
    node._backward = backward if single else None
    node._versions = tuple(t._version if saves else None for t in tensors)
    _C._function_node(node, name, tensors,
                      tuple(o if m is not None else None for o, m in zip(outs, meta)))
    return out


def composite_(name, fn, self, *others, backward=None):
    """In-place form of composite: self is overwritten with fn(self, *others) and takes the
    node ``name`` as its grad_fn (edges: self's previous history, then others). The backward
    differentiates fn at a copy of self's old value. A view is written through copy_ (its
    base's history is rewritten as for any in-place write into a view). backward as for
    composite, taking self's old value."""
    tensors = (self,) + others
    if not _wants_graph(tensors) or len(tensors) > _MAX_EDGES or _C._is_view(self):
        return self.copy_(fn(self, *others))
    if self.requires_grad and self.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    old = self.clone() if self.requires_grad else self.detach().clone()
    prev = _C._set_grad_enabled(False)
    try:
        self.copy_(fn(self, *others))
    finally:
        _C._set_grad_enabled(prev)
    node = _composite_class(name)()
    node._fn, node._inputs, node._single, node._backward = fn, (old,) + others, True, backward
    node._meta = ((tuple(self.shape), self.dtype),)
    node._versions = (None,) + tuple(t._version for t in others)
    _C._function_node(node, name, tensors, (self,))
    return self
