"""``torch.jit`` as pass-throughs: ``script`` and ``trace`` return the module or function they
are given, unchanged, so code that scripts a model for speed runs it eagerly with the same
results.

Note:
    pytorchlite has no TorchScript: the returned object is the original Python module or
    function (no ``.graph``, ``.code`` or ``save`` of a ScriptModule); ``torch.jit.save`` and
    ``torch.jit.load`` raise NotImplementedError.
"""

__all__ = ["script", "trace", "trace_module", "ignore", "unused", "export", "is_scripting",
           "is_tracing", "save", "load", "freeze", "optimize_for_inference"]


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """Returns obj unchanged (see the module's note)."""
    return obj


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None,
          check_tolerance=1e-5, strict=True, _force_outplace=False, _module_class=None,
          _compilation_unit=None, example_kwarg_inputs=None, _store_inputs=True):
    """Returns func unchanged (example_inputs are not run)."""
    return func


def trace_module(mod, inputs, *args, **kwargs):
    """Returns mod unchanged."""
    return mod


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    """Returns mod unchanged."""
    return mod


def optimize_for_inference(mod, other_methods=None):
    """Returns mod unchanged."""
    return mod


def _decorator(fn=None, **kwargs):
    if fn is None or not callable(fn):
        return lambda f: f
    return fn


ignore = unused = export = _decorator


def is_scripting():
    """False: code never runs as TorchScript."""
    return False


def is_tracing():
    """False: code is never traced."""
    return False


def save(m, f, _extra_files=None):
    raise NotImplementedError("pytorchlite has no TorchScript: torch.jit.save is not supported; "
                              "save the state_dict with torch.save")


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    raise NotImplementedError("pytorchlite has no TorchScript: torch.jit.load is not supported")
