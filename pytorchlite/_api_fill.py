"""Tensor methods and torch.* functions that tutorials reach for around the core (issue 10):
cov and corrcoef; the scatter-into-a-copy forms (select_scatter, slice_scatter,
diagonal_scatter, as_strided_scatter); narrow_copy, split_with_sizes, sum_to_size,
fill_diagonal_; deg2rad/rad2deg; addmm_, cumsum_, cumprod_, resize_as_; the comparison
aliases and their in-place forms (lt_, greater_ ...); the real-tensor answers of the complex
API (conj, adjoint, mH, H, is_conj); map_/apply_; empty_strided and nonzero_static.

``METHODS`` are put on Tensor and ``FUNCTIONS`` are torch.* names (``_everyday.py`` installs
both). Everything here is composition of core ops, recorded under PyTorch's node names.
"""
import math
import numbers
import re
import warnings

from . import _C
from . import _dtype as _dt
from ._math_more import _check_cast
from ._math_ops import _dt_name, _need_tensor
from ._named_op import composite, composite_

_B = _C.TensorBase


# ---- cov and corrcoef ----

def _check_weights(name, w, n, integral):
    if w.dim() > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got "
                           f"{name} with {w.dim()} dimensions")
    if w.numel() != n:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are "
                           f"observations in the input but got {w.numel()} != {n}")
    kind_ok = (not w.dtype.is_floating_point and w.dtype != _dt.bool) if integral \
        else w.dtype.is_floating_point
    if not kind_ok:
        kind = "integral" if integral else "floating point"
        raise RuntimeError(f"cov(): expected {name} to have {kind} dtype but got {name} with "
                           f"{_dt_name(w.dtype)} dtype")
    if bool((w < 0).any()):
        raise RuntimeError(f"cov(): {name} cannot be negative")


def cov(input, *, correction=1, fweights=None, aweights=None):  # noqa: A002
    """The covariance matrix of the variables in the rows of input (observations in columns),
    with frequency and importance weights; a 0-dim tensor for a single variable."""
    if input.dim() > 2:
        raise RuntimeError("cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.dim()} dimensions")
    obs = input.view(1, -1) if input.dim() < 2 else input
    n = obs.shape[1]
    w = None
    if fweights is not None:
        _check_weights("fweights", fweights, n, integral=True)
        w = fweights
    if aweights is not None:
        _check_weights("aweights", aweights, n, integral=False)
        w = aweights if w is None else w * aweights
    w_sum = _C.full((), n, dtype=_dt.int64) if w is None else w.sum()
    avg = (obs if w is None else obs * w).sum(1) / w_sum
    if w is not None and aweights is not None and correction != 0:
        norm = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm = w_sum - correction
    if bool(norm <= 0):
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=2)
        norm = norm * 0
    centred = obs - avg.unsqueeze(1)
    c = centred.mm((centred if w is None else centred * w).t())
    return c.true_divide(norm).squeeze()


def corrcoef(input):  # noqa: A002
    """Pearson's correlation coefficients of the rows of input, clipped to [-1, 1]."""
    if input.dim() > 2:
        raise RuntimeError("corrcoef(): expected input to have two or fewer dimensions but got "
                           f"an input with {input.dim()} dimensions")
    c = cov(input)
    if c.dim() == 0:
        return c / c
    std = c.diagonal().sqrt()
    c = c / std.view(-1, 1)
    c = c / std.view(1, -1)
    return c.clip(-1, 1)


# ---- copies with a part replaced ----

def _scatter_into(name, view_of):
    """torch.<op>(input, src, ...) recorded as node name: a copy of input whose
    view_of(copy, ...) is src."""
    fname = re.sub(r"(?<!^)([A-Z])", r"_\1", name.replace("Backward0", "")).lower()
    def function(input, src, *args, **kwargs):  # noqa: A002
        _need_tensor(fname, src, "src", 2)

        def fill(x, s):
            out = x.clone()
            part = view_of(out, *args, **kwargs)
            if tuple(part.shape) != tuple(s.shape):
                raise RuntimeError(f"expected src to have a size equal to the slice of self. "
                                   f"src size = {list(s.shape)}, slice size = "
                                   f"{list(part.shape)}")
            part.copy_(s)
            return out
        return composite(name, fill, input, src)

    return function


select_scatter = _scatter_into("SelectScatterBackward0", lambda x, dim, index: x.select(dim, index))
diagonal_scatter = _scatter_into(
    "DiagonalScatterBackward0",
    lambda x, offset=0, dim1=0, dim2=1: x.diagonal(offset, dim1, dim2))
as_strided_scatter = _scatter_into(
    "AsStridedScatterBackward0",
    lambda x, size, stride, storage_offset=None: x.as_strided(size, stride, storage_offset))


def _slice(x, dim=0, start=None, end=None, step=1):
    return x[(slice(None),) * (dim % x.dim()) + (slice(start, end, step),)]


slice_scatter = _scatter_into("SliceScatterBackward0", _slice)
for _name in ("select_scatter", "slice_scatter", "diagonal_scatter", "as_strided_scatter"):
    globals()[_name].__name__ = globals()[_name].__qualname__ = _name
del _name


def narrow_copy(self, dim, start, length):
    """A copy of ``narrow(dim, start, length)``."""
    self.narrow(dim, start, length)  # (its errors)
    return composite("NarrowCopyBackward0", lambda x: x.narrow(dim, start, length).clone(), self)


def _ints(fname, values, name):
    """values as a list of ints, or PyTorch's TypeError for anything else."""
    if isinstance(values, (str, bytes, _B)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{fname}(): argument '{name}' (position 1) must be tuple of ints, not "
                        f"{type(values).__name__}")
    values = list(values)
    for i, v in enumerate(values):
        if not isinstance(v, numbers.Integral) or isinstance(v, bool):
            raise TypeError(f"{fname}(): argument '{name}' (position 1) must be tuple of ints, "
                            f"but found element of type {type(v).__name__} at pos {i}")
    return [int(v) for v in values]


def split_with_sizes(self, split_sizes, dim=0):
    """Pieces of self along dim of the given sizes, which must add up to its size there."""
    sizes = _ints("split_with_sizes", split_sizes, "split_sizes")
    total = self.shape[dim]
    if sum(sizes) != total or any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {total} "
                           f"(input tensor's size at dimension {dim % max(self.dim(), 1)}), "
                           f"but got split_sizes={sizes}")
    return self.split(sizes, dim)


def sum_to_size(self, *size):
    """self summed over the dimensions that broadcasting size to self's shape expands."""
    if not size:
        raise TypeError('sum_to_size() missing 1 required positional arguments: "size"')
    if len(size) == 1 and not isinstance(size[0], numbers.Integral):
        size = size[0]
    size = tuple(_ints("sum_to_size", size, "size"))
    shape = tuple(self.shape)
    lead = len(shape) - len(size)
    fits = lead >= 0 and all(s == 1 or s == shape[lead + i] for i, s in enumerate(size))
    if not fits:
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size)
                                      if s == 1 and shape[lead + i] != 1)
    if not dims:
        return self
    out = self.sum(dims, keepdim=True)
    return out.view(size) if lead else out


def fill_diagonal_(self, fill_value, wrap=False):
    """Writes fill_value on the main diagonal (all indices equal); a tall matrix's diagonal
    starts again below the square when wrap is set. The diagonal is written through a strided
    view of self, so the history is PyTorch's CopySlices."""
    if self.dim() < 2:
        raise RuntimeError("dimensions must larger than 1")
    shape = tuple(self.shape)
    if self.dim() > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    rows, cols = shape[0], shape[-1]
    wrapped = self.dim() == 2 and wrap and rows > cols + 1
    if self.is_contiguous():  # the diagonal, wrapped or not, is a stride of the flat view
        n = self.numel() if wrapped else min(rows, cols) * (self.numel() // rows)
        if n:
            self.view(-1)[:n:sum(self.stride())].fill_(fill_value)
    elif self.dim() == 2 and not wrapped:
        self.diagonal().fill_(fill_value)
    elif self.dim() == 2:
        index = _C.tensor([divmod(i, cols) for i in range(0, self.numel(), cols + 1)],
                          dtype=_dt.int64)
        self[index[:, 0], index[:, 1]] = fill_value
    else:
        self[(_C.arange(rows),) * self.dim()] = fill_value
    return self


# ---- deg2rad / rad2deg ----

def _angle(name, node, factor):
    def function(self):
        _need_tensor(name, self, "input", 1)
        x = self if self.is_floating_point() else self.to(_C.get_default_dtype())
        return composite(node, lambda t: t * factor, x, saves=False)

    def inplace(self):
        _need_tensor(name + "_", self, "input", 1)
        if not self.is_floating_point():
            _check_cast(_C.get_default_dtype(), self)
        return composite_(node, lambda t: t * factor, self)

    function.__name__ = function.__qualname__ = name
    inplace.__name__ = inplace.__qualname__ = name + "_"
    function.__doc__ = f"self * {factor!r} (integers in the default float dtype)."
    inplace.__doc__ = f"In-place ``{name}``."
    return function, inplace


deg2rad, deg2rad_ = _angle("deg2rad", "Deg2RadBackward0", math.pi / 180)
rad2deg, rad2deg_ = _angle("rad2deg", "Rad2DegBackward0", 180 / math.pi)


def addmm_(self, mat1, mat2, *, beta=1, alpha=1):
    """In-place ``addmm``: self becomes beta * self + alpha * mat1 @ mat2."""
    shape = (mat1.shape[0], mat2.shape[-1]) if mat1.dim() == 2 and mat2.dim() == 2 else None
    if shape is not None and tuple(self.shape) != shape:
        raise RuntimeError(f"Bad in-place call: input tensor size {list(self.shape)} and output "
                           f"tensor size {list(shape)} should match")
    return composite_("AddmmBackward0",
                      lambda m, a, b: _C.addmm(m, a, b, beta=beta, alpha=alpha), self, mat1, mat2)


def _cumulative_(name, node):
    def method(self, dim=None, *, dtype=None):
        if dim is None:
            raise TypeError(f'{name}_() missing 1 required positional arguments: "dim"')
        if dtype is not None and dtype != self.dtype:
            from ._legacy import _OPTION_NAMES as c_names

            raise RuntimeError(f"Bad in-place call: input tensor dtype {c_names[self.dtype]} "
                               f"and output tensor dtype {c_names[dtype]} should match")
        return composite_(node, lambda t: getattr(t, name)(dim), self)

    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = f"In-place ``{name}`` along dim."
    return method


cumsum_ = _cumulative_("cumsum", "CumsumBackward0")
cumprod_ = _cumulative_("cumprod", "CumprodBackward0")


def resize_as_(self, the_template, *, memory_format=None):
    """Resizes self to the_template's shape (``resize_``)."""
    _need_tensor("resize_as_", the_template, "the_template", 1)
    return self.resize_(the_template.shape)


# ---- comparisons: aliases and in-place forms ----

def _compare_(name, node):
    """In-place comparison: self holds 1 where it compares true, 0 elsewhere (self's dtype).
    Its gradient is zero, as PyTorch's node gives."""
    def method(self, other):
        result = getattr(_B, name)(self, other)
        return composite_(node, lambda t: result.to(t.dtype), self,
                          backward=lambda grad, old: grad * 0)

    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = f"In-place ``{name}``."
    return method


_COMPARISONS = {"lt": "LtBackward0", "le": "LeBackward0", "gt": "GtBackward0",
                "ge": "GeBackward0", "eq": "EqBackward0", "ne": "NeBackward0"}
_COMPARISON_ALIASES = {"less": "lt", "less_equal": "le", "greater": "gt",
                       "greater_equal": "ge", "not_equal": "ne"}


# ---- the complex API on real tensors ----

def _same(self):
    return self


def _false(self):
    return False


def adjoint(self):
    """The conjugate transpose of the last two dimensions (a transpose for real tensors)."""
    return self.transpose(-2, -1)


def _mH(self):
    if self.dim() < 2:
        raise RuntimeError("tensor.mH is only supported on matrices or batches of matrices. Got "
                           f"{self.dim()}-D tensor.")
    return self.transpose(-2, -1)


def _H(self):
    if self.dim() != 2 and self.dim() != 0:
        raise RuntimeError("tensor.H is only supported on matrices (2-D tensors). Got "
                           f"{self.dim()}-D tensor.")
    return self.t() if self.dim() == 2 else self


# ---- the rest ----

def is_nonzero(self):
    """Whether the single value of self is nonzero."""
    n = self.numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(self.item())


def is_same_size(self, other):
    """Whether self and other have the same shape."""
    _need_tensor("is_same_size", other, "other", 1)
    return tuple(self.shape) == tuple(other.shape)


def where(self, condition, y):
    """``torch.where(condition, self, y)``."""
    return _C.where(condition, self, y)


def apply_(self, callable):  # noqa: A002 (PyTorch's name)
    """Replaces each element x by callable(x) (Python numbers; slow, CPU only, as in PyTorch)."""
    if self.requires_grad:
        raise RuntimeError("apply_ is only implemented on CPU tensors and does not support "
                           "autograd")
    values = [callable(v) for v in self.reshape(-1).tolist()]
    self.copy_(_C.tensor(values, dtype=self.dtype).view(self.shape))
    return self


def map_(self, tensor, callable):  # noqa: A002 (PyTorch's name)
    """Replaces each element x by callable(x, y), y the broadcast element of tensor."""
    if self.requires_grad:
        raise RuntimeError("map_ is only implemented on CPU tensors and does not support "
                           "autograd")
    other = tensor.expand_as(self).reshape(-1).tolist()
    values = [callable(a, b) for a, b in zip(self.reshape(-1).tolist(), other)]
    self.copy_(_C.tensor(values, dtype=self.dtype).view(self.shape))
    return self


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """An uninitialised tensor of the given size and strides."""
    from ._devices import check_device

    check_device(device)
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape")
    extent = 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    base = _C.empty(extent, dtype=_C.get_default_dtype() if dtype is None else dtype)
    out = base.as_strided(size, stride)
    return out.requires_grad_() if requires_grad else out


def _new_empty_strided(self, size, stride, *, dtype=None, layout=None, device=None,
                       requires_grad=False, pin_memory=False):
    return empty_strided(size, stride, dtype=self.dtype if dtype is None else dtype,
                         device=device, requires_grad=requires_grad)


def nonzero_static(input, *, size, fill_value=-1):  # noqa: A002
    """The indices of input's nonzero elements, cut or padded with fill_value to size rows."""
    if size < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be an non-negative integer")
    found = input.nonzero()
    if found.shape[0] >= size:
        return found[:size]
    pad = _C.full((size - found.shape[0], input.dim()), fill_value, dtype=_dt.int64)
    return _C.cat([found, pad])


def _method_nonzero_static(self, *, size, fill_value=-1):
    return nonzero_static(self, size=size, fill_value=fill_value)


METHODS = {"cov": cov, "corrcoef": corrcoef, "narrow_copy": narrow_copy,
           "split_with_sizes": split_with_sizes, "sum_to_size": sum_to_size,
           "fill_diagonal_": fill_diagonal_, "deg2rad": deg2rad, "deg2rad_": deg2rad_,
           "rad2deg": rad2deg, "rad2deg_": rad2deg_, "addmm_": addmm_, "adjoint": adjoint,
           "cumsum_": cumsum_, "cumprod_": cumprod_, "resize_as_": resize_as_,
           "conj": _same, "resolve_conj": _same, "resolve_neg": _same, "conj_physical": _same,
           "is_conj": _false, "is_neg": _false, "is_complex": _false, "is_nonzero": is_nonzero,
           "is_same_size": is_same_size, "where": where,
           "apply_": apply_, "map_": map_, "new_empty_strided": _new_empty_strided,
           "nonzero_static": _method_nonzero_static,
           "absolute_": _B.abs_, "subtract_": _B.sub_, "multiply_": _B.mul_, "divide_": _B.div_}
PROPERTIES = {"mH": _mH, "H": _H}
FUNCTIONS = {"cov": cov, "corrcoef": corrcoef, "select_scatter": select_scatter,
             "slice_scatter": slice_scatter, "diagonal_scatter": diagonal_scatter,
             "as_strided_scatter": as_strided_scatter, "narrow_copy": narrow_copy,
             "split_with_sizes": split_with_sizes, "deg2rad": deg2rad, "deg2rad_": deg2rad_,
             "rad2deg": rad2deg, "rad2deg_": rad2deg_, "adjoint": adjoint, "conj": _same,
             "resolve_conj": _same, "resolve_neg": _same, "conj_physical": _same,
             "is_conj": _false, "is_neg": _false, "is_complex": _false,
             "is_nonzero": is_nonzero, "empty_strided": empty_strided,
             "nonzero_static": nonzero_static}


def attach(cls, namespace):
    """Puts METHODS and PROPERTIES on cls (where cls lacks them) and FUNCTIONS into namespace."""
    for name, fn in METHODS.items():
        if not hasattr(cls, name):
            setattr(cls, name, fn)
    for name, getter in PROPERTIES.items():
        if not hasattr(cls, name):
            setattr(cls, name, property(getter))
    for name, node in _COMPARISONS.items():
        if not hasattr(cls, name + "_"):
            setattr(cls, name + "_", _compare_(name, node))
    for alias, name in _COMPARISON_ALIASES.items():
        for suffix in ("", "_"):
            if not hasattr(cls, alias + suffix):
                setattr(cls, alias + suffix, getattr(cls, name + suffix))
        namespace.setdefault(alias, _alias(alias, namespace[name]))
    for name, fn in FUNCTIONS.items():
        namespace.setdefault(name, fn if name == "empty_strided" else _tensor_first(name, fn))
    for name, fn, method in (("hardshrink", hardshrink, hardshrink),
                             ("prelu", prelu, _prelu_method)):
        namespace.setdefault(name, fn)
        if not hasattr(cls, name):
            setattr(cls, name, method)


def _tensor_first(name, fn):
    """torch.name: fn with PyTorch's TypeError for a first argument that is no Tensor."""
    def function(input, *args, **kwargs):  # noqa: A002
        _need_tensor(name, input, "input", 1)
        return fn(input, *args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = fn.__doc__
    return function


def _alias(alias, fn):
    def function(*args, **kwargs):
        return fn(*args, **kwargs)

    function.__name__ = function.__qualname__ = alias
    function.__doc__ = f"Alias of ``torch.{fn.__name__}``."
    return function


def hardshrink(input, lambd=0.5):  # noqa: A002
    """``nn.functional.hardshrink``: input where |input| > lambd, else 0."""
    from .nn import functional

    return functional.hardshrink(input, lambd)


def prelu(input, weight):  # noqa: A002
    """``nn.functional.prelu``: max(0, x) + weight * min(0, x), weight per channel."""
    from .nn import functional

    _need_tensor("prelu", weight, "weight", 2)
    return functional.prelu(input, weight)


def _prelu_method(self, weight):
    _need_tensor("prelu", weight, "weight", 1)
    return prelu(self, weight)
