"""Writes at indices: scatter (src or value, reduce=), scatter_add, scatter_reduce (sum, prod,
mean, amax, amin, include_self), index_copy, index_fill, masked_select, masked_scatter, with
their in-place ``_`` forms.

The forward values are computed with NumPy (``np.add.at`` and friends) under no recording; the
gradients are PyTorch's formulas written with differentiable ops (gather, the scatters
themselves, where, index_select), recorded as one node with PyTorch's grad_fn name, so double
backward works.

Note:
    The in-place forms record the op on a copy of self and then copy the result back, so a
    tensor changed in place shows ``CopyBackwards`` as its grad_fn where PyTorch shows the op's
    own node; values and gradients are PyTorch's.
"""
from . import _C
from . import _dtype as _dt
from ._named_op import apply as _apply, np
from ._shape_ops import _check_tensor, _dtype_name, _int
from ._tensor import Tensor, _wrap_dim
from .amp import _policy as _amp

__all__ = ["scatter", "scatter_add", "scatter_reduce", "index_copy", "index_fill",
           "masked_select", "masked_scatter"]


def _np(t):
    t = t.detach()
    return (t.float() if t.dtype in (_dt.float16, _dt.bfloat16) else t).numpy()


def _back(a, like):
    """A NumPy result as a tensor of like's dtype."""
    t = _C.from_numpy(np.array(a, dtype=_np(like).dtype, order="C"))
    return t if t.dtype is like.dtype else t.to(like.dtype)


def _check_scatter(fname, x, dim, index, src):
    if index.dtype not in (_dt.int64, _dt.int32):
        raise RuntimeError(f"{fname}(): Expected dtype int32/int64 for index")
    if src is not None and src.dtype != x.dtype:
        raise RuntimeError(f"{fname}(): Expected self.dtype to be equal to src.dtype")
    nd = max(x.dim(), 1)
    if index.numel() == 0:
        return
    if max(index.dim(), 1) != nd:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    ishape = tuple(index.shape) or (1,)
    xshape = tuple(x.shape) or (1,)
    sshape = (tuple(src.shape) or (1,)) if src is not None else None
    if any(ishape[d] > xshape[d] for d in range(nd) if d != dim) or \
            sshape is not None and (len(sshape) != nd or any(i > s for i, s in zip(ishape, sshape))):
        extra = "" if sshape is None else f" and to be no larger size than src {list(sshape)}"
        raise RuntimeError(f"Expected index {list(ishape)} to be no larger than self "
                           f"{list(xshape)} apart from dimension {dim}{extra}")
    idx = index.numpy()
    bad = (idx < 0) | (idx >= xshape[dim])
    if bad.any():
        raise RuntimeError(f"index {idx[bad].flat[0]} is out of bounds for dimension {dim} with "
                           f"size {xshape[dim]}")


def _positions(index, dim, nd):
    idx = index.numpy().astype(np.int64).reshape(index.shape or (1,) * nd)
    pos = list(np.indices(idx.shape, sparse=True))
    pos[dim] = idx
    return tuple(pos), idx.shape


_IDENTITY = {"sum": 0, "mean": 0, "prod": 1, "amax": -float("inf"), "amin": float("inf")}


def _scatter_np(x, dim, index, src, reduce, include_self=True):
    """The forward values (NumPy): reduce None, 'sum', 'prod', 'mean', 'amax' or 'amin'."""
    a = _np(x).copy()
    shape = a.shape
    a = a.reshape(shape or (1,))
    if index.numel() == 0:
        return _back(a.reshape(shape), x)
    pos, ishape = _positions(index, dim, a.ndim)
    if isinstance(src, _C.TensorBase):
        s = _np(src).reshape(src.shape or (1,))
        s = s[tuple(slice(0, n) for n in ishape)]
    else:
        s = np.full(ishape, src, dtype=a.dtype) if a.dtype != np.bool_ else \
            np.full(ishape, bool(src))
    if reduce is None:
        a[pos] = s
        return _back(a.reshape(shape), x)
    hit = np.zeros(a.shape, dtype=bool)
    hit[pos] = True
    if not include_self:
        ident = _IDENTITY[reduce]
        if a.dtype.kind in "iub" and reduce in ("amax", "amin"):
            info = np.iinfo(a.dtype) if a.dtype.kind != "b" else None
            ident = (info.min if reduce == "amax" else info.max) if info else reduce == "amin"
        a[hit] = ident
    if reduce in ("sum", "mean"):
        np.add.at(a, pos, s)
    elif reduce == "prod":
        np.multiply.at(a, pos, s)
    elif reduce == "amax":
        np.maximum.at(a, pos, s)
    else:
        np.minimum.at(a, pos, s)
    if reduce == "mean":
        count = np.zeros(a.shape, dtype=np.int64)
        np.add.at(count, pos, 1)
        count += 1 if include_self else 0
        count = np.maximum(count, 1)
        a = a / count if a.dtype.kind == "f" else np.floor_divide(a, count).astype(a.dtype)
    return _back(a.reshape(shape), x)


def _index_like(index, nd):
    return index if index.dim() == nd else index.reshape((1,) * nd)


def _src_part(src, index):
    """The corner of src that index covers (src may be larger than index)."""
    if tuple(src.shape) == tuple(index.shape):
        return src
    return src[tuple(slice(0, n) for n in index.shape)]


def scatter(input, dim, index, src=None, *, value=None, reduce=None):  # noqa: A002
    """A copy of input with src's elements (or the number value) written at index along dim;
    reduce='add' or 'multiply' combines them with what is there instead."""
    _check_tensor("scatter", input)
    dim = _wrap_dim(_int("scatter", dim, "dim", 2), input.dim())
    _check_tensor("scatter", index, "index", 3)
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing 1 required positional argument: 'src'")
    tensor_src = isinstance(src, _C.TensorBase)
    if not tensor_src and (isinstance(src, str) or not isinstance(src, (int, float, bool))):
        raise TypeError(f"scatter(): argument 'value' must be Number, not {type(src).__name__}")
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    _check_scatter("scatter", input, dim, index, src if tensor_src else None)
    if reduce is not None:
        kind = "sum" if reduce == "add" else "prod"

        def no_grad(g):
            raise RuntimeError("derivative for aten::scatter is not implemented")

        return _apply("NotImplemented", lambda t, *s: _scatter_np(t, dim, index, src, kind),
                      no_grad, input, *((src,) if tensor_src else ()))
    nd = max(input.dim(), 1)
    if not tensor_src:
        return _apply("ScatterBackward1", lambda t: _scatter_np(t, dim, index, src, None),
                      lambda g: scatter(g, dim, index, 0.0), input)

    def backward(g):
        if index.numel() == 0:
            return g, _C.zeros(src.shape, dtype=g.dtype)
        gi = _index_like(index, nd)
        gs = g.reshape(g.shape or (1,)).gather(dim, gi).reshape(index.shape)
        return scatter(g, dim, index, 0.0), _pad_to(gs, src)

    return _apply("ScatterBackward0", lambda t, s: _scatter_np(t, dim, index, s, None), backward,
                  input, src)


def _pad_to(part, src):
    """part (index-shaped) as a gradient of src's shape: zeros where index does not reach."""
    if tuple(part.shape) == tuple(src.shape):
        return part
    out = _C.zeros(src.shape, dtype=part.dtype)
    out[tuple(slice(0, n) for n in part.shape)] = part
    return out


def scatter_add(input, dim, index, src):  # noqa: A002
    """A copy of input with src's elements added at index along dim."""
    return _reduce("scatter_add", input, dim, index, src, "sum", True, "ScatterAddBackward0")


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):  # noqa: A002
    """A copy of input with src's elements reduced into it at index along dim: reduce is 'sum',
    'prod', 'mean', 'amax' or 'amin'; include_self=False leaves input's own values out where
    something is scattered."""
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce) if isinstance(reduce, str) else reduce
    if reduce not in _IDENTITY:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    return _reduce("scatter_reduce", input, dim, index, src, reduce, include_self,
                   "ScatterReduceBackward0")


def _reduce(fname, input, dim, index, src, reduce, include_self, name):  # noqa: A002
    _check_tensor(fname, input)
    dim = _wrap_dim(_int(fname, dim, "dim", 2), input.dim())
    _check_tensor(fname, index, "index", 3)
    _check_tensor(fname, src, "src", 4)
    _check_scatter(fname, input, dim, index, src)
    if index.numel() == 0:
        return _apply(name, Tensor.clone, lambda g: (g, None), input, src)
    nd = max(input.dim(), 1)
    out_holder = []

    def forward(t, s):
        out = _scatter_np(t, dim, index, s, reduce, include_self)
        out_holder.append(out)
        return out

    def backward(g):
        return _reduce_grads(g, input, src, dim, index, reduce, include_self, out_holder[0], nd)

    return _apply(name, forward, backward, input, src)


def _reduce_grads(g, x, src, dim, index, reduce, include_self, out, nd):
    """PyTorch's scatter_reduce gradients (FunctionsManual's scatter_reduce_backward)."""
    gi = _index_like(index, nd)
    g1 = g.reshape(g.shape or (1,))
    src_p = _src_part(src, index).reshape(gi.shape)
    x1 = x.reshape(x.shape or (1,))
    out1 = out.reshape(out.shape or (1,))

    def gather(t):
        return t.gather(dim, gi)

    def unhit(t):  # t with zeros where something was scattered
        return scatter(t, dim, gi, 0.0)

    if reduce == "sum":
        gs, gx = gather(g1), g1 if include_self else unhit(g1)
    elif reduce == "mean":
        ones = _C.ones(gi.shape, dtype=g.dtype)
        base = _C.ones(g1.shape, dtype=g.dtype) if include_self else \
            unhit(_C.ones(g1.shape, dtype=g.dtype))
        count = scatter_add(base, dim, gi, ones)
        count = _C.where(count == 0, _C.ones((), dtype=g.dtype), count)
        gx = g1 / count if include_self else unhit(g1 / count)
        gs = gather(g1 / count)
    elif reduce == "prod":
        # the product of the other contributors at each position, exact with zeros
        is_zero_s = src_p == 0
        one = _C.ones((), dtype=g.dtype)
        s_nz = _C.where(is_zero_s, one, src_p)
        base_nz = _C.where(x1 == 0, one, x1) if include_self else _C.ones(g1.shape, dtype=g.dtype)
        prod_nz = scatter_reduce(base_nz, dim, gi, s_nz, "prod")
        zeros_at = scatter_add((x1 == 0).to(g.dtype) if include_self else
                               _C.zeros(g1.shape, dtype=g.dtype), dim, gi, is_zero_s.to(g.dtype))
        # self: the product of the scattered sources
        src_prod = scatter_reduce(_C.ones(g1.shape, dtype=g.dtype), dim, gi, src_p, "prod")
        gx = g1 * src_prod if include_self else unhit(g1)
        # source j: prod_nz / s_j when no zero or only s_j is zero, else 0
        zs = gather(zeros_at)
        others = _C.where(is_zero_s, _C.where(zs == 1, gather(prod_nz), _C.zeros((), dtype=g.dtype)),
                          _C.where(zs == 0, gather(prod_nz) / s_nz, _C.zeros((), dtype=g.dtype)))
        gs = gather(g1) * others
    else:  # amax, amin: shared evenly among the elements equal to the result
        x_hit = (x1 == out1).to(g.dtype)
        if not include_self:
            x_hit = unhit(x_hit)
        s_hit = (src_p == gather(out1)).to(g.dtype)
        ties = scatter_add(x_hit, dim, gi, s_hit)
        gx = g1 * x_hit / _C.where(ties == 0, _C.ones((), dtype=g.dtype), ties)
        gs = gather(g1) * s_hit / gather(ties)
    return gx.reshape(x.shape), _pad_to(gs.reshape(index.shape), src)


def _check_index_vector(fname, index, msg, error=RuntimeError):
    _check_tensor(fname, index, "index", 3)
    if index.dtype is not _dt.int64:
        raise error(msg.format(_dtype_name(index.dtype)))
    if index.dim() > 1:
        raise RuntimeError("Index has to be a vector/scalar" if fname == "index_fill" else
                           "index_copy_(): Index should have dimension 1 or 0 (got "
                           f"{index.dim()})")


def _along(dim, index):
    return (slice(None),) * dim + (index.reshape(-1),)


@_amp.promote
def index_copy(input, dim, index, source):  # noqa: A002
    """A copy of input with the slices of source along dim written at positions index."""
    _check_tensor("index_copy", input)
    dim = _wrap_dim(_int("index_copy", dim, "dim", 2), input.dim())
    _check_index_vector("index_copy", index,
                        "index_copy_(): Expected a long tensor for index, but got {}")
    _check_tensor("index_copy", source, "source", 4)
    if source.dtype != input.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but "
                           f"got (self) {_dtype_name(input.dtype)} and (source) "
                           f"{_dtype_name(source.dtype)}")
    n = index.numel()
    ssize = source.shape[dim] if source.dim() else 1
    if n != ssize:
        raise IndexError(f"index_copy_(): Number of indices ({n}) should be equal to "
                         f"source.size(dim) ({ssize})")
    size = input.shape[dim] if input.dim() else 1
    flat = index.reshape(-1)
    if n and bool(((flat < 0) | (flat >= size)).any()):
        bad = flat[(flat < 0) | (flat >= size)][0].item()
        raise IndexError(f"index_copy_(): index {bad} is out of bounds for dimension {dim} with "
                         f"size {size}")
    if input.dim() == 0:
        return _apply("IndexCopyBackward0", lambda t, s: s.reshape(()).clone(),
                      lambda g: (g * 0, g.reshape(source.shape)), input, source)

    def forward(t, s):
        out = t.clone()
        out[_along(dim, index)] = s
        return out

    def backward(g):
        return index_fill(g, dim, index, 0.0), g.index_select(dim, flat).reshape(source.shape)

    return _apply("IndexCopyBackward0", forward, backward, input, source)


def index_fill(input, dim, index, value):  # noqa: A002
    """A copy of input with the slices at positions index along dim set to value."""
    _check_tensor("index_fill", input)
    dim = _wrap_dim(_int("index_fill", dim, "dim", 2), input.dim())
    _check_index_vector("index_fill", index, "index_fill_(): Expected dtype int64 for index.",
                        IndexError)
    tensor_value = isinstance(value, _C.TensorBase)
    if tensor_value and value.dim() != 0:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value.dim()} dimension(s).")
    if not tensor_value and (isinstance(value, str) or not isinstance(value, (int, float, bool))):
        raise TypeError(f"index_fill(): argument 'value' (position 4) must be Number, not "
                        f"{type(value).__name__}")
    size = input.shape[dim] if input.dim() else 1
    flat = index.reshape(-1)
    wrapped = _C.where(flat < 0, flat + size, flat)
    if flat.numel() and bool(((wrapped < 0) | (wrapped >= size)).any()):
        bad = flat[(wrapped < 0) | (wrapped >= size)][0].item()
        raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {size}")
    x0 = input.dim() == 0

    def forward(t, *v):
        out = (t.reshape(1) if x0 else t).clone()
        out[_along(dim, wrapped)] = v[0].to(t.dtype) if v else value
        return out.reshape(()) if x0 else out

    def backward(g):
        gx = index_fill(g, dim, index, 0.0)
        if not tensor_value:
            return gx
        picked = (g.reshape(1) if x0 else g).index_select(dim, wrapped)
        return gx, picked.sum().to(value.dtype) if value.dtype.is_floating_point else None

    if tensor_value:
        return _apply("IndexFillBackward1", forward, backward, input, value)
    return _apply("IndexFillBackward0", forward, backward, input)


def _sum_to(t, shape):
    """t summed down to shape (the gradient of a broadcast)."""
    shape = tuple(shape)
    lead = t.dim() - len(shape)
    if lead:
        t = t.sum(tuple(range(lead)))
    dims = tuple(d for d, n in enumerate(shape) if n == 1 and t.shape[d] != 1)
    return t.sum(dims, keepdim=True) if dims else t


def masked_select(input, mask):  # noqa: A002
    """The elements of input where mask (broadcast with it) is True, as a 1-D tensor."""
    _check_tensor("masked_select", input)
    _check_tensor("masked_select", mask, "mask", 2)
    if mask.dtype is not _dt.bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    from . import broadcast_shapes

    shape = tuple(broadcast_shapes(input.shape, mask.shape))
    m = mask.expand(shape)

    def backward(g):
        z = _C.zeros(shape, dtype=g.dtype)
        z[m] = g
        return _sum_to(z, input.shape)

    return _apply("MaskedSelectBackward0", lambda t: t.expand(shape)[m], backward, input)


def masked_scatter(input, mask, source):  # noqa: A002
    """A copy of input with source's elements, in order, written where mask is True."""
    _check_tensor("masked_scatter", input)
    _check_tensor("masked_scatter", mask, "mask", 2)
    _check_tensor("masked_scatter", source, "source", 3)
    if mask.dtype is not _dt.bool:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{_dtype_name(mask.dtype)}")
    if source.dtype != input.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got"
                           f"{_dtype_name(input.dtype)} and {_dtype_name(source.dtype)}")
    from . import broadcast_shapes

    shape = tuple(broadcast_shapes(input.shape, mask.shape))
    m = mask.expand(shape)
    k = int(m.sum().item()) if m.numel() else 0
    if source.numel() < k:
        raise RuntimeError("Number of elements of source < number of ones in mask")

    def forward(t, s):
        out = t.expand(shape).clone()
        out[m] = s.reshape(-1)[:k]
        return out

    def backward(g):
        gx = _sum_to(_C.where(m, _C.zeros((), dtype=g.dtype), g), input.shape)
        picked = g[m]
        rest = source.numel() - k
        if rest:
            picked = _C.cat([picked, _C.zeros(rest, dtype=g.dtype)])
        return gx, picked.reshape(source.shape)

    return _apply("MaskedScatterBackward0", forward, backward, input, source)
