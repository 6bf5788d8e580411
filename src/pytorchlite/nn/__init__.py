"""pytorchlite.nn: modules, parameters, layers, functional, init and utils (PyTorch's API)."""
from .parameter import Buffer, Parameter
from .modules import (BCELoss, BCEWithLogitsLoss, ELU, HuberLoss, SiLU, SmoothL1Loss, Softplus,
                      CrossEntropyLoss, Dropout, Flatten, Identity, L1Loss, LeakyReLU, Linear,
                      LogSoftmax, Module, ModuleDict, ModuleList, MSELoss, NLLLoss, ReLU,
                      Sequential, Sigmoid, Softmax, Tanh)
from . import functional, init, utils

__all__ = [
    "Parameter", "Buffer", "Module", "Identity", "Linear", "ReLU", "LeakyReLU", "Sigmoid",
    "Tanh", "Softmax", "LogSoftmax", "Flatten", "Dropout", "Sequential", "ModuleList",
    "ModuleDict", "MSELoss", "L1Loss", "NLLLoss", "CrossEntropyLoss", "functional", "init",
    "utils", "BCELoss", "BCEWithLogitsLoss", "SmoothL1Loss", "HuberLoss", "SiLU", "ELU",
    "Softplus",
]
