"""pytorchlite.optim: optimizers (SGD, Adam, AdamW) and learning rate schedulers.

reference: https://pytorch.org/docs/stable/optim.html
"""
from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Adam", "AdamW", "Optimizer", "SGD", "lr_scheduler"]
