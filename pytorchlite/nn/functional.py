"""nn.functional: stateless layer functions (activations, linear, dropout, losses).

Fused kernels come from pytorchlite._C where the core has them (linear, mse_loss); the rest
are compositions of Tensor operations, so autograd needs nothing extra for them.
"""
import warnings

import pytorchlite as torch
from pytorchlite._named_op import composite, composite_
from ._functional_conv import *  # noqa: F401,F403  conv, pooling, pad, batch_norm, dropout2d
from ..amp import _policy as _amp

__all__ = [
    "linear", "relu", "relu_", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax",
    "dropout", "flatten", "mse_loss", "l1_loss", "nll_loss", "cross_entropy", "gelu",
]

_REDUCTION_ENUM = {"none": 0, "mean": 1, "sum": 2}


def _reduction_enum(reduction):
    """0 none, 1 mean, 2 sum, as the core's loss kernels take them."""
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. "
                      "Please use reduction='mean' instead.", stacklevel=3)
        return 1
    try:
        return _REDUCTION_ENUM[reduction]
    except (KeyError, TypeError):
        raise ValueError(f"{reduction} is not a valid value for reduction") from None


def _legacy_reduction(size_average, reduce, emit_warning=True):
    """The reduction string for the deprecated size_average/reduce arguments."""
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    if size_average and reduce:
        ret = "mean"
    elif reduce:
        ret = "sum"
    else:
        ret = "none"
    if emit_warning:
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      f"reduction='{ret}' instead.", stacklevel=3)
    return ret


def _reduce(t, reduction):
    if reduction == "none":
        return t
    if reduction == "mean":
        return t.mean()
    if reduction == "sum":
        return t.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduced_grad(g, reduction, n):
    """The gradient reaching each element of an unreduced loss of n elements."""
    return g / n if reduction == "mean" else g


def _same_shape_plain(input, target, weight=None):
    """Whether a loss's written-out derivative applies: input and target of one shape, and no
    weight that requires grad (otherwise the composite is differentiated again)."""
    return tuple(input.shape) == tuple(target.shape) and (weight is None or
                                                          not weight.requires_grad)


def _broadcast_pair(a, b):
    """a and b expanded to their common broadcast shape (no copy)."""
    sa, sb = tuple(a.shape), tuple(b.shape)
    if sa == sb:
        return a, b
    n = max(len(sa), len(sb))
    pa, pb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
    shape = []
    for i, (x, y) in enumerate(zip(pa, pb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                f"non-singleton dimension {i}")
        shape.append(y if x == 1 else x)
    return a.expand(*shape), b.expand(*shape)


# ------------------------------------------------------------------------------- layers
def linear(input, weight, bias=None):
    """y = input @ weight.T + bias."""
    return torch._C._linear(input, weight, bias)


def relu(input, inplace=False):
    """max(input, 0) elementwise."""
    if inplace:
        return input.relu_()
    return input.relu()


def relu_(input):
    """In-place relu."""
    return input.relu_()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """input where input > 0, negative_slope * input elsewhere."""
    if inplace:
        return composite_("LeakyReluBackward1",
                          lambda x: torch._C._leaky_relu(x, negative_slope), input,
                          backward=lambda g, x: torch.where(x > 0, g, g * negative_slope))
    return torch._C._leaky_relu(input, negative_slope)


def sigmoid(input):
    """1 / (1 + exp(-input))."""
    return input.sigmoid()


def tanh(input):
    """Hyperbolic tangent."""
    return input.tanh()


def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                  "Change the call to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along dim."""
    if dim is None:
        dim = _softmax_dim("softmax", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    if hasattr(input, "softmax"):
        return input.softmax(dim)
    shifted = input - input.max(dim, keepdim=True)[0].detach()
    e = shifted.exp()
    return e / e.sum(dim, keepdim=True)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along dim, computed stably."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    if hasattr(input, "log_softmax"):
        return input.log_softmax(dim)
    shifted = input - input.max(dim, keepdim=True)[0].detach()
    return shifted - shifted.exp().sum(dim, keepdim=True).log()


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (when training).

    Draws follow PyTorch's CPU dropout: ``empty_like(input).bernoulli_(1 - p)`` then
    ``div_(1 - p)`` then a multiply, so the same seed zeroes the same elements.
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        zero = torch.zeros((), dtype=input.dtype)
        return input.mul_(zero) if inplace else input * zero
    noise = _empty_like_stride_order(input).bernoulli_(1 - p)
    noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


def _empty_like_stride_order(input):
    """An uninitialised tensor shaped as input whose memory runs in input's stride order, as
    PyTorch's empty_like(memory_format=preserve) makes it, so that a random fill of it draws
    in the same order as PyTorch's (a transposed input gets a transposed noise)."""
    if input.is_contiguous() or input.dim() < 2:
        return torch.empty_like(input)
    sizes, strides = input.shape, input.stride()
    if any(st == 0 and sz > 1 for sz, st in zip(sizes, strides)):
        return torch.empty_like(input)
    order = sorted(range(input.dim()), key=lambda d: -strides[d])
    inverse = sorted(range(input.dim()), key=lambda d: order[d])
    dense = torch.empty(tuple(sizes[d] for d in order), dtype=input.dtype)
    return dense.permute(*inverse)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one."""
    return input.flatten(start_dim, end_dim)


# ------------------------------------------------------------------------------- losses
def _warn_size(input, target):
    if target.size() != input.size():
        warnings.warn(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.",
            stacklevel=3,
        )


def _check_class_weight(weight, num_classes, prefix=""):
    """PyTorch's check that a class weight is 1-D with one entry per class."""
    if weight is not None and (weight.dim() != 1 or weight.numel() != num_classes):
        raise RuntimeError(f"{prefix}weight tensor should be defined either for all "
                           f"{num_classes} classes or no classes but got weight tensor of "
                           f"shape: {list(weight.shape)}")


@_amp.fp32
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean (or sum, or none) of the squared differences."""
    _warn_size(input, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    expanded_input, expanded_target = _broadcast_pair(input, target)
    if weight is not None:
        if weight.size() != input.size():
            raise ValueError("Weights and input must have the same size.")
        weighted = (expanded_input - expanded_target) ** 2 * weight
        if reduction == "mean":
            return weighted.sum() / weight.sum()
        if reduction not in ("none", "sum"):
            raise ValueError(f"Invalid reduction mode: {reduction}. "
                             "Expected one of 'none', 'mean', 'sum'.")
        return _reduce(weighted, reduction)
    enum = _reduction_enum(reduction)
    _check_floating_kernel("mse_cpu", input, target)
    return torch._C._mse_loss(expanded_input, expanded_target, enum)


@_amp.fp32
def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean (or sum, or none) of the absolute differences."""
    _warn_size(input, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    expanded_input, expanded_target = _broadcast_pair(input, target)
    diff = (expanded_input - expanded_target).abs()
    if weight is not None:
        if weight.size() != input.size():
            raise ValueError("Weights and input must have the same size.")
        diff = diff * weight
        if reduction == "mean":
            return diff.sum() / weight.sum()
    _reduction_enum(reduction)
    return _reduce(diff, reduction)


_TYPE_NAMES = {"float32": "Float", "float64": "Double", "int64": "Long", "bool": "Bool",
               "float16": "Half", "bfloat16": "BFloat16", "int32": "Int", "int16": "Short",
               "int8": "Char", "uint8": "Byte"}


def _type_name(t):
    """PyTorch's scalar type name of a tensor's dtype (Float, Double, Long, Bool)."""
    return _TYPE_NAMES[str(t.dtype).rsplit(".", 1)[-1]]


def _check_nll_target(input, target):
    """nll_loss's checks of input and target, in PyTorch's order."""
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    target_batch = target.shape[0] if target.dim() > 0 else 0
    if input.dim() != 1 and input.shape[0] != target_batch:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target_batch}).")
    if input.dim() > 2:
        _check_nd_target(input, target)
        return
    if target.dim() > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.dim() == 1 and target.dim() == 1 and target.shape[0] != 1:
        raise ValueError("For 1D input, 1D target must have size 1, but got target size: "
                         f"{target.shape[0]}")
    if target.dtype not in (torch.int64, torch.uint8):
        raise RuntimeError("expected target dtype to be Long or Byte, but got "
                           f"{_type_name(target)}")


def _check_nd_target(input, target):
    """nll_loss's checks of a (N, C, d1, ...) input's (N, d1, ...) target, in PyTorch's words."""
    sizes = lambda shape: "[" + ", ".join(str(v) for v in shape) + "]"  # noqa: E731
    if input.dim() == 4:
        if target.dim() != 3:
            raise RuntimeError("only batches of spatial targets supported (3D tensors) but got "
                               f"targets of dimension: {target.dim()}")
        if tuple(target.shape) != (input.shape[0],) + tuple(input.shape[2:]):
            raise RuntimeError(f"size mismatch (got input: {sizes(input.shape)} , target: "
                               f"{sizes(target.shape)}")
    elif tuple(target.shape[1:]) != tuple(input.shape[2:]):
        expected = (input.shape[0],) + tuple(input.shape[2:])
        raise RuntimeError(f"Expected target size {sizes(expected)}, got {sizes(target.shape)}")
    if target.dtype not in (torch.int64, torch.uint8):
        raise RuntimeError("expected target dtype to be Long or Byte, but got "
                           f"{_type_name(target)}")


def _infer_size(*shapes):
    """The broadcast shape of torch.Size shapes, with PyTorch's error naming the culprit."""
    common = [1] * max(len(sh) for sh in shapes)
    for arg, sh in enumerate(shapes):
        for idx in range(-1, -1 - len(sh), -1):
            if common[idx] == 1:
                common[idx] = sh[idx]
            elif sh[idx] != 1 and sh[idx] != common[idx]:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {sh[idx]} at "
                                   f"{idx}! Mismatching argument at index {arg} had {sh}; but "
                                   f"expected shape should be broadcastable to {common}")
    return common


def _check_floating_kernel(kernel, input, target):
    """PyTorch has no integer kernel for these losses: both operands integer (or bool)."""
    if not (input.is_floating_point() or target.is_floating_point()):
        kind = "Bool" if input.dtype == target.dtype == torch.bool else "Long"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{kind}\'')


@_amp.fp32
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of class indices given log-probabilities (N, C) or (C,).

    (N, C, d1, ...) input takes an (N, d1, ...) target.

    (N, C) and (C,) run one C kernel that adds the terms in PyTorch's order
    (NllLossBackward0); (N, C, d1, ...) is a composition over it recorded as one node
    (NllLoss2DBackward0).
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    _reduction_enum(reduction)
    _check_nll_target(input, target)
    target = target.long()  # a uint8 target reads as int64
    if input.dim() > 2:
        return _nll_loss_nd(input, target, weight, ignore_index, reduction)
    squeeze = input.dim() == 1
    if squeeze:
        input, target = input.unsqueeze(0), target.reshape(1)
    _check_class_weight(weight, input.shape[1])
    # one C kernel in PyTorch's summation order (grad_fn NllLossBackward0, as PyTorch's)
    loss = torch._C._nll_loss(input, target, weight, _reduction_enum(reduction), int(ignore_index))
    return loss.squeeze(0) if squeeze and reduction == "none" else loss


def _nll_loss_nd(input, target, weight, ignore_index, reduction):
    """nll_loss of (N, C, d1, ...) input as PyTorch's: over a (N, C, d1, rest) view (one node
    NllLoss2DBackward0), the 'none' losses viewed back to the target's shape."""
    n, c = input.shape[0], input.shape[1]
    four = input.dim() == 4
    if not four and input.numel():
        input = input.reshape(n, c, input.shape[2], -1)
    h, w = (input.shape[2], input.shape[3]) if input.dim() == 4 else (0, 0)
    order = [0] + list(range(2, input.dim())) + [1]

    def fn(x):  # classes last, then one row per position
        rows = x.permute(*order).reshape(-1, c)
        loss = nll_loss(rows, target.reshape(-1), weight, None, ignore_index, None, reduction)
        return loss.reshape((n, h, w) if input.dim() == 4 else target.shape) \
            if reduction == "none" else loss
    loss = composite("NllLoss2DBackward0", fn, input)
    return loss.reshape(target.shape) if reduction == "none" and not four else loss


def _smoothing_term(logp, target, weight, ignore_index, reduction, class_dim):
    """The uniform-target part of label smoothing for class-index targets (ignored positions
    count zero), reduced as PyTorch reduces it."""
    ignored = target == ignore_index
    if weight is not None:
        shape = [1] * logp.dim()
        shape[class_dim] = weight.shape[0]
        smooth = -(logp * weight.reshape(shape)).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    smooth = smooth.masked_fill(ignored, 0.0)
    if reduction == "mean":
        if weight is not None:
            kept = target.masked_fill(ignored, 0).reshape(-1)
            picked = weight.index_select(0, kept).masked_fill(ignored.reshape(-1), 0)
            return smooth.sum() / picked.sum()
        return smooth.sum() / (~ignored).sum()
    return smooth.sum() if reduction == "sum" else smooth


@_amp.fp32
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """log_softmax over dim 1 (dim 0 for 1-D input) followed by nll_loss.

    Class-index targets (int64) and class-probability targets (floating, same shape) work,
    with (N, C), (C,) or (N, C, d1, ...) input, weight, ignore_index and label_smoothing.
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    reduction = ("none", "mean", "sum")[_reduction_enum(reduction)]  # warns once if deprecated
    if label_smoothing > 0 and not label_smoothing <= 1:  # negative or NaN act as 0, as in torch
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing:g}")
    class_dim = 0 if input.dim() == 1 else 1
    logp = log_softmax(input, class_dim)
    if target.shape == input.shape:  # class probabilities, as PyTorch decides
        if not target.is_floating_point():
            raise RuntimeError("Expected floating point type for target with class "
                               f"probabilities, got {_type_name(target)}")
        num_classes = input.shape[class_dim]
        _check_class_weight(weight, num_classes, "cross_entropy: ")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / num_classes
        prod = logp * target
        if weight is not None:
            shape = [1] * input.dim()
            shape[class_dim] = num_classes
            prod = prod * weight.reshape(shape)
        _reduction_enum(reduction)
        # as PyTorch's composite: -(sum) then a division by the count (DivBackward1)
        if reduction == "none" or input.dim() == 1:
            return _reduce(-prod.sum(class_dim), reduction)
        total = -prod.sum()
        if reduction == "sum":
            return total
        count = input.numel() // num_classes
        return composite("DivBackward1", lambda t: t / count, total, saves=False)
    loss = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing > 0:
        loss = loss * (1 - label_smoothing) + _smoothing_term(
            logp, target, weight, ignore_index, reduction, class_dim) * (
                label_smoothing / input.shape[class_dim])
    return loss


# ------------------------------------------------------ more activations and losses (composites)
# Compositions of Tensor ops, each recorded as one node with PyTorch's name
# (BinaryCrossEntropyBackward0...) whose backward differentiates the composition again.
def silu(input, inplace=False):
    """x * sigmoid(x), computed as x / (1 + exp(-x)) like PyTorch (one op of the core,
    SiluBackward0)."""
    return input._silu_() if inplace else input._silu()


def gelu(input, *, approximate="none"):
    """x * Phi(x), Phi the standard normal CDF; approximate='tanh' uses PyTorch's tanh form.

    One fused op of the core (GeluBackward0).

    Note: computed with libm's erf/tanh. PyTorch runs GELU on float32 tensors of more than one
    element through oneDNN, whose erf is coarser, so float32 results can differ from PyTorch's
    by a few units in the last place (more, relatively, far in the negative tail).
    """
    if not isinstance(input, torch.Tensor):
        raise TypeError(f"gelu(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return input._gelu(approximate == "tanh")


# PyTorch's CPU kernels of elu (celu, selu), softplus and log_sigmoid, bit for bit, for float32
# and float64 (the core's pl_aten_activation: SLEEF's functions on ATen's vector blocks, libm's
# on the rest); the kinds as there
(_ACT_ELU, _ACT_SOFTPLUS, _ACT_LOG_SIGMOID, _ACT_LOG_SIGMOID_BUFFER, _ACT_ELU_BACKWARD,
 _ACT_SOFTPLUS_BACKWARD, _ACT_MISH, _ACT_MISH_BACKWARD) = range(8)  # (mish: float32 only)


def _aten_act(x, kind, p0=0.0, p1=0.0, p2=0.0):
    """The core's kernel for x of float32/float64, else None (the caller composes). The kernel
    records no node: when x wants a gradient here (an in-place write into a view, which runs
    fn under grad mode), the differentiable composition serves instead."""
    if x.dtype in (torch.float32, torch.float64) and not (x.requires_grad and
                                                          torch.is_grad_enabled()):
        return torch._C._aten_activation(x, kind, p0, p1, p2)
    return None


def _aten_act_backward(g, x, kind, p0=0.0, p1=0.0, p2=0.0):
    """The core's backward kernel for g, x of one float32/float64 dtype, else None. Under grad
    mode (a backward recording its own graph) None: the caller's differentiable formula."""
    if (x.dtype in (torch.float32, torch.float64) and g.dtype == x.dtype
            and not torch.is_grad_enabled() and tuple(g.shape) == tuple(x.shape)):
        return torch._C._aten_activation(x, kind, p0, p1, p2, g)
    return None


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    def fn(x):
        r = _aten_act(x, _ACT_ELU, alpha, 1.0, 1.0)
        return r if r is not None else torch.where(x > 0, x, (x.expm1()) * alpha)

    def backward(g, x):  # PyTorch's elu_backward on the input
        r = _aten_act_backward(g, x, _ACT_ELU_BACKWARD, alpha, 1.0, 1.0)
        return r if r is not None else torch.where(x > 0, g, g * alpha * x.exp())
    if inplace:
        return composite_("EluBackward1", fn, input, backward=backward)
    return composite("EluBackward0", fn, input, backward=backward)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * x)) / beta, and x where beta * x > threshold."""
    def fn(x):
        r = _aten_act(x, _ACT_SOFTPLUS, beta, threshold)
        if r is not None:
            return r
        scaled = x * beta
        soft = scaled.exp().log1p() / beta if beta != 1 else scaled.exp().log1p()
        return torch.where(scaled > threshold, x, soft)

    def backward(g, x):  # sigmoid(beta x), 1 above the threshold
        r = _aten_act_backward(g, x, _ACT_SOFTPLUS_BACKWARD, beta, threshold)
        if r is not None:
            return r
        z = (x * beta).exp()
        return torch.where(x * beta > threshold, g, g * z / (z + 1))
    return composite("SoftplusBackward0", fn, input, backward=backward)


def logsigmoid(input):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)) (gradient 1/2 at 0, as PyTorch's)."""
    def fn(x):
        r = _aten_act(x, _ACT_LOG_SIGMOID)
        if r is not None:
            return r
        negative = x < 0
        return torch.where(negative, x, x * 0) - torch.where(negative, x, -x).exp().log1p()
    def backward(g, x):
        # PyTorch's: b = exp(-|x|) (the forward's buffer), q = b / (1 + b); (1 - q) g for x < 0,
        # q g otherwise; under grad mode the differentiable sigmoid(-x) g
        if torch.is_grad_enabled() or x.dtype not in (torch.float32, torch.float64):
            return g * (-x).sigmoid()
        b = _aten_act(x, _ACT_LOG_SIGMOID_BUFFER)
        q = b / (b + 1)
        return torch.where(x < 0, 1 - q, q) * g
    return composite("LogSigmoidBackward0", fn, input, backward=backward)


@_amp.fp32
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-(t * log(x) + (1 - t) * log(1 - x)), each log clamped at -100 as in PyTorch."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    _reduction_enum(reduction)
    if target.size() != input.size():
        raise ValueError(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}) is deprecated. Please ensure they have the same size.")
    if weight is not None:
        weight = weight.expand(_infer_size(target.size(), weight.size()))
    if target.dtype != input.dtype:
        raise RuntimeError(f"Found dtype {_type_name(target)} but expected {_type_name(input)}")
    if not bool(((input >= 0) & (input <= 1)).all()):  # NaN fails too
        raise RuntimeError("all elements of input should be between 0 and 1")
    def fn(x, t, *w):
        loss = (t - 1) * (-x).log1p().clamp(min=-100) - t * x.log().clamp(min=-100)
        return _reduce(loss * w[0] if w else loss, reduction)
    # the backward differentiates the composition again: its roundings are the ones that
    # reproduce PyTorch's training runs bit for bit (a written-out formula did not)
    return composite("BinaryCrossEntropyBackward0", fn, input, target,
                     *(() if weight is None else (weight,)), backward=None)


@_amp.fp32
def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """(1 - t) * x - log_sigmoid(x) * (1 + (pos_weight - 1) * t), times weight.

    One fused op of the core (BinaryCrossEntropyWithLogitsBackward0); weight and pos_weight
    broadcast against input and get no gradient.
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    enum = _reduction_enum(reduction)
    if target.size() != input.size():
        raise ValueError(f"Target size ({target.size()}) must be the same as input size "
                         f"({input.size()})")
    for extra in (weight, pos_weight):
        if extra is not None:
            common = _infer_size(input.size(), extra.size())
            if tuple(common) != tuple(input.size()):
                raise RuntimeError(f"output with shape {list(input.size())} doesn't match the "
                                   f"broadcast shape {list(common)}")
    if not (input.is_floating_point() and target.is_floating_point()):
        log_sig = logsigmoid(input)
        if pos_weight is not None:
            log_sig = log_sig * ((pos_weight - 1) * target + 1)
        loss = (1 - target) * input - log_sig
        return _reduce(loss * weight if weight is not None else loss, reduction)
    return torch._C._bce_with_logits(input, target, weight, pos_weight, enum)


@_amp.fp32
def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 * z^2 / beta where z = |x - y| < beta, else z - 0.5 * beta."""
    _warn_size(input, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    _reduction_enum(reduction)
    if beta == 0:
        a, b = _broadcast_pair(input, target)
        return _reduce((a - b).abs(), reduction)
    if not beta >= 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _check_floating_kernel("smooth_l1_cpu", input, target)

    def fn(x, y):
        a, b = _broadcast_pair(x, y)
        z = (a - b).abs()
        return _reduce(torch.where(z < beta, z * z * 0.5 / beta, z - 0.5 * beta), reduction)

    def backward(g, x, y):  # (x - y) / beta inside the band, its sign outside
        z = x - y
        d = torch.where(z.abs() < beta, z / beta, z.sign()) * _reduced_grad(g, reduction,
                                                                          x.numel())
        return d, -d if y.requires_grad else None
    return composite("SmoothL1LossBackward0", fn, input, target,
                     backward=backward if _same_shape_plain(input, target) else None)


@_amp.fp32
def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 * z^2 where z = |x - y| < delta, else delta * (z - 0.5 * delta)."""
    _warn_size(input, target)
    _reduction_enum(reduction)
    _broadcast_pair(input, target)  # (its shape errors first)
    if not delta > 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _check_floating_kernel("huber_cpu", input, target)
    def fn(x, y, *w):
        a, b = _broadcast_pair(x, y)
        z = (a - b).abs()
        loss = torch.where(z < delta, z * z * 0.5, (z - 0.5 * delta) * delta)
        return _reduce(loss * w[0] if w else loss, reduction)

    def backward(g, x, y):  # x - y inside the band, delta times its sign outside
        z = x - y
        d = torch.where(z.abs() < delta, z, z.sign() * delta) * _reduced_grad(g, reduction,
                                                                            x.numel())
        return d, -d if y.requires_grad else None
    if weight is not None:  # PyTorch composes the weighted form
        return fn(input, target, weight)
    return composite("HuberLossBackward0", fn, input, target,
                     backward=backward if _same_shape_plain(input, target) else None)


__all__ += ["silu", "elu", "softplus", "logsigmoid",
            "binary_cross_entropy", "binary_cross_entropy_with_logits", "smooth_l1_loss",
            "huber_loss"]


# ----------------------------------------------------------------- sequence-model layers
from ._functional_seq import embedding, embedding_bag, layer_norm, rms_norm  # noqa: E402,F401
__all__ += ["embedding", "embedding_bag", "layer_norm", "rms_norm"]


# ----------------------------------------------------------------------------- attention
from ._functional_attn import (_canonical_mask, _none_or_dtype,  # noqa: E402,F401
                               multi_head_attention_forward, scaled_dot_product_attention)
__all__ += ["scaled_dot_product_attention", "multi_head_attention_forward"]


# ------------------------------------------------------------------ vision layers, resampling
from . import _functional_resample, _functional_vision  # noqa: E402
from ._functional_vision import *  # noqa: E402,F401,F403
from ._functional_resample import *  # noqa: E402,F401,F403
__all__ += _functional_vision.__all__ + _functional_resample.__all__
# ------------------------------------------- further activations, losses and distances
from ._functional_act import *  # noqa: E402,F401,F403
from ._functional_act import __all__ as _act_all  # noqa: E402
from ._functional_loss import *  # noqa: E402,F401,F403
from ._functional_loss import __all__ as _loss_all  # noqa: E402
from ._functional_pool3d import *  # noqa: E402,F401,F403
from ._functional_pool3d import __all__ as _pool3d_all  # noqa: E402
__all__ += _act_all + _loss_all + _pool3d_all
