"""The layer classes of pytorchlite.nn."""
from .activation_attn import MultiheadAttention, NonDynamicallyQuantizableLinear
from .activation import (ELU, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax,
                         Softplus, Tanh)
from .container import ModuleDict, ModuleList, Sequential
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss,
                   NLLLoss, SmoothL1Loss)
from .module import Module
from .normalization import LayerNorm, RMSNorm
from .rnn import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNBase, RNNCell, RNNCellBase
from .sparse import Embedding, EmbeddingBag
from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,
                          TransformerEncoder, TransformerEncoderLayer)

__all__ = [
    "Module", "Identity", "Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax",
    "LogSoftmax", "Flatten", "Dropout", "Sequential", "ModuleList", "ModuleDict", "MSELoss",
    "L1Loss", "NLLLoss", "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss", "SmoothL1Loss",
    "HuberLoss", "SiLU", "ELU", "Softplus", "GELU",
    "Embedding", "EmbeddingBag", "LayerNorm", "RMSNorm", "RNNBase", "RNN", "LSTM", "GRU",
    "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell",
    "MultiheadAttention", "Transformer", "TransformerEncoder", "TransformerDecoder",
    "TransformerEncoderLayer", "TransformerDecoderLayer",
]

# convolutional networks
from .batchnorm import BatchNorm1d, BatchNorm2d
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .dropout import Dropout1d, Dropout2d
from .pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d,
                      MaxPool2d)

__all__ += [
    "Conv1d", "Conv2d", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d", "BatchNorm1d", "BatchNorm2d", "Dropout1d", "Dropout2d",
    "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
]

# vision layers
from .batchnorm import BatchNorm3d
from .dropout import AlphaDropout, Dropout3d, FeatureAlphaDropout
from . import normalization_vision, padding, pooling_vision, upsampling
from .normalization_vision import *  # noqa: F401,F403
from .padding import *  # noqa: F401,F403
from .pooling_vision import *  # noqa: F401,F403
from .upsampling import *  # noqa: F401,F403

_VISION = (["BatchNorm3d", "AlphaDropout", "Dropout3d", "FeatureAlphaDropout"]
           + normalization_vision.__all__ + padding.__all__ + pooling_vision.__all__
           + upsampling.__all__)
__all__ += _VISION
# further activations, losses, containers and layers
from .activation_more import *  # noqa: E402,F401,F403
from .activation_more import __all__ as _act_all  # noqa: E402
from .loss_more import *  # noqa: E402,F401,F403
from .loss_more import __all__ as _loss_all  # noqa: E402
from .container_more import *  # noqa: E402,F401,F403
from .container_more import __all__ as _container_all  # noqa: E402
from .linear_more import *  # noqa: E402,F401,F403
from .linear_more import __all__ as _linear_all  # noqa: E402
__all__ += _act_all + _loss_all + _container_all + _linear_all
from . import _module_state_hooks  # noqa: E402
_module_state_hooks.attach(Module)
