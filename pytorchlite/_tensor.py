"""``pytorchlite.Tensor``: the Python class over the C type ``_C.TensorBase``.

Methods that are one core op live in C (csrc/python/methods.c); the composites PyTorch users
expect (``to``, ``flatten``, ``masked_fill``, ``backward``, printing ...) are written here from
those ops and need no backward of their own.
"""
import copyreg
from operator import index as _index

from . import _C
from . import _devices, _subclass
from . import _dtype as _dt
from ._size import Size
from .amp import _policy as _amp

__all__ = ["Tensor"]

# PyTorch's name for the __torch_function__ that turns dispatch off (nn.Parameter uses it)
_C._disabled_torch_function_impl = _subclass.disabled_torch_function_impl


def _wrap_dim(dim, ndim):
    """dim in [-ndim, ndim) (a 0-dim tensor takes 0 and -1) as a non-negative int, or PyTorch's
    IndexError."""
    n = max(ndim, 1)
    if isinstance(dim, _C.TensorBase) and dim.numel() == 1:
        dim = _index(dim)  # a one-element integer tensor passes for an int
    if not -2 ** 63 <= dim < 2 ** 63:
        raise ValueError("Overflow when unpacking long long")  # PyTorch's int64 argument parsing
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim + n if dim < 0 else dim


def _check_tensor_arg(fname, other, name="other"):
    if not isinstance(other, _C.TensorBase):
        raise TypeError(f"{fname}(): argument '{name}' (position 1) must be Tensor, not "
                        f"{type(other).__name__}")


def _check_bool_arg(fname, value, name):
    if not isinstance(value, bool):
        raise TypeError(f"{fname}(): argument '{name}' must be bool, not {type(value).__name__}")


def _new_size(fname, size):
    if not size:
        raise TypeError(f'{fname}() missing 1 required positional arguments: "size"')
    return size


# the factory keywords PyTorch's new_* methods take besides dtype and requires_grad
_FACTORY_KW = frozenset({"device", "layout", "pin_memory"})


def _check_factory_kw(fname, kw):
    for k in kw:
        if k not in _FACTORY_KW:
            raise TypeError(f"{fname}() got an unexpected keyword argument '{k}'")
    _devices.check_device(kw.get("device"))


def _shape_arg(size):
    if len(size) == 1 and not isinstance(size[0], int):
        return tuple(size[0])
    return size


class Tensor(_C.TensorBase):
    """A multi-dimensional array with autograd, PyTorch's ``torch.Tensor``."""

    __slots__ = ()
    __module__ = "pytorchlite"  # printed as pytorchlite.Tensor, as torch prints torch.Tensor
    # NumPy scalars defer their operators to a tensor (np.float64(2) * t is a Tensor)
    __array_priority__ = 1000

    # Construction is _C.TensorBase.__new__ (PyTorch's legacy constructor), all of the default
    # dtype: Tensor() is an empty tensor, Tensor(2, 3) uninitialised, Tensor([1, 2]) data, and
    # a subclass MyT(data) is a MyT.

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _subclass.install_dispatch(cls)

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        """PyTorch's default: runs func and returns its tensors as instances of cls."""
        return _subclass.default_torch_function(cls, func, types, args, kwargs)

    # ---- printing ----
    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import tensor_repr

        return tensor_repr(self, tensor_contents)

    def __format__(self, spec):
        from ._tensor_str import tensor_format

        return tensor_format(self, spec)

    # ---- autograd: backward and hooks (pytorchlite/autograd/) ----
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Computes the gradient of this tensor w.r.t. the graph leaves (or only ``inputs``)."""
        if inputs is None and not create_graph and (gradient is None or
                                                    isinstance(gradient, _C.TensorBase)):
            _C._run_backward((self,), (gradient,), bool(retain_graph), None, True)  # fast path
            return
        from . import autograd

        autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def register_hook(self, hook):
        """Registers ``hook(grad) -> Tensor or None`` on this tensor's gradient; returns a
        handle whose ``remove()`` unregisters it."""
        from .autograd import graph

        return graph.register_tensor_hook(self, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Registers ``hook(tensor)`` to run after backward accumulated into this leaf's .grad."""
        from .autograd import graph

        return graph.register_post_accumulate_grad_hook(self, hook)

    def retain_grad(self):
        """Keeps the gradient backward computes for this non-leaf in .grad."""
        fn = self.grad_fn
        if fn is not None and len(getattr(fn, "_output_meta", ())) > 1:
            from .autograd import graph

            return graph.retain_output_grad(self)
        return _C.TensorBase.retain_grad(self)

    @property
    def output_nr(self):
        return _C._output_nr(self)

    def is_inference(self):
        """Whether this tensor was made under ``torch.inference_mode()``."""
        return _C._is_inference(self)

    def cumprod(self, dim, dtype=None):
        """Cumulative product along dim (CumprodBackward0 when it requires grad)."""
        from .autograd import _formulas

        dim = _wrap_dim(dim, self.dim())
        x = self if dtype is None else self.to(dtype)
        if not x.dtype.is_floating_point:
            x = x.to(_dt.int64)
        if x.requires_grad and _C.is_grad_enabled():
            return _formulas.cumprod(x, dim)
        return _formulas._cumprod_forward(x, dim)

    # ---- conversions ----
    def to(self, *args, **kwargs):
        """Returns the tensor with the requested dtype (device must be the CPU)."""
        dtype = kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        copy = kwargs.pop("copy", False)
        device = kwargs.pop("device", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() received an invalid combination of arguments - got an unexpected "
                            f"keyword argument '{next(iter(kwargs))}'")
        for a in args:
            if isinstance(a, _dt.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, str) or a is None or hasattr(a, "type"):
                device = a
            elif isinstance(a, bool):
                pass
            else:
                raise TypeError(f"to() received an invalid combination of arguments - got ({type(a).__name__})")
        _devices.check_device(device, moving=True)
        out = self if dtype is None else self._to_dtype(dtype)
        if copy and out is self:
            out = self.clone()
        return out

    def type(self, dtype=None):
        names = {_dt.float32: "torch.FloatTensor", _dt.float64: "torch.DoubleTensor",
                 _dt.int64: "torch.LongTensor", _dt.bool: "torch.BoolTensor",
                 _dt.float16: "torch.HalfTensor", _dt.bfloat16: "torch.BFloat16Tensor",
                 _dt.int32: "torch.IntTensor", _dt.int16: "torch.ShortTensor",
                 _dt.int8: "torch.CharTensor", _dt.uint8: "torch.ByteTensor"}
        if dtype is None:
            return names[self.dtype]
        if isinstance(dtype, str):
            by_name = {v: k for k, v in names.items()}
            if dtype not in by_name:
                raise ValueError(f"invalid type: '{dtype}'")
            dtype = by_name[dtype]
        return self._to_dtype(dtype)

    def float(self):
        return self._to_dtype(_dt.float32)

    def double(self):
        return self._to_dtype(_dt.float64)

    def long(self):
        return self._to_dtype(_dt.int64)

    def int(self):
        return self._to_dtype(_dt.int32)

    def short(self):
        return self._to_dtype(_dt.int16)

    def byte(self):
        return self._to_dtype(_dt.uint8)

    def char(self):
        return self._to_dtype(_dt.int8)

    def half(self):
        return self._to_dtype(_dt.float16)

    def bfloat16(self):
        return self._to_dtype(_dt.bfloat16)

    @property
    def itemsize(self):
        """Bytes per element (``element_size()``)."""
        return self.dtype.itemsize

    @property
    def nbytes(self):
        """Bytes the elements take: ``numel() * element_size()``."""
        return self.numel() * self.dtype.itemsize

    def bool(self):
        return self._to_dtype(_dt.bool)

    def type_as(self, other):
        _check_tensor_arg("type_as", other)
        return self._to_dtype(other.dtype)

    def cpu(self):
        return self

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        _devices.check_device(device if isinstance(device, int) else "cuda", moving=True)

    @property
    def device(self):
        from . import device

        return device("cpu")

    @property
    def layout(self):
        return "torch.strided"

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()  # a tensor that requires grad raises, as in PyTorch
        return a if dtype is None else a.astype(dtype, copy=False)

    def __array_wrap__(self, array, context=None, return_scalar=False):
        """NumPy ufuncs on a tensor (np.exp(t), np.add(t, 1)) return a tensor, as PyTorch's do.

        A bool result becomes uint8, as PyTorch's does.
        """
        t = _C.from_numpy(array)
        return t.byte() if t.dtype is _dt.bool else t

    def __reduce_ex__(self, proto):
        # order="K" keeps the dimension order of the strides (a transposed tensor stays so)
        t = self.detach()
        if t.dtype is _dt.bfloat16:  # NumPy has no bfloat16: its bits travel as int16
            return (_rebuild_tensor, (t.view(_dt.int16).numpy().copy(order="K"),
                                      self.requires_grad, "bfloat16"))
        return (_rebuild_tensor, (t.numpy().copy(order="K"), self.requires_grad))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment.  If you were attempting to deepcopy a module, this may "
                "be because of a torch.nn.utils.weight_norm usage, see "
                "https://github.com/pytorch/pytorch/pull/103001")
        if id(self) in memo:
            return memo[id(self)]
        new = self.detach().clone()
        if type(self) is not Tensor:
            new = type(self)._make_subclass(type(self), new, self.requires_grad)
        else:
            new.requires_grad_(self.requires_grad)
        if self.grad is not None:
            new.grad = self.grad.detach().clone()
        memo[id(self)] = new
        return new

    # ---- shapes ----
    @property
    def T(self):
        return self.permute(*reversed(range(self.dim())))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    def view_as(self, other):
        _check_tensor_arg("view_as", other)
        return self.view(other.shape)

    def reshape_as(self, other):
        _check_tensor_arg("reshape_as", other)
        return self.reshape(other.shape)

    def expand_as(self, other):
        _check_tensor_arg("expand_as", other)
        return self.expand(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        n = self.dim()
        if n == 0:
            return self.reshape(1)
        s = start_dim + n if start_dim < 0 else start_dim
        e = end_dim + n if end_dim < 0 else end_dim
        if not (0 <= s < n and 0 <= e < n):
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                             f"but got {start_dim if not 0 <= s < n else end_dim})")
        if s > e:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        if s == e:
            return self
        shape = self.shape
        mid = 1
        for d in shape[s:e + 1]:
            mid *= d
        return self.reshape(tuple(shape[:s]) + (mid,) + tuple(shape[e + 1:]))

    def unflatten(self, dim, sizes):
        n = self.dim()
        if n == 0:
            raise RuntimeError("unflatten got an unexpected error: Dimension specified as 0 but "
                               "tensor has no dimensions")
        d = _wrap_dim(dim, n)
        return self.reshape(tuple(self.shape[:d]) + tuple(sizes) + tuple(self.shape[d + 1:]))

    def swapaxes(self, axis0, axis1):
        return self.transpose(axis0, axis1)

    def swapdims(self, dim0, dim1):
        return self.transpose(dim0, dim1)

    def chunk(self, chunks, dim=0):
        if self.dim() == 0:
            raise RuntimeError("chunk expects at least a 1-dimensional tensor")
        if chunks <= 0:
            raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
        size = self.shape[_wrap_dim(dim, self.dim())]
        if size == 0:
            return self.split([0] * chunks, dim)
        step = -(-size // chunks)
        return self.split(step, dim)

    def split(self, split_size_or_sections, dim=0):
        if self.dim() == 0:
            raise RuntimeError("split expects at least a 1-dimensional tensor")
        if isinstance(split_size_or_sections, int) and split_size_or_sections < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got "
                               f"split_size={split_size_or_sections}")
        dim = _wrap_dim(dim, self.dim())
        size = self.shape[dim]
        if isinstance(split_size_or_sections, int):
            step = split_size_or_sections
            if step == 0 and size != 0:
                raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                                   f"dimension size of {size}")
            bounds = [(i, min(i + step, size)) for i in range(0, size, step or 1)] or [(0, 0)]
        else:
            sizes = list(split_size_or_sections)
            if any(s < 0 for s in sizes):
                raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                                   f"entries, but got split_sizes={sizes}")
            bounds, at = [], 0
            for s in sizes:
                bounds.append((at, at + s))
                at += s
            if at != size:
                raise RuntimeError(
                    f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's "
                    f"size at dimension {dim}), but got split_sizes={list(split_size_or_sections)}")
        return tuple(self.narrow(dim, a, b - a) for a, b in bounds)

    def unbind(self, dim=0):
        if self.dim() == 0:
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        return tuple(self.select(dim, i) for i in range(self.shape[_wrap_dim(dim, self.dim())]))

    def repeat(self, *sizes):
        if not sizes:
            raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
        sizes = _shape_arg(sizes)
        for r in sizes:
            if isinstance(r, float) or not hasattr(type(r), "__index__"):
                raise TypeError(f"repeat(): argument 'repeats' must be tuple of ints, but found "
                                f"element of type {type(r).__name__}")
        sizes = tuple(r.__index__() for r in sizes)
        if len(sizes) < self.dim():
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                               "of dimensions of tensor")
        t = self.reshape((1,) * (len(sizes) - self.dim()) + tuple(self.shape))
        if 0 in sizes or 0 in t.shape:  # nothing to repeat (the pairs' product may overflow)
            return t.reshape([r * d for r, d in zip(sizes, t.shape)])
        # a broadcast dim before each repeated dim, then merge the pairs
        shape = []
        expand = []
        for r, d in zip(sizes, t.shape):
            shape += [1, d] if r != 1 else [d]
            expand += [r, d] if r != 1 else [d]
        out = t.reshape(shape).expand(expand)
        return out.reshape([r * d for r, d in zip(sizes, t.shape)])

    def new_empty(self, *size, dtype=None, requires_grad=False, **kw):
        _check_factory_kw("new_empty", kw)
        return _C.empty(*_new_size("new_empty", size), dtype=dtype or self.dtype,
                        requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, requires_grad=False, **kw):
        _check_factory_kw("new_zeros", kw)
        return _C.zeros(*_new_size("new_zeros", size), dtype=dtype or self.dtype,
                        requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad=False, **kw):
        _check_factory_kw("new_ones", kw)
        return _C.ones(*_new_size("new_ones", size), dtype=dtype or self.dtype,
                       requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, requires_grad=False, **kw):
        _check_factory_kw("new_full", kw)
        return _C.full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_tensor(self, data, dtype=None, requires_grad=False, **kw):
        _check_factory_kw("new_tensor", kw)
        return _C.tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    # ---- composites ----
    def masked_fill(self, mask, value):
        v = value if isinstance(value, Tensor) else _C.full((), value, dtype=self.dtype)
        return _C.where(mask, v, self)

    def masked_fill_(self, mask, value):
        from ._named_op import composite_

        if isinstance(value, Tensor) and value.is_floating_point():  # (MaskedFillBackward1)
            return composite_("MaskedFillBackward1", lambda s, v: s.masked_fill(mask, v), self,
                              value)
        return composite_("MaskedFillBackward0", lambda s: s.masked_fill(mask, value), self)

    def index_put_(self, indices, values, accumulate=False):
        """``self[indices] = values`` for a tuple of index tensors (IndexPutBackward0 when a
        graph is recorded); with ``accumulate=True`` repeated positions add up.

        Note: with ``accumulate=True`` the graph records the additions through a flat view
        (CopySlices / IndexAddBackward0) where PyTorch records IndexPutBackward0.
        """
        if not isinstance(indices, (tuple, list)):
            raise TypeError(f"index_put_(): argument 'indices' must be tuple of Tensors, not "
                            f"{type(indices).__name__}")
        if not accumulate:
            self[tuple(indices)] = values
            return self
        from . import arange

        pos = arange(self.numel()).reshape(self.shape)[tuple(indices)]  # flat positions
        if values.dtype != self.dtype:
            raise RuntimeError("Index put requires the source and destination dtypes match, got "
                               f"{self.type()[6:-6]} for the destination and "
                               f"{values.type()[6:-6]} for the source.")
        vals = values.expand(pos.shape).reshape(-1)
        pos = pos.reshape(-1)
        if self.is_contiguous():
            self.view(-1).index_add_(0, pos, vals)
        else:
            flat = self.contiguous().view(-1)
            self.copy_(flat.index_add_(0, pos, vals).view(self.shape))
        return self

    def index_add(self, dim, index, source, *, alpha=1):
        """Out-of-place ``index_add_``."""
        return self.clone().index_add_(dim, index, source, alpha=alpha)

    def index_put(self, indices, values, accumulate=False):
        """Out-of-place ``index_put_``: a copy of self with ``values`` at ``indices``."""
        return self.clone().index_put_(indices, values, accumulate)

    def erf_(self):
        """In-place ``erf``.

        Note: written as ``copy_`` of the result, so a tensor in a graph gets CopyBackwards
        as its grad_fn rather than PyTorch's ErfBackward0.
        """
        src = self.clone() if self.requires_grad else self  # erf's backward reads the old value
        return self.copy_(src.erf())

    def square(self):
        if self.dtype == _dt.bool:
            return self.long() * self.long()  # PyTorch squares bools to int64
        return self * self

    def all(self, dim=None, keepdim=False):
        b = self.bool()
        if dim is None:
            r = b.long().sum() == b.numel()
        else:
            r = b.long().sum(dim=dim, keepdim=keepdim) == b.shape[dim]
        return r.byte() if self.dtype is _dt.uint8 else r  # PyTorch keeps uint8 for uint8

    def any(self, dim=None, keepdim=False):
        b = self.bool().long()
        r = (b.sum() > 0) if dim is None else (b.sum(dim=dim, keepdim=keepdim) > 0)
        return r.byte() if self.dtype is _dt.uint8 else r

    def _compute_numpy(self):
        """The values as a NumPy array of the core's compute dtype: int64 for integers,
        float32 for float16/bfloat16 (PyTorch's kernels accumulate these in float32)."""
        t = self.detach()
        if t.dtype in (_dt.float16, _dt.bfloat16):
            t = t.float()
        elif not t.dtype.is_floating_point and t.dtype is not _dt.bool:
            t = t.long()
        return t.numpy()

    @_amp.fp32
    def prod(self, dim=None, keepdim=False, dtype=None):
        import numpy as _np

        if dtype is not None:  # PyTorch casts the input first; an integer product wraps
            src = self.to(dtype) if dtype != self.dtype else self
            return src.prod(dim, keepdim).to(dtype)
        src = self._compute_numpy()
        if dim is not None:
            dim = _wrap_dim(dim, self.dim())
            if self.dim() == 0:
                dim, keepdim = None, False
        if self.requires_grad and _C.is_grad_enabled():
            from .autograd import _formulas

            return _formulas.prod(self, dim, keepdim)
        r = _np.prod(src) if dim is None else _np.prod(src, axis=dim, keepdims=keepdim)
        return _C.tensor(r, dtype=self.dtype if self.dtype.is_floating_point else _dt.int64)

    def cumsum(self, dim, dtype=None):
        import numpy as _np

        dim = _wrap_dim(dim, self.dim())
        if self.requires_grad and _C.is_grad_enabled():
            from .autograd import _formulas

            return _formulas.cumsum(self, dim, dtype)
        out = dtype or (self.dtype if self.dtype.is_floating_point else _dt.int64)
        if self.dim() == 0:
            return self.to(out, copy=True)
        a = self._compute_numpy()
        # PyTorch's CPU cumsum carries a float32 (or half) running sum in double
        acc = _np.float64 if a.dtype == _np.float32 and out.is_floating_point else None
        return _C.tensor(_np.cumsum(a, axis=dim, dtype=acc), dtype=out)

    def equal(self, other):
        _check_tensor_arg("equal", other)
        return tuple(self.shape) == tuple(other.shape) and bool((self == other).all())

    def isnan(self):
        return self != self

    def isinf(self):  # integer and bool values are never infinite
        return self.abs() == float("inf") if self.dtype.is_floating_point else self != self

    def isfinite(self):
        finite = self.abs() != float("inf") if self.dtype.is_floating_point else True
        return (self == self) & finite  # integer and bool values are all finite

    def nonzero(self, as_tuple=False):
        _check_bool_arg("nonzero", as_tuple, "as_tuple")
        nz = _C.nonzero(self)
        return tuple(nz.select(1, i) for i in range(nz.shape[1])) if as_tuple else nz

    def topk(self, k, dim=-1, largest=True, sorted=True):
        dim = _wrap_dim(dim, self.dim())
        size = self.shape[dim] if self.dim() else 1
        if not 0 <= k <= size or self.dtype is _dt.bool:
            raise RuntimeError("topk does not support bool dtypes on CPU" if self.dtype is _dt.bool
                               else "selected index k out of range")
        vals, idx = self.sort(dim=dim, descending=largest)
        if self.dim() == 0:
            return _minmax_like("topk", vals, idx)
        if self.requires_grad and _C.is_grad_enabled():
            from .autograd import _formulas

            idx = idx.narrow(dim, 0, k)
            return _minmax_like("topk", _formulas.gather(self, dim, idx, "TopkBackward0"), idx)
        return _minmax_like("topk", vals.narrow(dim, 0, k), idx.narrow(dim, 0, k))

    def sort(self, dim=-1, descending=False, stable=False):
        import numpy as _np

        dim = _wrap_dim(dim, self.dim())
        if self.dim() == 0:
            return _minmax_like("sort", self.clone(), _C.zeros((), dtype=_dt.int64))
        a = self._compute_numpy() if self.dtype is _dt.bfloat16 else self.detach().numpy()
        if descending:
            # stable descending order (NaN first, ties in input order): sort the reversed
            # array ascending, reverse the result and map the positions back
            n = a.shape[dim]
            rev = _np.flip(_np.argsort(_np.flip(a, axis=dim), axis=dim, kind="stable"), axis=dim)
            idx = n - 1 - rev
        else:
            idx = _np.argsort(a, axis=dim, kind="stable")
        index = _C.from_numpy(_np.ascontiguousarray(idx.astype(_np.int64)))
        if self.requires_grad and _C.is_grad_enabled():
            from .autograd import _formulas

            return _minmax_like("sort", _formulas.gather(self, dim, index, "SortBackward0"), index)
        return _minmax_like("sort", self.gather(dim, index), index)

    def argsort(self, dim=-1, descending=False, stable=False):
        return self.sort(dim, descending)[1]

    def gather(self, dim, index):
        """out[i][j] = self[index[i][j]][j] for dim 0, and so on."""
        import numpy as _np

        dim = _wrap_dim(dim, self.dim())
        if self.requires_grad and _C.is_grad_enabled():
            from .autograd import _formulas

            return _formulas.gather(self, dim, index)
        if index.dtype is _dt.int32:
            index = index.long()
        if index.dtype != _dt.int64:
            raise RuntimeError("gather(): Expected dtype int32/int64 for index")
        src, idx = self._compute_numpy() if self.dtype is _dt.bfloat16 else self.detach().numpy(), \
            index.numpy()
        if self.dim() == 0:
            src = src.reshape(1)
        if idx.ndim != src.ndim and not (self.dim() == 0 and idx.ndim <= 1):
            raise RuntimeError("Index tensor must have the same number of dimensions as input "
                               "tensor")
        idx = idx.reshape(-1) if self.dim() == 0 else idx
        for d in range(src.ndim):
            if d != dim and idx.shape[d] > src.shape[d]:
                raise RuntimeError(
                    f"Size does not match at dimension {d} expected index {list(idx.shape)} to be "
                    f"no larger than self {list(src.shape)} apart from dimension {dim}")
        bad = (idx < 0) | (idx >= src.shape[dim])
        if bad.any():
            raise RuntimeError(f"index {idx[bad].flat[0]} is out of bounds for dimension {dim} "
                               f"with size {src.shape[dim]}")
        # index may be smaller than self in the other dims: gather from that corner of self
        src = src[tuple(slice(None) if d == dim else slice(0, idx.shape[d])
                        for d in range(src.ndim))]
        res = _np.take_along_axis(src, idx, axis=dim).reshape(index.shape)
        out = _C.from_numpy(_np.array(res, order="C"))  # ascontiguousarray makes 0-dim 1-dim
        return out.to(self.dtype)  # bfloat16 went through float32

    # ---- rounding and integer division (no gradient: PyTorch's is zero almost everywhere) ----
    def _numpy_binary(self, other, fn, kernel):
        # operands cast to the common dtype first (a number wraps into an integer one, as
        # PyTorch casts it); bfloat16, which NumPy lacks, computes in float32. kernel: the
        # name of PyTorch's kernel, which has no bool form
        import numpy as _np

        ref = self.detach() + (other.detach() if isinstance(other, Tensor) else other)
        if ref.dtype is _dt.bool:
            raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')
        cd = _dt.float32 if ref.dtype is _dt.bfloat16 else ref.dtype
        if not isinstance(other, Tensor):
            other = _C.tensor(other, dtype=_dt.float64 if isinstance(other, float) else None)
        a = self.detach().to(ref.dtype).to(cd).numpy()
        b = other.detach().to(ref.dtype).to(cd).numpy()
        if not cd.is_floating_point and (b == 0).any():
            raise RuntimeError("ZeroDivisionError")
        with _np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            res = _np.ascontiguousarray(fn(a, b).astype(a.dtype))
        return _C.from_numpy(res.reshape(tuple(ref.shape))).to(ref.dtype)

    def floor_divide(self, other):
        import numpy as _np

        if self._floating_with(other):
            return self._floor_divide(other)
        return self._numpy_binary(other, _np.floor_divide, "div_floor_cpu")

    def _floating_with(self, other):
        # whether self op other computes in a floating dtype (the core's remainder/fmod path)
        if self.dtype.is_floating_point:
            return True
        return other.dtype.is_floating_point if isinstance(other, Tensor) else isinstance(other, float)

    def remainder(self, other):
        import numpy as _np

        if self._floating_with(other):
            return self._remainder(other)
        return self._numpy_binary(other, _np.remainder, "remainder_cpu")

    def fmod(self, other):
        import numpy as _np

        if self._floating_with(other):
            return self._fmod(other)
        return self._numpy_binary(other, _np.fmod, "fmod_cpu")

    def __floordiv__(self, other):
        return self.floor_divide(other)

    def __rfloordiv__(self, other):
        return _C.tensor(other, dtype=_dt.float64 if isinstance(other, float) else None).to(
            (self.detach() + other).dtype).floor_divide(self) \
            if not isinstance(other, Tensor) else other.floor_divide(self)

    def __mod__(self, other):
        return self.remainder(other)

    def __rmod__(self, other):
        if isinstance(other, Tensor):
            return other.remainder(self)
        if self._floating_with(other):
            return self._rremainder(other)
        return _C.tensor(other, dtype=_dt.float64 if isinstance(other, float) else None).to(
            (self.detach() + other).dtype).remainder(self)

    def __ifloordiv__(self, other):
        from ._math_ops import castable_result

        self._check_overlap(other)
        return self.copy_(castable_result(self, self.floor_divide(other)))

    def __imod__(self, other):
        from ._math_ops import castable_result

        self._check_overlap(other)
        src = self.clone() if self.requires_grad else self  # the backward may read the old value
        return self.copy_(castable_result(self, src.remainder(other)))

    # rounding: floor, ceil, trunc, round and their NumPy helper (pytorchlite/_rounding.py)
    from ._rounding import _numpy_unary, ceil, floor, round, trunc  # noqa: A001, E402

    def frac(self):
        return self - self.trunc()

    @_amp.outside
    def dot(self, other):
        _check_tensor_arg("dot", other, "tensor")
        if self.dim() != 1 or other.dim() != 1:
            raise RuntimeError(f"1D tensors expected, but got {self.dim()}D and {other.dim()}D "
                               "tensors")
        if self.shape[0] != other.shape[0]:
            raise RuntimeError("inconsistent tensor size, expected tensor [{}] and src [{}] to "
                               "have the same number of elements, but got {} and {} elements "
                               "respectively".format(self.shape[0], other.shape[0],
                                                     self.shape[0], other.shape[0]))
        return self.matmul(other)

    def bmm(self, mat2):
        _check_tensor_arg("bmm", mat2, "mat2")
        from . import bmm

        return bmm(self, mat2)

    def median(self, dim=None, keepdim=False):
        """The lower of the two middle values for an even count, as PyTorch (one node,
        MedianBackward0 or MedianBackward1 with a dim)."""
        from ._named_op import composite

        if self.dtype is _dt.bool:
            kernel = "median_cpu" if dim is None else "median_out"
            raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
        return composite("MedianBackward0" if dim is None else "MedianBackward1",
                         lambda x: x._median(dim, keepdim), self)

    def _median(self, dim, keepdim):
        floating = self.dtype.is_floating_point
        if dim is None:
            flat = self.reshape(-1)
            if flat.numel() == 0:  # PyTorch: nan, or the lowest value for an integer dtype
                return _C.full((), float("nan") if floating else -2 ** 63, dtype=self.dtype)
            if floating:
                nans = flat != flat
                if nans.any():  # PyTorch: a nan anywhere is the median
                    return flat[nans.long().argmax()]
            return flat.sort()[0][(flat.numel() - 1) // 2]
        vals, idx = self.sort(dim=dim)
        k = (self.shape[dim] - 1) // 2
        v, i = vals.narrow(dim, k, 1), idx.narrow(dim, k, 1)
        if floating and self.numel() > 0:
            # a slice holding a nan has median nan, at the index of its first nan
            nans = (self != self).long()
            has_nan = nans.max(dim=dim, keepdim=True)[0] > 0
            if has_nan.any():
                first = nans.argmax(dim=dim, keepdim=True)
                v = _C.where(has_nan, _C.full((), float("nan"), dtype=self.dtype), v)
                i = _C.where(has_nan, first, i)
        if not keepdim:
            v, i = v.squeeze(dim), i.squeeze(dim)
        return _minmax_like("median", v, i)

    def __contains__(self, element):
        return bool((self == element).any())


def _rebuild_tensor(array, requires_grad, view_as=None):
    import numpy as _np

    if isinstance(array, _np.ndarray) and array.dtype.isnative and \
            array.dtype in (_np.float32, _np.float64, _np.float16, _np.int64, _np.int32,
                            _np.int16, _np.int8, _np.uint8, _np.bool_):
        if not array.flags.writeable:
            array = array.copy(order="K")
        t = _C.from_numpy(array)  # the unpickled array is owned by this tensor alone
    else:
        t = _C.tensor(array)
    if view_as is not None:
        t = t.view(getattr(_dt, view_as))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _minmax_like(name, values, indices):
    from . import return_types

    return getattr(return_types, name)((values, indices))


