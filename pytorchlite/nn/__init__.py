"""pytorchlite.nn: modules, parameters, layers, functional, init and utils (PyTorch's API)."""
from .parameter import Buffer, Parameter
from .modules import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, Dropout, ELU, Flatten, GELU,
                      HuberLoss, Identity, L1Loss, LeakyReLU, Linear, LogSoftmax, Module,
                      ModuleDict, ModuleList, MSELoss, NLLLoss, ReLU, Sequential, Sigmoid, SiLU,
                      SmoothL1Loss, Softmax, Softplus, Tanh)
from .modules import (Embedding, EmbeddingBag, GRU, GRUCell, LayerNorm, LSTM, LSTMCell,
                      RMSNorm, RNN, RNNBase, RNNCell, RNNCellBase)
from .modules import (MultiheadAttention, Transformer, TransformerDecoder,
                      TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer)
from . import functional, init, utils

__all__ = [
    "Parameter", "Buffer", "Module", "Identity", "Linear", "ReLU", "LeakyReLU", "Sigmoid",
    "Tanh", "Softmax", "LogSoftmax", "Flatten", "Dropout", "Sequential", "ModuleList",
    "ModuleDict", "MSELoss", "L1Loss", "NLLLoss", "CrossEntropyLoss", "functional", "init",
    "utils", "BCELoss", "BCEWithLogitsLoss", "SmoothL1Loss", "HuberLoss", "SiLU", "ELU",
    "Softplus", "GELU", "Embedding", "EmbeddingBag", "LayerNorm", "RMSNorm", "RNNBase", "RNN",
    "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell", "MultiheadAttention",
    "Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
    "TransformerDecoderLayer",
]
