"""nn.functional for vision layers beyond conv/pool: adaptive max pooling, max unpooling,
power-average pooling, group / instance / local response normalisation, 3-D and alpha dropout,
pixel (un)shuffle and fold / unfold (col2im / im2col).

Everything here is a composition of differentiable Tensor operations (index_select, slices,
stack, pad, max, reshape, permute, ...), so autograd needs nothing extra; the one exception
is max_unpool, an autograd.Function whose backward gathers the gradient as PyTorch's does.
Window and position tables are built with NumPy (imported on first use) once per call.
"""
import math
import warnings

import pytorchlite as torch
from ._functional_conv import _tuple, avg_pool1d, avg_pool2d, batch_norm, max_pool1d, max_pool2d
from ._functional_conv import _check_p, _feature_dropout, pad
from ._functional_seq import layer_norm
from ..amp import _policy as _amp

__all__ = [
    "adaptive_max_pool1d", "adaptive_max_pool2d", "max_unpool1d", "max_unpool2d", "lp_pool1d",
    "lp_pool2d", "group_norm", "instance_norm", "local_response_norm", "dropout3d",
    "alpha_dropout", "feature_alpha_dropout", "pixel_shuffle", "pixel_unshuffle",
    "channel_shuffle", "fold", "unfold",
]


class _LazyNumPy:
    """NumPy, imported on first use: `import pytorchlite.nn` stays NumPy-free."""

    def __getattr__(self, name):
        import numpy
        return getattr(numpy, name)


np = _LazyNumPy()


def _pair(value):
    return _tuple(value, 2)


def _check_tensor(value, op, name="input", position=1):
    """PyTorch's TypeError for a non-Tensor argument of a native op."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, not "
                        f"{type(value).__name__}")


def _int_tuple(value, n, op, name, position):
    """PyTorch's parsing of an int-list argument of a native op: an int or n ints, else its
    TypeError."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * n
    if not isinstance(value, (list, tuple, torch.Size)):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be tuple of ints, "
                        f"not {type(value).__name__}")
    for i, v in enumerate(value):
        if not isinstance(v, int) or isinstance(v, bool):
            raise TypeError(f"{op}(): argument '{name}' (position {position}) must be tuple of "
                            f"ints, but found element of type {type(v).__name__} at pos {i}")
    if len(value) != n:
        raise RuntimeError(f"It is expected {name} equals to {n}, but got size {len(value)}")
    return tuple(value)


def _fresh(out, input):
    """out, or a copy of it where it is a view of input's memory (PyTorch's op returns a
    new tensor even where the rearrangement is the identity)."""
    return out.clone() if out.data_ptr() == input.data_ptr() and input.numel() else out


def _long(array):
    """An int64 tensor from a NumPy array of indices."""
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.int64))


# ------------------------------------------------------------------------ adaptive max pool
def _adaptive_windows(n_in, n_out):
    """(n_out, k) source indices of PyTorch's adaptive windows [floor(i*in/out),
    ceil((i+1)*in/out)); shorter windows repeat their first index (which leaves the max and
    the first-max position unchanged)."""
    i = np.arange(n_out, dtype=np.int64)
    starts = (i * n_in) // n_out
    ends = -((-(i + 1) * n_in) // n_out)
    k = int((ends - starts).max())
    table = starts[:, None] + np.arange(k, dtype=np.int64)[None, :]
    return np.where(table < ends[:, None], table, starts[:, None])


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over PyTorch's adaptive windows to an (H_out, W_out) output; with return_indices
    also the flat position of each maximum in its (H * W) plane.

    Note:
        Composed from index_select and max, so the grad_fn is MaxBackward0 (PyTorch's is
        AdaptiveMaxPool2DBackward0); values, indices and gradients are PyTorch's.
    """
    if not isinstance(input, torch.Tensor):
        raise AttributeError(f"'{type(input).__name__}' object has no attribute 'size'")
    if isinstance(output_size, (list, tuple)):  # None entries keep the input's size
        if input.dim() <= len(output_size):
            raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
        sizes = input.shape[-len(output_size):] if output_size else ()
        output_size = tuple(d if v is None else v for v, d in zip(output_size, sizes))
        if len(output_size) != 2:
            raise RuntimeError("adaptive_max_pool2d(): internal error: output_size.size() must "
                               "be 2")
    size = _int_tuple(output_size, 2, "adaptive_max_pool2d", "output_size", 2)
    if input.dim() not in (3, 4):
        raise RuntimeError(f"adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: "
                           f"{list(input.shape)}")
    for d in range(1, input.dim()):
        if input.shape[d] == 0:
            raise RuntimeError(f"adaptive_max_pool2d(): Expected input to have non-zero size for "
                               f"non-batch dimensions, but input has sizes {list(input.shape)} "
                               f"with dimension {d} being empty")
    if not input.dtype.is_floating_point:
        from .._math_ops import _dt_name

        raise NotImplementedError(f'"adaptive_max_pool2d" not implemented for '
                                  f"'{_dt_name(input.dtype)}'")
    h_in, w_in = input.shape[-2], input.shape[-1]
    oh, ow = size
    lead = tuple(input.shape[:-2])
    torch.empty(lead + (oh, ow), dtype=input.dtype)  # PyTorch's errors for sizes it cannot hold
    if oh == 0 or ow == 0:
        shape = lead + (oh, ow)
        out = torch.empty(shape, dtype=input.dtype) + input.sum() * 0
        return (out, torch.empty(shape, dtype=torch.int64)) if return_indices else out
    th, tw = _adaptive_windows(h_in, oh), _adaptive_windows(w_in, ow)
    kh, kw = th.shape[1], tw.shape[1]
    x = input.index_select(-2, _long(th.reshape(-1))).index_select(-1, _long(tw.reshape(-1)))
    x = x.reshape(lead + (oh, kh, ow, kw))
    nd = len(lead)
    x = x.permute(tuple(range(nd)) + (nd, nd + 2, nd + 1, nd + 3)).reshape(lead + (oh, ow, kh * kw))
    values, arg = x.max(-1)
    if not return_indices:
        return values
    flat = th[:, None, :, None] * w_in + tw[None, :, None, :]  # (oh, ow, kh, kw)
    table = _long(flat.reshape(oh, ow, kh * kw)).expand(lead + (oh, ow, kh * kw))
    return values, table.gather(-1, arg.unsqueeze(-1)).squeeze(-1)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Adaptive max pooling over (N, C, L) or (C, L) input."""
    _check_tensor(input, "adaptive_max_pool1d")
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor "
                           "for argument #1 'self' (while checking arguments for "
                           "adaptive_max_pool1d)")
    (size,) = _int_tuple(output_size, 1, "adaptive_max_pool1d", "output_size", 2)
    out = adaptive_max_pool2d(input.unsqueeze(-2), (1, size), return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


# ------------------------------------------------------------------------------ max unpool
def _unpool_output_size(input, kernel_size, stride, padding, output_size):
    n = len(kernel_size)
    default = [(input.shape[-n + d] - 1) * stride[d] + kernel_size[d] - 2 * padding[d]
               for d in range(n)]
    if output_size is None:
        ret = default
    else:
        if len(output_size) == n + 2:
            output_size = output_size[2:]
        if len(output_size) != n:
            raise ValueError(f"output_size should be a sequence containing {n} or {n + 2} "
                             f"elements, but it has a length of '{len(output_size)}'")
        for d in range(n):
            lo, hi = default[d] - stride[d], default[d] + stride[d]
            if not lo < output_size[d] < hi:
                raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between '
                                 f'{lo} and {hi})')
        ret = list(output_size)
    for d in range(n):
        if ret[d] < 0:
            raise ValueError("max_unpooling: output_size must contain non-negative spatial "
                             f"dimensions, but got output_size[{d}]={ret[d]}")
    return ret


class MaxUnpool2D(torch.autograd.Function):
    """Writes each value to its flat index in a zero (H_out * W_out) plane; the gradient of
    each input is the output gradient read back at its index (PyTorch's rule, which also
    holds where two windows share a maximum)."""

    @staticmethod
    def forward(ctx, input, indices, out_h, out_w):
        # input, indices: (P, L) with P = N * C planes; result (P, out_h * out_w)
        ctx.save_for_backward(indices)
        p, length = input.shape
        plane = out_h * out_w
        idx = indices.numpy()
        if idx.size and (idx.min() < 0 or idx.max() >= plane):
            bad = idx[(idx < 0) | (idx >= plane)].flat[0]
            raise RuntimeError(f"Found an invalid max index: {int(bad)} (output volumes are of "
                               f"size {out_h}x{out_w})")
        source = np.full((p, plane), p * length, dtype=np.int64)
        rows = np.repeat(np.arange(p, dtype=np.int64), length)
        source[rows, idx.reshape(-1)] = np.arange(p * length, dtype=np.int64)
        values = torch.cat([input.reshape(-1), torch.zeros(1, dtype=input.dtype)])
        return values.index_select(0, _long(source.reshape(-1))).reshape(p, plane)

    @staticmethod
    def backward(ctx, grad):
        (indices,) = ctx.saved_tensors
        return grad.gather(1, indices), None, None, None


@_amp.fp32
def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool2d: puts each value at its index, zeros elsewhere.

    Note:
        The grad_fn is MaxUnpool2DBackward (PyTorch's is MaxUnpool2DBackward0).
    """
    kernel_size = _pair(kernel_size)
    stride = _pair(stride) if stride is not None else kernel_size
    padding = _pair(padding)
    out_hw = _unpool_output_size(input, kernel_size, stride, padding, output_size)
    if input.dim() not in (3, 4):
        raise RuntimeError(f"Input to max_unpooling2d should be a 3d or 4d Tensor, but got a "
                           f"tensor with {input.dim()} dimensions.")
    if indices.dtype != torch.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {indices.dtype}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: "
                           f"{list(indices.shape)}")
    lead = tuple(input.shape[:-2])
    torch.empty(lead + tuple(out_hw), dtype=input.dtype)  # PyTorch's errors for huge sizes
    planes = math.prod(lead)
    length = input.shape[-1] * input.shape[-2]
    out = MaxUnpool2D.apply(input.reshape(planes, length), indices.reshape(planes, length),
                            out_hw[0], out_hw[1])
    return out.reshape(lead + tuple(out_hw))


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool1d over (N, C, L) or (C, L) input."""
    kernel_size = _tuple(kernel_size, 1)
    stride = _tuple(stride, 1) if stride is not None else kernel_size
    padding = _tuple(padding, 1)
    (length,) = _unpool_output_size(input, kernel_size, stride, padding, output_size)
    out = max_unpool2d(input.unsqueeze(-1), indices.unsqueeze(-1), (kernel_size[0], 1),
                       (stride[0], 1), (padding[0], 0), (length, 1))
    return out.squeeze(-1)


# ------------------------------------------------------------------------------- lp pool
def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling: (sum over each window of x ** p) ** (1 / p)."""
    kw, kh = _pair(kernel_size)
    if isinstance(norm_type, (int, float)):
        if norm_type == float("inf"):
            return max_pool2d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        if norm_type == -float("inf"):
            return -max_pool2d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (torch.sign(out) * torch.relu(torch.abs(out))).mul(kw * kh).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over (N, C, L) or (C, L) input."""
    if isinstance(norm_type, (int, float)):
        if norm_type == float("inf"):
            return max_pool1d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        if norm_type == -float("inf"):
            return -max_pool1d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (torch.sign(out) * torch.relu(torch.abs(out))).mul(kernel_size).pow(1.0 / norm_type)


# ------------------------------------------------------------------------- normalisation
def _normalise_rows(x, eps):
    """(x - mean) / sqrt(biased var + eps) along the last dim: the fused layer_norm kernel
    (one pass forward, one backward) when there is something to normalise."""
    if x.numel() == 0 or not x.is_floating_point():
        mean = x.mean(-1, keepdim=True)
        return (x - mean) * (x.var(-1, correction=0, keepdim=True) + eps).rsqrt()
    return layer_norm(x, (x.shape[-1],), eps=eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalises each group of num_groups channels over the group's channels and all
    spatial positions (biased variance), then applies the per-channel affine.

    Note:
        Composed from Tensor operations, so the grad_fn is the last of those (PyTorch's is
        NativeGroupNormBackward0).
    """
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.dim()}")
    n, c = input.shape[0], input.shape[1]
    if num_groups == 0:
        raise ZeroDivisionError("integer division or modulo by zero")
    if num_groups < 0 or c % num_groups != 0:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {list(input.shape)} and num_groups="
                           f"{num_groups}")
    size = [n * c // num_groups, num_groups] + list(input.shape[2:])
    if math.prod(size[:1] + size[2:]) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{size}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape {list(t.shape)} and "
                               f"input of shape {list(input.shape)}")
    out = _normalise_rows(input.reshape(n, num_groups, -1), eps).reshape(input.shape)
    shape = [1, c] + [1] * (input.dim() - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalises each (sample, channel) plane over its spatial positions: batch_norm on the
    input seen as one sample of N * C channels, as PyTorch computes it; running statistics
    (when given) are updated with the mean over the batch of the per-sample updates."""
    if use_input_stats:
        if math.prod(input.shape[2:]) == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input "
                             f"size {input.shape}")
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    b, c = input.shape[0], input.shape[1]
    if not use_input_stats:
        reshaped = input.reshape((1, b * c) + tuple(input.shape[2:]))
        rep = lambda t: None if t is None else t.repeat(b)  # noqa: E731
        out = batch_norm(reshaped, rep(running_mean), rep(running_var), rep(weight), rep(bias),
                         False, momentum, eps)
        return out.view(input.shape)
    rows = input.reshape(b, c, -1)  # (N, C, L): one row per instance
    out = _normalise_rows(rows, eps)
    if weight is not None:
        out = out * weight.reshape(1, c, 1)
    if bias is not None:
        out = out + bias.reshape(1, c, 1)
    if running_mean is not None or running_var is not None:
        # PyTorch updates one copy of the statistics per sample, then averages the copies
        with torch.no_grad():
            count = rows.shape[-1]
            if running_mean is not None:
                mean = rows.mean(-1)
                new = momentum * mean + (1 - momentum) * running_mean.repeat(b).view(b, c)
                running_mean.copy_(new.mean(0))
            if running_var is not None:
                var = rows.var(-1, correction=0) * (count / (count - 1))
                new = momentum * var + (1 - momentum) * running_var.repeat(b).view(b, c)
                running_var.copy_(new.mean(0))
    return out.view(input.shape)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Divides each element by (k + alpha * mean of squares over `size` neighbouring
    channels) ** beta."""
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input "
                         f"(got {dim} dimensions)")
    if input.numel() == 0:
        return input
    div = input.mul(input)
    if dim == 3:
        div = pad(div.unsqueeze(1), (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = input.shape
        div = div.reshape(sizes[0], 1, sizes[1], -1)
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1).reshape(sizes)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div


# ------------------------------------------------------------------------------- dropout
def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability p."""
    _check_p(p)
    inp_dim = input.dim()
    if inp_dim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {inp_dim}-D input to dropout3d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead. Note that dropout3d "
                      "exists to provide channel-wise dropout on inputs with 3 spatial dimensions, "
                      "a channel dimension, and an optional batch dimension (i.e. 4D or 5D inputs).",
                      stacklevel=2)
    if inp_dim == 5:
        return _feature_dropout(input, p, training, inplace)
    # unbatched: one draw per channel of the (1, C, ...) view; in place writes through the view
    result = _feature_dropout(input.unsqueeze(0), p, training, inplace)
    return input if inplace else result.squeeze(0)


_SELU_ALPHA_SCALE = 1.7580993408473766  # SELU's alpha * scale


def _alpha_dropout(input, p, training, inplace, feature):
    """PyTorch's alpha dropout: noise = bernoulli_(1 - p) (one draw per element, or per
    (N, C) map for the feature variant), a = 1 / sqrt((alpha^2 p + 1)(1 - p)),
    b = (noise - 1) * alpha * a + alpha * a * p, result input * (noise * a) + b."""
    _check_p(p)
    _check_tensor(input, "feature_alpha_dropout" if feature else "alpha_dropout")
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        zero = torch.zeros((), dtype=input.dtype)
        return input.mul_(zero) if inplace else input * zero
    if feature:
        if input.dim() < 2:
            raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
        noise = torch.empty(list(input.shape[:2]) + [1] * (input.dim() - 2), dtype=input.dtype)
    else:
        from .functional import _empty_like_stride_order
        noise = _empty_like_stride_order(input)
    noise.bernoulli_(1 - p)
    a = 1.0 / math.sqrt((_SELU_ALPHA_SCALE ** 2 * p + 1) * (1 - p))
    b = noise.add(-1).mul_(_SELU_ALPHA_SCALE * a).add_(_SELU_ALPHA_SCALE * a * p)
    noise.mul_(a)
    return input.mul_(noise).add_(b) if inplace else (input * noise).add_(b)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps SELU's self-normalising mean and variance (PyTorch's stream)."""
    return _alpha_dropout(input, p, training, inplace, False)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels (one draw per (N, C) feature map)."""
    return _alpha_dropout(input, p, training, inplace, True)


# ------------------------------------------------------------------------- pixel shuffle
def _check_factor(factor, name, op):
    if not isinstance(factor, int) or isinstance(factor, bool):
        raise TypeError(f"{op}(): argument '{name}' (position 2) must be int, not "
                        f"{type(factor).__name__}")
    if factor <= 0:
        raise RuntimeError(f"{op} expects a positive {name}, but got {factor}")


def pixel_shuffle(input, upscale_factor):
    """(*, C * r^2, H, W) -> (*, C, H * r, W * r)."""
    _check_tensor(input, "pixel_shuffle")
    _check_factor(upscale_factor, "upscale_factor", "pixel_shuffle")
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {input.dim()} dimension(s)")
    r = upscale_factor
    c, h, w = input.shape[-3:]
    if c % (r * r) != 0:
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible "
                           f"by the square of upscale_factor, but input.size(-3)={c} is not "
                           f"divisible by {r * r}")
    lead = tuple(input.shape[:-3])
    nd = len(lead)
    x = input.reshape(lead + (c // (r * r), r, r, h, w))
    x = x.permute(tuple(range(nd)) + (nd, nd + 3, nd + 1, nd + 4, nd + 2))
    return _fresh(x.reshape(lead + (c // (r * r), h * r, w * r)), input)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H * r, W * r) -> (*, C * r^2, H, W)."""
    _check_tensor(input, "pixel_unshuffle")
    _check_factor(downscale_factor, "downscale_factor", "pixel_unshuffle")
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got "
                           f"input with {input.dim()} dimension(s)")
    r = downscale_factor
    c, h, w = input.shape[-3:]
    if h % r != 0:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, "
                           f"but input.size(-2)={h} is not divisible by {r}")
    if w % r != 0:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, "
                           f"but input.size(-1)={w} is not divisible by {r}")
    lead = tuple(input.shape[:-3])
    nd = len(lead)
    x = input.reshape(lead + (c, h // r, r, w // r, r))
    x = x.permute(tuple(range(nd)) + (nd, nd + 2, nd + 4, nd + 1, nd + 3))
    return _fresh(x.reshape(lead + (c * r * r, h // r, w // r)), input)


def channel_shuffle(input, groups):
    """(N, g * k, *) -> the channels regrouped as (k, g): channel j * g + i of the result is
    channel i * k + j of the input."""
    _check_tensor(input, "channel_shuffle")
    if not isinstance(groups, int) or isinstance(groups, bool):
        raise TypeError(f"channel_shuffle(): argument 'groups' (position 2) must be int, not "
                        f"{type(groups).__name__}")
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    n, c = input.shape[0], input.shape[1]
    if c % groups != 0:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")
    rest = tuple(input.shape[2:])
    x = input.reshape((n, groups, c // groups) + rest).transpose(1, 2)
    return _fresh(x.reshape(input.shape), input)


# ---------------------------------------------------------------------------- fold/unfold
def _block_counts(hw, kernel, dilation, padding, stride):
    """The number of sliding blocks along each of the two dims."""
    return tuple((hw[d] + 2 * padding[d] - (dilation[d] * (kernel[d] - 1) + 1)) // stride[d] + 1
                 for d in range(2))


def _dilate(x, dim, step):
    """x with step - 1 zeros between neighbours along dim: length (n - 1) * step + 1."""
    if step == 1:
        return x
    n = x.shape[dim]
    zeros = torch.zeros_like(x)
    woven = torch.stack([x] + [zeros] * (step - 1), dim + 1)
    shape = list(x.shape)
    shape[dim] = n * step
    return woven.reshape(shape).narrow(dim, 0, (n - 1) * step + 1)


def _kernel_offsets(kernel, dilation):
    """(row, col) offsets of the kernel taps in im2col's order (rows outer)."""
    return [(i * dilation[0], j * dilation[1]) for i in range(kernel[0]) for j in range(kernel[1])]


def _check_fold_args(kernel, dilation, padding, stride):
    for name, v, low in (("kernel", kernel, 1), ("dilation", dilation, 1),
                         ("padding", padding, 0), ("stride", stride, 1)):
        if v[0] < low or v[1] < low:
            what = "non-negative" if low == 0 else "greater than zero"
            raise RuntimeError(f"{name} should be {what}, but got {name}_height: {v[0]} "
                               f"{name}_width: {v[1]}")


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """im2col: (N, C, H, W) -> (N, C * kH * kW, L), each column one sliding block.

    Note:
        A stack of strided slices of the padded input, so the grad_fn is a view's
        (PyTorch's is Im2ColBackward0); values and gradients are PyTorch's.
    """
    _check_tensor(input, "im2col")
    kernel, dilation, padding, stride = (
        _int_tuple(v, 2, "im2col", name, i + 2) for i, (name, v) in enumerate(
            (("kernel_size", kernel_size), ("dilation", dilation), ("padding", padding),
             ("stride", stride))))
    if input.dim() < 3:
        d = input.dim()
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(d, 1)}, "
                         f"{max(d, 1) - 1}], but got {d})")
    if input.dim() != 3 and input.dim() != 4 or any(s == 0 for s in input.shape[1:]):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and "
                           f"other non-zero dimensions for input, but got: {list(input.shape)}")
    _check_fold_args(kernel, dilation, padding, stride)
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)
    n, c, h, w = x.shape
    bh, bw = _block_counts((h, w), kernel, dilation, padding, stride)
    if bh < 1 or bw < 1:
        raise RuntimeError(f"Given input with spatial size ({h}, {w}), kernel_size=({kernel[0]}, "
                           f"{kernel[1]}), dilation=({dilation[0]}, {dilation[1]}), padding="
                           f"({padding[0]}, {padding[1]}), calculated shape of the array of "
                           f"sliding blocks as ({bh}, {bw}), but its components must be at "
                           f"least one.")
    torch.empty((n, c * kernel[0] * kernel[1], bh * bw), dtype=x.dtype)  # huge sizes fail here
    xp = pad(x, (padding[1], padding[1], padding[0], padding[0])) if any(padding) else x
    blocks = [xp[:, :, i:i + stride[0] * (bh - 1) + 1:stride[0],
                 j:j + stride[1] * (bw - 1) + 1:stride[1]]
              for i, j in _kernel_offsets(kernel, dilation)]  # each (N, C, bh, bw)
    cols = torch.stack(blocks, 2).reshape(n, c * kernel[0] * kernel[1], bh * bw)
    return cols if batched else cols.squeeze(0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im: sums the columns of (N, C * kH * kW, L) back into (N, C, H, W).

    Note:
        A sum of the columns padded into place, so the grad_fn differs from PyTorch's
        Col2ImBackward0; values and gradients are PyTorch's.
    """
    _check_tensor(input, "col2im")
    out_hw, kernel, dilation, padding, stride = (
        _int_tuple(v, 2, "col2im", name, i + 2) for i, (name, v) in enumerate(
            (("output_size", output_size), ("kernel_size", kernel_size), ("dilation", dilation),
             ("padding", padding), ("stride", stride))))
    if input.dim() not in (2, 3) or any(s == 0 for s in input.shape[-2:]):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch "
                           "size and non-zero dimensions for input, but got: "
                           f"{list(input.shape)}")
    _check_fold_args(kernel, dilation, padding, stride)
    batched = input.dim() == 3
    x = input if batched else input.unsqueeze(0)
    n, ckk, length = x.shape
    kk = kernel[0] * kernel[1]
    if ckk % kk != 0:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={ckk} and kernel_size="
                           f"({kernel[0]}, {kernel[1]}).")
    bh, bw = _block_counts(out_hw, kernel, dilation, padding, stride)
    if bh < 1 or bw < 1:
        raise RuntimeError(f"Given output_size=({out_hw[0]}, {out_hw[1]}), kernel_size="
                           f"({kernel[0]}, {kernel[1]}), dilation=({dilation[0]}, {dilation[1]}), "
                           f"padding=({padding[0]}, {padding[1]}), calculated shape of the array "
                           f"of sliding blocks as ({bh}, {bw}), but its components must be at "
                           f"least one.")
    if length != bh * bw:
        raise RuntimeError(f"Given output_size=({out_hw[0]}, {out_hw[1]}), kernel_size="
                           f"({kernel[0]}, {kernel[1]}), dilation=({dilation[0]}, {dilation[1]}), "
                           f"padding=({padding[0]}, {padding[1]}), stride=({stride[0]}, "
                           f"{stride[1]}), expected size of input's dimension 2 to match the "
                           f"calculated number of sliding blocks {bh} * {bw} = {bh * bw}, but got "
                           f"input.size(2)={length}.")
    c = ckk // kk
    hp, wp = out_hw[0] + 2 * padding[0], out_hw[1] + 2 * padding[1]
    torch.empty((n, c, hp, wp), dtype=x.dtype)  # PyTorch's errors for sizes it cannot hold
    cols = x.reshape(n, c, kk, bh, bw)
    out = None
    for k, (i, j) in enumerate(_kernel_offsets(kernel, dilation)):
        block = _dilate(_dilate(cols[:, :, k], 2, stride[0]), 3, stride[1])
        h_used, w_used = block.shape[2], block.shape[3]
        placed = pad(block, (j, wp - j - w_used, i, hp - i - h_used))  # (N, C, Hp, Wp)
        out = placed if out is None else out + placed
    if any(padding):
        out = out[:, :, padding[0]:padding[0] + out_hw[0], padding[1]:padding[1] + out_hw[1]]
    out = _fresh(out, input)
    return out if batched else out.squeeze(0)
