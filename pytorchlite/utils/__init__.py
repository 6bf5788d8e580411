"""pytorchlite.utils: data loading (pytorchlite.utils.data) and the parameter tools
(summary, ParameterMonitor, freeze/unfreeze, GradualUnfreezer, count_parameters) and the
DLPack bridge (pytorchlite.utils.dlpack)."""
from . import data, dlpack
from .monitor import GradientWarning, ParameterMonitor
from .params import GradualUnfreezer, count_parameters, freeze, unfreeze
from .summary import summary

__all__ = ["data", "dlpack", "summary", "ParameterMonitor", "GradientWarning", "count_parameters",
           "freeze", "unfreeze", "GradualUnfreezer"]
