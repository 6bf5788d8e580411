"""nn.functional's further losses and distances: kl_div, poisson/gaussian NLL, the margin and
embedding losses, triplet losses, pairwise_distance, pdist, cosine_similarity.

Each is a composition of differentiable Tensor ops following PyTorch's formula and checks.
Where PyTorch has a node of its own (MultiMarginLossBackward0, SoftMarginLossBackward0,
PdistBackward0...) the composition is recorded as one node of that name whose backward
differentiates it again (pytorchlite._named_op.composite); where PyTorch composes too
(kl_div, the embedding losses...) the graph is the composition's, as there.
"""
import math
import warnings

import pytorchlite as torch
from pytorchlite._named_op import composite
from ..amp import _policy as _amp

__all__ = ["kl_div", "poisson_nll_loss", "gaussian_nll_loss", "cosine_embedding_loss",
           "hinge_embedding_loss", "margin_ranking_loss", "multilabel_margin_loss",
           "multilabel_soft_margin_loss", "multi_margin_loss", "soft_margin_loss",
           "triplet_margin_loss", "triplet_margin_with_distance_loss", "pairwise_distance",
           "pdist", "cosine_similarity", "ctc_loss", "one_hot", "normalize", "bilinear"]

_EPSILON = 1e-12


def _legacy(size_average, reduce, reduction):
    from .functional import _legacy_reduction
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    return reduction


def _checked(reduction):
    """reduction validated as PyTorch's enum lookup does."""
    from .functional import _reduction_enum
    return ("none", "mean", "sum")[_reduction_enum(reduction)]


def _apply(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _size_list(t):
    return "[" + ", ".join(str(s) for s in t.shape) + "]"


def _zeros(like):
    return torch.zeros((), dtype=like.dtype)


@_amp.fp32
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Pointwise KL divergence target * (log(target) - input), input given as log-probabilities
    (and target too when log_target=True)."""
    if size_average is not None or reduce is not None:
        reduction = _legacy(size_average, reduce, reduction)
    else:
        if reduction == "mean":
            warnings.warn(
                "reduction: 'mean' divides the total loss by both the batch size and the "
                "support size.'batchmean' divides only by the batch size, and aligns with the "
                "KL div math definition.'mean' will be changed to behave the same as "
                "'batchmean' in the next major release.", stacklevel=2)
        if reduction != "batchmean":
            reduction = _checked(reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        # xlogy(target, target): 0 where target is 0
        safe = torch.where(target == 0, torch.ones((), dtype=target.dtype), target)
        loss = safe * safe.log() - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.dim() != 0 else total
    return _apply(loss, reduction)


@_amp.fp32
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """exp(input) - target * input (log_input), or input - target * log(input + eps); full
    adds Stirling's term where target > 1."""
    reduction = _legacy(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        safe = torch.where(target > 1, target, torch.ones((), dtype=target.dtype))
        stirling = safe * safe.log() - safe + (safe * (2 * math.pi)).log() * 0.5
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _apply(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 * (log(var) + (input - target)^2 / var), var clamped at eps (its gradient unclamped,
    as PyTorch's); full adds 0.5 * log(2 pi)."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * torch.ones_like(input)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.size() != input.size():
        if tuple(input.size())[:-1] == tuple(var.size()):
            var = var.unsqueeze(-1)
        elif input.dim() == var.dim() and sum(
                y for x, y in zip(input.size(), var.size()) if x != y) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with torch.no_grad():
        var.clamp_(min=eps)
    loss = (var.log() + (input - target) ** 2 / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _apply(loss, reduction)


@_amp.fp32
def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1."""
    reduction = _checked(_legacy(size_average, reduce, reduction))
    targ_dim = target.dim()
    if targ_dim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if targ_dim == 1 and not (input1.dim() == 2 and input2.dim() == 2):
        raise RuntimeError("1D target tensor expects 2D input tensors, but found inputs with "
                           f"sizes {_size_list(input1)} and {_size_list(input2)}.")
    if targ_dim == 0 and not (input1.dim() == 1 and input2.dim() == 1):
        raise RuntimeError("0D target tensor expects 1D input tensors, but found inputs with "
                           f"sizes {_size_list(input1)} and {_size_list(input2)}.")
    prod_sum = (input1 * input2).sum(targ_dim)
    mag1 = (input1 * input1).sum(targ_dim) + _EPSILON
    mag2 = (input2 * input2).sum(targ_dim) + _EPSILON
    cos = prod_sum / (mag1 * mag2).sqrt()
    zeros = _zeros(cos)
    pos = torch.where(target == 1, 1 - cos, zeros)
    neg = torch.where(target == -1, (cos - margin).clamp(min=0), zeros)
    return _apply(pos + neg, reduction)


@_amp.fp32
def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """x where target is 1, max(0, margin - x) where it is -1."""
    reduction = _checked(_legacy(size_average, reduce, reduction))
    zeros = _zeros(input)
    margin_part = torch.where(target != 1, (margin - input).clamp(min=0), zeros)
    self_part = torch.where(target != -1, input, zeros)
    return _apply(margin_part + self_part, reduction)


@_amp.fp32
def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -target * (x1 - x2) + margin)."""
    reduction = _checked(_legacy(size_average, reduce, reduction))
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError("margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.size()}, input2: {input2.size()}, "
                           f"target: {target.size()} ")
    return _apply(_clamp_min(-target * (input1 - input2) + margin, 0), reduction)


def _clamp_min(t, low):
    """t.clamp(min=low) as PyTorch's C++ composites record it (ClampMinBackward0)."""
    return composite("ClampMinBackward0", lambda x: x.clamp(min=low), t)


@_amp.fp32
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-target * x))."""
    reduction = _checked(_legacy(size_average, reduce, reduction))
    return composite("SoftMarginLossBackward0",
                     lambda x: _apply((-x * target).exp().log1p(), reduction), input)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Mean over classes of the binary logistic loss of each class."""
    from .functional import logsigmoid
    reduction = _legacy(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return _apply(loss, reduction)


def _margin_shape(input, name):
    ndims = input.dim()
    if not ((ndims == 2 and input.shape[1] != 0) or (ndims == 1 and input.shape[0] != 0)
            or ndims == 0):
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {_size_list(input)}")
    if ndims <= 1:
        return 1, (1 if ndims == 0 else input.shape[0])
    return input.shape[0], input.shape[1]


def _check_long(target):
    if target.dtype != torch.int64:
        from .functional import _type_name
        raise RuntimeError(f"expected scalar type Long but found {_type_name(target)}")


@_amp.fp32
def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """sum over j != y of max(0, margin - x[y] + x[j])^p (times weight[y]) / C per sample."""
    reduction = _checked(_legacy(size_average, reduce, reduction))
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    nframe, dim = _margin_shape(input, "multi_margin_loss")
    if not (target.dim() <= 1 and target.numel() == nframe):
        shape = "[" + ", ".join(str(s) for s in input.shape) + "]"
        raise RuntimeError("multi_margin_loss: target tensor should be 1-D with size equal to "
                           "the number of input samples (batch size). Expected target size "
                           f"[{nframe}], but got {_size_list(target)}. Input has shape {shape}.")
    if weight is not None and not (weight.dim() <= 1 and weight.numel() == dim):
        raise RuntimeError(f"inconsistent weight size, expected {dim} but got "
                           f"{_size_list(weight)}")
    _check_long(target)
    labels = target.reshape(-1)
    if labels.numel() and bool(((labels < 0) | (labels >= dim)).any()):
        raise RuntimeError("target out of range")
    others = labels.reshape(nframe, 1) != torch.arange(dim).reshape(1, dim)

    def fn(input):
        x = input.reshape(nframe, dim)
        picked = x.gather(1, labels.reshape(nframe, 1))  # (nframe, 1): x[i, y_i]
        z = (margin - picked + x).clamp(min=0)
        if p == 2:
            z = z * z
        if weight is not None:
            z = z * weight[labels].reshape(nframe, 1)
        loss = (z * others.to(z.dtype)).sum(1) / dim  # (nframe,)
        if reduction == "none":
            return loss.reshape(target.shape) if input.dim() <= 1 else loss
        return _apply(loss, reduction)
    return composite("MultiMarginLossBackward0", fn, input)


@_amp.fp32
def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """sum over target classes j and non-target classes k of max(0, 1 - (x[j] - x[k])) / C;
    each row of target lists class indices up to the first -1."""
    reduction = _checked(_legacy(size_average, reduce, reduction))
    nframe, dim = _margin_shape(input, "multilabel_margin_loss")
    ndims = input.dim()
    ok = (target.dim() <= 1 and target.numel() == dim) if ndims <= 1 else (
        target.dim() == 2 and target.shape[0] == nframe and target.shape[1] == dim)
    if not ok:
        raise RuntimeError(f"inconsistent target size: {_size_list(target)} for input of "
                           f"size: {_size_list(input)}")
    _check_long(target)
    rows = target.reshape(nframe, dim).tolist()
    valid = []
    for row in rows:
        keep = []
        for t in row:
            if t < -1 or t >= dim:
                raise RuntimeError("argument #2 'target' is out of range")
            if t == -1:
                break
            keep.append(True)
        valid.append(keep + [False] * (dim - len(keep)))
    valid = torch.tensor(valid, dtype=torch.bool)  # (nframe, dim): row slot holds a target
    safe = torch.where(valid, target.reshape(nframe, dim), torch.zeros((), dtype=torch.int64))
    is_target = torch.zeros((nframe, dim), dtype=input.dtype).index_put(
        (torch.arange(nframe).reshape(nframe, 1).expand(nframe, dim), safe),
        valid.to(input.dtype), accumulate=True) > 0  # (nframe, dim)
    pair = valid.unsqueeze(2) & (~is_target).unsqueeze(1)

    def fn(input):
        x = input.reshape(nframe, dim)
        xt = x.gather(1, safe)  # (nframe, dim): x at each listed target
        z = (1 - (xt.unsqueeze(2) - x.unsqueeze(1))).clamp(min=0)  # (nframe, slot, class)
        loss = (z * pair.to(z.dtype)).sum((1, 2)) / dim
        if reduction == "none":
            return loss.reshape(()) if ndims <= 1 else loss
        return _apply(loss, reduction)
    return composite("MultilabelMarginLossBackward0", fn, input)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dimension."""
    output_dim = max(x1.dim(), x2.dim())
    diff = x1 - x2 + eps
    if output_dim == 0:
        diff = diff.reshape(1)
        return composite("NormBackward1", lambda d: d.norm(p, 0, keepdim=False), diff)
    return composite("NormBackward1", lambda d: d.norm(p, output_dim - 1, keepdim=keepdim),
                     diff)


def pdist(input, p=2):
    """The p-norm distance between each pair of rows i < j of a 2-D input, in row-major order."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if not p >= 0:
        raise RuntimeError("pdist only supports non-negative p values")
    n = input.shape[0]
    first = [i for i in range(n) for _ in range(i + 1, n)]
    second = [j for i in range(n) for j in range(i + 1, n)]
    if not first:
        return torch.empty(0, dtype=input.dtype)
    first = torch.tensor(first, dtype=torch.int64)
    second = torch.tensor(second, dtype=torch.int64)

    def fn(x):
        diff = x.index_select(0, first) - x.index_select(0, second)
        if p == 0:
            return (diff != 0).to(x.dtype).sum(1)
        return _safe_norm(diff, p)
    return composite("PdistBackward0", fn, input)


def _safe_norm(diff, p):
    """||row||_p of each row of diff, with a zero gradient for all-zero rows (as PyTorch's
    pdist backward gives)."""
    zero_row = (diff == 0).all(1, keepdim=True) if hasattr(diff, "all") else None
    if zero_row is None or not bool(zero_row.any()):
        return diff.norm(p, 1)
    ones = torch.ones((), dtype=diff.dtype)
    safe = torch.where(zero_row, ones, diff)
    return torch.where(zero_row.squeeze(1), diff.sum(1) * 0, safe.norm(p, 1))


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)) along dim (after broadcasting)."""
    dtype = torch.result_type(x1, x2)
    if not dtype.is_floating_point:
        from .functional import _TYPE_NAMES
        raise RuntimeError("expected common dtype to be floating point, yet common dtype is "
                           f"{_TYPE_NAMES[str(dtype).rsplit('.', 1)[-1]]}")
    shape = torch.broadcast_shapes(x1.shape, x2.shape)
    a = x1.to(dtype).expand(*shape)
    b = x2.to(dtype).expand(*shape)
    na = a.norm(2, dim, keepdim=True)
    nb = b.norm(2, dim, keepdim=True)
    # clamped at eps with the gradient of the unclamped norm, as PyTorch's in-place clamp
    na = na + (na.clamp(min=eps) - na).detach()
    nb = nb + (nb.clamp(min=eps) - nb).detach()
    return ((a / na) * (b / nb)).sum(dim)


@_amp.fp32
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(d(a, p) - d(a, n) + margin, 0) with d the pairwise p-norm distance."""
    reduction = _checked(_legacy(size_average, reduce, reduction))
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = torch.minimum(dist_neg, pairwise_distance(positive, negative, p, eps))
    return _apply(_clamp_min(margin + dist_pos - dist_neg, 0), reduction)


def _check_triplet_dims(anchor, positive, negative):
    a, p, n = anchor.dim(), positive.dim(), negative.dim()
    if not (a == p and p == n):
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {a}D, positive "
                           f"{p}D, and negative {n}D inputs")


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """triplet_margin_loss with any distance function (pairwise_distance by default)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    if distance_function is None:
        distance_function = pairwise_distance
    dist_pos = distance_function(anchor, positive)
    dist_neg = distance_function(anchor, negative)
    if swap:
        dist_neg = torch.minimum(dist_neg, distance_function(positive, negative))
    return _apply(_clamp_min(margin + dist_pos - dist_neg, 0), reduction)


def one_hot(tensor, num_classes=-1):
    """(..., num_classes) int64 tensor with a one at each index."""
    if tensor.dtype != torch.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel() == 0:
        if num_classes == -1:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
    else:
        if bool((tensor < 0).any()):
            raise RuntimeError("Class values must be non-negative.")
        top = int(tensor.max().item())
        if num_classes == -1:
            num_classes = top + 1
        elif top >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    return (tensor.unsqueeze(-1) == torch.arange(num_classes)).long()


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p over dim, eps); written into out when given."""
    denom = input.norm(p, dim, keepdim=True).clamp(min=eps).expand_as(input)
    if out is None:
        return input / denom
    with torch.no_grad():
        return out.copy_(input / denom)


@_amp.fp32
def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """Connectionist Temporal Classification loss (see _functional_ctc)."""
    from ._functional_ctc import ctc_loss as impl
    return impl(log_probs, targets, input_lengths, target_lengths, blank, reduction,
                zero_infinity)


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = sum_ij input1[..., i] weight[o, i, j] input2[..., j] + bias[o]."""
    from .modules.linear_more import bilinear as impl
    return impl(input1, input2, weight, bias)
