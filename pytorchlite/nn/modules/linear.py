"""Identity and Linear (y = x W^T + b, initialised exactly as PyTorch initialises it)."""
import math

import pytorchlite as torch
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Identity", "Linear"]


def _check_device(device):
    """What a CPU-only PyTorch raises for parameters made on device (nothing for the CPU)."""
    torch._devices.check_device(device)


class Identity(Module):
    """Returns its input unchanged; constructor arguments are accepted and ignored."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x W^T + b with W of shape (out_features, in_features).

    Initialisation draws W from U(-1/sqrt(in), 1/sqrt(in)) through kaiming_uniform_(a=sqrt(5)),
    then b likewise, in PyTorch's order, so the same seed gives PyTorch's numbers.

    Note:
        ``device`` may only be None or "cpu".
    """

    __constants__ = ["in_features", "out_features"]

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        _check_device(device)
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        kwargs = {} if dtype is None else {"dtype": dtype}
        self.weight = Parameter(torch.empty((out_features, in_features), **kwargs))
        if bias:
            self.bias = Parameter(torch.empty(out_features, **kwargs))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Re-draw weight and bias as the constructor does."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        # Read the registered tensors straight from _parameters: attribute access to a
        # parameter goes through Module.__getattr__, which costs more than the matmul of a
        # small layer.
        params = self._parameters
        try:
            weight, bias = params["weight"], params["bias"]
        except KeyError:  # deleted or replaced by a plain attribute: PyTorch's lookup and errors
            weight, bias = self.weight, self.bias
        return F.linear(input, weight, bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
