"""Reductions and scans beyond the core's sum/mean/max: logsumexp, amax/amin/aminmax, nansum,
nanmean, cummax/cummin, logcumsumexp, nanmedian, mode, kthvalue, quantile, std_mean/var_mean,
diff, msort.

Values are selected with NumPy and gathered back with the differentiable gather
(autograd/_formulas.py), so their gradients flow to the selected elements; amax/amin and
logcumsumexp have their own small backward (autograd.Function) here.
"""
import math
import numbers

from . import _C, _argparse
from . import _dtype as _dt
from ._named_op import composite
from .autograd.function import Function, once_differentiable
from .amp import _policy as _amp

_B = _C.TensorBase


class _LazyNumPy:
    """NumPy, imported on first use (``import pytorchlite`` does not load it)."""

    def __getattr__(self, name):
        import numpy

        return getattr(numpy, name)


np = _LazyNumPy()


def _wrap(dim, ndim):
    from ._tensor import _wrap_dim

    return _wrap_dim(dim, ndim)


def _int_arg(fname, value, name, pos):
    """An int argument as PyTorch parses it: a Python int or a one-element integer tensor;
    anything else (bool included) is its TypeError."""
    import operator

    if isinstance(value, _B) and value.numel() == 1 and not value.dtype.is_floating_point \
            and value.dtype is not _dt.bool:
        return int(value.item())
    if not isinstance(value, bool) and not isinstance(value, _B):
        try:
            return operator.index(value)
        except TypeError:
            pass
    raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be int, not "
                    f"{type(value).__name__}")


def _keepdim_arg(fname, keepdim, pos=2):
    if not isinstance(keepdim, bool):
        raise TypeError(f"{fname}(): argument 'keepdim' (position {pos}) must be bool, not "
                        f"{type(keepdim).__name__}")
    return keepdim


def _dims(dim, ndim):
    """dim (None, an int or a sequence) as a sorted tuple of non-negative dims (all dims for
    None or an empty sequence)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, _B) and dim.numel() == 1 and not dim.dtype.is_floating_point and \
            dim.dtype is not _dt.bool:
        dim = int(dim.item())  # a one-element integer tensor passes for an int
    if isinstance(dim, numbers.Integral) and not isinstance(dim, bool):
        dim = (dim,)
    if not isinstance(dim, (tuple, list)) or not all(
            isinstance(d, numbers.Integral) and not isinstance(d, bool) for d in dim):
        raise TypeError(f"argument 'dim' must be tuple of ints, not {type(dim).__name__}")
    dims = tuple(sorted({_wrap(int(d), ndim) for d in dim}))
    if len(dims) != len(tuple(dim)):
        raise RuntimeError("dim appears multiple times in the list of dims")
    return dims if dims else tuple(range(ndim))


def _result(name, a, b):
    from . import return_types

    return getattr(return_types, name)((a, b))


def _node(base, name):
    from .autograd._formulas import _node_class

    return _node_class(base, name)


def _gather(x, dim, index, name):
    from .autograd import _formulas

    if x.requires_grad and _C.is_grad_enabled():
        return _formulas.gather(x, dim, index, name)
    return x.gather(dim, index)


class _SelectAlong(Function):
    """x.gather(dim, index), squeezed along dim unless keepdim: the values an order statistic
    (kthvalue, mode, nanmedian) picks, as one node with that op's grad_fn name."""

    @staticmethod
    def forward(ctx, x, dim, index, keepdim):
        ctx.dim, ctx.keepdim, ctx.shape = dim, keepdim, tuple(x.shape)
        ctx.save_for_backward(index)
        v = x.gather(dim, index)
        return v if keepdim else v.squeeze(dim)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        gk = g if ctx.keepdim else g.unsqueeze(ctx.dim)
        if _C.is_grad_enabled() and gk.requires_grad:
            from .autograd._formulas import _gather_grad_recorded

            return _gather_grad_recorded(gk, ctx.dim, index, ctx.shape), None, None, None
        out = np.zeros(ctx.shape, dtype=gk._compute_numpy().dtype)
        pos = list(np.indices(tuple(index.shape), sparse=True))
        pos[ctx.dim] = index.numpy()
        np.add.at(out, tuple(pos), gk._compute_numpy())
        return _from_np(out, g.dtype), None, None, None


def _select_along(x, dim, index, keepdim, name):
    """(values, index) of an order statistic, index (keepdim form) in x along dim."""
    if x.requires_grad and _C.is_grad_enabled():
        v = _node(_SelectAlong, name).apply(x, dim, index, keepdim)
    else:
        v = _SelectAlong.forward(_Ctx(), x, dim, index, keepdim)
    return v, index if keepdim else index.squeeze(dim)


def _from_np(a, dtype):
    return _C.from_numpy(np.array(a, order="C")).to(dtype)


# ---- amax / amin ----
class _AMax(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim, largest):
        a = x._compute_numpy()
        if x.dim() and any(x.shape[d] == 0 for d in dims):
            raise IndexError(f"{'amax' if largest else 'amin'}(): Expected reduction dim "
                             f"{dims[0]} to have non-zero size.")
        fn = np.amax if largest else np.amin
        r = fn(a, axis=dims, keepdims=True) if x.dim() else a
        ctx.save_for_backward(x)
        ctx.dims, ctx.keepdim, ctx.r = dims, keepdim, r
        out = r if keepdim or not x.dim() else np.squeeze(r, axis=dims)
        return _from_np(out, x.dtype)

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        a = x._compute_numpy()
        mask = (a == ctx.r)
        count = mask.sum(axis=ctx.dims, keepdims=True) if x.dim() else mask
        gn = g._compute_numpy()
        if not ctx.keepdim and x.dim():
            gn = np.expand_dims(gn, ctx.dims)
        with np.errstate(invalid="ignore", divide="ignore"):
            grad = np.where(mask, gn / count, 0).astype(gn.dtype)
        return _from_np(grad, g.dtype), None, None, None


def _amax_like(self, dim, keepdim, largest):
    name = "amax" if largest else "amin"
    _keepdim_arg(name, keepdim)
    if self.numel() == 0 and dim in ((), [], None):
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                           "== 0. Specify the reduction dim with the 'dim' argument.")
    dims = _dims(dim if dim != () else None, self.dim())
    if self.numel() == 0 and (not self.dim() or not dims or
                              any(self.shape[d] == 0 for d in dims)):
        raise IndexError(f"{name}(): Expected reduction dim {dims[0] if dims else 0} to have "
                         "non-zero size.") if self.dim() else RuntimeError(
            f"{name}(): Expected reduction dim 0 to have non-zero size.")
    if self.requires_grad and _C.is_grad_enabled():
        cls = _node(_AMax, "AmaxBackward0" if largest else "AminBackward0")
        return cls.apply(self, dims, keepdim, largest)
    return _AMax.forward(_Ctx(), self, dims, keepdim, largest)


class _Ctx:
    """The ctx of a forward run without recording (nothing is kept)."""

    def save_for_backward(self, *ts):
        pass


def amax(self, dim=(), keepdim=False):
    """The largest value over ``dim`` (all dims by default); ties share the gradient."""
    return _amax_like(self, dim, keepdim, True)


def amin(self, dim=(), keepdim=False):
    """The smallest value over ``dim`` (all dims by default); ties share the gradient."""
    return _amax_like(self, dim, keepdim, False)


@_argparse.parser_errors("aminmax", "Tensor input, *, int dim = None, bool keepdim = False")
def aminmax(self, *, dim=None, keepdim=False):
    """(min, max) over dim (all elements when None)."""
    if dim is None and self.numel() == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    from . import return_types

    return return_types.aminmax(composite("AminmaxBackward0",
                                          lambda x: _aminmax(x, dim, keepdim), self))


def _aminmax(x, dim, keepdim):
    d = () if dim is None else dim
    k = keepdim if dim is not None else False
    if dim is None and keepdim:
        return (amin(x, (), False).reshape((1,) * x.dim()),
                amax(x, (), False).reshape((1,) * x.dim()))
    return amin(x, d, k), amax(x, d, k)


# ---- logsumexp, nansum, nanmean ----
def _logsumexp_keep(x, dims):
    """log(sum(exp(x))) over dims, kept as size-1 dims, shifted by the (detached) maximum."""
    m = amax(x.detach(), dims, True) if x.dim() else x.detach()
    m = _C.where(m.abs() == math.inf, _C.zeros((), dtype=x.dtype), m)
    return (x - m).exp().sum(dim=dims, keepdim=True).log() + m


def _squeeze_dims(r, dims, keepdim, ndim):
    if keepdim or not ndim:
        return r
    return r.reshape([n for i, n in enumerate(r.shape) if i not in dims])


class _LogSumExp(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.save_for_backward(x)
        ctx.dims, ctx.keepdim = dims, keepdim
        return _squeeze_dims(_logsumexp_keep(x, dims), dims, keepdim, x.dim())

    @staticmethod
    def backward(ctx, g):
        # d/dx_i = softmax(x)_i: exp(x - logsumexp(x)) (recomputed from x, so a recorded
        # backward is differentiable again)
        (x,) = ctx.saved_tensors
        r = _logsumexp_keep(x, ctx.dims)
        gk = g if ctx.keepdim or not x.dim() else g.reshape(r.shape)
        return gk * (x - r).exp(), None, None


@_argparse.parser_errors("logsumexp", "Tensor input, tuple of ints dim, bool keepdim = False")
def logsumexp(self, dim, keepdim=False):
    """log(sum(exp(self))) over dim, computed without overflow."""
    _keepdim_arg("logsumexp", keepdim)
    x = self if self.dtype.is_floating_point else self.to(_C.get_default_dtype())
    dims = _dims(dim, x.dim())
    if x.numel() == 0:
        return x.exp().sum(dim=dims, keepdim=keepdim).log()
    if x.requires_grad and _C.is_grad_enabled():
        return _node(_LogSumExp, "LogsumexpBackward0").apply(x, dims, keepdim)
    return _LogSumExp.forward(_Ctx(), x, dims, keepdim)


def nansum(self, dim=None, keepdim=False, *, dtype=None):
    """sum with nan counted as zero."""
    _keepdim_arg("nansum", keepdim)
    if self.dtype.is_floating_point:
        return composite("NansumBackward0", lambda x: _nansum(x, dim, keepdim, dtype), self)
    return _nansum(self, dim, keepdim, dtype)


def _nansum(x, dim, keepdim, dtype):
    if x.dtype.is_floating_point:
        x = _C.where(x != x, _C.zeros((), dtype=x.dtype), x)
    if dim is None:
        return x.sum(dtype=dtype) if not keepdim else x.sum(
            dim=tuple(range(x.dim())), keepdim=True, dtype=dtype)
    return x.sum(dim=dim, keepdim=keepdim, dtype=dtype)


def nanmean(self, dim=None, keepdim=False, *, dtype=None):
    """mean over the values that are not nan."""
    _keepdim_arg("nanmean", keepdim)
    if dim is not None:
        _dims(dim, self.dim())  # PyTorch checks dim before the dtype
    if not self.dtype.is_floating_point and dtype is None:
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype "
                           f"but got {_name(self.dtype)}")
    x = self if dtype is None else self.to(dtype)
    ok = (x == x)
    count = ok.sum(dim=_dims(dim, x.dim()) if x.dim() else None, keepdim=keepdim) \
        if x.dim() else ok.long()
    return nansum(x, dim, keepdim) / count


def _name(d):
    from ._math_ops import _dt_name

    return _dt_name(d)


# ---- scans ----
def _cum_select(self, dim, largest):
    name = "cummax" if largest else "cummin"
    dim = _int_arg(name, dim, "dim", 1)
    if self.numel() == 0:  # PyTorch returns before looking at dim
        return _result(name, self.clone(), _C.zeros(self.shape, dtype=_dt.int64))
    if self.dim() == 0:
        if dim not in (0, -1):
            raise IndexError(f"{name}(): Expected reduction dim -1 or 0 for scalar but got "
                             f"{dim}")
        return _result(name, self.clone(), _C.zeros((), dtype=_dt.int64))
    dim = _wrap(dim, self.dim())
    a = np.moveaxis(self._compute_numpy(), dim, -1)
    idx = np.zeros(a.shape, dtype=np.int64)
    if a.shape[-1]:
        best = a[..., 0].copy()
        cur = np.zeros(a.shape[:-1], dtype=np.int64)
        for j in range(a.shape[-1]):
            v = a[..., j]
            better = (v >= best) if largest else (v <= best)
            take = np.isnan(v) | (~np.isnan(best) & better) if a.dtype.kind == "f" else better
            best = np.where(take, v, best)
            cur = np.where(take, j, cur)
            idx[..., j] = cur
    index = _C.from_numpy(np.ascontiguousarray(np.moveaxis(idx, -1, dim)))
    return _result(name, _gather(self, dim, index, "CummaxBackward0" if largest else
                                 "CumminBackward0"), index)


def cummax(self, dim):
    """(values, indices) of the running maximum along dim."""
    return _cum_select(self, dim, True)


def cummin(self, dim):
    """(values, indices) of the running minimum along dim."""
    return _cum_select(self, dim, False)


class _LogCumSumExp(Function):
    @staticmethod
    def forward(ctx, x, dim):
        a = x._compute_numpy()
        with np.errstate(invalid="ignore", over="ignore"):
            r = np.logaddexp.accumulate(a, axis=dim) if x.dim() else a.copy()
        ctx.dim = dim
        ctx.save_for_backward(x)
        ctx.r = r
        return _from_np(r, x.dtype)

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        # grad_j = sum_{i >= j} g_i exp(x_j - out_i), summed in log space for each sign of g
        (x,) = ctx.saved_tensors
        a, r, gn = x._compute_numpy(), ctx.r, g._compute_numpy()
        if not x.dim():
            return g.clone(), None
        dim = ctx.dim
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            total = np.zeros_like(a)
            for sign in (1, -1):
                lg = np.where(sign * gn > 0, np.log(np.abs(gn)), -np.inf) - r
                rev = np.flip(np.logaddexp.accumulate(np.flip(lg, dim), axis=dim), dim)
                total = total + sign * np.exp(rev + a)
        return _from_np(total.astype(gn.dtype), g.dtype), None


def logcumsumexp(self, dim):
    """log(cumsum(exp(self))) along dim, computed without overflow."""
    dim = _wrap(_int_arg("logcumsumexp", dim, "dim", 1), self.dim())
    if not self.dtype.is_floating_point:  # PyTorch's kernel is floating only
        from ._math_ops import _dt_name

        raise NotImplementedError(f'"logcumsumexp_out_cpu" not implemented for '
                                  f"'{_dt_name(self.dtype)}'")
    x = self
    if x.requires_grad and _C.is_grad_enabled():
        return _node(_LogCumSumExp, "LogcumsumexpBackward0").apply(x, dim)
    return _LogCumSumExp.forward(_Ctx(), x, dim)


# ---- order statistics ----
def _sorted_pick(self, dim, keepdim, name, pick, grad_name):
    """values, indices of the element ``pick(sorted_row, nan_count)`` chooses in each slice."""
    dim = _wrap(dim, self.dim())
    a = self._compute_numpy()
    a = a.reshape(1) if self.dim() == 0 else a
    if a.shape[dim] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
    moved = np.moveaxis(a, dim, -1)
    order = np.argsort(moved, axis=-1, kind="stable")
    srt = np.take_along_axis(moved, order, -1)
    pos = pick(srt)
    idx = np.take_along_axis(order, pos[..., None], -1)
    idx = np.moveaxis(idx, -1, dim)
    if self.dim() == 0:
        idx = idx.reshape(())
        return _result(name, self.clone(), _C.zeros((), dtype=_dt.int64))
    index = _C.from_numpy(np.ascontiguousarray(idx.astype(np.int64)))
    return _result(name, *_select_along(self, dim, index, keepdim, grad_name))


def nanmedian(self, dim=None, keepdim=False):
    """The median of the values that are not nan (the lower middle one for an even count)."""
    if dim is None:
        flat = self.reshape(-1)
        if flat.numel() == 0:
            return _C.full((), math.nan if self.dtype.is_floating_point else -2 ** 63,
                           dtype=self.dtype)
        return composite("NanmedianBackward0", lambda x: nanmedian(x.reshape(-1), 0).values,
                         self)
    dim = _int_arg("nanmedian", dim, "dim", 1)

    def pick(srt):
        valid = (~np.isnan(srt)).sum(-1) if srt.dtype.kind == "f" else \
            np.full(srt.shape[:-1], srt.shape[-1])
        return np.maximum((valid - 1) // 2, 0).astype(np.int64)
    return _sorted_pick(self, dim, keepdim, "nanmedian", pick, "NanmedianBackward1")


def kthvalue(self, k, dim=-1, keepdim=False):
    """(values, indices) of the k-th smallest element along dim."""
    k = _int_arg("kthvalue", k, "k", 1)
    dim = _int_arg("kthvalue", dim, "dim", 2)
    if self.dtype is _dt.bool:
        raise NotImplementedError("\"kthvalue_cpu\" not implemented for 'Bool'")
    n = self.shape[_wrap(dim, self.dim())] if self.dim() else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension "
                           f"{_wrap(dim, self.dim())}")

    def pick(srt):
        return np.full(srt.shape[:-1], k - 1, dtype=np.int64)
    return _sorted_pick(self, dim, keepdim, "kthvalue", pick, "KthvalueBackward0")


def mode(self, dim=-1, keepdim=False):
    """(values, indices) of the most frequent value along dim (the smallest of equally frequent
    ones; its last index)."""
    from . import return_types

    d = _wrap(_int_arg("mode", dim, "dim", 1), self.dim())
    if self.dim() == 0:
        return return_types.mode((self.clone(), _C.zeros((), dtype=_dt.int64)))
    a = np.moveaxis(self._compute_numpy(), d, -1)
    if a.shape[-1] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    flat = a.reshape(-1, a.shape[-1])
    idx = np.zeros(flat.shape[0], dtype=np.int64)
    for r, row in enumerate(flat):
        vals, counts = np.unique(row, return_counts=True)
        best = vals[np.argmax(counts)]
        idx[r] = np.nonzero(row == best)[0][-1] if best == best else \
            np.nonzero(np.isnan(row))[0][-1]
    index = _C.from_numpy(np.ascontiguousarray(idx.reshape(a.shape[:-1] + (1,))))
    index = index.transpose(d, -1).contiguous() if d != self.dim() - 1 else index
    return return_types.mode(_select_along(self, d, index, keepdim, "ModeBackward0"))


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(self, q, dim, keepdim, interpolation, ignore_nan):
    name = "nanquantile" if ignore_nan else "quantile"
    if dim is not None:
        dim = _int_arg(name, dim, "dim", 2)
    if not (_is_t(q) or isinstance(q, (int, float))):
        raise TypeError(f"{name}(): argument 'q' (position 1) must be Tensor, not "
                        f"{type(q).__name__}")
    if self.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if not self.dtype.is_floating_point:
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    scalar_q = not _is_t(q)
    qt = _C.tensor([float(q)] if scalar_q else q.detach().reshape(-1).tolist(),
                   dtype=self.dtype) if scalar_q or q.dim() <= 1 else None
    if qt is None:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if not scalar_q and q.dtype != self.dtype:
        raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
    if ((qt < 0) | (qt > 1)).any():
        if scalar_q:
            raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if dim is None:
        x, d = self.reshape(-1), 0
    else:
        d = _wrap(dim, self.dim())
        x = self if self.dim() else self.reshape(1)
    srt = x.sort(dim=d)[0]  # nan sort last
    n = srt.shape[d]
    if ignore_nan:
        valid = (x == x).long().sum(d, keepdim=True)
    else:
        valid = _C.full((), n, dtype=_dt.int64)
        has_nan = (x != x).long().sum(d, keepdim=True) > 0
    outs = []
    for qv in qt.tolist():
        rank = qv * (valid.to(self.dtype) - 1).clamp(min=0)
        lo = rank.floor().long().clamp(0, max(n - 1, 0))
        hi = rank.ceil().long().clamp(0, max(n - 1, 0))
        if interpolation == "nearest":
            lo = hi = rank.round().long().clamp(0, max(n - 1, 0))
        shape = list(srt.shape)
        shape[d] = 1
        lo, hi = lo.expand(shape).contiguous(), hi.expand(shape).contiguous()
        vlo, vhi = srt.gather(d, lo), srt.gather(d, hi)
        if interpolation == "lower" or interpolation == "nearest":
            v = vlo
        elif interpolation == "higher":
            v = vhi
        elif interpolation == "midpoint":
            v = vlo + (vhi - vlo) * 0.5
        else:
            w = (rank - rank.floor()).expand(shape)
            v = vlo + (vhi - vlo) * w
        nan = _C.full((), math.nan, dtype=self.dtype)
        if ignore_nan:
            v = _C.where(valid.expand(shape) == 0, nan, v)
        else:
            v = _C.where(has_nan, nan, v)
        if dim is None:
            v = v.reshape(())
            if keepdim:
                v = v.reshape((1,) * self.dim())
        elif not keepdim or self.dim() == 0:
            v = v.squeeze(d)
        outs.append(v)
    from . import stack

    r = outs[0] if scalar_q else stack(outs, 0)
    # PyTorch's result is always an in-place squeeze of its q dim (SqueezeBackward4)
    return composite("SqueezeBackward4", lambda t: t.view(t.shape), r, saves=False)


def _is_t(x):
    return isinstance(x, _B)


@_amp.fp32
def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles along dim (of all elements when dim is None)."""
    return _quantile(self, q, dim, keepdim, interpolation, False)


@_amp.fp32
def nanquantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
    """quantile over the values that are not nan."""
    return _quantile(self, q, dim, keepdim, interpolation, True)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    """(std, mean) over dim."""
    if not isinstance(input, _B):
        raise TypeError(f"std_mean(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if not input.dtype.is_floating_point:
        raise RuntimeError("std_mean only support floating point and complex dtypes")
    kw = _var_kw(dim, unbiased, keepdim, correction)
    return composite("StdMeanBackward0", lambda x: (x.std(**kw), _mean(x, dim, keepdim)), input)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    """(var, mean) over dim."""
    if not isinstance(input, _B):
        raise TypeError(f"var_mean(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if not input.dtype.is_floating_point:
        raise RuntimeError("var_mean only support floating point and complex dtypes")
    kw = _var_kw(dim, unbiased, keepdim, correction)
    return composite("VarMeanBackward0", lambda x: (x.var(**kw), _mean(x, dim, keepdim)), input)


def _var_kw(dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):  # std_mean(x, False): the positional unbiased flag
        dim, unbiased = None, dim
    kw = {"keepdim": keepdim} if dim is not None else {}
    if dim is not None:
        kw["dim"] = dim
    if correction is not None:
        kw["correction"] = correction
    elif unbiased is not None:
        kw["unbiased"] = unbiased
    if keepdim and dim is None:
        kw["dim"], kw["keepdim"] = None, True
    return kw


def _mean(x, dim, keepdim):
    if isinstance(dim, bool):
        dim = None
    if dim is None:
        return x.mean() if not keepdim else x.mean(dim=tuple(range(x.dim())), keepdim=True)
    return x.mean(dim=dim, keepdim=keepdim)


def diff(self, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along dim (prepend/append joined first)."""
    n = _int_arg("diff", n, "n", 1)
    dim = _int_arg("diff", dim, "dim", 2)
    for extra, what in ((prepend, "prepend"), (append, "append")):
        if extra is not None and not _is_t(extra):
            raise TypeError(f"diff(): argument '{what}' must be Tensor, not "
                            f"{type(extra).__name__}")
    if self.dim() == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    from . import cat

    d = _wrap(dim, self.dim())
    parts = [p for p in (prepend, self, append) if p is not None]
    parts = [p if _is_t(p) else _C.full([1 if i == d else s for i, s in enumerate(self.shape)],
                                        p, dtype=self.dtype) for p in parts]
    x = cat(parts, d) if len(parts) > 1 else self
    for _ in range(n):
        m = x.shape[d]
        if m == 0:
            break
        a, b = x.narrow(d, 1, m - 1), x.narrow(d, 0, m - 1)
        x = a ^ b if x.dtype is _dt.bool else a - b
    return x


def msort(self):
    """sort along dim 0 (the values)."""
    return self.sort(dim=0)[0]


def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
    """The vector p-norm over ``dim`` (all elements by default), as ``linalg.vector_norm``;
    ``p='nuc'`` is the nuclear matrix norm over dim (by default the last two)."""
    if isinstance(p, str):
        if p == "nuc":
            from .linalg import matrix_norm

            return matrix_norm(self, "nuc", (-2, -1) if dim is None else dim, keepdim,
                               dtype=dtype)
        if p != "fro":
            raise RuntimeError(f"linalg.vector_norm: Order {p} not supported.")
        if dim is not None and not isinstance(dim, numbers.Integral) and len(dim) > 2:
            raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got " +
                               " ".join(str(d) for d in dim))
        p = 2.0  # the Frobenius norm of any dims is the 2-norm of their elements
    src = self if dtype is None else self.to(dtype)
    if isinstance(dim, numbers.Integral):
        dim = (dim,)
    return src._vector_norm(float(p), dim, keepdim)


METHODS = ["amax", "amin", "aminmax", "logsumexp", "nansum", "nanmean", "cummax", "cummin",
           "logcumsumexp", "nanmedian", "kthvalue", "mode", "quantile", "nanquantile", "diff",
           "msort"]
FUNCTIONS = {"std_mean": std_mean, "var_mean": var_mean}


def attach(cls):
    for name in METHODS:
        setattr(cls, name, globals()[name])
