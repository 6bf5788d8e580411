"""Saved tensors as PyTorch shows them: the saved-tensor hooks context managers
(``saved_tensors_hooks``, ``save_on_cpu``, ``disable_saved_tensors_hooks``), the
``grad_fn._saved_<name>`` / ``grad_fn._raw_saved_<name>`` attributes of the built-in nodes, and
``register_multi_grad_hook``.

The core keeps what an op saved in numbered slots (csrc/core/autograd.h): an elementwise
unary op saves its input in slot 0 and its result in slot 1; a binary op its inputs in slots 0
and 1 and its result in slot 2; the matrix products their two operands in slots 0 and 1 (addmm
in 1 and 2). ``_SAVED`` names those slots the way PyTorch's generated nodes name their fields;
a slot the op did not save reads as None, as in PyTorch.

Note: a number a node saved (``_saved_exponent``, ``_saved_alpha``) comes back as an int when it is integral, since the core
keeps it as a double: ``x ** 2.0`` gives 2 where PyTorch gives 2.0. Pack hooks see what
pytorchlite's ops save, which is PyTorch's set for the elementwise ops and mm, with these
differences: addmm (nn.Linear) keeps both operands even when one of them does not need the
other's gradient, ``x / number`` keeps ``x`` too, and ``PowBackward1`` does not keep its result.
"""
import contextlib
import functools
import threading
from collections import defaultdict

from .. import _C
from ..utils.hooks import RemovableHandle

__all__ = ["saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks",
           "register_multi_grad_hook"]

# ---- saved-tensor hooks ----

_state = threading.local()  # .disabled: the message while disable_saved_tensors_hooks is active


def _disabled_message():
    return getattr(_state, "disabled", None)


class saved_tensors_hooks:
    """Context manager: inside it, every tensor an op saves for backward (including those of
    ``ctx.save_for_backward``) is given to ``pack_hook(tensor) -> Any`` and the graph keeps what
    it returns; backward (or ``grad_fn._saved_*``) gets the tensor back as
    ``unpack_hook(packed) -> Tensor``. The innermost pair of hooks applies."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        if _disabled_message() is not None:
            raise RuntimeError(_disabled_message())
        _C._push_saved_tensors_hooks(self.pack_hook, self.unpack_hook)

    def __exit__(self, *args):
        _C._pop_saved_tensors_hooks()


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors are kept on the CPU and moved back to their device for backward. On a
    CPU-only build that keeps them where they are (``pin_memory=True`` keeps a copy, as
    PyTorch does when no accelerator can pin memory)."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        def pack_to_cpu(tensor):
            if not pin_memory:
                return (tensor.device, tensor.cpu())
            from .. import empty

            packed = empty(tuple(tensor.size()), dtype=tensor.dtype)
            packed.copy_(tensor)
            return (tensor.device, packed)

        def unpack_from_cpu(packed):
            device, tensor = packed
            return tensor.to(device, non_blocking=pin_memory)

        super().__init__(pack_to_cpu, unpack_from_cpu)


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message):
    """Inside it, installing saved-tensor hooks raises ``RuntimeError(error_message)``; it raises
    that error itself when hooks are installed already."""
    if _C._saved_tensors_hooks_top() is not None:
        raise RuntimeError(error_message)
    previous = _disabled_message()
    _state.disabled = error_message
    try:
        yield
    finally:
        _state.disabled = previous


def _pack_for_function(tensor):
    """ctx.save_for_backward under hooks: (unpack_hook, packed), or None without hooks."""
    top = _C._saved_tensors_hooks_top()
    if top is None:
        return None
    pack, unpack = top
    _C._pop_saved_tensors_hooks()  # a pack hook's own ops save nothing through it
    try:
        return (unpack, pack(tensor))
    finally:
        _C._push_saved_tensors_hooks(pack, unpack)


def _unpack_for_function(packed):
    from .._tensor import Tensor

    unpack, obj = packed
    t = unpack(obj)
    if not isinstance(t, Tensor):
        raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but got "
                        f"result of type {type(t).__name__}")
    return t


# ---- grad_fn._saved_* ----

def _unary(*names):
    return {n: {"self": 0} for n in names}


def _unary_result(*names):
    return {n: {"result": 1} for n in names}


# grad_fn name -> {field: slot}; the scalars below -> {field: index in the node's numbers}
_SAVED = {
    **_unary("SinBackward0", "CosBackward0", "LogBackward0", "Log2Backward0", "Log10Backward0",
             "Log1PBackward0", "AbsBackward0", "ErfBackward0", "AsinBackward0", "AcosBackward0",
             "AtanBackward0", "SinhBackward0", "CoshBackward0", "ReciprocalBackward0"),
    **_unary_result("ExpBackward0", "TanhBackward0", "SigmoidBackward0", "SqrtBackward0",
                    "ReluBackward0", "RsqrtBackward0", "Exp2Backward0", "TanBackward0"),
    "MulBackward0": {"self": 0, "other": 1},
    "DivBackward0": {"self": 0, "other": 1},
    "PowBackward0": {"self": 0},
    "PowBackward1": {"self": 0, "exponent": 1},  # PyTorch's also saves its result; not here
    "MmBackward0": {"self": 0, "mat2": 1},
    "BmmBackward0": {"self": 0, "mat2": 1},
    "MvBackward0": {"self": 0, "vec": 1},
    "DotBackward0": {"self": 0, "tensor": 1},
    "AddmmBackward0": {"mat1": 1, "mat2": 2},
}
_SCALARS = {
    "PowBackward0": {"exponent": 0},
    "AddBackward0": {"alpha": 0},
    "SubBackward0": {"alpha": 0},
}


# grad_fn name -> {field: input number}: _saved_<field>_sym_sizes, the input's shape as the op
# saw it (and _saved_<field>_sym_numel where PyTorch keeps that)
_SIZES = {
    "SumBackward0": {"self": 0}, "SumBackward1": {"self": 0}, "MeanBackward0": {"self": 0},
    "MeanBackward1": {"self": 0}, "ViewBackward0": {"self": 0}, "ExpandBackward0": {"self": 0},
    "MmBackward0": {"self": 0, "mat2": 1}, "AddmmBackward0": {"mat1": 1, "mat2": 2},
}
_NUMEL = {"MeanBackward0", "MeanBackward1"}


def _number(v):
    return int(v) if float(v).is_integer() else v


def _node_getattr(self, name):
    """grad_fn._saved_<field> (the saved tensor, unpacked through its hooks) and
    grad_fn._raw_saved_<field> (its SavedTensor); any other missing attribute raises."""
    kind = type(self).__name__
    if name.startswith("_raw_saved_"):
        slot = _SAVED.get(kind, {}).get(name[len("_raw_saved_"):])
        if slot is not None:
            return _C._node_raw_saved(self, slot)
    elif name.startswith("_saved_"):
        field = name[len("_saved_"):]
        slot = _SAVED.get(kind, {}).get(field)
        if slot is not None:
            return _C._node_saved(self, slot)
        k = _SCALARS.get(kind, {}).get(field)
        if k is not None:
            return _number(_C._node_scalar(self, k))
        for suffix in ("_sym_sizes", "_sym_numel"):
            if field.endswith(suffix) and (suffix == "_sym_sizes" or kind in _NUMEL):
                i = _SIZES.get(kind, {}).get(field[:-len(suffix)])
                if i is not None:
                    shape = _C._node_input_shape(self, i)
                    return shape if suffix == "_sym_sizes" else _numel(shape)
    raise AttributeError(f"'{kind}' object has no attribute '{name}'")


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _node_dir(self):
    kind = type(self).__name__
    extra = [f"_saved_{f}_sym_sizes" for f in _SIZES.get(kind, ())]
    extra += [f"_saved_{f}_sym_numel" for f in _SIZES.get(kind, ()) if kind in _NUMEL]
    extra += [f"_saved_{f}" for f in _SAVED.get(kind, ())]
    extra += [f"_raw_saved_{f}" for f in _SAVED.get(kind, ())]
    extra += [f"_saved_{f}" for f in _SCALARS.get(kind, ())]
    return sorted(set(object.__dir__(self)) | set(extra))


# ---- register_multi_grad_hook ----

def _grad_fn_or_accumulator(t):
    """The node whose incoming gradient is t's gradient (a leaf's AccumulateGrad)."""
    from . import enable_grad

    if t.requires_grad and t.grad_fn is None:
        with enable_grad():
            return t.view_as(t).grad_fn.next_functions[0][0]
    return t.grad_fn


class _MultiHandle(RemovableHandle):
    """The handle of a multi-grad hook: ``remove()`` removes the hook from every tensor."""

    def __init__(self, handles):  # removes the tensors' own handles: no dict of its own
        self.handles = handles

    def remove(self):
        for handle in self.handles:
            handle.remove()

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.remove()

    def __getstate__(self):
        return self.handles

    def __setstate__(self, state):
        self.handles = state


def register_multi_grad_hook(tensors, fn, *, mode="all"):
    """``mode="all"``: ``fn(grads)`` runs once per backward call, after the gradient of every
    tensor of ``tensors`` that call computes (None for those it does not reach). ``mode="any"``:
    ``fn(grad)`` runs on the first of those gradients."""
    supported_modes = ("all", "any")
    if mode not in supported_modes:
        raise ValueError(f"Expects mode to be one of {supported_modes} but got {mode}")
    lock = threading.Lock()
    if mode == "all":
        count, buffer = {}, {}
        expected = {}
        nodes = [_grad_fn_or_accumulator(t) for t in tensors]
        n = len(tensors)

        def make_hook(idx):
            def inner_hook(grad):
                task = _C._current_graph_task_id()
                if task == -1:
                    raise AssertionError("expected this hook to be called inside a backward call")
                with lock:
                    seen = count.get(task, 0)
                    count[task] = seen + 1
                    if seen == 0:
                        buffer[task] = [None] * n
                        expected[task] = sum(map(_C._will_engine_execute_node, nodes))
                buffer[task][idx] = grad
                if seen == expected[task] - 1:
                    grads = buffer.pop(task)
                    del count[task], expected[task]
                    fn(grads)

            return inner_hook

        handles = tuple(t.register_hook(make_hook(i)) for i, t in enumerate(tensors))
    else:
        ran = defaultdict(bool)

        @functools.wraps(fn)
        def wrapped_fn(grad):
            task = _C._current_graph_task_id()
            if task == -1:
                raise AssertionError("expected this hook to be called inside a backward call")
            with lock:
                prev, ran[task] = ran[task], True
            if not prev:
                fn(grad)

        handles = tuple(t.register_hook(wrapped_fn) for t in tensors if t.requires_grad)
    return _MultiHandle(handles)


for _cls in (saved_tensors_hooks, save_on_cpu, _MultiHandle):
    _cls.__module__ = "pytorchlite.autograd.graph"  # where they are public
