"""The layer classes of pytorchlite.nn."""
from .activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import ModuleDict, ModuleList, Sequential
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module

__all__ = [
    "Module", "Identity", "Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax",
    "LogSoftmax", "Flatten", "Dropout", "Sequential", "ModuleList", "ModuleDict", "MSELoss",
    "L1Loss", "NLLLoss", "CrossEntropyLoss",
]
