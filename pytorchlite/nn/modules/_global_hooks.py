"""The hooks every nn.Module runs (``torch.nn.modules.module.register_module_forward_hook``
and its kin): debugging and profiling aids that run before each module's own hooks, kept in
module-level tables as PyTorch keeps them (``module.py`` re-exports the tables)."""
import warnings
from collections import OrderedDict

from ...utils.hooks import RemovableHandle

_global_forward_pre_hooks = OrderedDict()
_global_forward_hooks = OrderedDict()
_global_forward_hooks_with_kwargs = OrderedDict()
_global_forward_hooks_always_called = OrderedDict()
_global_backward_pre_hooks = OrderedDict()
_global_backward_hooks = OrderedDict()


def register_module_forward_pre_hook(hook):
    """Register ``hook(module, args) -> None or new args`` to run before every module's forward
    (before the module's own pre-hooks)."""
    handle = RemovableHandle(_global_forward_pre_hooks)
    _global_forward_pre_hooks[handle.id] = hook
    return handle


def register_module_full_backward_pre_hook(hook):
    """Register ``hook(module, grad_output) -> None or new grad_output`` for every module, run
    before the module's own backward pre-hooks."""
    handle = RemovableHandle(_global_backward_pre_hooks)
    _global_backward_pre_hooks[handle.id] = hook
    return handle


def register_module_full_backward_hook(hook):
    """Register ``hook(module, grad_input, grad_output) -> None or new grad_input`` for every
    module, run before the module's own full backward hooks."""
    from . import module  # its _global_is_full_backward_hook, as in PyTorch

    if module._global_is_full_backward_hook is False:
        raise RuntimeError("Cannot use both regular backward hooks and full backward hooks as a "
                           "global Module hook. Please use only one of them.")
    module._global_is_full_backward_hook = True
    handle = RemovableHandle(_global_backward_hooks)
    _global_backward_hooks[handle.id] = hook
    return handle


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    """Register ``hook(module, args, output) -> None or new output`` (with ``with_kwargs``:
    ``hook(module, args, kwargs, output)``) to run after every module's forward, before the
    module's own forward hooks; with ``always_call`` it also runs when the call raised."""
    handle = RemovableHandle(_global_forward_hooks,
                             extra_dict=[_global_forward_hooks_with_kwargs,
                                         _global_forward_hooks_always_called])
    _global_forward_hooks[handle.id] = hook
    if with_kwargs:
        _global_forward_hooks_with_kwargs[handle.id] = True
    if always_call:
        _global_forward_hooks_always_called[handle.id] = True
    return handle



def call_with_always_called_hooks(module, args, kwargs):
    """module(*args, **kwargs) when a global forward hook has ``always_call``: if the call
    raises, the always-called hooks that did not run yet see it with no output."""
    called = set()
    try:
        return module._call_with_hooks(args, kwargs, called)
    except Exception:
        for hook_id, hook in list(_global_forward_hooks.items()):
            if hook_id in _global_forward_hooks_always_called and hook_id not in called:
                try:
                    if hook_id in _global_forward_hooks_with_kwargs:
                        hook(module, args, kwargs, None)
                    else:
                        hook(module, args, None)
                except Exception as e:  # noqa: BLE001 - PyTorch warns and re-raises the first
                    warnings.warn("global module forward hook with ``always_call=True`` raised "
                                  "an exception that was silenced as another error was raised "
                                  f"in forward: {str(e)}")
        raise
