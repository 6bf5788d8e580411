"""torch.func: function transforms (grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian,
vmap) and functional_call (run a module with substituted parameters and buffers).

Note:
    The transforms run on pytorchlite's ordinary autograd engine, and vmap runs the function
    once per batch element and stacks the results: PyTorch's values for functions whose batch
    elements do not interact. See ``_autodiff`` and ``_vmap`` for what that changes.
"""
from ._autodiff import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, vjp
from ._vmap import vmap

__all__ = ["functional_call", "grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd",
           "hessian", "vmap"]


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """module(*args, **kwargs) with the named parameters and buffers replaced for the call;
    parameter_and_buffer_dicts is one dict or a sequence of dicts (keys must not repeat)."""
    from ..nn.utils.stateless import _functional_call
    if isinstance(parameter_and_buffer_dicts, dict):
        merged = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, (list, tuple)):
        merged = {}
        for d in parameter_and_buffer_dicts:
            for k, v in d.items():
                if k in merged:
                    raise ValueError(f"{k} appeared in multiple dictionaries; behavior of "
                                     "functional call is ambiguous")
                merged[k] = v
    else:
        raise ValueError(f"Expected parameter_and_buffer_dicts to be a dict, or a list/tuple "
                         f"of dicts, but got {type(parameter_and_buffer_dicts)}")
    return _functional_call(module, merged, args, kwargs, tie_weights=tie_weights,
                            strict=strict)
