"""Module backward hooks: ``register_full_backward_hook``, ``register_full_backward_pre_hook``
and the legacy ``register_backward_hook``, as PyTorch implements them.

Full hooks put an identity custom Function (``BackwardHookFunction``) on the module's tensor
inputs and outputs; hooks on those two nodes see the gradients w.r.t. the module's outputs
(``grad_output``, pre-hooks may replace it) and then w.r.t. its inputs (``grad_input``, full
hooks may replace it). Legacy hooks sit on the grad_fn of the module's (first) output, so they
see that one op's gradients, and PyTorch's FutureWarning says when that is not the module's.
"""
import warnings

import pytorchlite as torch
from ...autograd.function import Function
from ...utils.hooks import RemovableHandle


class BackwardHookFunction(Function):
    """Identity on tensors; its node is where module backward hooks attach."""

    @staticmethod
    def forward(ctx, *args):
        ctx.mark_non_differentiable(*[a for a in args if not a.requires_grad])
        ctx.set_materialize_grads(False)
        return args

    @staticmethod
    def backward(ctx, *args):
        return args


class BackwardHook:
    """Links the gradients at a module's outputs with those at its inputs for one call."""

    def __init__(self, module, user_hooks, user_pre_hooks):
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs = None
        self.n_outputs = -1
        self.output_tensors_index = None
        self.n_inputs = -1
        self.input_tensors_index = None

    @staticmethod
    def _pack_with_none(indices, values, size):
        res = [None] * size
        for idx, val in zip(indices, values):
            res[idx] = val
        return tuple(res)

    def _apply_on_tensors(self, fn, args):
        idx = [i for i, a in enumerate(args) if isinstance(a, torch.Tensor)]
        tensors = [args[i] for i in idx]
        if not (any(t.requires_grad for t in tensors) and torch.is_grad_enabled()):
            return args, None
        new = BackwardHookFunction.apply(*tensors)
        if len(new) == 0:
            raise RuntimeError("Cannot set Module backward hook for a Module with no input Tensors.")
        fns = [t.grad_fn for t in new if t.grad_fn is not None
               and t.grad_fn.name() == "BackwardHookFunctionBackward"]
        fn(fns[0])
        out = list(args)
        for i, t in zip(idx, new):
            out[i] = t
        return tuple(out), idx

    def setup_input_hook(self, args):
        def hook(grad_input, _):
            if self.grad_outputs is None:
                return None
            res = self._pack_with_none(self.input_tensors_index, grad_input, self.n_inputs)
            for user_hook in self.user_hooks:
                out = user_hook(self.module, res, self.grad_outputs)
                if out is None:
                    continue
                if len(out) != len(res):
                    raise RuntimeError("Backward hook returned an invalid number of grad_input, "
                                       f"got {len(out)}, but expected {len(res)}")
                res = out
            self.grad_outputs = None
            return tuple(res[i] for i in self.input_tensors_index)

        res, self.input_tensors_index = self._apply_on_tensors(
            lambda grad_fn: grad_fn.register_hook(hook), args)
        self.n_inputs = len(args)
        return res

    def setup_output_hook(self, result):
        def hook(_, grad_output):
            self.grad_outputs = self._pack_with_none(self.output_tensors_index, grad_output,
                                                     self.n_outputs)
            for pre in self.user_pre_hooks:
                new = pre(self.module, self.grad_outputs)
                if new is None:
                    continue
                if len(new) != len(self.grad_outputs):
                    raise RuntimeError("Backward pre hook returned an invalid number of "
                                       f"grad_output, got {len(new)}, but expected "
                                       f"{len(self.grad_outputs)}")
                self.grad_outputs = new
            local = self.grad_outputs
            if self.input_tensors_index is None:
                warnings.warn("Full backward hook is firing when gradients are computed with "
                              "respect to module outputs since no inputs require gradients. See "
                              "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                              "#torch.nn.Module.register_full_backward_hook for more details.",
                              stacklevel=4)  # the user's backward() call
                grad_inputs = (None,) * self.n_inputs
                for user_hook in self.user_hooks:
                    res = user_hook(self.module, grad_inputs, self.grad_outputs)
                    if res is not None and not (isinstance(res, tuple)
                                                and all(r is None for r in res)):
                        raise RuntimeError("Backward hook for Modules where no input requires "
                                           "gradient should always return None or None for all "
                                           "gradients.")
                self.grad_outputs = None
            return tuple(local[i] for i in self.output_tensors_index)

        is_tuple = isinstance(result, tuple)
        args = result if is_tuple else (result,)
        res, self.output_tensors_index = self._apply_on_tensors(
            lambda grad_fn: grad_fn.register_hook(hook), args)
        self.n_outputs = len(args)
        return res if is_tuple else res[0]


def register(module, hook, *, full, prepend=False):
    """Module.register_full_backward_hook / register_backward_hook."""
    if module._is_full_backward_hook is (not full):
        raise RuntimeError("Cannot use both regular backward hooks and full backward hooks on a "
                           "single Module. Please use only one of them.")
    module._is_full_backward_hook = full
    handle = RemovableHandle(module._backward_hooks)
    module._backward_hooks[handle.id] = hook
    if prepend:
        module._backward_hooks.move_to_end(handle.id, last=False)
    return handle


def register_pre(module, hook, *, prepend=False):
    handle = RemovableHandle(module._backward_pre_hooks)
    module._backward_pre_hooks[handle.id] = hook
    if prepend:
        module._backward_pre_hooks.move_to_end(handle.id, last=False)
    return handle


class _WrappedHook:
    def __init__(self, hook, module):
        self.hook = hook
        self.module = module

    def __call__(self, grad_input, grad_output):
        return self.hook(self.module, grad_input, grad_output)


def _warn_non_full(inputs, result, grad_fn):
    """PyTorch's FutureWarnings for legacy hooks that miss part of the gradients."""
    msg = None
    if not isinstance(result, torch.Tensor):
        if not (isinstance(result, tuple) and all(isinstance(r, torch.Tensor) for r in result)):
            msg = ("Using non-full backward hooks on a Module that does not return a single "
                   "Tensor or a tuple of Tensors is deprecated and will be removed in future "
                   "versions. This hook will be missing some of the grad_output. Please use "
                   "register_full_backward_hook to get the documented behavior.")
    else:
        result = (result,)
    if msg is None and not all(isinstance(i, torch.Tensor) for i in inputs):
        msg = ("Using non-full backward hooks on a Module that does not take as input a single "
               "Tensor or a tuple of Tensors is deprecated and will be removed in future "
               "versions. This hook will be missing some of the grad_input. Please use "
               "register_full_backward_hook to get the documented behavior.")
    if msg is None:
        out_fns = {r.grad_fn for r in result if r.grad_fn is not None}
        if not out_fns or (len(out_fns) == 1 and grad_fn not in out_fns):
            msg = ("Using a non-full backward hook when outputs are nested in python data "
                   "structure is deprecated and will be removed in future versions. This hook "
                   "will be missing some grad_output.")
        elif len(out_fns) > 1:
            msg = ("Using a non-full backward hook when outputs are generated by different "
                   "autograd Nodes is deprecated and will be removed in future versions. This "
                   "hook will be missing some grad_output. Please use register_full_backward_hook "
                   "to get the documented behavior.")
        else:
            in_fns = {i.grad_fn for i in inputs if i.grad_fn is not None}
            if in_fns != {n[0] for n in grad_fn.next_functions}:
                msg = ("Using a non-full backward hook when the forward contains multiple "
                       "autograd Nodes is deprecated and will be removed in future versions. This "
                       "hook will be missing some grad_input. Please use "
                       "register_full_backward_hook to get the documented behavior.")
    if msg:
        warnings.warn(msg, FutureWarning, stacklevel=4)


def setup(module, args):
    """Before forward: (state for finish, args with the input hooks on them)."""
    from . import module as _m

    full, legacy = [], []
    if _m._global_is_full_backward_hook:  # the global hooks come first, as in PyTorch
        full.extend(_m._global_backward_hooks.values())
    if module._backward_hooks:
        (full if module._is_full_backward_hook else legacy).extend(module._backward_hooks.values())
    pre = [*_m._global_backward_pre_hooks.values(), *module._backward_pre_hooks.values()]
    bw = BackwardHook(module, full, pre) if full or pre else None
    if bw is not None:
        args = bw.setup_input_hook(args)
    return (bw, legacy), args


def finish(module, state, args, result):
    """After forward (and its forward hooks): the output hooks and the legacy hooks."""
    bw, legacy = state
    if bw is not None:
        if not isinstance(result, (torch.Tensor, tuple)):
            warnings.warn("For backward hooks to be called, module output should be a Tensor or "
                          f"a tuple of Tensors but received {type(result)}", stacklevel=3)
        result = bw.setup_output_hook(result)
    if legacy:
        var = result
        while not isinstance(var, torch.Tensor):
            var = next(v for v in var.values() if isinstance(v, torch.Tensor)) \
                if isinstance(var, dict) else var[0]
        if var.grad_fn is not None:
            for hook in legacy:
                var.grad_fn.register_hook(_WrappedHook(hook, module))
            _warn_non_full(args, result, var.grad_fn)
    return result
