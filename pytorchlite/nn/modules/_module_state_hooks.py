"""Module's state_dict pre-hooks and load_state_dict pre-hooks, the private state_dict hook,
Module.type and Module.share_memory (attached onto Module by nn.modules)."""
import functools

from ...utils.hooks import RemovableHandle

__all__ = ["attach"]


def register_state_dict_pre_hook(self, hook):
    """Register ``hook(module, prefix, keep_vars)`` run before state_dict collects entries."""
    handle = RemovableHandle(self._state_dict_pre_hooks)
    self._state_dict_pre_hooks[handle.id] = hook
    return handle


def _register_state_dict_hook(self, hook):
    """Register ``hook(module, state_dict, prefix, local_metadata)`` run after state_dict; it
    may return a new state_dict (the private form of register_state_dict_post_hook)."""
    if getattr(hook, "_from_public_api", False):
        raise RuntimeError("Cannot register the same function as the state dict post hook "
                           "that was previously registered via register_state_dict_post_hook")
    handle = RemovableHandle(self._state_dict_hooks)
    self._state_dict_hooks[handle.id] = hook
    return handle


def _register_load_state_dict_pre_hook(self, hook, with_module=False):
    """Register ``hook(state_dict, prefix, local_metadata, strict, missing_keys,
    unexpected_keys, error_msgs)`` (the module first when with_module) run before this module
    loads its entries."""
    handle = RemovableHandle(self._load_state_dict_pre_hooks)
    self._load_state_dict_pre_hooks[handle.id] = (functools.partial(hook, self)
                                                  if with_module else hook)
    return handle


def register_load_state_dict_pre_hook(self, hook):
    """Register ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
    unexpected_keys, error_msgs)`` run before this module loads its entries."""
    return _register_load_state_dict_pre_hook(self, hook, with_module=True)


def type(self, dst_type):
    """Cast every parameter and buffer to dst_type (a dtype or a type name); returns self."""
    return self._apply(lambda t: t.type(dst_type))


def share_memory(self):
    """Move parameters and buffers to shared memory (``Tensor.share_memory_``); returns self."""
    return self._apply(lambda t: t.share_memory_())


def attach(module_cls):
    """Put these methods on Module."""
    for fn in (register_state_dict_pre_hook, _register_state_dict_hook,
               _register_load_state_dict_pre_hook, register_load_state_dict_pre_hook, type,
               share_memory):
        setattr(module_cls, fn.__name__, fn)
