"""Functional forms of the sequence-model layers: embedding, layer_norm, rms_norm.

All three are compositions of existing Tensor operations (index_select, mean, var, rsqrt,
where), so autograd needs nothing extra for them. nn.functional re-exports them.
"""
import numpy as np

import pytorchlite as torch

__all__ = ["embedding", "layer_norm", "rms_norm"]

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


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """(x - mean) / sqrt(var + eps) * weight + bias over the trailing ``normalized_shape`` dims.

    The variance is the biased one (divided by N), as PyTorch's.
    """
    normalized_shape, dims = _norm_dims(input, normalized_shape, "layer_norm")
    _check_affine(weight, normalized_shape, "weight")
    _check_affine(bias, normalized_shape, "bias")
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
    normalized_shape, dims = _norm_dims(input, normalized_shape, "rms_norm")
    _check_affine(weight, normalized_shape, "weight")
    if eps is None:
        eps = float(np.finfo(np.float64 if str(input.dtype) == "torch.float64"
                             else np.float32).eps)
    out = input * torch.rsqrt((input * input).mean(dims, keepdim=True) + eps)
    if weight is not None:
        out = out * weight
    return out
