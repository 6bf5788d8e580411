"""pytorchlite.nn: modules, parameters, layers, functional, init and utils (PyTorch's API)."""
from .parameter import Buffer, Parameter
from .modules import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, Dropout, ELU, Flatten, GELU,
                      HuberLoss, Identity, L1Loss, LeakyReLU, Linear, LogSoftmax, Module,
                      ModuleDict, ModuleList, MSELoss, NLLLoss, ReLU, Sequential, Sigmoid, SiLU,
                      SmoothL1Loss, Softmax, Softplus, Tanh)
from .modules import (Embedding, EmbeddingBag, GRU, GRUCell, LayerNorm, LSTM, LSTMCell,
                      RMSNorm, RNN, RNNBase, RNNCell, RNNCellBase)
from .modules import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, BatchNorm1d,
                      BatchNorm2d, Conv1d, Conv2d, Dropout1d, Dropout2d, MaxPool1d, MaxPool2d)
from .modules import (MultiheadAttention, Transformer, TransformerDecoder,
                      TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer)
from .modules import Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .modules import _VISION
from .modules import *  # noqa: F401,F403  the vision layers listed in _VISION
from . import functional, init, parallel, utils
from .parallel import DataParallel
from .modules import activation_more as _am, loss_more as _lm, container_more as _cm
from .modules import linear_more as _linm
from .modules.activation_more import *  # noqa: F401,F403
from .modules.loss_more import *  # noqa: F401,F403
from .modules.container_more import *  # noqa: F401,F403
from .modules.linear_more import *  # noqa: F401,F403

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
__all__ += [
    "Conv1d", "Conv2d", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d", "BatchNorm1d", "BatchNorm2d", "Dropout1d", "Dropout2d",
    "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
]
__all__ += _VISION
__all__ += ["DataParallel"]
__all__ += _am.__all__ + _lm.__all__ + _cm.__all__ + _linm.__all__
