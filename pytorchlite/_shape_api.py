"""Attaches the shape, indexing and counting ops (_shape_ops, _scatter_ops, _count_ops) as
Tensor methods with PyTorch's method forms (``x.flip(0, 1)``, ``x.tile(2)``, in-place ``_``
versions), adds the in-place view ops (t_, transpose_, squeeze_, unsqueeze_, resize_) and
as_strided, and lists the torch-level functions ``pytorchlite/__init__.py`` exports.
"""
from . import _C
from . import _count_ops as _cnt
from . import _scatter_ops as _sc
from . import _shape_ops as _sh
from ._named_op import apply as _apply, composite_ as _composite_, np
from ._size import Size
from ._tensor import Tensor, _wrap_dim

__all__ = ["FUNCTIONS"]


def _varargs(fn, name, argname="dims"):
    """A method taking its sequence argument as *ints too: ``x.flip(0, 1)``, ``x.tile(2)``."""
    def method(self, *dims):
        if not dims:
            raise TypeError(f'{name}() missing 1 required positional arguments: "{argname}"')
        if len(dims) == 1:
            dims = dims[0]
            if not isinstance(dims, (tuple, list, Size)) and hasattr(type(dims), "__index__") \
                    and not isinstance(dims, (float, bool)):
                dims = (dims,)
        return fn(self, dims)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = fn.__doc__
    return method


def _broadcast_to(self, *size):
    """self expanded to size (a view, as ``expand``)."""
    if not size:
        raise TypeError('broadcast_to() missing 1 required positional arguments: "size"')
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = tuple(size[0])
    return _sh.broadcast_to(self, size)


# the node PyTorch's in-place form records (a tensor value, or no src, gives the "1" form)
_INPLACE_NODES = {"tril_": "TrilBackward0", "triu_": "TriuBackward0",
                  "scatter_": "ScatterBackward0", "scatter_add_": "ScatterAddBackward0",
                  "scatter_reduce_": "ScatterReduceBackward0", "index_copy_": "IndexCopyBackward0",
                  "index_fill_": "IndexFillBackward0", "masked_scatter_": "MaskedScatterBackward0"}


def _inplace(fn, name):
    """self.name_(...): fn's result written back into self. With a graph, self takes one node
    named as PyTorch's in-place op (TrilBackward0, ScatterBackward0...) whose edges are self's
    earlier history and the floating tensor arguments (_named_op.composite_)."""
    def method(self, *args, **kwargs):
        pos = [i for i, a in enumerate(args) if isinstance(a, _C.TensorBase) and
               a.is_floating_point()]
        edges = tuple(args[i] for i in pos)
        if not (_C.is_grad_enabled() and (self.requires_grad or
                                          any(e.requires_grad for e in edges))):
            return self.copy_(fn(self, *args, **kwargs))
        node = _INPLACE_NODES[name]
        if (name == "scatter_" and not (len(args) > 2 and isinstance(args[2], _C.TensorBase))) or \
                (name == "index_fill_" and len(args) > 2 and isinstance(args[2], _C.TensorBase)):
            node = node[:-1] + "1"

        def call(s, *tensors):
            full = list(args)
            for i, t in zip(pos, tensors):
                full[i] = t
            return fn(s, *full, **kwargs)
        return _composite_(node, call, self, *edges)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place ``{name[:-1]}``."
    return method


def _repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
    """Each element (each slice along dim) repeated repeats times."""
    if repeats is None:
        raise TypeError("repeat_interleave() received an invalid combination of arguments - got "
                        "(), but expected one of:\n * (Tensor repeats, int dim = None, *, int "
                        "output_size = None)\n * (int repeats, int dim = None, *, int output_size "
                        "= None)\n")
    return _sh.repeat_interleave(self, repeats, dim, output_size=output_size)


def _count_nonzero(self, *dim, **kwargs):
    """How many elements are nonzero, overall or along the dims given."""
    if len(dim) > 1:
        return _cnt.count_nonzero(self, dim, **kwargs)
    return _cnt.count_nonzero(self, *dim, **kwargs)


def _split_method(fn):
    def method(self, *indices_or_sections):
        if len(indices_or_sections) == 1:
            indices_or_sections = indices_or_sections[0]
        elif not indices_or_sections:
            raise TypeError(f'{fn.__name__}() missing 1 required positional arguments: '
                            '"indices_or_sections"')
        else:
            indices_or_sections = list(indices_or_sections)
        return fn(self, indices_or_sections)

    method.__name__ = method.__qualname__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


def _scatter_method(self, dim, index, src=None, value=None, *, reduce=None):
    """A copy of self with src's elements (or value) written at index along dim."""
    return _sc.scatter(self, dim, index, src, value=value, reduce=reduce)


def _scatter_inplace(self, dim, index, src=None, value=None, *, reduce=None):
    """In-place ``scatter``; reduce='add' or 'multiply' combines with what is there."""
    return _inplace(_sc.scatter, "scatter_")(self, dim, index, src, value=value, reduce=reduce)


# ---- in-place view ops: the tensor takes the new geometry over the same storage ----

def _set_geometry(self, view_of, name):
    """self takes the geometry of view_of(self) over the same storage; with a graph, also its
    history (the view op's node after self's own)."""
    self._check_inplace()  # a leaf, or a view of one, requiring grad: PyTorch's errors
    if _C.is_grad_enabled() and self.requires_grad:
        _C._take_view(self, view_of(self))
        return self
    self.data = view_of(self.detach())
    return self


def t_(self):
    """In-place ``t``: a tensor of at most 2 dims transposed."""
    if self.dim() > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {self.dim()}D")
    return _set_geometry(self, Tensor.t, "t_")


def transpose_(self, dim0, dim1):
    """In-place ``transpose``."""
    return _set_geometry(self, lambda t: t.transpose(dim0, dim1), "transpose_")


def squeeze_(self, *dim, **kwargs):
    """In-place ``squeeze`` (of all size-1 dims, of one dim, or of those among a list)."""
    if kwargs:
        if dim or set(kwargs) != {"dim"}:
            raise TypeError("squeeze_() received an invalid combination of arguments")
        dim = (kwargs["dim"],)
    listed = len(dim) > 1 or (len(dim) == 1 and isinstance(dim[0], (tuple, list)))
    if len(dim) == 1 and isinstance(dim[0], (tuple, list)):
        dim = tuple(dim[0])
    if not listed and (not dim or dim == (None,)):
        return _set_geometry(self, Tensor.squeeze, "squeeze_")
    dims = [_sh._int("squeeze_", k, "dim", 1) for k in dim]
    # a list of dims is one SqueezeBackward5 node, a single dim SqueezeBackward4 (PyTorch's);
    # the view op checks the dims (after the in-place checks, as PyTorch's order)
    return _set_geometry(self, lambda t: t.squeeze(tuple(dims) if listed else dims[0]),
                         "squeeze_")


def unsqueeze_(self, dim):
    """In-place ``unsqueeze``."""
    return _set_geometry(self, lambda t: t.unsqueeze(dim), "unsqueeze_")


def resize_(self, *sizes, memory_format=None):
    """Gives the tensor the shape sizes, keeping its elements in flat order; new elements are
    zeros.

    Note:
        PyTorch leaves the new elements uninitialized and keeps the storage (views of the
        tensor see the change); pytorchlite gives the tensor a storage of its own.
    """
    if not sizes:
        raise TypeError('resize_() missing 1 required positional arguments: "size"')
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list, Size)):
        sizes = tuple(sizes[0])
    sizes = _sh._ints("resize_", sizes, "size", 1)
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    for n in sizes:
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: "
                               f"{list(sizes)}")
    n = 1
    for s in sizes:
        n *= s
    flat = self.detach().reshape(-1)
    if n <= flat.numel():
        new = flat[:n].clone()
    else:
        new = _C.cat([flat, _C.zeros(n - flat.numel(), dtype=self.dtype)])
    self.data = new.reshape(sizes)
    return self


def as_strided(self, size, stride, storage_offset=None):
    """A view of self's storage: element i of the result is at storage_offset +
    sum(i_k * stride[k]) (storage_offset defaults to self's own).

    Note:
        Where a graph is recorded (self requires grad), pytorchlite returns a copy with
        AsStridedBackward0 (whose gradient adds up overlapping positions as PyTorch's does)
        that reaches only storage positions of self's own elements (others raise
        NotImplementedError); PyTorch returns a view there too.
    """
    size = _sh._ints("as_strided", size, "size", 1)
    stride = _sh._ints("as_strided", stride, "stride", 2)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {list(stride)}")
    for n in size:
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {list(size)}")
    offset = self.storage_offset() if storage_offset is None else \
        _sh._int("as_strided", storage_offset, "storage_offset", 3)
    if not (_C.is_grad_enabled() and self.requires_grad):
        try:
            return self._as_strided(size, stride, offset)
        except RuntimeError as e:
            if str(e).startswith("storage offset"):
                raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, "
                                   f"{e}") from None
            raise
    own = np.full(1, self.storage_offset(), dtype=np.int64)  # self's elements' positions
    for n, st in zip(self.shape, self.stride()):
        own = own[..., None] + np.arange(n, dtype=np.int64) * st
    want = np.full(1, offset, dtype=np.int64)
    for n, st in zip(size, stride):
        want = want[..., None] + np.arange(n, dtype=np.int64) * st
    where = {int(p): i for i, p in enumerate(own.reshape(-1))}
    try:
        flat_index = np.array([where[int(p)] for p in want.reshape(-1)], dtype=np.int64)
    except KeyError:
        raise NotImplementedError("pytorchlite: as_strided of a tensor that requires grad reaching "
                                  "storage outside the tensor's own elements is not supported") \
            from None
    index = _C.from_numpy(flat_index)
    shape = tuple(self.shape)

    def forward(t):
        return t.reshape(-1)[index].reshape(size)

    def backward(g):
        z = _C.zeros(self.numel(), dtype=g.dtype)
        return z.index_add(0, index, g.reshape(-1)).reshape(shape)

    return _apply("AsStridedBackward0", forward, backward, self)


def _pieces_named(method, base, name_of):
    """method (split, unbind) with each piece's grad_fn named as PyTorch names the op's node
    (name_of(args, kwargs)) instead of the view it is made with (``base``)."""
    def named(self, *args, **kwargs):
        pieces = method(self, *args, **kwargs)
        name = name_of(args, kwargs)
        for p in pieces:
            _C._rename_grad_fn(p, base, name)
        return pieces

    named.__name__ = named.__qualname__ = method.__name__
    named.__doc__ = method.__doc__
    return named


def _split_name(args, kwargs):
    sizes = args[0] if args else kwargs.get("split_size_or_sections", kwargs.get("split_size"))
    return "SplitBackward0" if isinstance(sizes, int) else "SplitWithSizesBackward0"


def _attach():
    # chunk and split_with_sizes go through split
    Tensor.split = _pieces_named(Tensor.split, "SliceBackward0", _split_name)
    Tensor.unbind = _pieces_named(Tensor.unbind, "SelectBackward0",
                                  lambda args, kwargs: "UnbindBackward0")
    plain = {n: getattr(_sh, n) for n in (
        "fliplr", "flipud", "rot90", "tril", "triu", "diag", "diag_embed", "diagonal",
        "diagflat", "trace", "movedim", "tensor_split", "take", "take_along_dim", "ravel")}
    plain.update({n: getattr(_sc, n) for n in (
        "scatter_add", "scatter_reduce", "index_copy", "index_fill", "masked_select",
        "masked_scatter")})
    plain.update({n: getattr(_cnt, n) for n in (
        "argwhere", "unique", "unique_consecutive", "bincount", "histc",
        "histogram")})
    for name, fn in plain.items():
        setattr(Tensor, name, fn)
    Tensor.moveaxis = _sh.movedim
    Tensor.repeat_interleave = _repeat_interleave
    Tensor.count_nonzero = _count_nonzero
    for fn in (_sh.hsplit, _sh.vsplit, _sh.dsplit):
        setattr(Tensor, fn.__name__, _split_method(fn))
    Tensor.flip = _varargs(_sh.flip, "flip")
    Tensor.tile = _varargs(_sh.tile, "tile")
    Tensor.roll = _sh.roll
    Tensor.broadcast_to = _broadcast_to
    Tensor.scatter = _scatter_method
    Tensor.scatter_ = _scatter_inplace
    for name, fn in (("tril_", _sh.tril), ("triu_", _sh.triu), ("scatter_add_", _sc.scatter_add),
                     ("scatter_reduce_", _sc.scatter_reduce), ("index_copy_", _sc.index_copy),
                     ("index_fill_", _sc.index_fill), ("masked_scatter_", _sc.masked_scatter)):
        setattr(Tensor, name, _inplace(fn, name))
    for fn in (t_, transpose_, squeeze_, unsqueeze_, resize_, as_strided):
        setattr(Tensor, fn.__name__, fn)
    Tensor.swapaxes_ = Tensor.swapdims_ = transpose_
    Tensor.swapaxes.__doc__ = "self with dims axis0 and axis1 swapped (``transpose``)."
    Tensor.unflatten.__doc__ = "self with dim expanded into the dims of sizes (a view)."


_attach()

FUNCTIONS = {n: getattr(_sh, n) for n in _sh.__all__}
FUNCTIONS.update({n: getattr(_sc, n) for n in _sc.__all__})
FUNCTIONS.update({n: getattr(_cnt, n) for n in _cnt.__all__ if n != "dispatching"})
FUNCTIONS.update(unique=_cnt.dispatching(_cnt.unique, (("return_counts", 3), ("return_inverse", 2))),
                 unique_consecutive=_cnt.dispatching(_cnt.unique_consecutive,
                                                     (("return_counts", 2), ("return_inverse", 1))))
FUNCTIONS.update(row_stack=_sh.vstack, moveaxis=_sh.movedim)


def split(tensor, split_size_or_sections, dim=0):
    """Views of tensor along dim: pieces of split_size_or_sections (an int; the last may be
    smaller) or of the listed sizes. As PyTorch's, it calls ``tensor.split``."""
    return tensor.split(split_size_or_sections, dim)


def unbind(input, dim=0):  # noqa: A002
    """The slices of input along dim, that dim removed (views)."""
    _sh._check_tensor("unbind", input)
    return input.unbind(dim)


FUNCTIONS.update(split=split, unbind=unbind)
