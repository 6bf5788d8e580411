"""Functional attention: scaled_dot_product_attention and multi_head_attention_forward.

Both are compositions of existing differentiable Tensor operations (matmul, softmax, where,
dropout, cat, view/transpose), following the order of PyTorch's reference ("math") path so that
values agree to float rounding and dropout draws from the same random stream.
nn.functional re-exports them.
"""
import math
import warnings


import pytorchlite as torch
from ..amp import _policy as _amp

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _is_bool(t):
    return str(t.dtype) == "torch.bool"


def _is_float(t):
    return t.is_floating_point()


_C_TYPE_NAMES = {"torch.float32": "float", "torch.float64": "double", "torch.int64": "long int",
                 "torch.int32": "int", "torch.bool": "bool", "torch.float16": "c10::Half",
                 "torch.bfloat16": "c10::BFloat16"}


def _c_name(t):
    """The C++ type name PyTorch's messages print for a tensor's dtype."""
    return _C_TYPE_NAMES.get(str(t.dtype), str(t.dtype))


def _causal_keep(L, S):
    """Bool (L, S) tensor, True on and below the diagonal."""
    import numpy as np  # on first use: `import pytorchlite.nn` stays NumPy-free
    return torch.tensor(np.tril(np.ones((L, S), dtype=bool)))


def _bool_to_additive(mask, dtype):
    """True = take part -> 0.0, False -> -inf."""
    zeros = torch.zeros(tuple(mask.shape), dtype=dtype)
    return zeros.masked_fill(mask.logical_not(), float("-inf"))


_SAFE_SOFTMAX = 2  # the `which` of _C._softmax_rows


def _safe_softmax(x):
    """softmax over the last dim; rows that are entirely -inf give zeros instead of NaN.

    One C pass each way (PyTorch's _safe_softmax, grad_fn SafeSoftmaxBackward0).
    """
    return torch._C._softmax_rows(x, _SAFE_SOFTMAX)


def _repeat_heads(t, r):
    """repeat_interleave(r, dim=-3): each head repeated r times in place."""
    shape = tuple(t.shape)
    wide = t.unsqueeze(-3).expand(*shape[:-2], r, *shape[-2:])
    return wide.reshape(*shape[:-3], shape[-3] * r, *shape[-2:])


@_amp.lower
def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(q k^T * scale + mask) v over the last two dims.

    ``attn_mask``: bool (True = take part) or float (added to the scores), broadcast to
    (..., L, S). ``scale`` defaults to 1/sqrt(E). As PyTorch's reference path, q and k are each
    multiplied by sqrt(scale) before the product; dropout is applied to the weights.
    """
    import numpy as np  # on first use: `import pytorchlite.nn` stays NumPy-free
    if attn_mask is not None and is_causal:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                           "set when is_causal=True")
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got "
            f"query.dim: {query.dim()} key.dim: {key.dim()} and value.dim: {value.dim()} "
            "instead.")
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_c_name(query)} key.dtype: {_c_name(key)} and value.dtype: {_c_name(value)} "
            "instead.")
    if attn_mask is not None and not (_is_bool(attn_mask) or _is_float(attn_mask)
                                      or attn_mask.dtype == query.dtype):
        raise RuntimeError(
            "Expected attn_mask dtype to be bool or float or to match query dtype, but got "
            f"attn_mask.dtype: {_c_name(attn_mask)} and  query.dtype: {_c_name(query)} "
            "instead.")
    if query.shape[-1] != key.shape[-1] and tuple(query.shape[:-2]) == tuple(key.shape[:-2]):
        batch = int(np.prod(query.shape[:-2]))
        raise RuntimeError(
            "Expected size for first two dimensions of batch2 tensor to be: "
            f"[{batch}, {query.shape[-1]}] but got: [{batch}, {key.shape[-1]}].")
    L, S, E = query.shape[-2], key.shape[-2], query.shape[-1]
    scale_factor = 1.0 / math.sqrt(E) if scale is None else scale
    root = math.sqrt(abs(scale_factor))
    q = query * (-root if scale_factor < 0 else root)
    mask = attn_mask
    if is_causal:
        mask = _bool_to_additive(_causal_keep(L, S), query.dtype)
    elif mask is not None and _is_bool(mask):
        mask = _bool_to_additive(mask, query.dtype)
    k, v = key, value
    if enable_gqa and query.dim() >= 3:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hq % hk or hq % hv:
            # PyTorch's message, cut short as it prints it
            raise RuntimeError("Number of heads in key and value must divide the number of "
                               "heads in ")
        if hk != hq:
            k = _repeat_heads(k, hq // hk)
        if hv != hq:
            v = _repeat_heads(v, hq // hv)
    attn = torch.matmul(q, k.transpose(-2, -1) * root)
    if mask is not None:
        attn = attn + mask
    attn = _safe_softmax(attn)
    if dropout_p > 0.0:
        attn = torch.nn.functional.dropout(attn, dropout_p, True)
    return torch.matmul(attn, v)


# ------------------------------------------------------------------ multi-head attention
def _none_or_dtype(t):
    if t is None:
        return None
    if isinstance(t, torch.Tensor):
        return t.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """Bool masks (True = masked out) become float masks of 0.0 / -inf in target_type."""
    if mask is None:
        return None
    is_float = _is_float(mask)
    if not _is_bool(mask) and not is_float:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. "
                      "Use same type for both instead.", stacklevel=2)
    if not is_float:
        return torch.zeros(tuple(mask.shape), dtype=target_type).masked_fill(
            mask, float("-inf"))
    return mask


def _pad_last(t, value=0.0):
    """Append one column of ``value`` along the last dimension (F.pad(t, (0, 1)))."""
    col = torch.full(tuple(t.shape[:-1]) + (1,), value, dtype=t.dtype)
    return torch.cat([t, col], dim=-1)


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    if query.dim() == 3:
        if not (key.dim() == 3 and value.dim() == 3):
            raise AssertionError(
                "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D "
                f"but found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError(
                "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                f"found {attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if not (key.dim() == 2 and value.dim() == 2):
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D "
                f"but found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError(
                    "For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                    f"but found {attn_mask.dim()}-D tensor instead")
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                         f"{attn_mask.shape}")
        return False
    raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.dim()}-D query tensor")


def _check_static(t, name, rows, head_dim):
    if t.shape[0] != rows:
        raise AssertionError(f"expecting {name}.size(0) of {rows}, but got {t.shape[0]}")
    if t.shape[2] != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got {t.shape[2]}")


def _in_projection(q, k, v, w_q, w_k, w_v, b_q, b_k, b_v):
    F = torch.nn.functional
    return F.linear(q, w_q, b_q), F.linear(k, w_k, b_k), F.linear(v, w_v, b_v)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """PyTorch's multi_head_attention_forward, sequence-first: (L, N, E) or unbatched (L, E).

    Bool masks mean True = masked out. Returns (output, weights or None).
    """
    F = torch.nn.functional
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       _none_or_dtype(attn_mask), "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer "
            "module method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                                 f"value's {value.shape[:2]}")
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")

    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        w_q, w_k, w_v = in_proj_weight.chunk(3)
    else:
        for w, n in ((q_proj_weight, "q"), (k_proj_weight, "k"), (v_proj_weight, "v")):
            if w is None:
                raise AssertionError(
                    f"use_separate_proj_weight is True but {n}_proj_weight is None")
        w_q, w_k, w_v = q_proj_weight, k_proj_weight, v_proj_weight
    b_q = b_k = b_v = None
    if in_proj_bias is not None:
        b_q, b_k, b_v = in_proj_bias.chunk(3)
    q, k, v = _in_projection(query, key, value, w_q, w_k, w_v, b_q, b_k, b_v)

    if attn_mask is not None:
        if attn_mask.dim() == 2:
            want = (tgt_len, src_len)
            if tuple(attn_mask.shape) != want:
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {want}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            want = (bsz * num_heads, tgt_len, src_len)
            if tuple(attn_mask.shape) != want:
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                                   f"should be {want}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = torch.cat([k, bias_k.repeat(1, bsz, 1)])
        v = torch.cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")

    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    if static_k is None:
        k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    else:
        _check_static(static_k, "static_k", bsz * num_heads, head_dim)
        k = static_k
    if static_v is None:
        v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    else:
        _check_static(static_v, "static_v", bsz * num_heads, head_dim)
        v = static_v

    if add_zero_attn:
        zero_shape = (bsz * num_heads, 1, head_dim)
        k = torch.cat([k, torch.zeros(zero_shape, dtype=k.dtype)], dim=1)
        v = torch.cat([v, torch.zeros(zero_shape, dtype=v.dtype)], dim=1)
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)

    src_len = k.shape[1]
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        key_padding_mask = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(
            -1, num_heads, -1, -1).reshape(bsz * num_heads, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask

    if not training:
        dropout_p = 0.0

    if need_weights:
        E = q.shape[-1]
        q_scaled = q * math.sqrt(1.0 / float(E))
        if is_causal and attn_mask is None:
            raise AssertionError("FIXME: is_causal not implemented for need_weights")
        scores = torch.bmm(q_scaled, k.transpose(-2, -1))
        if attn_mask is not None:
            scores = attn_mask + scores
        weights = F.softmax(scores, dim=-1)
        if dropout_p > 0.0:
            weights = F.dropout(weights, p=dropout_p)
        out = torch.bmm(weights, v)
        out = out.transpose(0, 1).contiguous().reshape(tgt_len * bsz, embed_dim)
        out = F.linear(out, out_proj_weight, out_proj_bias)
        out = out.reshape(tgt_len, bsz, out.shape[1])
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights

    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, num_heads, -1, src_len)
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).contiguous().reshape(bsz * tgt_len, embed_dim)
    out = F.linear(out, out_proj_weight, out_proj_bias)
    out = out.reshape(tgt_len, bsz, out.shape[1])
    if not is_batched:
        out = out.squeeze(1)
    return out, None
