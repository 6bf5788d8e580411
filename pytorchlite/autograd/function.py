"""``torch.autograd.Function``: user-defined ops with their own backward.

``Cube.apply(x)`` runs ``Cube.forward`` with gradient recording off, then records one graph
node whose grad_fn object is the ``ctx`` forward received (an instance of ``CubeBackward``, a
subclass of ``_C.Node`` made for each Function class). The core's engine runs that node in
order with the others and calls back into ``BackwardCFunction._pl_call``, which calls
``Cube.backward(ctx, *grad_outputs)`` and checks what it returns as PyTorch does.

A saved output is kept without its history (the node would otherwise own itself); each
``ctx.saved_tensors`` hands out a fresh alias of it whose grad_fn is the node again, so a
backward written in terms of it can itself be differentiated (create_graph, gradgradcheck).
"""
import functools

from .. import _C

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable"]

_INPLACE_HINT = ("Hint: enable anomaly detection to find the operation that failed to compute "
                 "its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")
_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed). Saved intermediate values of the graph are freed "
          "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
          "backward through the graph a second time or if you need to access saved tensors after "
          "calling backward.")
_INFERENCE_SAVED = ("Inference tensors cannot be saved for backward. Please do not use Tensors "
                    "created in inference mode in computation tracked by autograd. To work around "
                    "this, you can make a clone to get a normal tensor and use it in autograd, or "
                    "use `torch.no_grad()` instead of `torch.inference_mode()`.")


_MAX_EDGES = 4  # PL_NODE_MAX_INPUTS (csrc/core/autograd.h)
_FREE_SAVED = 4  # pl_hook_event PL_HOOK_FREE_SAVED


def _is_tensor(x):
    return isinstance(x, _C.TensorBase)


class FunctionCtx:
    """What ``forward`` can record on ``ctx`` for ``backward``."""

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not _is_tensor(t):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        self.to_save = tensors

    def save_for_forward(self, *tensors):
        self.saved_for_forward = tensors

    def mark_dirty(self, *args):
        self.dirty_tensors = args

    def mark_non_differentiable(self, *args):
        self.non_differentiable = args

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)


class BackwardCFunction(_C.Node, FunctionCtx):
    """The grad_fn (and ctx) of one custom Function call."""

    _forward_cls = None
    _is_backward_cfunction = True

    def __init__(self):
        self.to_save = ()
        self.materialize_grads = True
        self.needs_input_grad = ()
        self._saved = None        # [(tensor, version, output index or None)]
        self._edge_args = ()      # forward-argument positions of the node's edges
        self._output_meta = ()    # (shape, dtype) per output, None for non-tensors
        self._attached = ()       # per output: True where the node took it as its output

    # ---- saved tensors ----
    def _save(self, outputs):
        """Called once the outputs carry the node: under saved-tensor hooks each tensor is
        packed (the pack hook sees an output with its grad_fn, as in PyTorch)."""
        from ._saved import _pack_for_function

        saved = []
        for t in self.to_save:
            if t is None:
                saved.append((None, 0, None))
                continue
            if t.is_inference():
                raise RuntimeError(_INFERENCE_SAVED)
            idx = next((i for i, o in enumerate(outputs) if o is t), None)
            packed = _pack_for_function(t)
            if packed is not None:  # (hooks, packed): no version to check, as in PyTorch
                saved.append((packed, None, idx))
                continue
            # an output is kept without its history (the node would otherwise own itself)
            saved.append((t.detach() if idx is not None else t, t._version, idx))
        self._saved = saved
        self.to_save = ()

    @property
    def saved_tensors(self):
        if self._saved is None:
            return ()
        if _C._node_saved_released(self):
            raise RuntimeError(_FREED)
        from ._saved import _unpack_for_function

        out = []
        for t, version, idx in self._saved:
            if version is None:
                out.append(_unpack_for_function(t))
                continue
            if t is not None and t._version != version:
                where = "" if idx is None else f", which is output {idx} of {self._name()},"
                shape = "[" + ", ".join(str(s) for s in t.shape) + "]"
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: [{t.type()} {shape}]{where} is at version "
                    f"{t._version}; expected version {version} instead. {_INPLACE_HINT}")
            if t is not None and idx is not None and idx < len(self._attached) \
                    and self._attached[idx]:
                t = t.detach()
                _C._attach_output(t, self, idx)
            out.append(t)
        return tuple(out)

    @property
    def saved_variables(self):
        return self.saved_tensors

    def _name(self):
        return self._forward_cls.__name__

    # ---- the engine's call ----
    def _pl_call(self, event, grads):
        from .. import zeros

        if event == _FREE_SAVED:
            if self._saved:
                self._saved = [(None, 0, None)] * len(self._saved)
            return None
        grads = list(grads)
        for i, g in enumerate(grads):
            meta = self._output_meta[i] if i < len(self._output_meta) else None
            if g is None and meta is not None and self.materialize_grads:
                grads[i] = zeros(meta[0], dtype=meta[1])
        result = self._check_grads(self._forward_cls.backward(self, *grads))
        return _pass_on(self, result)

    def _check_grads(self, result):
        name = type(self).__name__
        if not isinstance(result, tuple):
            result = (result,)
        n = len(self.needs_input_grad)
        if len(result) > n and all(r is None for r in result[n:]):
            result = result[:n]
        if len(result) != n:
            raise RuntimeError(f"function {name} returned an incorrect number of gradients "
                               f"(expected {n}, got {len(result)})")
        for i, g in enumerate(result):
            if g is not None and i not in self._arg_meta:
                raise RuntimeError(f"function {name} returned a gradient different than None at "
                                   f"position {i + 1}, but the corresponding forward input was "
                                   "not a Variable")
            if g is not None and not _is_tensor(g):
                raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
        out = []
        for pos in self._edge_args:
            g = result[pos]
            if g is not None:
                shape = self._arg_meta[pos]
                if tuple(g.shape) != tuple(shape) and not _expandable(shape, g.shape):
                    raise RuntimeError(
                        f"Function {name} returned an invalid gradient at index {pos} - got "
                        f"{list(g.shape)} but expected shape compatible with {list(shape)}")
            out.append(g if self.needs_input_grad[pos] else None)
        return tuple(out)


class _InputsNode(_C.Node):
    """Carries gradients to the inputs of a node with more edges than one core node has: the
    node keeps MAX - 1 edges and passes the rest through a chain of these (each made before the
    node, so the engine runs it after)."""

    def __init__(self):
        self.pending = None
        self._next = None

    def _pl_call(self, event, grads):
        pending, self.pending = self.pending, None
        if pending is None:
            pending = (None,) * self._n
        return _pass_on(self, tuple(pending))


def _chain_edges(owner, edges):
    """The first MAX - 1 edges, then a tensor whose node carries the others."""
    from .. import zeros

    rest = edges[_MAX_EDGES - 1:]
    node = _InputsNode()
    node._n = len(rest)
    if len(rest) > _MAX_EDGES:
        rest = _chain_edges(node, rest)
    carrier = zeros(())
    _C._function_node(node, type(owner).__name__ + "Inputs", rest, (carrier,))
    owner._next = node
    return tuple(edges[:_MAX_EDGES - 1]) + (carrier,)


def _pass_on(ctx, grads):
    """grads for all of ctx's logical edges -> those of its core node (the tail to _next)."""
    nxt = getattr(ctx, "_next", None)
    if nxt is None:
        return grads
    from .. import zeros

    head, tail = grads[:_MAX_EDGES - 1], grads[_MAX_EDGES - 1:]
    if all(g is None for g in tail):
        return tuple(head) + (None,)
    nxt.pending = tail
    return tuple(head) + (zeros(()),)


def _expandable(shape, desired):
    """Whether a tensor of ``shape`` broadcasts to ``desired`` (PyTorch's is_expandable_to)."""
    if len(shape) > len(desired):
        return False
    for s, d in zip(reversed(tuple(shape)), reversed(tuple(desired))):
        if s != d and s != 1:
            return False
    return True


class FunctionMeta(type):
    """Gives each Function subclass its grad_fn class, named ``<Name>Backward``."""

    def __init__(cls, name, bases, attrs):
        backward_cls = type(name + "Backward", (BackwardCFunction,),
                            {"_forward_cls": cls, "__module__": "torch.autograd.function",
                             "__qualname__": name + "Backward"})
        cls._backward_cls = backward_cls
        super().__init__(name, bases, attrs)


class Function(metaclass=FunctionMeta):
    """Base class for custom autograd ops: static ``forward(ctx, *args)`` (or ``forward(*args)``
    with ``setup_context(ctx, inputs, output)``) and ``backward(ctx, *grad_outputs)``."""

    generate_vmap_rule = False

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use "
            "new-style autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward "
                                  "mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        from .. import is_grad_enabled, no_grad

        custom_setup = cls.setup_context is not Function.setup_context
        if custom_setup:  # forward(*args) sees every argument, defaults included, by position
            import inspect

            bound = inspect.signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, {}
        ctx = cls._backward_cls()
        ctx.needs_input_grad = tuple(_is_tensor(a) and a.requires_grad for a in args)
        ctx._arg_meta = {i: tuple(a.shape) for i, a in enumerate(args) if _is_tensor(a)}
        with no_grad():
            if custom_setup:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        record = is_grad_enabled() and any(ctx.needs_input_grad)
        is_tuple = isinstance(output, tuple)
        outputs = output if is_tuple else (output,)
        if not record:
            return output
        outputs, attach = _wrap_outputs(ctx, args, outputs)
        # edges to every tensor input while they fit a node, else to those that need grad
        tensor_pos = tuple(ctx._arg_meta)
        ctx._edge_args = tensor_pos if len(tensor_pos) <= _MAX_EDGES else \
            tuple(i for i in tensor_pos if ctx.needs_input_grad[i])
        ctx._output_meta = tuple((tuple(o.shape), o.dtype) if _is_tensor(o) else None
                                 for o in outputs)
        ctx._attached = tuple(a is not None for a in attach)
        edges = tuple(args[i] for i in ctx._edge_args)
        if len(edges) > _MAX_EDGES:
            edges = _chain_edges(ctx, edges)
        _C._function_node(ctx, type(ctx).__name__, edges, attach)
        ctx._save(outputs)
        return outputs if is_tuple else outputs[0]


def _wrap_outputs(ctx, args, outputs):
    """(outputs, attach): mark_dirty'd inputs keep their identity (and take the new history),
    other inputs returned as is become aliases; attach[i] is the output the node attaches as
    its output i, None for non-tensors and non-differentiable outputs."""
    dirty = getattr(ctx, "dirty_tensors", ())
    non_diff = getattr(ctx, "non_differentiable", ())
    result, attach = [], []
    for o in outputs:
        if not _is_tensor(o):
            result.append(o)
            attach.append(None)
            continue
        differentiable = o.dtype.is_floating_point and not any(o is n for n in non_diff)
        if any(o is d for d in dirty):
            _C._bump_version(o)  # PyTorch counts the Function's write once more
            if o.grad_fn is None and o.requires_grad:
                raise RuntimeError("a leaf Variable that requires grad has been used in an "
                                   "in-place operation.")
        elif any(o is a for a in args) or o.requires_grad or o.grad_fn is not None:
            o = o.detach()
        result.append(o)
        attach.append(o if differentiable else None)
    return tuple(result), tuple(attach)


class _DelayedError:
    """Made on first use: a Function whose backward raises (PyTorch's DelayedError node)."""
    cls = None

    @classmethod
    def apply(cls, out, inputs):
        if cls.cls is None:
            class DelayedError(Function):
                @staticmethod
                def forward(ctx, x, *rest):
                    return x.clone()

                @staticmethod
                def backward(ctx, *grads):
                    raise RuntimeError("trying to differentiate twice a function that was marked "
                                       "with @once_differentiable")

            cls.cls = DelayedError
        return cls.cls.apply(out, *inputs)


def once_differentiable(fn):
    """Decorates a backward that is not itself differentiable: it runs with grad mode off, and
    when its gradients would need a graph (create_graph=True), differentiating them raises
    PyTorch's error instead of giving zero."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        from .. import is_grad_enabled, no_grad
        from .._tensor import Tensor

        with no_grad():
            out = fn(ctx, *args)
        needed = [a for a in args if isinstance(a, Tensor) and a.requires_grad]
        if not (is_grad_enabled() and needed):
            return out
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        wrapped = tuple(_DelayedError.apply(o, needed) if isinstance(o, Tensor) else o
                        for o in outs)
        return wrapped[0] if single else wrapped

    return wrapper
