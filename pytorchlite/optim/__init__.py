"""pytorchlite.optim: optimizers and learning rate schedulers.

reference: https://pytorch.org/docs/stable/optim.html

Note:
    SGD, Adam and AdamW load with the package; the other optimizers and ``swa_utils`` load on
    first use. SGD, Adam, AdamW and RMSprop ... Rprop update each parameter group with one
    fused C call; Adafactor and ``swa_utils`` compute partly through NumPy.
"""
from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .sgd import SGD

# name -> the module that defines it (loaded on first use)
_LAZY = {"Adadelta": "adadelta", "Adagrad": "adagrad", "Adamax": "adamax", "ASGD": "asgd",
         "LBFGS": "lbfgs", "NAdam": "nadam", "RAdam": "radam", "RMSprop": "rmsprop",
         "Rprop": "rprop", "swa_utils": None, "Adafactor": "adafactor",
         "SparseAdam": "sparse_adam"}

__all__ = ["ASGD", "Adadelta", "Adafactor", "SparseAdam", "Adagrad", "Adam", "AdamW", "Adamax", "LBFGS", "NAdam", "Optimizer",
           "RAdam", "RMSprop", "Rprop", "SGD", "lr_scheduler",
           "swa_utils"]


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'pytorchlite.optim' has no attribute '{name}'")
    import importlib

    module = importlib.import_module(f".{_LAZY[name] or name}", __name__)
    value = module if _LAZY[name] is None else getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
