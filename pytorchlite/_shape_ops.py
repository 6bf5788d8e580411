"""Shape ops written from the core's differentiable ops: flip, roll, rot90, tril/triu, diagonal
and its relatives, tile, repeat_interleave, movedim, tensor_split and the h/v/dsplit family,
the stacks, atleast_nd, take, take_along_dim, meshgrid, cartesian_prod, combinations, vander.

Ops PyTorch records as one node of their own (FlipBackward0, TrilBackward0 ...) go through
``_named_op.apply`` with a backward written from the same ops; the rest are plain compositions
whose grad_fn is that of their last op (listed under Note: where PyTorch's differs).
"""
import builtins
import itertools
import operator
import warnings

from . import _C
from . import _dtype as _dt
from ._named_op import apply as _apply
from ._size import Size
from ._tensor import Tensor, _wrap_dim
from .amp import _policy as _amp

__all__ = ["flip", "fliplr", "flipud", "roll", "rot90", "tril", "triu", "diagonal", "diag_embed",
           "diag", "diagflat", "trace", "tile", "repeat_interleave", "movedim", "tensor_split",
           "hsplit", "vsplit", "dsplit", "hstack", "vstack", "dstack", "column_stack",
           "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_to", "take", "take_along_dim",
           "ravel", "meshgrid", "cartesian_prod", "combinations", "vander"]


def _check_tensor(fname, x, name="input", pos=1):
    if not isinstance(x, _C.TensorBase):
        raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _int(fname, value, name, pos):
    """An int argument (bool and float refused, as PyTorch's parser does)."""
    _int_type(fname, value, name, pos)
    v = operator.index(value)
    if not -2 ** 63 <= v < 2 ** 63:
        raise ValueError("Overflow when unpacking long long")
    return v


def _int_type(fname, value, name, pos):
    if isinstance(value, (builtins.float, builtins.bool)) or not hasattr(type(value), "__index__") \
            or isinstance(value, _C.TensorBase) and value.dim() != 0:
        raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be int, not "
                        f"{type(value).__name__}")


def _ints(fname, value, name, pos, allow_int=True):
    """A tuple-of-ints argument; one int stands for a 1-tuple where PyTorch allows it."""
    if isinstance(value, (tuple, list, Size)):
        return tuple(_int(fname, v, name, pos) for v in value)
    if allow_int and not isinstance(value, (builtins.float, builtins.bool)) and \
            hasattr(type(value), "__index__") and not isinstance(value, _C.TensorBase):
        return (_int(fname, value, name, pos),)
    raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be tuple of ints, not "
                    f"{type(value).__name__}")


def _arange(n, start=0, step=1):
    return _C.arange(start, start + n * step, step) if n > 0 else _C.zeros(0, dtype=_dt.int64)


def _zero(x):
    return _C.zeros((), dtype=x.dtype)


# ---- flip, roll, rot90 ----

def _flip(x, dims):
    out = x
    for d in dims:
        n = out.shape[d]
        out = out.index_select(d, _arange(n, n - 1, -1))
    return out if dims and x.dim() else x.clone()


def flip(input, dims):  # noqa: A002
    """Reverses the order of the elements along each of ``dims`` (a copy, FlipBackward0)."""
    _check_tensor("flip", input)
    dims = _ints("flip", dims, "dims", 2, allow_int=False)
    wrapped = [_wrap_dim(d, input.dim()) for d in dims]
    for d in wrapped:
        if wrapped.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    if input.dim() == 0:
        wrapped = []
    return _apply("FlipBackward0", lambda t: _flip(t, wrapped), lambda g: _flip(g, wrapped),
                  input)


def fliplr(input):  # noqa: A002
    """Flips the columns (dim 1) of a tensor of 2 or more dims."""
    _check_tensor("fliplr", input)
    if input.dim() < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input):  # noqa: A002
    """Flips the rows (dim 0) of a tensor of 1 or more dims."""
    _check_tensor("flipud", input)
    if input.dim() < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


def _roll(x, shifts, dims):
    if not dims:
        return _roll(x.reshape(-1), shifts, (0,)).reshape(x.shape)
    out = x
    for s, d in zip(shifts, dims):
        n = out.shape[d]
        if n:
            out = out.index_select(d, (_arange(n) - s % n) % n)
    return out if out is not x else x.clone()


def roll(input, shifts, dims=None):  # noqa: A002
    """Rolls the elements along dims by shifts (those past the end come back at the start);
    without dims the flattened tensor is rolled and its shape restored."""
    _check_tensor("roll", input)
    shifts = _ints("roll", shifts, "shifts", 2)
    dims = () if dims is None else _ints("roll", dims, "dims", 3)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if not dims and len(shifts) != 1 or dims and len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    dims = tuple(_wrap_dim(d, input.dim()) for d in dims)
    if input.dim() == 0:
        return _apply("RollBackward0", Tensor.clone, Tensor.clone, input)
    back = tuple(-s for s in shifts)
    return _apply("RollBackward0", lambda t: _roll(t, shifts, dims),
                  lambda g: _roll(g, back, dims), input)


def _rot90(x, k, d0, d1):
    k %= 4
    if k == 1:
        return _flip(x, [d1]).transpose(d0, d1)
    if k == 2:
        return _flip(x, [d0, d1])
    if k == 3:
        return _flip(x, [d0]).transpose(d0, d1)
    return x.clone()


def rot90(input, k=1, dims=(0, 1)):  # noqa: A002
    """Rotates by 90 degrees k times in the plane of dims, from dims[0] towards dims[1]."""
    _check_tensor("rot90", input)
    k = _int("rot90", k, "k", 2)
    dims = _ints("rot90", dims, "dims", 3)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.dim() < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.dim()}")
    d0, d1 = (_wrap_dim(d, input.dim()) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    return _apply("Rot90Backward0", lambda t: _rot90(t, k, d0, d1),
                  lambda g: _rot90(g, -k, d0, d1), input)


# ---- triangles and diagonals ----

def _tri_mask(x, diagonal, lower):
    rows, cols = x.shape[-2], x.shape[-1]
    off = _arange(cols).unsqueeze(0) - _arange(rows).unsqueeze(1)  # col - row
    return off <= diagonal if lower else off >= diagonal


def _tri(x, diagonal, lower):
    return _C.where(_tri_mask(x, diagonal, lower), x, _zero(x))


def _tri_op(name, lower):
    def op(input, diagonal=0):  # noqa: A002
        _check_tensor(name, input)
        diagonal = _int(name, diagonal, "diagonal", 2)
        if input.dim() < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        return _apply(f"{name.capitalize()}Backward0", lambda t: _tri(t, diagonal, lower),
                      lambda g: _tri(g, diagonal, lower), input)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"The {'lower' if lower else 'upper'} triangle of the last two dims (elements "
                  f"{'on and below' if lower else 'on and above'} the diagonal-th diagonal); the "
                  f"rest zero.")
    return op


tril = _tri_op("tril", True)
triu = _tri_op("triu", False)


def _diag_index(n1, n2, offset):
    """(rows, cols) index tensors of the offset-th diagonal of an (n1, n2) matrix."""
    if offset >= 0:
        length = builtins.max(0, builtins.min(n1, n2 - offset))
        return _arange(length), _arange(length, offset)
    length = builtins.max(0, builtins.min(n1 + offset, n2))
    return _arange(length, -offset), _arange(length)


def _diagonal(x, offset, d1, d2):
    others = [d for d in range(x.dim()) if d not in (d1, d2)]
    rows, cols = _diag_index(x.shape[d1], x.shape[d2], offset)
    return x.permute(*others, d1, d2)[..., rows, cols]


def _diag_embed(x, offset, d1, d2):
    """x's last dim on the offset-th diagonal of the new dims d1, d2 (of an ndim + 1 result)."""
    n = x.shape[-1] + builtins.abs(offset)
    batch = tuple(x.shape[:-1])
    rows, cols = _diag_index(n, n, offset)
    out = _C.zeros(batch + (n, n), dtype=x.dtype)
    out[..., rows, cols] = x
    nd = x.dim() + 1
    rest = iter(range(nd - 2))
    perm = [nd - 2 if p == d1 else nd - 1 if p == d2 else next(rest) for p in range(nd)]
    return out.permute(*perm)


def _diag_dims(fname, dim1, dim2, ndim):
    d1, d2 = _wrap_dim(dim1, ndim), _wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"{fname} dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def diagonal(input, offset=0, dim1=0, dim2=1):  # noqa: A002
    """The offset-th diagonal of the (dim1, dim2) planes, as a new last dim (a view of input:
    writing into it writes input)."""
    _check_tensor("diagonal", input)
    for pos, (name, value) in enumerate((("offset", offset), ("dim1", dim1), ("dim2", dim2))):
        _int_type("diagonal", value, name, pos + 2)  # every type before any range
    offset = _int("diagonal", offset, "offset", 2)
    d1, d2 = _diag_dims("diagonal", _int("diagonal", dim1, "dim1", 3),
                        _int("diagonal", dim2, "dim2", 4), input.dim())
    return input._diagonal(offset, d1, d2)


def _diag_part(x, offset, d1, d2, name):
    return _apply(name, lambda t: _diagonal(t, offset, d1, d2),
                  _diag_back(tuple(x.shape), offset, d1, d2), x)


def _diag_back(shape, offset, d1, d2):
    """The gradient of the diagonal read: g back on the diagonal of zeros of the input's shape."""
    def backward(g):
        others = [d for d in range(len(shape)) if d not in (d1, d2)]
        perm_shape = tuple(shape[d] for d in others) + (shape[d1], shape[d2])
        rows, cols = _diag_index(shape[d1], shape[d2], offset)
        z = _C.zeros(perm_shape, dtype=g.dtype)
        z[..., rows, cols] = g
        inverse = [0] * len(shape)
        for i, d in enumerate(others + [d1, d2]):
            inverse[d] = i
        return z.permute(*inverse)

    return backward


def diag_embed(input, offset=0, dim1=-2, dim2=-1):  # noqa: A002
    """A tensor whose (dim1, dim2) planes hold input's last dim on their offset-th diagonal."""
    _check_tensor("diag_embed", input)
    offset = _int("diag_embed", offset, "offset", 2)
    d1, d2 = _diag_dims("diagonal", _int("diag_embed", dim1, "dim1", 3),
                        _int("diag_embed", dim2, "dim2", 4), input.dim() + 1)
    if input.dim() == 0:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got -1)")
    return _apply("DiagEmbedBackward0", lambda t: _diag_embed(t, offset, d1, d2),
                  lambda g: _diagonal(g, offset, d1, d2), input)


def diag(input, diagonal=0):  # noqa: A002
    """1-D input: a square matrix with it on the diagonal-th diagonal; 2-D: that diagonal."""
    _check_tensor("diag", input)
    diagonal = _int("diag", diagonal, "diagonal", 2)
    if input.dim() == 1:
        return diag_embed(input, diagonal)
    if input.dim() != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.dim()}D")
    return _diag_part(input, diagonal, 0, 1, "DiagonalBackward0_copy")


def diagflat(input, offset=0):  # noqa: A002
    """The flattened input on the offset-th diagonal of a square matrix."""
    _check_tensor("diagflat", input)
    offset = _int("diagflat", offset, "offset", 2)
    return diag_embed(input.reshape(-1), offset)


@_amp.fp32
def trace(input):  # noqa: A002
    """Sum of the main diagonal of a matrix."""
    _check_tensor("trace", input)
    if input.dim() != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.dim()}")
    if input.dtype is _dt.bool:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    rows, cols = input.shape

    def backward(g):
        return _C.eye(rows, cols, dtype=g.dtype) * g

    return _apply("TraceBackward0", lambda t: _diagonal(t, 0, 0, 1).sum(), backward, input)


# ---- repeats ----

def tile(input, dims):  # noqa: A002
    """input repeated dims[i] times along dim i (dims padded with ones in front)."""
    _check_tensor("tile", input)
    dims = _ints("tile", dims, "dims", 2, allow_int=False)
    dims = (1,) * (input.dim() - len(dims)) + dims
    shape = (1,) * (len(dims) - input.dim()) + tuple(input.shape)
    sizes = [r * n for r, n in zip(dims, shape)]
    for n in sizes:
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {sizes}")

    def backward(g):  # the sum over the copies: g viewed as (r0, n0, r1, n1, ...)
        split = [k for r, n in zip(dims, shape) for k in (r, n)]
        return g.reshape(split).sum(tuple(range(0, len(split), 2))).reshape(input.shape) \
            if split else g.clone()

    return _apply("RepeatBackward0", lambda t: t.repeat(*dims) if dims else t.clone(), backward,
                  input)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):  # noqa: A002
    """Each element (each slice along dim) repeated repeats times, in place of repeat's
    whole-tensor tiling. ``repeat_interleave(counts)`` alone gives arange(len) repeated."""
    import numpy as np

    if repeats is None:  # torch.repeat_interleave(repeats_tensor)
        _check_tensor("repeat_interleave", input, "repeats")
        _check_counts(input)
        counts = input.reshape(-1).numpy()
        out = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
        return _check_size(_C.from_numpy(out), output_size)
    _check_tensor("repeat_interleave", input)
    x = input
    if dim is None:
        x, dim = input.reshape(-1), 0
    else:
        dim = _wrap_dim(_int("repeat_interleave", dim, "dim", 3), input.dim())
    n = x.shape[dim] if x.dim() else 1
    if isinstance(repeats, _C.TensorBase):
        _check_counts(repeats)
        if repeats.dim() > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        counts = repeats.reshape(-1).numpy()
        if counts.size == 1:
            counts = np.repeat(counts, n)
        elif counts.size != n:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {counts.size} and input.size({dim}) = {n}")
    else:
        r = _int("repeat_interleave", repeats, "repeats", 2)
        if r < 0:
            raise RuntimeError("Repeats must be non-negative")
        if output_size is not None and output_size != n * r:
            raise RuntimeError(f"repeat_interleave: Invalid output_size, expected {n * r} but "
                               f"got {output_size}")
        if x.dim() == 0:
            x = x.reshape(1)
        shape = list(x.shape)
        shape.insert(dim + 1, r)
        out = x.unsqueeze(dim + 1).expand(shape).contiguous()
        shape[dim:dim + 2] = [n * r]
        return out.view(shape)
    index = _C.from_numpy(np.repeat(np.arange(n, dtype=np.int64), counts))
    _check_size(index, output_size)
    if x.dim() == 0:
        x = x.reshape(1)
    return x.index_select(dim, index)


def _check_counts(repeats):
    if repeats.dtype not in (_dt.int64, _dt.int32):
        name = {_dt.float32: "Float", _dt.float64: "Double", _dt.bool: "Bool"}.get(
            repeats.dtype, str(repeats.dtype))
        raise NotImplementedError(f'"repeat_interleave_cpu" not implemented for \'{name}\'')
    if repeats.dim() > 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    if repeats.numel() and bool((repeats < 0).any()):
        raise RuntimeError("repeats can not be negative")


def _check_size(out, output_size):
    if output_size is not None and output_size != out.numel():
        raise RuntimeError(f"repeat_interleave: Invalid output_size, expected {out.numel()} but "
                           f"got {output_size}")
    return out


# ---- moving dims ----

def movedim(input, source, destination):  # noqa: A002
    """input with its dims source moved to the positions destination (the others keep their
    order)."""
    _check_tensor("movedim", input)
    src = _ints("movedim", source, "source", 2)
    dst = _ints("movedim", destination, "destination", 3)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    nd = input.dim()
    src = [_wrap_dim(d, nd) for d in src]
    dst = [_wrap_dim(d, nd) for d in dst]
    for name, ds in (("source", src), ("destination", dst)):
        if len(set(ds)) != len(ds):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(ds)})")
    perm = [-1] * builtins.max(nd, 1)
    for s, d in zip(src, dst):
        perm[d] = s
    rest = iter(d for d in range(nd) if d not in src)
    perm = [p if p >= 0 else next(rest) for p in perm]
    return input.permute(*perm) if nd else input.view(())


# ---- splitting ----

def tensor_split(input, indices_or_sections, dim=0):  # noqa: A002
    """Views of input split along dim into n nearly equal parts (an int) or at the given
    indices (a sequence)."""
    _check_tensor("tensor_split", input)
    if input.dim() == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    dim = _wrap_dim(_int("tensor_split", dim, "dim", 3), input.dim())
    ios = indices_or_sections
    if isinstance(ios, _C.TensorBase):
        if ios.dtype is not _dt.int64:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have dtype "
                               f"of long, but got {_dtype_name(ios.dtype)}")
        if ios.dim() > 1:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a "
                               f"zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {ios.dim()} dims")
        ios = ios.item() if ios.dim() == 0 else ios.tolist()
    size = input.shape[dim]
    if isinstance(ios, (tuple, list)):
        cuts = [0] + list(_ints("tensor_split", ios, "indices", 2)) + [size]
        bounds = [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]
    else:
        n = _int("tensor_split", ios, "sections", 2)
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        q, r = divmod(size, n)
        bounds, at = [], 0
        for i in range(n):
            step = q + (1 if i < r else 0)
            bounds.append((at, at + step))
            at += step
    out = []
    for a, b in bounds:
        a, b = _clamp(a, size), _clamp(b, size)
        out.append(input.narrow(dim, a, builtins.max(b - a, 0)))
    return tuple(out)


def _clamp(i, size):
    if i < 0:
        i += size
    return builtins.min(builtins.max(i, 0), size)


def _dtype_name(dt):
    return {_dt.float32: "Float", _dt.float64: "Double", _dt.bool: "Bool", _dt.int32: "Int",
            _dt.int16: "Short", _dt.int8: "Char", _dt.uint8: "Byte", _dt.float16: "Half",
            _dt.bfloat16: "BFloat16", _dt.int64: "Long"}[dt]


def _split_family(name, dim, min_dims):
    def op(input, indices_or_sections):  # noqa: A002
        _check_tensor(name, input)
        ios = indices_or_sections
        if isinstance(ios, (tuple, list)):
            ios = list(_ints(name, ios, "indices", 2))
        else:
            n = _int(name, ios, "sections", 2)
        if input.dim() < min_dims:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} "
                               f"dimension, but got a tensor with {input.dim()} dimensions!")
        d = 0 if name == "hsplit" and input.dim() == 1 else dim
        if not isinstance(ios, list):
            if n == 0 or input.shape[d] % n:
                raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but "
                                   f"the size of the dimension {input.shape[d]} is not divisible "
                                   f"by the split_size {n}!")
        return tensor_split(input, ios, d)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"``tensor_split`` along dim {dim}{' (dim 0 for 1-D input)' if dim == 1 else ''}; "
                  f"an int must divide that dim's size.")
    return op


hsplit = _split_family("hsplit", 1, 1)
vsplit = _split_family("vsplit", 0, 2)
dsplit = _split_family("dsplit", 2, 3)


# ---- stacking ----

def _atleast(name, n):
    def one(t):
        _check_tensor(name, t)
        if t.dim() >= n:
            return t
        if n == 1 or t.dim() == 0:
            return t.reshape((1,) * n)
        if n == 2 or t.dim() == 2:
            return t.unsqueeze(0) if n == 2 else t.unsqueeze(-1)
        return t.unsqueeze(0).unsqueeze(-1)  # a 1-D tensor to (1, n, 1)

    def op(*tensors):
        if len(tensors) == 1 and isinstance(tensors[0], _C.TensorBase):
            return one(tensors[0])
        if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
            tensors = tuple(tensors[0])
        for t in tensors:
            if not isinstance(t, _C.TensorBase):
                raise TypeError(f"{name}() received an invalid combination of arguments - got "
                                f"({type(t).__name__}), but expected one of:\n * (Tensor input)\n"
                                f" * (tuple of Tensors tensors)")
        return tuple(one(t) for t in tensors)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Each tensor viewed with at least {n} dims (a tuple for several tensors)."
    return op


atleast_1d = _atleast("atleast_1d", 1)
atleast_2d = _atleast("atleast_2d", 2)
atleast_3d = _atleast("atleast_3d", 3)


def _tensor_list(name, tensors):
    if isinstance(tensors, _C.TensorBase) or not isinstance(tensors, (tuple, list)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, _C.TensorBase):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return list(tensors)


def hstack(tensors):
    """Concatenates column-wise (dim 1; dim 0 for 1-D tensors)."""
    ts = [atleast_1d(t) for t in _tensor_list("hstack", tensors)]
    return _C.cat(ts, 0 if ts[0].dim() == 1 else 1)


def vstack(tensors):
    """Concatenates row-wise (dim 0), 1-D tensors becoming rows."""
    return _C.cat([atleast_2d(t) for t in _tensor_list("vstack", tensors)], 0)


def dstack(tensors):
    """Concatenates depth-wise (dim 2), after ``atleast_3d``."""
    return _C.cat([atleast_3d(t) for t in _tensor_list("dstack", tensors)], 2)


def column_stack(tensors):
    """Stacks 1-D tensors as columns (and concatenates 2-D ones along dim 1)."""
    ts = _tensor_list("column_stack", tensors)
    return _C.cat([t.reshape(t.numel(), 1) if t.dim() <= 1 else t for t in ts], 1)


row_stack = vstack


# ---- reading at indices ----

def broadcast_to(input, size):  # noqa: A002
    """input expanded to size (a view, as ``expand``)."""
    _check_tensor("broadcast_to", input)
    return input.expand(size)


def _check_long_index(fname, index, msg):
    _check_tensor(fname, index, "index", 2)
    if index.dtype is not _dt.int64:
        raise RuntimeError(msg.format(_dtype_name(index.dtype)))


def take(input, index):  # noqa: A002
    """input read as a flat tensor at the (possibly negative) positions index."""
    _check_tensor("take", input)
    _check_long_index("take", index, "take(): Expected a long tensor for index, but got {}")
    n = input.numel()
    flat_index = index.reshape(-1)
    if flat_index.numel():
        bad = (flat_index >= n) | (flat_index < -n)
        if bool(bad.any()):
            i = flat_index[bad][0].item()
            raise IndexError(f"out of range: tried to access index {i} on a tensor of {n} "
                             "elements.")
    pos = _C.where(flat_index < 0, flat_index + n, flat_index)
    shape = tuple(input.shape)

    def backward(g):
        return _C.zeros(n, dtype=g.dtype).index_add(0, pos, g.reshape(-1)).reshape(shape)

    return _apply("TakeBackward0", lambda t: t.reshape(-1).index_select(0, pos).reshape(
        index.shape), backward, input)


def take_along_dim(input, indices, dim=None):  # noqa: A002
    """``gather`` along dim with input and indices broadcast against each other in the other
    dims; without dim both are flattened."""
    _check_tensor("take_along_dim", input)
    _check_tensor("take_along_dim", indices, "indices", 2)
    if indices.dtype is not _dt.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_dtype_name(indices.dtype)}")
    if dim is None:
        return input.reshape(-1).gather(0, indices.reshape(-1))
    dim = _wrap_dim(_int("take_along_dim", dim, "dim", 3), input.dim())
    if input.dim() != indices.dim():
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {input.dim()} dimensions for input, "
                           f"and {indices.dim()} dimensions for indices")
    from . import broadcast_shapes

    a, b = list(input.shape), list(indices.shape)
    a[dim] = b[dim] = 1
    common = list(broadcast_shapes(a, b))
    ishape, jshape = list(common), list(common)
    ishape[dim], jshape[dim] = input.shape[dim], indices.shape[dim]
    return input.expand(ishape).gather(dim, indices.expand(jshape))


def ravel(input):  # noqa: A002
    """input flattened to 1-D (a view when the layout allows)."""
    _check_tensor("ravel", input)
    return input.contiguous().view(-1)


# ---- grids and products ----

def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors: output i varies along dim i ('ij'), or with the first
    two dims swapped ('xy', NumPy's default)."""
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    for i, t in enumerate(tensors):
        if not isinstance(t, _C.TensorBase):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing not in ("xy", "ij"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but '
                           f'received: {indexing}')
    for t in tensors:
        if t.dim() > 1:
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t}")
    for t in tensors:
        if t.dtype != tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    ts = list(tensors)
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = [t.numel() for t in ts]
    grids = []
    for i, t in enumerate(ts):
        view = [1] * len(ts)
        view[i] = -1
        grids.append(t.reshape(view).expand(shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def _check_vector(t):
    if t.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-D tensor, as the rows of a matrix."""
    for i, t in enumerate(tensors):
        if not isinstance(t, _C.TensorBase):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    for t in tensors:
        _check_vector(t)
    if len(tensors) == 1:
        return tensors[0]
    return _C.stack([g.reshape(-1) for g in meshgrid(*tensors, indexing="ij")], 1)


def combinations(input, r=2, with_replacement=False):  # noqa: A002
    """The length-r combinations of input's elements (itertools.combinations order), as rows."""
    _check_tensor("combinations", input)
    r = _int("combinations", r, "r", 2)
    _check_vector(input)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return _C.zeros(0, dtype=input.dtype)
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    rows = list(pick(range(input.shape[0]), r))
    cols = [_C.tensor([row[j] for row in rows], dtype=_dt.int64) for j in range(r)] if rows \
        else [_C.zeros(0, dtype=_dt.int64)] * r
    return _C.stack([input.index_select(0, c) for c in cols], 1)


def vander(x, N=None, increasing=False):  # noqa: N803 - torch's argument name
    """The Vandermonde matrix of a 1-D x: columns x**(N-1) ... x**0 (reversed if increasing)."""
    _check_tensor("vander", x, "x")
    if x.dim() != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else _int("vander", N, "N", 2)
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    base = x if x.dtype.is_floating_point else x.to(_dt.int64)
    if n == 0:
        return _C.zeros((x.shape[0], 0), dtype=base.dtype)
    cols = [_C.ones((x.shape[0], 1), dtype=base.dtype)]
    if n > 1:
        cols.append(base.unsqueeze(1).expand(x.shape[0], n - 1))
    out = _C.cat(cols, 1).cumprod(1)
    return out if increasing else flip(out, (1,))
