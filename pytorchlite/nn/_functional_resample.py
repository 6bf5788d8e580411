"""nn.functional resampling: interpolate (nearest, nearest-exact, linear, bilinear, bicubic,
trilinear, area), the deprecated upsample helpers, affine_grid and grid_sample.

Every mode is separable: the last spatial dim is resampled first, then the one before it, as
PyTorch's CPU kernels nest their taps. Along one dim, a mode is a few index_select gathers
weighted by per-position coefficients, so autograd needs nothing extra. Source positions and
weights follow PyTorch's formulas in the input's own floating type (float32 for float32
input), computed with NumPy once per call.
"""
import itertools
import math
import warnings

import pytorchlite as torch
from ._functional_conv import adaptive_avg_pool1d, adaptive_avg_pool2d
from ._functional_vision import np  # NumPy on first use
from ..amp import _policy as _amp

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "affine_grid",
           "grid_sample"]

_CUBIC_A = -0.75


def _np_float(dtype):
    return np.float64 if dtype == torch.float64 else np.float32


def _scale(n_in, n_out, align_corners, scale, ft):
    """PyTorch's area_pixel_compute_scale: the source step per output position."""
    if align_corners:
        return ft(n_in - 1) / ft(n_out - 1) if n_out > 1 else ft(0)
    if scale is not None and scale > 0:
        return ft(1.0 / scale)
    return ft(n_in) / ft(n_out)


def _nearest_index(n_in, n_out, scale, exact):
    ft = np.float32
    s = _scale(n_in, n_out, False, scale, ft)
    i = np.arange(n_out, dtype=ft)
    if exact:
        src = np.floor((i + ft(0.5)) * s)
    else:
        src = np.floor(i * s)
    return [np.minimum(src.astype(np.int64), n_in - 1)], [None]


def _linear_taps(n_in, n_out, align_corners, scale, ft):
    s = _scale(n_in, n_out, align_corners, scale, ft)
    i = np.arange(n_out, dtype=ft)
    if align_corners:
        src = s * i
    else:
        src = np.maximum(s * (i + ft(0.5)) - ft(0.5), ft(0))
    i0 = src.astype(np.int64)
    i1 = i0 + (i0 < n_in - 1)
    l1 = np.minimum(np.maximum(src - i0.astype(ft), ft(0)), ft(1)).astype(ft)
    l0 = (ft(1) - l1).astype(ft)
    return [i0, i1], [l0, l1]


def _cubic_taps(n_in, n_out, align_corners, scale, ft):
    s = _scale(n_in, n_out, align_corners, scale, ft)
    i = np.arange(n_out, dtype=ft)
    src = s * i if align_corners else s * (i + ft(0.5)) - ft(0.5)
    base = np.floor(src)
    t = (src - base).astype(ft)
    a = ft(_CUBIC_A)

    def conv1(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def conv2(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    one = ft(1)
    weights = [conv2(t + one), conv1(t), conv1(one - t), conv2(one - t + one)]
    base = base.astype(np.int64)
    index = [np.clip(base - 1 + k, 0, n_in - 1) for k in range(4)]
    return index, [w.astype(ft) for w in weights]


def _aa_taps(n_in, n_out, align_corners, scale, ft, mode):
    """PyTorch's antialiased taps: a triangle (bilinear), a = -0.5 cubic (bicubic) or a = 3
    Lanczos filter stretched by the downscale factor, normalised to sum to one over the
    pixels it covers."""
    s = _scale(n_in, n_out, align_corners, scale, ft)
    interp_size = {"bilinear": 2, "bicubic": 4, "lanczos": 6}[mode]
    support = ft(interp_size * 0.5) * (s if s >= 1 else ft(1))
    invscale = ft(1) / s if s >= 1 else ft(1)
    center = s * (np.arange(n_out, dtype=ft) + ft(0.5))
    xmin = np.maximum((center - support + ft(0.5)).astype(np.int64), 0)
    xsize = np.minimum((center + support + ft(0.5)).astype(np.int64), n_in) - xmin
    width = int(xsize.max())
    k = np.arange(width)
    x = np.abs(((xmin[:, None] + k[None, :]).astype(ft) - center[:, None] + ft(0.5)) * invscale)
    if mode == "lanczos":
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(x < 3, np.sinc(x) * np.sinc(x / 3), ft(0)).astype(ft)
    elif mode == "bicubic":
        a = ft(-0.5)
        w = np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                     np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, ft(0)))
    else:
        w = np.where(x < 1, ft(1) - x, ft(0))
    w = np.where(k[None, :] < xsize[:, None], w, ft(0)).astype(ft)
    total = w.sum(1, dtype=ft)
    w = np.where(total[:, None] != 0, w / np.where(total == 0, ft(1), total)[:, None], w)
    index = np.minimum(xmin[:, None] + k[None, :], n_in - 1)
    return [index[:, j] for j in range(width)], [w[:, j].astype(ft) for j in range(width)]


def _area_taps(n_in, n_out, ft):
    """Adaptive-average windows [floor(i*in/out), ceil((i+1)*in/out)) as taps of weight
    1 / window length (padded taps weigh 0); a box mean is separable across dims."""
    i = np.arange(n_out, dtype=np.int64)
    starts = (i * n_in) // n_out
    ends = -((-(i + 1) * n_in) // n_out)
    width = int((ends - starts).max())
    k = np.arange(width)
    index = np.minimum(starts[:, None] + k[None, :], n_in - 1)
    w = np.where(k[None, :] < (ends - starts)[:, None],
                 ft(1) / (ends - starts).astype(ft)[:, None], ft(0)).astype(ft)
    return [index[:, j] for j in range(width)], [w[:, j] for j in range(width)]


def _resample_dim(x, dim, index, weights):
    """sum_k weights[k] * x.index_select(dim, index[k]) (weights broadcast along dim)."""
    out = None
    nd = x.dim()
    for idx, w in zip(index, weights):
        term = x.index_select(dim, torch.from_numpy(np.ascontiguousarray(idx)))
        if w is not None:
            shape = [1] * nd
            shape[dim] = len(w)
            term = term * torch.from_numpy(np.ascontiguousarray(w)).reshape(shape)
        out = term if out is None else out + term
    return out


_DIM_NAMES = {1: ("W",), 2: ("H", "W"), 3: ("D", "H", "W")}


def _check_sizes(in_sizes, out_sizes):
    if any(i <= 0 for i in in_sizes) or any(o <= 0 for o in out_sizes):
        names = _DIM_NAMES[len(in_sizes)]
        fi = ", ".join(f"{n}: {v}" for n, v in zip(names, in_sizes))
        fo = ", ".join(f"{n}: {v}" for n, v in zip(names, out_sizes))
        sep = " and " if len(in_sizes) == 1 else " "
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({fi}){sep}output ({fo})")


def _resample(input, out_sizes, scales, mode, align_corners, antialias=False):
    nsp = input.dim() - 2
    in_sizes = list(input.shape[2:])
    _check_sizes(in_sizes, out_sizes)
    torch.empty(list(input.shape[:2]) + list(out_sizes), dtype=input.dtype)  # huge sizes fail
    nearest = mode in ("nearest", "nearest-exact")
    if not input.dtype.is_floating_point and not (nearest and input.dtype == torch.uint8):
        kernel = {"bilinear": "upsample_bilinear2d_channels_last", "bicubic":
                  "compute_indices_weights_cubic"}.get(mode, "compute_indices_weights_" +
                                                       ("nearest" if nearest else "linear"))
        if nearest and nsp == 2:  # PyTorch's 2-D nearest kernel checks the dtype first
            kernel = "upsample_nearest2d_channels_last"
        raise NotImplementedError(f"\"{kernel}\" not implemented for "
                                  f"'{_dtype_name(input.dtype)}'")
    ft = _np_float(input.dtype)
    out = input
    for d in reversed(range(nsp)):
        n_in, n_out = in_sizes[d], out_sizes[d]
        scale = None if scales is None else scales[d]
        if n_in == n_out and (scale is None or antialias
                              or mode in ("linear", "bilinear", "trilinear")):
            continue  # PyTorch copies a dim whose size does not change
        if mode == "area":
            index, weights = _area_taps(n_in, n_out, ft)
        elif antialias:
            index, weights = _aa_taps(n_in, n_out, align_corners, scale, ft, mode)
        elif mode in ("nearest", "nearest-exact"):
            index, weights = _nearest_index(n_in, n_out, scale, mode == "nearest-exact")
        elif mode == "bicubic":
            index, weights = _cubic_taps(n_in, n_out, align_corners, scale, ft)
        else:
            index, weights = _linear_taps(n_in, n_out, align_corners, scale, ft)
        out = _resample_dim(out, 2 + d, index, weights)
    if out is input:
        out = input.clone()
    return out


def _dtype_name(dtype):
    return {torch.int64: "Long", torch.bool: "Bool", torch.int32: "Int", torch.int16: "Short",
            torch.int8: "Char", torch.uint8: "Byte"}.get(dtype, str(dtype))


def _is_integer(x):
    return isinstance(x, int) or (isinstance(x, torch.Tensor) and not x.dtype.is_floating_point
                                  and x.dim() == 0)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resamples (N, C, *spatial) input to `size` or by `scale_factor` (PyTorch's rules for
    output sizes, source positions and weights).

    Note:
        Built from index_select gathers, so the grad_fn is the last of those Tensor operations
        (PyTorch's is e.g. UpsampleBilinear2DBackward0); 'area' on 5-D input is a
        separable box mean (PyTorch's adaptive_avg_pool3d, up to rounding).
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {list(input.shape[2:])} and output size of "
                    f"{size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                    "output size in (o1, o2, ...,oK) format.")
            if not all(_is_integer(x) for x in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] "
                                "or Tuple[int, int, int], but got size with types "
                                f"{[type(x) for x in size]}")
            output_size = [int(x) for x in size]
        else:
            if not _is_integer(size):
                raise TypeError(f"upsample(): argument 'output_size' must be tuple of ints, "
                                f"but found element of type {type(size).__name__} at pos 0")
            output_size = [int(size)] * max(dim, 0)
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {list(input.shape[2:])} and "
                    f"scale_factor of shape {scale_factor}. Please provide input tensor in (N, C, "
                    "d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            scale_factors = [float(s) for s in scale_factor]
        else:
            scale_factors = [float(scale_factor)] * max(dim, 0)
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        output_size = [math.floor(float(input.shape[i + 2]) * scale_factors[i])
                       for i in range(dim)]
        scale_factors = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes "
                         "and requires a 4-D tensor as input")
    if mode == "lanczos" and input.dim() == 4:
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
    if output_size is None:
        output_size = [math.floor(float(input.shape[i + 2]) * scale_factors[i])
                       for i in range(dim)]
    wanted = {"nearest": (3, 4, 5), "nearest-exact": (3, 4, 5), "area": (3, 4, 5),
              "linear": (3,), "bilinear": (4,), "bicubic": (4,), "trilinear": (5,),
              "lanczos": (4,)}
    if mode in wanted and input.dim() in wanted[mode]:
        if mode == "area" and dim < 3:
            pool = adaptive_avg_pool1d if dim == 1 else adaptive_avg_pool2d
            return pool(input, output_size)
        scales = scale_factors
        if mode in ("linear", "bilinear", "bicubic", "trilinear", "lanczos") and align_corners:
            scales = None
        return _resample(input, output_size, scales, mode, align_corners, antialias)
    need = {"linear": 3, "bilinear": 4, "trilinear": 5}
    if mode in need and input.dim() in (3, 4, 5):
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs "
                                  f"{need[mode]}D input")
    raise NotImplementedError(
        "Input Error: Only 3D, 4D and 5D input Tensors supported"
        f" (got {input.dim()}D) for the modes: nearest | linear | bilinear | bicubic | trilinear "
        f"| lanczos | area | nearest-exact (got {mode})")


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of interpolate (warns, as PyTorch)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: interpolate(..., mode='nearest')."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: interpolate(..., mode='bilinear', align_corners=True)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ------------------------------------------------------------------- affine_grid / grid_sample
_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False "
                  "since 1.3.0. Please specify align_corners=True if the old behavior is desired. "
                  "See the documentation of grid_sample for details.")


def _linspace_from_neg_one(n, align_corners, dtype):
    """PyTorch's grid coordinates along one dim: -1..1, shrunk by (n-1)/n without
    align_corners; a single step is 0."""
    if n <= 1:
        return torch.zeros(1, dtype=dtype)
    r = torch.linspace(-1, 1, n, dtype=dtype)
    return r if align_corners else r * (n - 1) / n


def affine_grid(theta, size, align_corners=None):
    """The (N, H, W, 2) (or (N, D, H, W, 3)) sampling grid of a batch of affine matrices:
    the base grid of normalised (x, y[, z], 1) coordinates times theta transposed.

    Note:
        Composed from bmm, so the grad_fn is ViewBackward0 (PyTorch's is
        AffineGridGeneratorBackward0).
    """
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = list(size)
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{size}. Got {theta.shape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{size}. Got {theta.shape}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids "
                      "when align_corners=True. This is not an intended use case of affine_grid. "
                      "See the documentation of affine_grid for details.", stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    n, dt = size[0], theta.dtype
    torch.empty(size[:1] + list(spatial) + [len(spatial) + 1], dtype=dt)  # huge sizes fail
    axes = [_linspace_from_neg_one(s, align_corners, dt) for s in spatial]  # (D,) H, W
    nsp = len(spatial)
    cols = []
    for k in range(nsp):  # x runs along the last dim, y the one before, ...
        shape = [1] * nsp
        shape[nsp - 1 - k] = spatial[nsp - 1 - k]
        cols.append(axes[nsp - 1 - k].reshape(shape).expand(spatial))
    cols.append(torch.ones(spatial, dtype=dt))
    base = torch.stack(cols, -1).reshape(1, -1, nsp + 1).expand(n, -1, nsp + 1)
    grid = base.bmm(theta.transpose(1, 2))
    return grid.view([n] + spatial + [nsp])


def _unnormalize(coord, size, align_corners):
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _reflect(coord, twice_low, twice_high):
    """PyTorch's reflect_coordinates: folds coord into [low, high] by mirroring."""
    if twice_low == twice_high:
        return coord * 0
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    coord = (coord - low).abs()
    extra = coord.fmod(span)
    flips = (coord / span).floor().detach()
    even = flips.remainder(2) == 0
    return torch.where(even, extra + low, span - extra + low)


def _clip(coord, size):
    """coord clamped to [0, size - 1]; as PyTorch's clip_coordinates, the gradient passes
    only strictly inside (zero on the edges themselves)."""
    inside = (coord > 0) & (coord < size - 1)
    return torch.where(inside, coord, coord.detach().clamp(0, size - 1))


def _source_index(coord, size, padding_mode, align_corners):
    coord = _unnormalize(coord, size, align_corners)
    if padding_mode == "border":
        coord = _clip(coord, size)
    elif padding_mode == "reflection":
        if align_corners:
            coord = _reflect(coord, 0, 2 * (size - 1))
        else:
            coord = _reflect(coord, -1, 2 * size - 1)
        coord = _clip(coord, size)
    return coord


def _gather(flat, coords, sizes, weight=None):
    """flat (N, C, prod(sizes)) read at integer positions coords = [x, y(, z)], each of shape
    (N, *out), for sizes [W, H(, D)], times weight (N, 1, *out) if given; zero where a
    position is outside. Returns (N, C, *out)."""
    n, c = flat.shape[0], flat.shape[1]
    inside = None
    index = None
    stride = 1
    for coord, size in zip(coords, sizes):
        ok = (coord >= 0) & (coord <= size - 1)
        inside = ok if inside is None else inside & ok
        term = coord.clamp(0, size - 1) * stride
        index = term if index is None else index + term
        stride *= size
    out_shape = tuple(coords[0].shape[1:])
    length = math.prod(out_shape)
    index = index.to(torch.int64).reshape(n, 1, length).expand(n, c, length)
    values = flat.gather(2, index).reshape((n, c) + out_shape)
    mask = inside.unsqueeze(1).to(flat.dtype)
    return values * (mask if weight is None else weight * mask)


def _gather_2d(flat, ix, iy, h, w):
    return _gather(flat, [ix, iy], [w, h])


class _ZeroGridGrad(torch.autograd.Function):
    """Identity on the sampled values that gives the grid a zero gradient, as PyTorch's
    nearest grid_sample does (the result does not vary with the grid)."""

    @staticmethod
    def forward(ctx, out, grid):
        ctx.grid_shape, ctx.grid_dtype = tuple(grid.shape), grid.dtype
        return out.clone()

    @staticmethod
    def backward(ctx, grad):
        return grad, torch.zeros(ctx.grid_shape, dtype=ctx.grid_dtype)


@_amp.fp32
def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Samples (N, C, H, W) input at the normalised (x, y) positions of grid (N, Ho, Wo, 2)
    (or (N, C, D, H, W) input at (x, y, z) positions), bilinearly / trilinearly, bicubically
    (4-D only) or at the nearest pixel; outside positions read zeros, the border or the
    reflection. Differentiable in both input and grid.

    Note:
        Composed from gather and arithmetic, so the grad_fn differs from PyTorch's
        GridSampler2DBackward0 / GridSampler3DBackward0.
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' "
                         f"or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    for position, (name, value) in enumerate((("input", input), ("grid", grid))):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"grid_sampler(): argument '{name}' (position {position + 1}) must be "
                            f"Tensor, not {type(value).__name__}")
    if input.dim() not in (4, 5) or grid.dim() != input.dim():
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number of "
                           f"dimensions, but got input with sizes {list(input.shape)} and grid "
                           f"with sizes {list(grid.shape)}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but "
                           f"got input with sizes {list(input.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    if grid.shape[-1] != input.dim() - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.dim() - 2} in last "
                           f"dimension, but got grid with sizes {list(grid.shape)}")
    if input.dim() == 5 and mode == "bicubic":
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if input.dtype != grid.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but "
                           f"input has {input.dtype} and grid has {grid.dtype}")
    if mode == "bicubic":
        return _grid_sample_bicubic(input, grid, padding_mode, align_corners)
    n, c = input.shape[0], input.shape[1]
    sizes = list(reversed(input.shape[2:]))  # W, H(, D): the order of the grid's coordinates
    coords = [_source_index(grid[..., k], size, padding_mode, align_corners)
              for k, size in enumerate(sizes)]  # each (N, *out)
    flat = input.reshape(n, c, -1)
    if mode == "nearest":
        out = _gather(flat, [t.detach().round() for t in coords], sizes)
        return _ZeroGridGrad.apply(out, grid) if grid.requires_grad else out
    low = [t.detach().floor() for t in coords]
    # per dim: (position, weight) of the lower and the upper neighbour
    taps = [((lo, (lo + 1 - t).unsqueeze(1)), (lo + 1, (t - lo).unsqueeze(1)))
            for lo, t in zip(low, coords)]
    out = None
    for corner in itertools.product((0, 1), repeat=len(sizes)):  # z outermost, x innermost
        picks = [taps[d][corner[len(sizes) - 1 - d]] for d in range(len(sizes))]
        weight = picks[0][1]
        for _, w in picks[1:]:
            weight = weight * w
        term = _gather(flat, [p for p, _ in picks], sizes, weight)
        out = term if out is None else out + term
    return out


def _cubic_coefficients(t):
    """PyTorch's four cubic-convolution weights (A = -0.75) at fractional offset t."""
    a = _CUBIC_A

    def conv1(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def conv2(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [conv2(t + 1), conv1(t), conv1(1 - t), conv2(2 - t)]


def _tap_coordinate(coord, size, padding_mode, align_corners):
    """PyTorch's compute_coordinates for one integer tap, then the C cast to an index."""
    if padding_mode == "border":
        coord = coord.clamp(0, size - 1)
    elif padding_mode == "reflection":
        if align_corners:
            coord = _reflect(coord, 0, 2 * (size - 1))
        else:
            coord = _reflect(coord, -1, 2 * size - 1)
        coord = coord.clamp(0, size - 1)
    return coord.to(torch.int64).to(coord.dtype)


def _grid_sample_bicubic(input, grid, padding_mode, align_corners):
    """16 taps around each position: the padding mode applies to each tap, the weights are
    cubic in the fractional offsets (rows of 4 along x first, then along y)."""
    n, c, h, w = input.shape
    ix = _unnormalize(grid[..., 0], w, align_corners)
    iy = _unnormalize(grid[..., 1], h, align_corners)
    x0, y0 = ix.detach().floor(), iy.detach().floor()
    cx = [k.unsqueeze(1) for k in _cubic_coefficients(ix - x0)]
    cy = [k.unsqueeze(1) for k in _cubic_coefficients(iy - y0)]
    flat = input.reshape(n, c, h * w)
    xs = [_tap_coordinate(x0 + (k - 1), w, padding_mode, align_corners) for k in range(4)]
    out = None
    for i in range(4):
        yi = _tap_coordinate(y0 + (i - 1), h, padding_mode, align_corners)
        row = None
        for k in range(4):
            term = _gather(flat, [xs[k], yi], [w, h], cx[k])
            row = term if row is None else row + term
        out = row * cy[i] if out is None else out + row * cy[i]
    return out
