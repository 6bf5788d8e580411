"""Functional forms of the sequence-model layers: embedding, layer_norm, rms_norm.

All three are compositions of existing Tensor operations (index_select, mean, var, rsqrt,
where), so autograd needs nothing extra for them. nn.functional re-exports them.
"""

import math

import pytorchlite as torch

__all__ = ["embedding", "embedding_bag", "layer_norm", "rms_norm"]

_INDEX_DTYPES = ("torch.int64", "torch.int32")


def _renorm_rows_(weight, flat_index, max_norm, norm_type):
    """Rescale, in place and without grad, each looked-up row whose norm exceeds max_norm.

    As PyTorch's embedding_renorm_: scale = max_norm / (norm + 1e-7) for those rows only.
    """
    rows = sorted(set(flat_index.tolist()))
    if not rows:
        return
    with torch.no_grad():
        idx = torch.tensor(rows, dtype=torch.int64)
        picked = weight.index_select(0, idx)
        norms = picked.norm(p=norm_type, dim=1, keepdim=True)
        scale = torch.where(norms > max_norm, max_norm / (norms + 1e-7), torch.ones_like(norms))
        weight[idx] = picked * scale


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` looked up by the integer tensor ``input``: shape input.shape + (dim,).

    The row at ``padding_idx`` gets no gradient; with ``max_norm`` the looked-up rows are
    renormalised in place first; with ``scale_grad_by_freq`` each row's gradient is divided by
    how often its index occurs in ``input``.

    Note:
        ``sparse=True`` (sparse gradients) is not supported and raises NotImplementedError.
    """
    if str(input.dtype) not in _INDEX_DTYPES:
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {input.type()} instead (while checking arguments for "
            "embedding)")
    if sparse:
        raise NotImplementedError("pytorchlite does not support sparse gradients: "
                                  "embedding(sparse=True) is not implemented")
    num = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < num, "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -num, "Padding_idx must be within num_embeddings"
            padding_idx = num + padding_idx
    flat = input.reshape(-1)
    if str(flat.dtype) != "torch.int64":
        flat = flat.long()
    if max_norm is not None:
        _renorm_rows_(weight, flat, max_norm, norm_type)
    out = weight.index_select(0, flat)
    if weight.requires_grad and torch.is_grad_enabled():
        if padding_idx is not None:
            keep = (flat != padding_idx).unsqueeze(1)
            out = torch.where(keep, out, out.detach())
        if scale_grad_by_freq:
            counts = {}
            for i in flat.tolist():
                counts[i] = counts.get(i, 0) + 1
            scale = torch.tensor([1.0 / counts[i] for i in flat.tolist()],
                                 dtype=out.dtype).unsqueeze(1)
            fixed = out.detach()
            out = fixed + (out - fixed) * scale
    return out.reshape(*input.shape, weight.shape[1])


def _norm_dims(input, normalized_shape, name):
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(int(s) for s in normalized_shape)
    k = len(normalized_shape)
    shape = tuple(input.shape)
    if k == 0 or len(shape) < k or shape[len(shape) - k:] != normalized_shape:
        raise RuntimeError(
            f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
            f"[*, {', '.join(str(s) for s in normalized_shape)}], but got input of size"
            f"{list(shape)}")
    return normalized_shape, tuple(range(-k, 0))


def _check_affine(t, normalized_shape, what):
    if t is not None and tuple(t.shape) != normalized_shape:
        raise RuntimeError(f"Expected {what} to be of same shape as normalized_shape, but got "
                           f"{what} of shape {list(t.shape)} and normalized_shape = "
                           f"{list(normalized_shape)}")


# layer_norm runs one fused C kernel each way (_C._layer_norm, grad_fn NativeLayerNormBackward0
# as PyTorch's). False: the plain composition of Tensor ops below, the reference the fused
# kernel is tested against.
_FUSED_LAYER_NORM = True


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """(x - mean) / sqrt(var + eps) * weight + bias over the trailing ``normalized_shape`` dims.

    The variance is the biased one (divided by N), as PyTorch's.
    """
    normalized_shape, dims = _norm_dims(input, normalized_shape, "layer_norm")
    _check_affine(weight, normalized_shape, "weight")
    _check_affine(bias, normalized_shape, "bias")
    if (_FUSED_LAYER_NORM and input.is_floating_point()
            and all(t is None or t.dtype == input.dtype for t in (weight, bias))):
        return torch._C._layer_norm(input, math.prod(normalized_shape), weight, bias,
                                    float(eps))
    mean = input.mean(dims, keepdim=True)
    var = input.var(dims, correction=0, keepdim=True)
    out = (input - mean) * torch.rsqrt(var + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) * weight over the trailing ``normalized_shape`` dims.

    ``eps=None`` uses the machine epsilon of the input's dtype, as PyTorch.
    """
    import numpy as np  # on first use: `import pytorchlite.nn` stays NumPy-free
    normalized_shape, dims = _norm_dims(input, normalized_shape, "rms_norm")
    _check_affine(weight, normalized_shape, "weight")
    if eps is None:
        eps = float(np.finfo(np.float64 if str(input.dtype) == "torch.float64"
                             else np.float32).eps)
    out = input * torch.rsqrt((input * input).mean(dims, keepdim=True) + eps)
    if weight is not None:
        out = out * weight
    return out


def _bag_bounds(input, offsets, include_last_offset):
    """(flat int64 indices, list of (start, end) per bag) for embedding_bag's input forms."""
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found "
                             f"offsets of type {type(offsets)}")
        bags, width = input.shape
        bounds = [(b * width, (b + 1) * width) for b in range(bags)]
        return input.reshape(-1), bounds
    if input.dim() != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.dim()}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.dim() != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    starts = [int(v) for v in offsets.tolist()]
    n = input.shape[0]
    if starts and starts[0] != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
                           f"has to start from position 0. However, got {starts[0]}")
    if starts and starts[-1] > n:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but got "
                           f"offsets[-1] of {starts[-1]}")
    if any(a > b for a, b in zip(starts, starts[1:])):
        raise RuntimeError("offsets must be non-decreasing")
    ends = starts[1:] if include_last_offset else starts[1:] + [n]
    return input, list(zip(starts, ends))


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode="mean", sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    """Sums, means or maxima of bags of embedding rows, one output row per bag.

    Entries equal to ``padding_idx`` are left out of their bag (and of its count for "mean");
    an empty bag gives zeros.

    Note:
        ``sparse=True`` is not supported and raises NotImplementedError.
    """
    import numpy as np  # on first use: `import pytorchlite.nn` stays NumPy-free
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(
                "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                "on GitHub.")
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(
                f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not "
                f"None, then it must have the same shape as the input ({input.shape})")
    if sparse:
        raise NotImplementedError("pytorchlite does not support sparse gradients: "
                                  "embedding_bag(sparse=True) is not implemented")
    if str(input.dtype) not in _INDEX_DTYPES:
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {input.type()} instead (while checking arguments for "
            "embedding_bag)")
    num = weight.shape[0]
    if padding_idx is not None and padding_idx < 0:
        padding_idx += num
    flat, bounds = _bag_bounds(input, offsets, include_last_offset)
    values = [int(v) for v in flat.tolist()]
    for i, v in enumerate(values):
        if not 0 <= v < num:
            raise RuntimeError(f"Index {i} of input takes value {v} which is not in the valid "
                               f"range [0, {num})")
    if max_norm is not None:  # weight's looked-up rows, in place and outside the graph
        _renorm_rows_(weight, flat.long(), max_norm, norm_type)

    def bags(weight, *psw):
        rows = embedding(flat, weight, None, None, norm_type, scale_grad_by_freq)  # (N, D)
        return _bag_reduce(rows, values, bounds, mode, padding_idx, weight, psw)

    # one node as PyTorch's: edges to weight and per_sample_weights
    extra = () if per_sample_weights is None else (per_sample_weights,)
    from .._named_op import composite

    return composite("EmbeddingBagBackward0", bags, weight, *extra)


def _bag_reduce(rows, values, bounds, mode, padding_idx, weight, psw):
    """Each bag's max, or its sum or mean through a (bags, N) membership matrix."""
    import numpy as np

    dim = weight.shape[1]
    if mode == "max":
        out = []
        for start, end in bounds:
            keep = [j for j in range(start, end) if values[j] != padding_idx]
            if keep:
                picked = rows.index_select(0, torch.tensor(keep, dtype=torch.int64))
                out.append(picked.max(0)[0] if len(keep) > 1 else picked[0])
            else:
                out.append(torch.zeros(dim, dtype=weight.dtype))
        return torch.stack(out, 0) if out else torch.zeros((0, dim), dtype=weight.dtype)
    member = np.zeros((len(bounds), len(values)), dtype=np.float64)  # (bags, N)
    for b, (start, end) in enumerate(bounds):
        keep = [j for j in range(start, end) if values[j] != padding_idx]
        if keep:
            member[b, keep] = 1.0 / len(keep) if mode == "mean" else 1.0
    mix = torch.tensor(member, dtype=weight.dtype)
    if psw:
        mix = mix * psw[0].reshape(1, -1)
    return mix.matmul(rows)
