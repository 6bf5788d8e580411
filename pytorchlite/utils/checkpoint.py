"""torch.utils.checkpoint: run part of a model without keeping its intermediate results for
backward, and run it again when the gradients are needed.

``use_reentrant=True`` (the default when it is not given, with PyTorch's warning) is PyTorch's
reentrant form: one ``CheckpointFunction`` node whose backward re-runs the function with the
forward's random state and back-propagates through that second run. ``use_reentrant=False``
runs the function as it is, so the graph, values and gradients are those PyTorch's
non-reentrant form gives (pytorchlite does not drop and recompute the saved tensors there:
the memory saving is not had, the results are the same).
"""
import warnings

import pytorchlite as torch

__all__ = ["checkpoint", "CheckpointFunction"]

_USE_REENTRANT_HINT = (
    "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting "
    "in PyTorch 2.9, calling checkpoint without use_reentrant will raise an exception. "
    "use_reentrant=False is recommended, but if you need to preserve the current default "
    "behavior, you can pass use_reentrant=True. Refer to docs for more details on the "
    "differences between the two variants.")


def noop_context_fn():
    """The default ``context_fn``: no context around either run."""
    import contextlib

    return contextlib.nullcontext(), contextlib.nullcontext()


class CheckpointFunction(torch.autograd.Function):
    """The reentrant checkpoint: forward without a graph, backward by running it again."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        if not any(a.requires_grad for a in args if isinstance(a, torch.Tensor)):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None")
        ctx.run_function = run_function
        ctx.preserve_rng_state = preserve_rng_state
        if preserve_rng_state:
            ctx.fwd_cpu_state = torch.get_rng_state()
        ctx.inputs, ctx.tensor_indices, tensors = [], [], []
        for i, a in enumerate(args):
            if isinstance(a, torch.Tensor):
                tensors.append(a)
                ctx.tensor_indices.append(i)
                ctx.inputs.append(None)
            else:
                ctx.inputs.append(a)
        ctx.save_for_backward(*tensors)
        with torch.no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx, *grads):
        inputs = list(ctx.inputs)
        for i, t in zip(ctx.tensor_indices, ctx.saved_tensors):
            inputs[i] = t
        detached = [a.detach().requires_grad_(a.requires_grad)
                    if isinstance(a, torch.Tensor) else a for a in inputs]
        state = torch.get_rng_state()
        if ctx.preserve_rng_state:
            torch.set_rng_state(ctx.fwd_cpu_state)
        try:
            with torch.enable_grad():
                outputs = ctx.run_function(*detached)
        finally:
            torch.set_rng_state(state)  # the second run leaves the random stream as it was
        if isinstance(outputs, torch.Tensor):
            outputs = (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads)
                 if isinstance(o, torch.Tensor) and o.requires_grad]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not "
                               "necessary")
        torch.autograd.backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None) + tuple(a.grad if isinstance(a, torch.Tensor) else None
                                    for a in detached)


def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn,
               determinism_check="default", debug=False, early_stop=True, **kwargs):
    """``function(*args, **kwargs)``, with its intermediate results recomputed in backward
    (see the module docstring for the two forms)."""
    if use_reentrant is None:
        warnings.warn(_USE_REENTRANT_HINT, stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when "
                             "use_reentrant=False.")
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        return CheckpointFunction.apply(function, preserve, *args)
    first, _ = context_fn()
    with first:
        return function(*args, **kwargs)
