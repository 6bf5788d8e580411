"""The TypeErrors of PyTorch's argument parser, built in one place: the names it gives argument
types, its "invalid combination of arguments" report and its "missing positional arguments"
message. Callers keep their own signatures (the lines PyTorch lists) and, where PyTorch explains
a signature, the reason it prints under it."""
from . import _C, _dtype as _dt

__all__ = ["type_name", "got", "invalid_combination", "missing_arguments", "takes_positional",
           "parser_errors"]


def type_name(obj):
    """The parser's name for obj's type: 'Tensor', 'torch.dtype', 'int', 'numpy.ndarray', a
    class's bare name; our own types under torch's module name ('torch.device')."""
    if isinstance(obj, _C.TensorBase):
        return "Tensor"
    if isinstance(obj, _dt.dtype):
        return "torch.dtype"
    kind = type(obj)
    if kind.__module__.startswith("pytorchlite"):
        return f"torch.{kind.__name__}"
    if kind.__module__ == "builtins" or kind.__flags__ & (1 << 9):  # a heap type: a class
        return kind.__name__
    return f"{kind.__module__}.{kind.__name__}"


def got(args, kwargs):
    """What the call passed, as the parser lists it: the positional arguments' types, then the
    keyword arguments' (the last given first); with no positional argument every keyword is
    followed by ', '."""
    given = [type_name(a) for a in args]
    named = [f"{k}={type_name(v)}" for k, v in reversed(list(kwargs.items()))]
    return ", ".join(given + named) if given else "".join(f"{k}, " for k in named)


def invalid_combination(name, args, kwargs, signatures):
    """The TypeError for a call no signature takes. ``signatures`` are the parameter lists
    PyTorch prints (without parentheses), or (parameter list, reason) pairs for those under
    which it prints why they did not match."""
    lines = []
    for sig in signatures:
        sig, why = sig if isinstance(sig, tuple) else (sig, None)
        lines.append(f" * ({sig})\n")
        if why:
            lines.append(f"      didn't match because {why}\n")
    return TypeError(f"{name}() received an invalid combination of arguments - got "
                     f"({got(args, kwargs)}), but expected one of:\n{''.join(lines)}")


def missing_arguments(name, missing):
    """The TypeError for required parameters not given (PyTorch's wording, whose plural is
    the other way round)."""
    n = len(missing)
    return TypeError(f"{name}() missing {n} required positional argument{'s' if n == 1 else ''}: "
                     + ", ".join(f'"{m}"' for m in missing))


def takes_positional(name, most, given):
    """The TypeError for more positional arguments than the one signature takes."""
    return TypeError(f"{name}() takes {most} positional argument{'' if most == 1 else 's'} but "
                     f"{given} {'was' if given == 1 else 'were'} given")


def parser_errors(name, *signatures):
    """fn's argument errors as PyTorch's parser reports them for ``name`` with these
    signatures: several signatures give the invalid-combination report; one gives its missing-
    or too-many-argument message. The check runs only once fn has raised a TypeError, so a
    good call costs nothing extra."""
    import functools
    import inspect

    def wrap(fn):
        sig = inspect.signature(fn)
        params = list(sig.parameters.values())
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]

        def translate(args, kwargs):
            try:
                sig.bind(*args, **kwargs)
            except TypeError:
                if len(signatures) > 1:
                    return invalid_combination(name, args, kwargs, signatures)
                if len(args) > len(positional):
                    return takes_positional(name, len(positional), len(args))
                missing = [p.name for p in positional[len(args):]
                           if p.default is p.empty and p.name not in kwargs]
                return missing_arguments(name, missing) if missing else None
            return None

        @functools.wraps(fn)
        def call(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except TypeError:
                error = translate(args, kwargs)
                if error is None:
                    raise
                raise error from None

        return call

    return wrap
