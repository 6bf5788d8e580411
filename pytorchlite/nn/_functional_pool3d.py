"""3-D pooling (video and volume models): max_pool3d, avg_pool3d, adaptive_avg_pool3d and
adaptive_max_pool3d over (N, C, D, H, W) or (C, D, H, W) input, composed of core ops.

Each window's elements are gathered in PyTorch's scan order (depth, then rows, then columns),
so the maxima and their flat indices are PyTorch's (the first maximum of a window wins); the
averages add a window's elements one after another in the input's dtype and divide as PyTorch's kernels do (avg_pool3d once by its divisor, with
count_include_pad, ceil_mode and divisor_override; adaptive_avg_pool3d by each window extent in
turn), so they are PyTorch's bits. Each op is one node of PyTorch's name.
"""
import math

import pytorchlite as torch
from pytorchlite._named_op import composite

__all__ = ["max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d"]


def _triple(v, name):
    if isinstance(v, (list, tuple)):
        if len(v) == 1:
            return (int(v[0]),) * 3
        if len(v) != 3:
            raise RuntimeError(f"{name} must either be a single int, or a tuple of three ints")
        return tuple(int(x) for x in v)
    return (int(v),) * 3


def _check_input(name, input):
    if not isinstance(input, torch.Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if input.dim() not in (4, 5):
        raise RuntimeError(f"non-empty 4D or 5D (batch mode) tensor expected for input")


def _out_size(n, k, s, p, d, ceil_mode):
    span = n + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _gather(x, index):
    """x (B, D, H, W) at the (od, oh, ow, kd, kh, kw) windows of per-dim indices."""
    (di, hi, wi) = index
    d = di.reshape(-1, 1, 1, di.shape[1], 1, 1)
    h = hi.reshape(1, -1, 1, 1, hi.shape[1], 1)
    w = wi.reshape(1, 1, -1, 1, 1, wi.shape[1])
    return x[:, d, h, w]


def _windows(channels, sizes, k, s, p, d, ceil_mode):
    """Per dim: the window indices into the padded input (out, k), and the output size."""
    out = [_out_size(n, k_, s_, p_, d_, ceil_mode) for n, k_, s_, p_, d_ in zip(sizes, k, s, p, d)]
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, [channels] + sizes))}). "
                           f"Calculated output size: ({'x'.join(map(str, [channels] + out))}). "
                           "Output size is too small")
    idx = [torch.arange(o).unsqueeze(1) * s_ + torch.arange(k_).unsqueeze(0) * d_
           for o, k_, s_, d_ in zip(out, k, s, d)]
    return idx, out


def _padded(x, p, extra, value):
    """x (B, D, H, W) padded by p on both sides plus extra on the far side, with value."""
    pads = []
    for i in (2, 1, 0):
        pads += [p[i], p[i] + extra[i]]
    return torch.nn.functional.pad(x, pads, value=value)


def _flatten_batch(input):
    unbatched = input.dim() == 4
    x = input.unsqueeze(0) if unbatched else input
    return x, unbatched, x.shape[0], x.shape[1]


def _batched(fn, unbatched):
    """fn on (N, C, ...) input, applied to (C, ...) input as one batch (inside the node)."""
    if not unbatched:
        return fn

    def run(t):
        r = fn(t.unsqueeze(0))
        return tuple(v.squeeze(0) for v in r) if isinstance(r, tuple) else r.squeeze(0)

    return run


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    """Max over (kd, kh, kw) windows; with return_indices the flat D*H*W index of each max."""
    _check_input("max_pool3d", input)
    k = _triple(kernel_size, "max_pool3d: kernel_size")
    s = _triple(stride if stride not in (None, ()) else kernel_size, "max_pool3d: stride")
    p, d = _triple(padding, "max_pool3d: padding"), _triple(dilation, "max_pool3d: dilation")
    if any(pi > ki // 2 for pi, ki in zip(p, k)):
        raise RuntimeError("pad should be at most half of effective kernel size, but got pad="
                           f"{p[0]}, kernel_size={k[0]} and dilation={d[0]}")
    x, unbatched, n, c = _flatten_batch(input)
    sizes = list(x.shape[2:])
    idx, out = _windows(c, sizes, k, s, p, d, ceil_mode)
    extra = [max(0, int(i.max()) + 1 - (n_ + 2 * p_)) for i, n_, p_ in zip(idx, sizes, p)]
    # the flat index of every window element into the unpadded input
    coords = [i - p_ for i, p_ in zip(idx, p)]
    flat = ((coords[0].reshape(-1, 1, 1, k[0], 1, 1) * sizes[1]
             + coords[1].reshape(1, -1, 1, 1, k[1], 1)) * sizes[2]
            + coords[2].reshape(1, 1, -1, 1, 1, k[2])).reshape(*out, -1)

    def pool(t):
        b = t.reshape(n * c, *sizes)
        g = _gather(_padded(b, p, extra, -math.inf), idx).reshape(n * c, *out, -1)
        values, which = g.max(-1)
        return values.reshape(n, c, *out), which.reshape(n, c, *out)

    values, which = composite("MaxPool3DWithIndicesBackward0", _batched(pool, unbatched), input)
    if not return_indices:
        return values
    indices = flat.expand(*which.shape, flat.shape[-1]).gather(-1, which.unsqueeze(-1))
    return values, indices.squeeze(-1)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,  # noqa: A002
               count_include_pad=True, divisor_override=None):
    """Mean over (kd, kh, kw) windows, with PyTorch's divisors."""
    _check_input("avg_pool3d", input)
    k = _triple(kernel_size, "avg_pool3d: kernel_size")
    s = _triple(stride if stride not in (None, ()) else kernel_size, "avg_pool3d: stride")
    p = _triple(padding, "avg_pool3d: padding")
    if any(pi > ki // 2 for pi, ki in zip(p, k)):
        raise RuntimeError("pad should be smaller than or equal to half of kernel size, but got "
                           f"padW = {p[2]}, padH = {p[1]}, padT = {p[0]}, kW = {k[2]}, kH = "
                           f"{k[1]}, kT = {k[0]}")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    x, unbatched, n, c = _flatten_batch(input)
    sizes = list(x.shape[2:])
    if any(n_ < k_ for n_, k_ in zip(sizes, k)):
        raise RuntimeError(f"input image (T: {sizes[0]} H: {sizes[1]} W: {sizes[2]}) smaller "
                           f"than kernel size (kT: {k[0]} kH: {k[1]} kW: {k[2]})")
    idx, out = _windows(c, sizes, k, s, p, (1, 1, 1), ceil_mode)
    extra = [max(0, int(i.max()) + 1 - (n_ + 2 * p_)) for i, n_, p_ in zip(idx, sizes, p)]
    # per dim: window extent within the padded input, and within the input itself
    spans, valid = [], []
    for o, k_, s_, p_, n_ in zip(out, k, s, p, sizes):
        start = torch.arange(o) * s_ - p_
        end = torch.minimum(start + k_, torch.tensor(n_ + p_))
        spans.append(end - start)
        valid.append(torch.minimum(end, torch.tensor(n_)) - torch.clamp(start, min=0))
    if divisor_override is not None:
        divisor = torch.full(out, divisor_override, dtype=torch.int64)
    else:
        per = spans if count_include_pad else valid
        divisor = per[0].reshape(-1, 1, 1) * per[1].reshape(1, -1, 1) * per[2].reshape(1, 1, -1)

    def pool(t):
        b = t.reshape(n * c, *sizes)
        g = _gather(_padded(b, p, extra, 0.0), idx).reshape(n * c, *out, -1)
        return (_running_sum(g) / divisor.to(t.dtype)).reshape(n, c, *out)

    return composite("AvgPool3DBackward0", _batched(pool, unbatched), input)


def _running_sum(g):
    """The sum over the last dim, element after element in g's dtype (as PyTorch's pooling
    kernels add; a cumulative sum accumulates wider)."""
    acc = g.select(-1, 0)
    for j in range(1, g.shape[-1]):
        acc = acc + g.select(-1, j)
    return acc


def _adaptive_bounds(n, o):
    return [((i * n) // o, -((-(i + 1) * n) // o)) for i in range(o)]


def _adaptive(name, input, output_size, reduce):
    _check_input(name, input)
    x, unbatched, n, c = _flatten_batch(input)
    sizes = list(x.shape[2:])
    out = [sz if o is None else int(o) for o, sz in
           zip(output_size if isinstance(output_size, (list, tuple)) else (output_size,) * 3,
               sizes)]
    bounds = [_adaptive_bounds(sz, o) for sz, o in zip(sizes, out)]
    cells = [(a, b, e) for a in bounds[0] for b in bounds[1] for e in bounds[2]]
    return x, unbatched, out, cells, reduce


def adaptive_avg_pool3d(input, output_size):  # noqa: A002
    """Means over PyTorch's adaptive windows (floor(i n / o) to ceil((i + 1) n / o))."""
    x, unbatched, out, cells, _ = _adaptive("adaptive_avg_pool3d", input, output_size, None)
    if out == [1, 1, 1]:  # PyTorch takes the mean
        return input.mean((-3, -2, -1), keepdim=True)

    sizes = list(x.shape[2:])
    if all(n_ % o == 0 for n_, o in zip(sizes, out)):  # equal windows: gathered at once
        k = [n_ // o for n_, o in zip(sizes, out)]
        idx = [torch.arange(o).unsqueeze(1) * k_ + torch.arange(k_).unsqueeze(0)
               for o, k_ in zip(out, k)]

        def pool(t):
            b = t.reshape(-1, *sizes)
            g = _gather(b, idx).reshape(*t.shape[:2], *out, -1)
            return _running_sum(g) / k[0] / k[1] / k[2]
    else:
        def pool(t):
            parts = [_running_sum(t[:, :, d0:d1, h0:h1, w0:w1].reshape(*t.shape[:2], -1))
                     / (d1 - d0) / (h1 - h0) / (w1 - w0)
                     for (d0, d1), (h0, h1), (w0, w1) in cells]
            return torch.stack(parts, -1).reshape(*t.shape[:2], *out)

    return composite("AdaptiveAvgPool3DBackward0", _batched(pool, unbatched), input)


def adaptive_max_pool3d(input, output_size, return_indices=False):  # noqa: A002
    """Maxima over the adaptive windows; with return_indices their flat D*H*W indices."""
    x, unbatched, out, cells, _ = _adaptive("adaptive_max_pool3d", input, output_size, None)
    H, W = x.shape[3], x.shape[4]

    def pool(t):
        vals, idxs = [], []
        for (d0, d1), (h0, h1), (w0, w1) in cells:
            win = t[:, :, d0:d1, h0:h1, w0:w1]
            v, i = win.reshape(*t.shape[:2], -1).max(-1)
            hw = (h1 - h0) * (w1 - w0)
            dd, rem = i // hw, i % hw
            idxs.append(((dd + d0) * H + rem // (w1 - w0) + h0) * W + rem % (w1 - w0) + w0)
            vals.append(v)
        shape = (*t.shape[:2], *out)
        return torch.stack(vals, -1).reshape(shape), torch.stack(idxs, -1).reshape(shape)

    values, indices = composite("AdaptiveMaxPool3DBackward0", _batched(pool, unbatched), input)
    return (values, indices) if return_indices else values
