"""pytorchlite.utils: data loading (pytorchlite.utils.data) and the parameter tools
(summary, ParameterMonitor, freeze/unfreeze, count_parameters)."""
from . import data
from .monitor import GradientWarning, ParameterMonitor
from .summary import summary

__all__ = ["data", "summary", "ParameterMonitor", "GradientWarning"]
