"""Tensor gradient hooks: the containers the core's engine calls (``Tensor.register_hook``,
``Tensor.register_post_accumulate_grad_hook``).

A leaf's hooks live on the leaf; a non-leaf's on its ``grad_fn`` (so they outlive the tensor
object, as in PyTorch), keyed by the tensor's output number. ``retain_grad`` always stores the
gradient after these hooks ran, as PyTorch 2 does.
"""
from collections import OrderedDict

from .. import _C
from ._saved import (_MultiHandle, _node_dir, _node_getattr, disable_saved_tensors_hooks,  # noqa: F401
                     register_multi_grad_hook, save_on_cpu, saved_tensors_hooks)

__all__ = ["Node", "increment_version", "saved_tensors_hooks", "save_on_cpu",
           "disable_saved_tensors_hooks", "register_multi_grad_hook"]

Node = _C.Node

# pl_hook_event values (csrc/core/autograd.h)
_GRAD, _POST_ACCUMULATE, _NODE_POST, _NODE_PRE = 0, 1, 3, 5


def _type_name(t):
    return t.type()


def _check_hook_result(hook, old, new):
    """PyTorch's checks on a value a gradient hook returned (python_hook.cpp)."""
    from .._tensor import Tensor

    if not isinstance(new, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(new).__name__}'")
    name = getattr(hook, "__name__", type(hook).__name__)
    if new.dtype != old.dtype:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was "
                           f"{_type_name(old)} got {_type_name(new)})")
    if new.shape != old.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")


def _check_node_result(hook, old, new, kind):
    from .._tensor import Tensor

    if not isinstance(new, (tuple, list)):
        raise TypeError(f"expected tuple, but hook returned '{type(new).__name__}'")
    new = tuple(new)
    if len(new) != len(old):
        name = getattr(hook, "__name__", type(hook).__name__)
        raise RuntimeError(f"hook '{name}' has returned an incorrect number of values (got "
                           f"{len(new)}, but expected {len(old)})")
    for o, n in zip(old, new):
        if n is not None and not isinstance(n, Tensor):
            raise TypeError(f"expected Variable, but hook returned '{type(n).__name__}'")
        if o is not None and n is not None:
            _check_hook_result(hook, o, n)
    return new


class _TensorHooks:
    """The hooks the core holds for one leaf tensor or one node's outputs."""

    __slots__ = ("grad", "post", "node_pre", "node_post", "trace", "retain", "metadata",
                 "__weakref__")

    def __init__(self, trace=None):
        self.trace = trace  # anomaly mode: the forward's traceback (text)
        self.retain = {}  # output number -> weakref to a tensor keeping its .grad
        self.grad = {}  # output number -> OrderedDict(handle id -> hook)
        self.post = OrderedDict()  # a leaf's post-accumulate-grad hooks
        self.node_pre = OrderedDict()  # Node.register_prehook
        self.node_post = OrderedDict()  # Node.register_hook
        self.metadata = {}  # Node.metadata

    def _pl_call(self, event, arg):
        if event == _POST_ACCUMULATE:
            for hook in tuple(self.post.values()):
                hook(arg)
            return None
        if event == _NODE_PRE:
            return self._node_pre(tuple(arg))
        if event == _NODE_POST:
            grad_inputs, grad_outputs = arg
            for hook in tuple(self.node_post.values()):
                new = hook(grad_inputs, grad_outputs)
                if new is not None:
                    grad_inputs = _check_node_result(hook, grad_inputs, new, "hook")
            return tuple(grad_inputs)
        grads = list(arg)
        for nr, hooks in self.grad.items():
            if nr >= len(grads):
                continue
            for hook in tuple(hooks.values()):
                if grads[nr] is None:
                    break
                new = hook(grads[nr])
                if new is not None:
                    _check_hook_result(hook, grads[nr], new)
                    grads[nr] = new
        for nr, ref in self.retain.items():
            t = ref()
            if t is not None and nr < len(grads) and grads[nr] is not None:
                t.grad = grads[nr].clone() if t.grad is None else t.grad + grads[nr]
        return tuple(grads)

    def _node_pre(self, grads):
        for hook in tuple(self.node_pre.values()):
            new = hook(grads)
            if new is not None:
                grads = _check_node_result(hook, grads, new, "prehook")
        return tuple(grads)


def _hooks_of(tensor):
    h = _C._hooks_get(tensor)
    if h is None:
        h = _TensorHooks()
        _C._hooks_set(tensor, h)
    return h


def register_tensor_hook(tensor, hook):
    """Tensor.register_hook: ``hook(grad) -> Tensor or None`` runs on the tensor's gradient."""
    from ..utils.hooks import RemovableHandle

    if not tensor.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    nr = 0 if tensor.grad_fn is None else tensor.output_nr
    d = _hooks_of(tensor).grad.setdefault(nr, OrderedDict())
    handle = RemovableHandle(d)
    d[handle.id] = hook
    return handle


def retain_output_grad(tensor):
    """retain_grad for an output of a node with several outputs (the core keeps one per node)."""
    import weakref

    _hooks_of(tensor).retain[tensor.output_nr] = weakref.ref(tensor)
    _C._mark_retains_grad(tensor)


def register_post_accumulate_grad_hook(tensor, hook):
    """``hook(tensor)`` runs after the leaf's .grad was updated by backward."""
    from ..utils.hooks import RemovableHandle

    if not tensor.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if tensor.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    d = _hooks_of(tensor).post
    handle = RemovableHandle(d)
    d[handle.id] = hook
    return handle


def _node_register(node, hook, which):
    from ..utils.hooks import RemovableHandle

    d = getattr(_hooks_of(node), which)
    handle = RemovableHandle(d)
    d[handle.id] = hook
    return handle


def _node_register_hook(self, fn):
    """``fn(grad_inputs, grad_outputs) -> tuple or None`` runs after this node computed the
    gradients of its inputs."""
    return _node_register(self, fn, "node_post")


def _node_register_prehook(self, fn):
    """``fn(grad_outputs) -> tuple or None`` runs before this node."""
    return _node_register(self, fn, "node_pre")


def _node_metadata(self):
    """The node's own dict for whatever the user wants to keep with it: the same dict on every
    access, for as long as the node lives (it is kept in the node's hooks container)."""
    return _hooks_of(self).metadata


def increment_version(tensor):
    """Count one more in-place write on ``tensor`` (or on each tensor of an iterable), as a
    write autograd cannot see would, so a graph that saved it refuses to use it."""
    if isinstance(tensor, _C.TensorBase):
        tensor = (tensor,)
    try:
        tensors = list(tensor)
    except TypeError:
        tensors = None
    if tensors is None:
        raise RuntimeError("increment_version expect a Iterable[Tensor] as input")
    if not all(isinstance(t, _C.TensorBase) for t in tensors):
        raise RuntimeError("increment_version expects each element of the iterable to be a "
                           "tensor")
    for t in tensors:
        _C._bump_version(t)


def _with_forward_trace():
    """The hooks container anomaly mode gives each new node: it records the forward call."""
    import traceback

    stack = [f for f in traceback.extract_stack()[:-1]
             if "/pytorchlite/" not in f.filename.replace("\\", "/")]
    return _TensorHooks("".join(traceback.format_list(stack)))


_C._set_trace_factory(_with_forward_trace)

Node.register_hook = _node_register_hook
Node.register_prehook = _node_register_prehook
Node.metadata = property(_node_metadata)
Node.__getattr__ = _node_getattr  # grad_fn._saved_self, _raw_saved_self ...
Node.__dir__ = _node_dir
