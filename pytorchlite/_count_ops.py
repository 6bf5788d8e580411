"""Integer-valued results computed with NumPy (no gradient flows through them): argwhere,
count_nonzero, unique, unique_consecutive, bincount, histc, histogram, bucketize, searchsorted,
tril_indices, triu_indices. Each returns tensors of PyTorch's dtype for the same call.

Note:
    PyTorch gives ``unique`` of a tensor that requires grad a grad_fn (Unique2Backward0) whose
    backward is not implemented; pytorchlite returns it without one.
"""
import builtins

from . import _C, _argparse
from . import _dtype as _dt
from ._named_op import np
from ._shape_ops import _check_tensor, _dtype_name, _int
from ._tensor import _wrap_dim

__all__ = ["argwhere", "count_nonzero", "unique", "unique_consecutive", "dispatching", "bincount",
           "histc", "histogram", "bucketize", "searchsorted", "tril_indices", "triu_indices"]


def _np(t):
    t = t.detach()
    return (t.float() if t.dtype in (_dt.float16, _dt.bfloat16) else t).numpy()


def _long(a):
    return _C.from_numpy(np.array(a, dtype=np.int64, order="C"))


def _like(a, like):
    t = _C.from_numpy(np.array(a, dtype=_np(like).dtype, order="C"))
    return t if t.dtype is like.dtype else t.to(like.dtype)


def argwhere(input):  # noqa: A002
    """The indices of the nonzero elements, one row each (``nonzero()``)."""
    _check_tensor("argwhere", input)
    return input.nonzero()


@_argparse.parser_errors("count_nonzero", "Tensor input, int dim = None",
                         "Tensor input, tuple of ints dim")
def count_nonzero(input, dim=None):  # noqa: A002
    """How many elements are nonzero, over all of input or along dim (an int or a tuple)."""
    _check_tensor("count_nonzero", input)
    nz = input != 0
    if dim is None:
        return nz.sum()
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (_int("count_nonzero", dim, "dim", 2),)
    dims = tuple(_wrap_dim(_int("count_nonzero", d, "dim", 2), input.dim()) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
    return nz.sum(dims) if dims else nz.sum()


def _check_bools(fname, **flags):
    """torch.unique's boolean dispatch first asks bool() of return_inverse and return_counts
    (a tensor of several values raises there); then every flag must be a bool."""
    for name in ("return_inverse", "return_counts"):
        if isinstance(flags.get(name), _C.TensorBase):
            flags[name] = builtins.bool(flags[name])
    for name, value in flags.items():
        if not isinstance(value, builtins.bool):
            raise TypeError(f"{fname}(): argument '{name}' must be bool, not "
                            f"{type(value).__name__}")


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct elements (slices along dim) of input in ascending order, with the inverse
    indices and the counts when asked for."""
    _check_tensor("unique", input)
    _check_bools("_unique2", sorted=sorted, return_inverse=return_inverse,
                 return_counts=return_counts)
    a = _np(input)
    if dim is None:
        vals, inv, counts = np.unique(a.reshape(-1), return_inverse=True, return_counts=True,
                                      equal_nan=False)
        inv = inv.reshape(a.shape)
        out = _like(vals, input)
    else:
        d = _wrap_dim(_int("unique", dim, "dim", 5), input.dim())
        moved = np.moveaxis(a.reshape(a.shape or (1,)), d, 0)
        flat = moved.reshape(moved.shape[0], int(np.prod(moved.shape[1:])))
        if flat.shape[0] == 0:
            vals, inv, counts = flat, np.zeros(0, np.int64), np.zeros(0, np.int64)
        else:
            vals, inv, counts = np.unique(flat, axis=0, return_inverse=True, return_counts=True)
        inv = inv.reshape(-1)
        vals = np.moveaxis(vals.reshape((vals.shape[0],) + moved.shape[1:]), 0, d)
        out = _like(vals, input)
    return _pack(out, _long(inv), _long(counts), return_inverse, return_counts)


def _pack(out, inv, counts, return_inverse, return_counts):
    if return_inverse and return_counts:
        return out, inv, counts
    if return_inverse:
        return out, inv
    if return_counts:
        return out, counts
    return out


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """input with each run of equal consecutive elements (slices along dim) kept once."""
    _check_tensor("unique_consecutive", input)
    _check_bools("unique_consecutive", return_inverse=return_inverse, return_counts=return_counts)
    a = _np(input)
    if dim is None:
        flat = a.reshape(-1, 1)
    else:
        d = _wrap_dim(_int("unique_consecutive", dim, "dim", 4), input.dim())
        moved = np.moveaxis(a.reshape(a.shape or (1,)), d, 0)
        flat = moved.reshape(moved.shape[0], int(np.prod(moved.shape[1:])))
    n = flat.shape[0]
    if n:
        new = np.ones(n, dtype=bool)
        new[1:] = (flat[1:] != flat[:-1]).any(axis=1)
        starts = np.flatnonzero(new)
    else:
        new, starts = np.zeros(0, bool), np.zeros(0, np.int64)
    inv = np.cumsum(new) - 1
    counts = np.diff(np.append(starts, n))
    if dim is None:
        vals = flat[starts, 0]
        inv = inv.reshape(a.shape)
    else:
        vals = np.moveaxis(moved[starts], 0, d)
    return _pack(_like(vals, input), _long(inv), _long(counts), return_inverse, return_counts)


def bincount(input, weights=None, minlength=0):  # noqa: A002
    """How many times each value 0, 1, ... occurs in a 1-D non-negative integer input (the sum
    of weights at those positions when weights is given)."""
    _check_tensor("bincount", input)
    if weights is not None:
        _check_tensor("bincount", weights, "weights", 1)
    minlength = _int("bincount", minlength, "minlength", 3)
    if input.dtype.is_floating_point or input.dtype is _dt.bool:
        raise NotImplementedError(f'"bincount_cpu" not implemented for '
                                  f"'{_dtype_name(input.dtype)}'")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    a = input.numpy()
    if a.ndim != 1 or (a.size and a.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None:
        _check_tensor("bincount", weights, "weights", 2)
        if weights.dim() != 1 or weights.shape[0] != a.shape[0]:
            raise RuntimeError("weights should be 1-d and have the same length as input")
        dtype = weights.dtype if weights.dtype in (_dt.float32, _dt.float64) else _dt.float64
        w = _np(weights).astype(np.float64)
        out = np.bincount(a, weights=w, minlength=minlength) if a.size else np.zeros(minlength)
        return _C.from_numpy(np.ascontiguousarray(out)).to(dtype)
    out = np.bincount(a, minlength=minlength) if a.size else np.zeros(minlength, np.int64)
    return _long(out)


def _check_float(fname, input):  # noqa: A002
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"{fname}" not implemented for '
                                  f"'{_dtype_name(input.dtype)}'")


def histc(input, bins=100, min=0, max=0):  # noqa: A002
    """A histogram of bins equal-width bins over [min, max] (the data's range when both are 0);
    elements outside are left out."""
    _check_tensor("histc", input)
    bins = _int("histc", bins, "bins", 2)
    _check_float("histogram_cpu", input)
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    a = _np(input).reshape(-1)
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{_c_float(lo)}, {_c_float(hi)}] is not finite")
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    # PyTorch's linear interpolation, in the input's dtype: bin = (x - lo) * bins / (hi - lo)
    ft = np.float64 if input.dtype is _dt.float64 else np.float32
    a, lo_t, hi_t = a.astype(ft), ft(lo), ft(hi)
    a = a[(a >= lo_t) & (a <= hi_t)]
    pos = ((a - lo_t) * ft(bins) / (hi_t - lo_t)).astype(np.int64)
    counts = np.bincount(np.minimum(pos, bins - 1), minlength=bins)[:bins]
    return _like(counts.astype(np.float64), input)


def _c_float(v):
    """v as C++'s stream prints a double (1, 0.5, inf, -nan)."""
    if np.isnan(v):
        return "-nan" if np.signbit(v) else "nan"
    return f"{v:g}"


def _edges(lo, hi, bins, like):
    """bins + 1 equal-width bin edges from lo to hi, computed in like's dtype as PyTorch's
    (linspace), as float64 for NumPy."""
    dtype = like.dtype if like.dtype in (_dt.float32, _dt.float64) else _dt.float32
    return _C.linspace(lo, hi, bins + 1, dtype=dtype).numpy().astype(np.float64)


def histogram(input, bins=100, *, range=None, weight=None, density=False):  # noqa: A002
    """(hist, bin_edges): counts of input in bins equal bins over range (the data's range by
    default) or between the given edges, weighted and normalized when asked."""
    from . import return_types

    _check_tensor("histogram", input)
    _check_float("histogramdd", input)
    a = _np(input).reshape(-1).astype(np.float64)
    w = None if weight is None else _np(weight).reshape(-1).astype(np.float64)
    if isinstance(bins, _C.TensorBase):
        if bins.dim() != 1:
            raise RuntimeError(f"torch.histogramdd: bins tensor should have one dimension, but got "
                               f"{bins.dim()} dimensions in the bins tensor for dimension 0")
        edges = _np(bins).astype(np.float64)
    else:
        n = _int("histogram", bins, "bins", 2)
        if n <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {n} for dimension 0")
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        else:
            lo, hi = (float(a.min()), float(a.max())) if a.size else (0.0, 0.0)
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise RuntimeError(f"torch.histogramdd: dimension 0's range [{_c_float(lo)}, "
                               f"{_c_float(hi)}] is not finite")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = _edges(lo, hi, n, input)
    hist, _ = np.histogram(a, bins=edges, weights=w, density=density)
    return return_types.histogram((_like(hist, input), _like(edges, input)))


def _sorted_side(fname, right, side):
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got "
                               f"{side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               "got side of left while right was True")
        return side
    return "right" if right else "left"


def _scalar_or_tensor(v):
    return v if isinstance(v, _C.TensorBase) else _C.tensor(v)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,  # noqa: A002
                 sorter=None):
    """For each value of input, the index in sorted_sequence's (last dim) where it would be
    inserted to keep it sorted: before equal values, or after them with right=True/side='right'."""
    _check_tensor("searchsorted", sorted_sequence, "sorted_sequence")
    side = _sorted_side("searchsorted", right, side)
    values = _scalar_or_tensor(input)
    seq = _np(sorted_sequence)
    vals = _np(values)
    if seq.ndim > 1 and (seq.shape[:-1] != vals.shape[:-1] or vals.ndim != seq.ndim):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            "dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {list(seq.shape)} and input value tensor {list(vals.shape)}")
    if sorter is not None:
        _check_tensor("searchsorted", sorter, "sorter")
        if tuple(sorter.shape) != tuple(sorted_sequence.shape):
            raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same size, "
                               f"but got boundary tensor {list(seq.shape)}and got sorter tensor "
                               f"{list(sorter.shape)}")
        seq = np.take_along_axis(seq, sorter.numpy(), axis=-1)
    if seq.ndim <= 1:
        out = np.searchsorted(seq.reshape(-1), vals, side=side)
    else:
        s2, v2 = seq.reshape(-1, seq.shape[-1]), vals.reshape(-1, vals.shape[-1])
        out = np.stack([np.searchsorted(s, v, side=side) for s, v in zip(s2, v2)]).reshape(
            vals.shape)
    t = _long(out)
    return t.to(_dt.int32) if out_int32 else t


def bucketize(input, boundaries, *, out_int32=False, right=False):  # noqa: A002
    """For each value of input, the index of its bucket among the sorted 1-D boundaries."""
    _check_tensor("bucketize", boundaries, "boundaries", 2)
    if boundaries.dim() != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.dim()})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def _tri_indices(fname, lower):
    def op(row, col, offset=0, *, dtype=None, device=None, layout=None, pin_memory=False):
        row, col = _int(fname, row, "row", 1), _int(fname, col, "col", 2)
        offset = _int(fname, offset, "offset", 3)
        dtype = _dt.int64 if dtype is None else dtype
        if dtype not in (_dt.int64, _dt.int32):
            raise NotImplementedError(f'"{fname}" not implemented for \'{_dtype_name(dtype)}\'')
        if row < 0:
            raise RuntimeError(f"row must be non-negative, got{row}")
        if col < 0:
            raise RuntimeError(f"col must be non-negative, got{col}")
        r, c = np.tril_indices(row, offset, col) if lower else np.triu_indices(row, offset, col)
        return _long(np.stack([r, c]).reshape(2, -1)).to(dtype)

    op.__name__ = op.__qualname__ = fname
    op.__doc__ = (f"The (2, N) row and column indices of the {'lower' if lower else 'upper'} "
                  f"triangle of a row x col matrix (from the offset-th diagonal).")
    return op


tril_indices = _tri_indices("tril_indices", True)
triu_indices = _tri_indices("triu_indices", False)


def dispatching(fn, flags):
    """torch.unique / torch.unique_consecutive: PyTorch's boolean dispatch asks bool() of the
    flags (name, position) before the call's arguments are checked."""
    def function(*args, **kwargs):
        for name, pos in flags:
            if name in kwargs:
                builtins.bool(kwargs[name])
            elif pos < len(args):
                builtins.bool(args[pos])
        return fn(*args, **kwargs)

    function.__name__ = function.__qualname__ = fn.__name__
    function.__doc__ = fn.__doc__
    return function
