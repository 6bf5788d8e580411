"""``torch.utils.hooks``: the handle that hook registrations return."""
import weakref

__all__ = ["RemovableHandle"]


class RemovableHandle:
    """A handle returned by hook registration; ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1
        if extra_dict is None:
            extra_dict = ()
        elif isinstance(extra_dict, dict):
            extra_dict = (extra_dict,)
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extra_dict)

    def remove(self):
        for ref in (self.hooks_dict_ref,) + tuple(self.extra_dict_ref):
            d = ref()
            if d is not None and self.id in d:
                del d[self.id]

    def __getstate__(self):
        # the dicts themselves (pickle keeps them shared with the module that holds them)
        return (self.hooks_dict_ref(), self.id, tuple(ref() for ref in self.extra_dict_ref))

    def __setstate__(self, state):
        # a dict that no longer existed comes back as an empty one
        self.hooks_dict_ref = weakref.ref(state[0] if state[0] is not None else _Empty())
        self.id = state[1]
        RemovableHandle._next_id = max(RemovableHandle._next_id, self.id + 1)
        extra = state[2] if len(state) > 2 and state[2] is not None else ()
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extra if d is not None)

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.remove()


class _Empty(dict):
    """A weakly referenceable empty dict (plain dicts are not)."""
