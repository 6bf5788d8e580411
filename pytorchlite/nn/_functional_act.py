"""nn.functional's further activations: hardtanh family, selu/celu, mish, glu, prelu, rrelu,
the shrinkage functions, threshold and softmin.

Each is a composition of differentiable Tensor ops, written so that its gradient equals
PyTorch's at the kink points too (the open or closed interval PyTorch's backward uses).

Each is recorded as one node with PyTorch's name (HardtanhBackward0, SoftshrinkBackward0...;
the in-place forms' EluBackward1...) whose backward differentiates the composition again
(pytorchlite._named_op.composite); PyTorch's own composites (softsign, tanhshrink, softmin)
stay plain compositions, as there.
"""
import warnings

import pytorchlite as torch
from pytorchlite._named_op import composite, composite_
from ..amp import _policy as _amp

__all__ = ["hardtanh", "hardtanh_", "relu6", "hardsigmoid", "hardswish", "mish", "selu",
           "selu_", "celu", "celu_", "glu", "prelu", "rrelu", "rrelu_", "softsign",
           "softshrink", "hardshrink", "tanhshrink", "threshold", "threshold_", "softmin",
           "elu_", "leaky_relu_", "gumbel_softmax"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _check_tensor(name, input):
    if not isinstance(input, torch.Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def _named(name, fn, input, inplace=False, inplace_name=None, backward=None):
    """fn(input) as one node ``name``; with inplace, input overwritten with it and given the
    node ``inplace_name`` (PyTorch's in-place variants: EluBackward1...). backward(grad, x):
    the derivative written out, for the common activations (no second forward)."""
    if inplace:
        return composite_(inplace_name or name, fn, input, backward=backward)
    return composite(name, fn, input, backward=backward)


def _mask_grad(mask, g):
    """g where mask, 0 elsewhere."""
    return torch.where(mask, g, _zero_like(g))


_SIXTH_F32 = 0.16666667163372040  # 1.0f / 6.0f


def _zero_like(input):
    return torch.zeros((), dtype=input.dtype)


_ATEN_GRAIN = 32768  # ATen's TensorIterator splits an elementwise loop into chunks of this


def _aten_tail(x):
    """Which elements of x (contiguous, in memory order) ATen's AVX2 elementwise kernels
    reach through their scalar lambda: the last n % 16 floats (8 doubles) of each thread's
    chunk, the rest running in blocks of two vectors; None if x is not contiguous."""
    if not x.is_contiguous():
        return None
    n, step = x.numel(), 8 if x.dtype == torch.float64 else 16
    pieces = 1
    if n >= _ATEN_GRAIN and torch.get_num_threads() > 1:
        pieces = min(-(-n // _ATEN_GRAIN), torch.get_num_threads())
    chunk = -(-n // pieces) if n else 0
    index = torch.arange(n)
    offset = index - (index // chunk) * chunk if chunk else index
    length = torch.clamp(n - (index // chunk) * chunk, max=chunk) if chunk else index
    return (offset >= length // step * step).view(x.shape)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """min_val below min_val, max_val above max_val, x between (gradient 1 strictly inside)."""
    _check_tensor("hardtanh", input)
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if input.dtype is torch.bool:
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if not input.dtype.is_floating_point:  # integers keep their dtype; the bounds truncate
        min_val, max_val = int(min_val), int(max_val)
    # (the values are clamp's; the gradient is 1 strictly inside only, as PyTorch's)
    return _named("HardtanhBackward0", lambda x: x.clamp(min_val, max_val), input, inplace,
                  backward=lambda g, x: _mask_grad((x > min_val) & (x < max_val), g))


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place hardtanh."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    """min(max(0, x), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6."""
    _check_tensor("hardsigmoid", input)
    # (ATen's backward multiplies by float(1/6), also for double)
    return _named("HardsigmoidBackward0", lambda x: (x + 3).clamp(0.0, 6.0) / 6, input,
                  inplace, backward=lambda g, x: _mask_grad((x > -3) & (x < 3), g * _SIXTH_F32))


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6 (gradient x/3 + 1/2 on (-3, 3), as PyTorch's)."""
    _check_tensor("hardswish", input)
    def fn(x):  # ATen's x * min(max(x + 3, 0), 6) / 6 (-0 below -3)
        return x * (x + 3).clamp(0.0, 6.0) / 6
    def backward(g, x):
        return torch.where(x <= -3, _zero_like(g), torch.where(x < 3, g * (x / 3 + 0.5), g))
    return _named("HardswishBackward0", fn, input, inplace, backward=backward)


def mish(input, inplace=False):
    """x * tanh(softplus(x)) (float32: ATen's kernels bit for bit, the core's)."""
    _check_tensor("mish", input)
    from .functional import (_ACT_MISH, _ACT_MISH_BACKWARD, _aten_act, _aten_act_backward,
                             softplus)
    kept = []  # tanh(softplus(x)) of the forward, for a backward that records nothing

    def fn(x):
        if x.dtype == torch.float32:
            r = _aten_act(x, _ACT_MISH)
            if r is not None:
                return r
        t = softplus(x).tanh()
        if not torch.is_grad_enabled():
            kept.append(t)
        return x * t

    def backward(g, x):
        if x.dtype == torch.float32:
            r = _aten_act_backward(g, x, _ACT_MISH_BACKWARD)
            if r is not None:
                return r
        t = kept[0] if kept and not torch.is_grad_enabled() else softplus(x).tanh()
        return g * (t + x * x.sigmoid() * (1 - t * t))
    return _named("MishBackward0", fn, input, inplace, backward=backward)


def _elu_grad(alpha, scale, input_scale):
    """The derivative of _elu_like: scale for x > 0, alpha scale input_scale exp(input_scale x)
    otherwise (PyTorch's elu_backward on the input)."""
    def backward(g, x):
        from .functional import _aten_act_backward, _ACT_ELU_BACKWARD
        r = _aten_act_backward(g, x, _ACT_ELU_BACKWARD, alpha, scale, input_scale)
        if r is not None:
            return r
        negative = g * (alpha * scale * input_scale) * (x * input_scale).exp()
        return torch.where(x > 0, g * scale if scale != 1 else g, negative)
    return backward


def _elu_like(input, alpha, scale, input_scale):
    """scale * x for x > 0, alpha * scale * (exp(input_scale * x) - 1) otherwise."""
    from .functional import _aten_act, _ACT_ELU
    r = _aten_act(input, _ACT_ELU, alpha, scale, input_scale)
    if r is not None:
        return r
    negative = (input * input_scale).expm1() * (alpha * scale) if input_scale != 1 \
        else input.expm1() * (alpha * scale)
    positive = input * scale if scale != 1 else input
    return torch.where(input > 0, positive, negative)


def selu(input, inplace=False):
    """scale * (max(0, x) + min(0, alpha * (exp(x) - 1))) with SELU's fixed alpha and scale."""
    _check_tensor("selu", input)
    return _named("EluBackward0", lambda x: _elu_like(x, _SELU_ALPHA, _SELU_SCALE, 1.0), input,
                  inplace, "EluBackward1", _elu_grad(_SELU_ALPHA, _SELU_SCALE, 1.0))


def selu_(input):
    """In-place selu."""
    return selu(input, inplace=True)


def _as_float32(v):
    """v rounded to float32 (PyTorch's celu backward takes 1 / alpha.toFloat())."""
    import struct
    return struct.unpack("f", struct.pack("f", float(v)))[0]


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    _check_tensor("celu", input)
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _named("CeluBackward0", lambda x: _elu_like(x, alpha, 1.0, 1.0 / alpha), input,
                  inplace, "CeluBackward1", _elu_grad(alpha, 1.0, 1.0 / _as_float32(alpha)))


def celu_(input, alpha=1.0):
    """In-place celu."""
    return celu(input, alpha, inplace=True)


def elu_(input, alpha=1.0):
    """In-place elu."""
    from .functional import elu
    return elu(input, alpha, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    """In-place leaky_relu."""
    from .functional import leaky_relu
    return leaky_relu(input, negative_slope, inplace=True)


def glu(input, dim=-1):
    """a * sigmoid(b) where a, b are the two halves of input along dim."""
    _check_tensor("glu", input)
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim + input.dim() if dim < 0 else dim
    size = input.shape[d]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {size}")
    half = size // 2
    return composite("GluBackward0",
                     lambda x: x.narrow(d, 0, half) * x.narrow(d, half, half).sigmoid(), input)


@_amp.lower
def prelu(input, weight):
    """x for x > 0, weight * x otherwise; weight has one entry or one per channel (dim 1)."""
    _check_tensor("prelu", input)
    n = weight.numel()
    if n != 1:
        if input.dim() == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.dim() >= 2 else input.shape[0]
        if channels != n:
            raise RuntimeError("Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {n} and channel size = {channels}.")
        shape = [1] * input.dim()
        shape[1 if input.dim() >= 2 else 0] = n
        w = weight.reshape(shape)
    else:
        w = weight.reshape(()) if weight.dim() else weight
    return composite("PreluKernelBackward0", lambda x, v: torch.where(x > 0, x, v * x), input, w)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU: each non-positive x times a slope drawn from U(lower, upper)
    when training (in PyTorch's draw order: one double per non-positive element, in
    memory order), times (lower + upper) / 2 otherwise."""
    _check_tensor("rrelu", input)
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if not training:
        slope = (lower + upper) / 2
        return _named("RreluWithNoiseBackward0", lambda x: torch._C._leaky_relu(x, slope), input,
                      inplace, "RreluWithNoiseBackward1",
                      lambda g, x: torch.where(x > 0, g, g * slope))
    flat = input.detach().contiguous().reshape(-1)
    negative = flat <= 0
    count = int(negative.sum().item())
    slopes = torch.ones(flat.shape, dtype=input.dtype)
    if count:
        # PyTorch rounds the bounds to the input's precision before the double draws
        lo = torch.tensor(lower, dtype=input.dtype).item()
        hi = torch.tensor(upper, dtype=input.dtype).item()
        draws = torch.empty(count, dtype=torch.float64).uniform_(lo, hi)
        slopes[negative] = draws.to(input.dtype)
    slopes = slopes.reshape(input.shape)
    return _named("RreluWithNoiseBackward0", lambda x: x * slopes, input, inplace,
                  "RreluWithNoiseBackward1", lambda g, x: g * slopes)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place rrelu."""
    return rrelu(input, lower, upper, training, inplace=True)


def softsign(input):
    """x / (1 + |x|)."""
    _check_tensor("softsign", input)
    return input / (input.abs() + 1)


def _check_lambd(name, input, lambd):
    if not input.is_floating_point():
        raise NotImplementedError(f'"{name}_check" not implemented for '
                                  f"'{_type_name(input)}'")
    limit = torch.finfo(input.dtype).max
    if not 0 <= lambd <= limit:
        raise RuntimeError(f"lambda must be in range [0, {limit:g}] for input dtype "
                           f"{_type_name(input)}, but found {lambd:g}")


def _type_name(t):
    from .functional import _type_name as name
    return name(t)


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    _check_tensor("softshrink", input)
    _check_lambd("softshrink", input, lambd)
    def fn(x):
        # between the bounds: the vector code's +0; the scalar tail's x * 0 (-0 for x <= -0)
        tail = _aten_tail(x)
        zero = x * 0 if tail is None else torch.where(tail, x * 0, _zero_like(x))
        return torch.where(x > lambd, x - lambd, torch.where(x < -lambd, x + lambd, zero))
    return composite("SoftshrinkBackward0", fn, input)


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, 0 elsewhere."""
    _check_tensor("hardshrink", input)
    def fn(x):
        return torch.where((x >= -lambd) & (x <= lambd), _zero_like(x), x)
    return composite("HardshrinkBackward0", fn, input)


def tanhshrink(input):
    """x - tanh(x)."""
    _check_tensor("tanhshrink", input)
    return input - input.tanh()


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, value elsewhere."""
    _check_tensor("threshold", input)
    fill = torch.full((), value, dtype=input.dtype)
    return _named("ThresholdBackward0", lambda x: torch.where(x > threshold, x, fill), input,
                  inplace, "ThresholdBackward1", lambda g, x: _mask_grad(x > threshold, g))


def threshold_(input, threshold, value):
    """In-place threshold."""
    return globals()["threshold"](input, threshold, value, inplace=True)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along dim."""
    from .functional import _softmax_dim, softmax
    if dim is None:
        dim = _softmax_dim("softmin", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return softmax(-input, dim)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """softmax((logits + g) / tau) for Gumbel noise g = -log(Exponential(1)) drawn as
    PyTorch draws it; hard=True gives the one-hot of the argmax with the soft gradient."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -torch.empty_like(logits).exponential_().log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = torch.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft
