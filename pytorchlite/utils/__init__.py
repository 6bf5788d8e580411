"""pytorchlite.utils: data loading (pytorchlite.utils.data) and the parameter tools
(summary, ParameterMonitor, freeze/unfreeze, GradualUnfreezer, count_parameters) and the
DLPack bridge (pytorchlite.utils.dlpack), and activation checkpointing
(pytorchlite.utils.checkpoint).

Each loads on first use (``import pytorchlite.nn`` imports ``utils.hooks`` and should not pay
for the rest)."""

# name -> (module, attribute or None for the module itself)
_LAZY = {"data": ("data", None), "dlpack": ("dlpack", None),
         "checkpoint": ("checkpoint", None),
         "ParameterMonitor": ("monitor", "ParameterMonitor"),
         "GradientWarning": ("monitor", "GradientWarning"),
         "GradualUnfreezer": ("params", "GradualUnfreezer"),
         "count_parameters": ("params", "count_parameters"), "freeze": ("params", "freeze"),
         "unfreeze": ("params", "unfreeze"), "summary": ("summary", "summary")}

__all__ = ["data", "dlpack", "checkpoint", "summary", "ParameterMonitor", "GradientWarning",
           "count_parameters", "freeze", "unfreeze", "GradualUnfreezer"]


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'pytorchlite.utils' has no attribute '{name}'")
    import importlib

    module_name, attr = _LAZY[name]
    module = importlib.import_module(f".{module_name}", __name__)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
