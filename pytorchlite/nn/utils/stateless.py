"""nn.utils.stateless.functional_call (and torch.func.functional_call): run a module with some
of its parameters and buffers replaced by given tensors, then put the originals back."""
import warnings


__all__ = ["functional_call"]


def _split(module, name):
    """(owning submodule, attribute name) of a dotted name."""
    *path, leaf = name.split(".")
    owner = module
    for part in path:
        owner = getattr(owner, part)
    return owner, leaf


def _swap(owner, leaf, value):
    """Put value at owner.<leaf> (into _parameters / _buffers when registered there); returns
    how to undo it."""
    for store in ("_parameters", "_buffers"):
        table = owner.__dict__.get(store)
        if table is not None and leaf in table:
            old = table[leaf]
            table[leaf] = value
            return store, old
    had = leaf in owner.__dict__
    old = owner.__dict__.get(leaf)
    object.__setattr__(owner, leaf, value)
    return ("attr", old) if had else ("new", None)


def _restore(owner, leaf, undo):
    kind, old = undo
    if kind in ("_parameters", "_buffers"):
        getattr(owner, kind)[leaf] = old
    elif kind == "attr":
        object.__setattr__(owner, leaf, old)
    else:
        object.__delattr__(owner, leaf)


def _functional_call(module, parameters_and_buffers, args=None, kwargs=None, *,
                     tie_weights=True, strict=False):
    tensors = dict(parameters_and_buffers)
    if tie_weights:
        # a tensor reachable under several names is replaced under all of them
        names_of = {}
        for name, t in module.named_parameters(remove_duplicate=False):
            names_of.setdefault(id(t), []).append(name)
        for name, t in module.named_buffers(remove_duplicate=False):
            names_of.setdefault(id(t), []).append(name)
        for names in names_of.values():
            given = [n for n in names if n in tensors]
            if given:
                for n in names:
                    if n not in tensors:
                        tensors[n] = tensors[given[0]]
                    elif tensors[n] is not tensors[given[0]]:
                        raise ValueError(f"functional_call got multiple values for keys "
                                         f"{sorted(given)}, which are tied. Consider using "
                                         "tie_weights=False")
    if strict:
        expected = {n for n, _ in module.named_parameters(remove_duplicate=False)}
        expected |= {n for n, _ in module.named_buffers(remove_duplicate=False)}
        missing = sorted(expected - set(tensors))
        unexpected = sorted(set(tensors) - expected)
        if missing or unexpected:
            msgs = []
            if unexpected:
                msgs.append("Unexpected key(s): {}.".format(
                    ", ".join(map(repr, unexpected))))
            if missing:
                msgs.append("Missing key(s): {}.".format(", ".join(map(repr, missing))))
            raise RuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(
                module._get_name(), "\n\t".join(msgs)))
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    kwargs = {} if kwargs is None else kwargs
    undo = []
    try:
        for name, value in tensors.items():
            owner, leaf = _split(module, name)
            undo.append((owner, leaf, _swap(owner, leaf, value)))
        return module(*args, **kwargs)
    finally:
        for owner, leaf, step in reversed(undo):
            _restore(owner, leaf, step)


def functional_call(module, parameters_and_buffers, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """module(*args, **kwargs) with its parameters and buffers named in parameters_and_buffers
    replaced for the call (deprecated in PyTorch in favour of torch.func.functional_call)."""
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 "
                  "and will be removed in a future version of PyTorch. Please use "
                  "`torch.func.functional_call` instead which is a drop-in replacement.",
                  FutureWarning, stacklevel=2)
    return _functional_call(module, parameters_and_buffers, args, kwargs,
                            tie_weights=tie_weights, strict=strict)


