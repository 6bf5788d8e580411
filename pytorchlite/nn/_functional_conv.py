"""nn.functional for convolutional networks: conv1d/2d/3d, conv_transpose1d/2d/3d, pooling, pad,
batch_norm and channel dropout.

Convolution and pooling run in the C core (_C._conv for 1-D and 2-D, _C._conv_nd for 3-D and
the transposed convolutions, _C._max_pool2d, _C._avg_pool2d, _C._adaptive_avg_pool2d), which
records PyTorch's grad_fn nodes; 1-D pooling is the 2-D
kernel on a unit-height view, as PyTorch does it. pad and batch_norm are compositions of
Tensor operations, so autograd needs nothing extra for them.
"""
import warnings

import pytorchlite as torch
from pytorchlite._named_op import composite
from ..amp import _policy as _amp

__all__ = [
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "pad", "batch_norm", "dropout1d", "dropout2d",
]


def _tuple(value, n, name="argument"):
    """An int, or a sequence of one or n ints, as a tuple of n ints."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * n
    value = tuple(value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values "
                           f"to match the convolution dimensions, but got {name}={list(value)}")
    return value


# ----------------------------------------------------------------------------- convolution
def _check_weight_dims(weight, stride):
    """PyTorch checks the expanded stride against the weight's spatial dims first."""
    k = weight.dim() - 2
    if k != len(stride):
        raise RuntimeError(f"expected stride to be a single integer value or a list of {k} values "
                           f"to match the convolution dimensions, but got stride={list(stride)}")


def _conv(input, weight, bias, stride, padding, dilation, groups, nsp):
    stride = _tuple(stride, nsp, "stride")
    dilation = _tuple(dilation, nsp, "dilation")
    if nsp == 3:
        _check_weight_dims(weight, stride)
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * nsp
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            kernel = weight.shape[2:]
            total = [d * (k - 1) for d, k in zip(dilation, kernel)]
            left = [t // 2 for t in total]
            extra = [t - 2 * l for t, l in zip(total, left)]
            if any(extra):
                warnings.warn("Using padding='same' with even kernel lengths and odd dilation may "
                              "require a zero-padded copy of the input be created", stacklevel=3)
                # PyTorch pads the far side by the odd element first, then convolves
                # with the symmetric part
                pads = []
                for e in reversed(extra):
                    pads += [0, e]
                input = pad(input, pads)
            padding = tuple(left)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        padding = _tuple(padding, nsp, "padding")
    if nsp == 3:
        return torch._C._conv_nd(input, weight, bias, stride, padding, dilation, False,
                                 (0,) * nsp, groups, nsp)
    if _integer_conv(input, weight, bias):
        return _int_conv(input, weight, bias, stride, padding, dilation, groups, nsp)
    return torch._C._conv(input, weight, bias, stride, padding, dilation, groups, nsp)


def _integer_conv(input, weight, bias):
    # PyTorch convolves integer tensors (of one dtype) too, wrapping as the dtype does
    if not isinstance(input, torch.Tensor) or not isinstance(weight, torch.Tensor):
        return False
    dt = input.dtype
    return (not dt.is_floating_point and dt is not torch.bool and weight.dtype is dt
            and (bias is None or (isinstance(bias, torch.Tensor) and bias.dtype is dt)))


def _int_conv(input, weight, bias, stride, padding, dilation, groups, nsp):
    """conv1d/conv2d of integer tensors, exact: int64 sums (which wrap into the dtype as
    PyTorch's sums in the dtype do), one tap of the kernel at a time."""
    import numpy as np

    # the float64 convolution of the same shapes gives PyTorch's checks and the output shape
    probe = torch._C._conv(input.double(), weight.double(),
                           None if bias is None else bias.double(), stride, padding, dilation,
                           groups, nsp)
    if any(d != 1 for d in dilation) and input.dtype is not torch.int64:
        from .._math_ops import _dt_name  # PyTorch's dilated kernel: int64 the only integer

        raise NotImplementedError(f'"slow_conv_dilated<>" not implemented for '
                                  f"'{_dt_name(input.dtype)}'")
    x, w = input.long().numpy(), weight.long().numpy()
    unbatched = x.ndim == nsp + 1
    x = x[None] if unbatched else x
    if nsp == 1:  # as a 2-D convolution of height 1
        x, w = x[:, :, None, :], w[:, :, None, :]
        stride, padding, dilation = (1,) + stride, (0,) + padding, (1,) + dilation
    (s0, s1), (p0, p1), (d0, d1) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (p0, p0), (p1, p1)))
    n, o, cg, kh, kw = x.shape[0], w.shape[0], w.shape[1], w.shape[2], w.shape[3]
    oh = (xp.shape[2] - d0 * (kh - 1) - 1) // s0 + 1
    ow = (xp.shape[3] - d1 * (kw - 1) - 1) // s1 + 1
    out = np.zeros((n, o, oh, ow), dtype=np.int64)
    og = o // groups
    for g in range(groups):
        xs, ws = xp[:, g * cg:(g + 1) * cg], w[g * og:(g + 1) * og]
        for a in range(kh):
            for b in range(kw):
                patch = xs[:, :, a * d0:a * d0 + s0 * (oh - 1) + 1:s0,
                           b * d1:b * d1 + s1 * (ow - 1) + 1:s1]
                out[:, g * og:(g + 1) * og] += np.einsum("nchw,oc->nohw", patch, ws[:, :, a, b])
    if bias is not None:
        out += bias.long().numpy()[None, :, None, None]
    out = out[:, :, 0, :] if nsp == 1 else out
    out = out[0] if unbatched else out
    r = torch._C.from_numpy(np.ascontiguousarray(out)).to(input.dtype)
    return r.reshape(tuple(probe.shape))


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution over (N, C, L) or unbatched (C, L) input; weight (O, C/groups, k).

    padding is an int, a 1-tuple, 'valid' or 'same'.
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution over (N, C, H, W) or unbatched (C, H, W) input; weight (O, C/groups,
    kH, kW).

    padding is an int, a pair, 'valid' or 'same'.
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution over (N, C, D, H, W) or unbatched (C, D, H, W) input; weight
    (O, C/groups, kD, kH, kW).

    padding is an int, a triple, 'valid' or 'same'.

    Note:
        Floating dtypes only: integer input raises NotImplementedError (PyTorch computes it).
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3)


def _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, nsp):
    if isinstance(padding, str):
        raise TypeError(f"conv_transpose{nsp}d(): argument 'padding' must be tuple of ints, not str")
    stride = _tuple(stride, nsp, "stride")
    _check_weight_dims(weight, stride)
    padding = _tuple(padding, nsp, "padding")
    output_padding = _tuple(output_padding, nsp, "output_padding")
    dilation = _tuple(dilation, nsp, "dilation")
    if nsp < 3 and _integer_conv(input, weight, bias) and input.dtype is torch.int64:
        return _int64_conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                                     dilation, nsp)
    return torch._C._conv_nd(input, weight, bias, stride, padding, dilation, True, output_padding,
                             groups, nsp)


def _int64_conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation,
                          nsp):
    """conv_transpose1d/2d of int64 tensors, exact (wrapping int64 sums), one tap at a time."""
    import numpy as np

    # the float64 one of the same shapes gives PyTorch's checks and the output shape
    probe = torch._C._conv_nd(input.double(), weight.double(),
                              None if bias is None else bias.double(), stride, padding, dilation,
                              True, output_padding, groups, nsp)
    x, w = input.numpy(), weight.numpy()
    unbatched = x.ndim == nsp + 1
    x = x[None] if unbatched else x
    if nsp == 1:  # as a 2-D one of height 1
        x, w = x[:, :, None, :], w[:, :, None, :]
        stride, padding, dilation = (1,) + stride, (0,) + padding, (1,) + dilation
    oh, ow = (probe.shape[-2], probe.shape[-1]) if nsp == 2 else (1, probe.shape[-1])
    (s0, s1), (p0, p1), (d0, d1) = stride, padding, dilation
    n, c, h, wd = x.shape
    cg, og, kh, kw = c // groups, w.shape[1], w.shape[2], w.shape[3]
    full_h = max((h - 1) * s0 + d0 * (kh - 1) + 1, p0 + oh)
    full_w = max((wd - 1) * s1 + d1 * (kw - 1) + 1, p1 + ow)
    buf = np.zeros((n, og * groups, full_h, full_w), dtype=np.int64)
    for g in range(groups):
        xs, ws = x[:, g * cg:(g + 1) * cg], w[g * cg:(g + 1) * cg]
        for a in range(kh):
            for b in range(kw):
                buf[:, g * og:(g + 1) * og, a * d0:a * d0 + s0 * (h - 1) + 1:s0,
                    b * d1:b * d1 + s1 * (wd - 1) + 1:s1] += np.einsum("nchw,co->nohw", xs,
                                                                       ws[:, :, a, b])
    out = buf[:, :, p0:p0 + oh, p1:p1 + ow]
    if bias is not None:
        out = out + bias.numpy()[None, :, None, None]
    out = out[0] if unbatched else out
    return torch._C.from_numpy(np.ascontiguousarray(out)).reshape(tuple(probe.shape))


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution ("deconvolution", the input gradient of conv1d) over
    (N, C_in, L) or (C_in, L) input; weight (C_in, C_out/groups, k).

    The output length is (L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1.

    Note:
        Floating dtypes only: integer input raises NotImplementedError (PyTorch computes it).
    """
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution over (N, C_in, H, W) or (C_in, H, W) input; weight
    (C_in, C_out/groups, kH, kW).

    Each output size is (in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1.

    Note:
        Floating dtypes only: integer input raises NotImplementedError (PyTorch computes it).
    """
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 2)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3-D transposed convolution over (N, C_in, D, H, W) or (C_in, D, H, W) input; weight
    (C_in, C_out/groups, kD, kH, kW).

    Each output size is (in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1.

    Note:
        Floating dtypes only: integer input raises NotImplementedError (PyTorch computes it).
    """
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 3)


# --------------------------------------------------------------------------------- pooling
def _check_1d(input, op):
    if input.dim() not in (2, 3):
        raise RuntimeError(f"{op}() Expected 2D or 3D input, but got {input.dim()}D input")


def _stride_or_kernel(stride, kernel_size):
    return kernel_size if stride is None or (not isinstance(stride, int) and len(stride) == 0) else stride


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling; with return_indices also the flat argmax in each (H * W) plane."""
    stride = _stride_or_kernel(stride, kernel_size)
    return torch._C._max_pool2d(input, kernel_size, stride, padding, dilation, bool(ceil_mode),
                                bool(return_indices))


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling over (N, C, L) or (C, L) input."""
    _check_1d(input, "max_pool1d")
    if not return_indices and not input.dtype.is_floating_point:
        # PyTorch's max_pool1d kernel (the one without indices) is floating only
        from .._math_ops import _dt_name

        raise NotImplementedError(f'"max_pool1d_impl" not implemented for '
                                  f"'{_dt_name(input.dtype)}'")
    stride = _stride_or_kernel(stride, kernel_size)
    one = lambda v: (1, _tuple(v, 1)[0])  # noqa: E731
    out = torch._C._max_pool2d(input.unsqueeze(-2), one(kernel_size), one(stride),
                               (0, _tuple(padding, 1)[0]), one(dilation), bool(ceil_mode),
                               bool(return_indices))
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-D average pooling (int64 too, as PyTorch: window sums divided with truncation)."""
    stride = _stride_or_kernel(stride, kernel_size)
    if isinstance(input, torch.Tensor) and input.dtype is torch.int64:
        return _int64_avg_pool2d(input, kernel_size, stride, padding, bool(ceil_mode),
                                 bool(count_include_pad), divisor_override)
    return torch._C._avg_pool2d(input, kernel_size, stride, padding, bool(ceil_mode),
                                bool(count_include_pad), divisor_override)


def _int64_avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                      divisor_override):
    import numpy as np

    # the float64 pooling of the same shape gives PyTorch's checks and the output shape
    probe = torch._C._avg_pool2d(input.double(), kernel_size, stride, padding, ceil_mode,
                                 count_include_pad, divisor_override)
    (k0, k1), (s0, s1), (p0, p1) = (_tuple(kernel_size, 2), _tuple(stride, 2),
                                    _tuple(padding, 2))
    x = input.numpy()
    h, w = x.shape[-2], x.shape[-1]
    oh, ow = probe.shape[-2], probe.shape[-1]
    out = np.zeros(x.shape[:-2] + (oh, ow), dtype=np.int64)
    for i in range(oh):  # PyTorch's window bounds: clipped to the padded input, then the input
        h0, h1 = i * s0 - p0, min(i * s0 - p0 + k0, h + p0)
        for j in range(ow):
            w0, w1 = j * s1 - p1, min(j * s1 - p1 + k1, w + p1)
            size = (h1 - h0) * (w1 - w0)
            a0, a1, b0, b1 = max(h0, 0), min(h1, h), max(w0, 0), min(w1, w)
            total = x[..., a0:a1, b0:b1].sum(axis=(-2, -1))
            div = divisor_override or (size if count_include_pad else (a1 - a0) * (b1 - b0))
            out[..., i, j] = np.sign(total) * (np.abs(total) // div)  # C's truncation
    return torch._C.from_numpy(np.ascontiguousarray(out)).reshape(tuple(probe.shape))


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-D average pooling over (N, C, L) or (C, L) input."""
    _check_1d(input, "avg_pool1d")
    stride = _stride_or_kernel(stride, kernel_size)
    k, s, p = _tuple(kernel_size, 1)[0], _tuple(stride, 1)[0], _tuple(padding, 1)[0]
    out = avg_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), bool(ceil_mode),
                     bool(count_include_pad), None)
    return out.squeeze(-2)


def adaptive_avg_pool2d(input, output_size):
    """Average over PyTorch's adaptive windows [floor(i*in/out), ceil((i+1)*in/out)).

    output_size is an int or a pair whose entries may be None (keep that input size). A 1x1
    output is a mean over the last two dims, as PyTorch computes it (grad_fn MeanBackward1).
    """
    if input.dim() not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(input.shape)}")
    size = _tuple(output_size, 2, "output_size") if output_size is not None else (None, None)
    size = tuple(input.shape[-2 + i] if s is None else s for i, s in enumerate(size))
    if size == (1, 1) and input.numel() > 0:
        return input.mean((-1, -2), keepdim=True)
    return torch._C._adaptive_avg_pool2d(input, size)


def adaptive_avg_pool1d(input, output_size):
    """Adaptive average pooling over (N, C, L) or (C, L) input."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"adaptive_avg_pool1d(): Expected 2D or 3D tensor, but got {list(input.shape)}")
    (size,) = _tuple(output_size, 1, "output_size")
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, size)).squeeze(-2)


# ------------------------------------------------------------------------------------ pad
def _pad_index(n, before, after, mode):
    """Source indices along one dim of size n for a non-constant padding mode."""
    out = []
    for i in range(-before, n + after):
        if mode == "replicate":
            j = min(max(i, 0), n - 1)
        elif mode == "circular":
            j = i % n
        else:  # reflect
            period = 2 * (n - 1)
            j = i % period if period else 0
            j = period - j if j >= n else j
        out.append(j)
    return out


def pad(input, pad, mode="constant", value=None):
    """Pads the last len(pad) // 2 dims: pad = (left_last, right_last, left_prev, ...).

    mode is 'constant' (value, default 0; negative pads crop), 'reflect', 'replicate' or
    'circular'.
    """
    pad = list(pad)
    if len(pad) % 2 != 0:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           "dimension but got padding length " f"{len(pad)} and input of "
                           f"dimension {input.dim()}")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode != "constant" and value not in (None, 0, 0.0):
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if mode != "constant" and (len(pad) > 6 or not 1 <= input.dim() - len(pad) // 2 <= 2):
        # a batch dim is optional, a channel dim is not: (C, W) or (N, C, W) for 2 pads ...
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.dim()}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    if mode in _AMP_FP32_PADS and len(pad) // 2 <= _AMP_FP32_PADS[mode] and _amp.on():
        # reflection_pad1d/2d and replication_pad1d/2d/3d are on autocast's float32 list
        return _amp.run(_amp.FP32, _pad_node, (input, pad, mode, value), {})
    return _pad_node(input, pad, mode, value)


def _pad_node(input, pad, mode, value):
    if mode == "circular":
        return _pad_circular(input, pad) if min(pad) >= 0 else _pad(input, pad, mode, value)
    # one node as PyTorch's: ConstantPadNdBackward0, ReflectionPad2DBackward0... (a new tensor
    # even when nothing is padded)
    name = "ConstantPadNdBackward0" if mode == "constant" else \
        f"{'Reflection' if mode == 'reflect' else 'Replication'}Pad{len(pad) // 2}DBackward0"
    return composite(name, lambda x: _pad(x, pad, mode, value).clone() if not any(pad) else
                     _pad(x, pad, mode, value), input, saves=False)


def _pad_circular(input, pad):
    """Circular padding composed as PyTorch's: the input copied into the middle of an empty
    result, then each padded dim's wrapped edges copied from the result itself (its grad_fn is
    CopySlices)."""
    k = len(pad) // 2
    dims = [input.dim() - 1 - i for i in range(k)]
    shape = list(input.shape)
    for i, d in enumerate(dims):
        before, after = pad[2 * i], pad[2 * i + 1]
        if before > shape[d] or after > shape[d]:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        shape[d] += before + after
    out = torch.empty(shape, dtype=input.dtype)
    middle = out
    for i, d in enumerate(dims):
        middle = middle.narrow(d, pad[2 * i], input.shape[d])
    middle.copy_(input)
    for i, d in enumerate(dims):
        before, after, n = pad[2 * i], pad[2 * i + 1], shape[d]
        if before:
            out.narrow(d, 0, before).copy_(out.narrow(d, n - after - before, before))
        if after:
            out.narrow(d, n - after, after).copy_(out.narrow(d, before, after))
    return out


def _pad(input, pad, mode, value):
    out = input
    for i in range(len(pad) // 2):
        dim = input.dim() - 1 - i
        before, after = pad[2 * i], pad[2 * i + 1]
        if before == 0 and after == 0:
            continue
        n = out.shape[dim]
        if mode == "constant":
            if before < 0:
                out, n, before = out.narrow(dim, -before, n + before), n + before, 0
            if after < 0:
                out, n, after = out.narrow(dim, 0, n + after), n + after, 0
            parts = []
            for width in (before, None, after):
                if width is None:
                    parts.append(out)
                elif width > 0:
                    shape = list(out.shape)
                    shape[dim] = width
                    parts.append(torch.full(shape, 0 if value is None else value, dtype=out.dtype))
            out = torch.cat(parts, dim) if len(parts) > 1 else out
            continue
        if mode == "reflect" and (before >= n or after >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({before}, {after}) at dimension "
                               f"{dim} of input {list(input.shape)}")
        if mode == "circular" and (before > n or after > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        out = out.index_select(dim, torch.tensor(_pad_index(n, before, after, mode)))
    return out


_AMP_FP32_PADS = {"reflect": 2, "replicate": 3}  # the pads autocast runs in float32, by dims


# ------------------------------------------------------------------------------ batch_norm
# float32 and float64 batch_norm runs one C kernel each way (_C._batch_norm, grad_fn
# NativeBatchNormBackward0 as PyTorch's), in ATen's order of operations. False: the plain
# composition of Tensor ops below (_batch_norm_composed), the reference the kernel is tested
# against; other dtypes always take it.
_FUSED_BATCH_NORM = True


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalises each channel (dim 1) over the other dims.

    Training uses the batch's mean and biased variance, and updates running_mean /
    running_var (when given) in place with momentum, the variance unbiased, as PyTorch.
    Otherwise the running statistics are used.

    Note:
        float32 and float64 input (with weight, bias and running statistics of its dtype)
        gives PyTorch's values and gradients bit for bit for contiguous and channels-last
        input; other input layouts are copied first and may differ from PyTorch in the last
        bit, as may a second backward (create_graph). Other dtypes are composed from Tensor
        operations (their grad_fn is the last of those).
    """
    if input.dim() < 2:
        raise ValueError(f"Expected 2D or higher input (got {input.dim()}D input)")
    count = input.numel() // max(input.shape[1], 1)
    if training and count == 1:
        raise ValueError("Expected more than 1 value per channel when training, got input "
                         f"size {input.shape}")
    if (_FUSED_BATCH_NORM and input.dtype in (torch.float32, torch.float64)
            and input.numel() > 0
            and all(t is None or t.dtype == input.dtype
                    for t in (weight, bias, running_mean, running_var))):
        return torch._C._batch_norm(input, weight, bias, running_mean, running_var,
                                    bool(training), float(momentum), float(eps))
    return _batch_norm_composed(input, running_mean, running_var, weight, bias, training,
                                momentum, eps)


def _batch_norm_composed(input, running_mean, running_var, weight, bias, training, momentum,
                         eps):
    """batch_norm composed from Tensor operations (the reference for the C kernel)."""
    dims = (0,) + tuple(range(2, input.dim()))
    shape = [1, input.shape[1]] + [1] * (input.dim() - 2)
    count = input.numel() // max(input.shape[1], 1)
    if training:
        mean = input.mean(dims)
        centered = input - mean.reshape(shape)
        var = (centered * centered).mean(dims)  # biased, two-pass as PyTorch's
        if running_mean is not None or running_var is not None:
            with torch.no_grad():
                if running_mean is not None:
                    running_mean.copy_(momentum * mean.detach() + (1 - momentum) * running_mean)
                if running_var is not None:
                    unbiased = var.detach() * (count / (count - 1))
                    running_var.copy_(momentum * unbiased + (1 - momentum) * running_var)
    else:
        mean, var = running_mean, running_var
    # as PyTorch's CPU kernel: a per-channel scale = weight / sqrt(var + eps), applied with one
    # multiply and one add (in evaluation the shift bias - mean * scale folds the mean in)
    scale = (var + eps).rsqrt()
    if weight is not None:
        scale = scale * weight
    if training:
        out = centered * scale.reshape(shape)
        return out if bias is None else out + bias.reshape(shape)
    shift = -mean * scale
    if bias is not None:
        shift = shift + bias
    return input * scale.reshape(shape) + shift.reshape(shape)


# -------------------------------------------------------------------------- channel dropout
def _feature_dropout(input, p, training, inplace):
    """PyTorch's feature_dropout: one draw per (N, C) feature map, bernoulli_(1 - p) on an
    (N, C, 1, ...) tensor, divided by 1 - p, multiplied in."""
    if p == 0 or not training or input.numel() == 0:
        return input
    shape = list(input.shape[:2]) + [1] * (input.dim() - 2)
    if p == 1:
        noise = torch.zeros(shape, dtype=input.dtype)
    else:
        noise = torch.empty(shape, dtype=input.dtype).bernoulli_(1 - p)
        noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of (N, C, H, W) input with probability p (PyTorch's stream)."""
    _check_p(p)
    inp_dim = input.dim()
    if inp_dim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {inp_dim}-D input to dropout2d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead. Note that dropout2d "
                      "exists to provide channel-wise dropout on inputs with 2 spatial dimensions, "
                      "a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
                      stacklevel=2)
    if inp_dim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. This behavior will change in a future release "
                      "to interpret the input as one without a batch dimension, i.e. shape "
                      "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch "
                      "to using dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of (N, C, L) or (C, L) input with probability p."""
    _check_p(p)
    inp_dim = input.dim()
    if inp_dim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {inp_dim}D input. "
                           "Note that dropout1d exists to provide channel-wise dropout on inputs "
                           "with 1 spatial dimension, a channel dimension, and an optional batch "
                           "dimension (i.e. 2D or 3D inputs).")
    if inp_dim == 3:
        return _feature_dropout(input, p, training, inplace)
    # unbatched: one draw per channel of the (1, C, L) view; in place writes through the view
    result = _feature_dropout(input.unsqueeze(0), p, training, inplace)
    return input if inplace else result.squeeze(0)
