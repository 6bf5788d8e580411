"""Backward formulas for the ops whose forward is still computed with NumPy in _tensor.py
(gather and the sort/topk built on it, cumsum, cumprod, prod). Each is a graph node of the
core's engine made through autograd.Function, with PyTorch's grad_fn name (GatherBackward0...).

The formulas follow PyTorch's (FunctionsManual.cpp): gather's gradient is a scatter-add of the
output gradient; cumsum's is a reversed cumulative sum; prod's and cumprod's divide by the
input when it has no zeros, and use products that leave out one element when it has.

With grad mode on in the backward (create_graph=True) each gradient is computed with recording
ops instead, so it can be differentiated again. Over an input holding zeros, prod's and
cumprod's recorded gradients build an (n, n) matrix per reduced slice (n the reduced size) of
the products that leave one element out.
"""
import numpy as np

from .. import _C
from .. import _dtype as _dt
from .function import Function, once_differentiable

__all__ = ["gather", "cumsum", "cumprod", "prod"]

_classes = {}


def _node_class(base, name):
    """``base`` (a Function) whose grad_fn class is the built-in-looking ``name``."""
    key = (base, name)
    if key not in _classes:
        cls = type(base.__name__, (base,), {})
        bw = cls._backward_cls
        bw.__name__ = bw.__qualname__ = name
        bw.__module__ = "torch.autograd.graph"
        bw.__repr__ = lambda self: f"<{type(self).__name__} object at {hex(id(self))}>"
        _classes[key] = cls
    return _classes[key]


def _np(t):
    t = t.detach()
    # float16/bfloat16 in float32, as PyTorch's kernels accumulate them (NumPy lacks bfloat16)
    return (t.float() if t.dtype in (_dt.float16, _dt.bfloat16) else t).numpy()


def _recording(*tensors):
    """Whether a backward must record its own graph (create_graph and some input has history)."""
    from .. import is_grad_enabled

    return is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors)


def _prod_grad_zeros(g, x, dim, keepdim):
    """prod's gradient through recording ops, exact with zeros: g times the product of the
    other elements, from a matrix whose row k is x with x_k replaced by 1."""
    from .. import eye, ones

    if dim is None:
        xf, gk = x.reshape(-1), g.reshape(1)
    else:
        xf = x.transpose(dim, -1)
        gk = (g if keepdim else g.unsqueeze(dim)).transpose(dim, -1)
    n = xf.shape[-1]
    rep = _C.where(eye(n, dtype=_bool()), ones((), dtype=x.dtype), xf.unsqueeze(-2))
    grad = gk * rep.prod(-1)
    return grad.reshape(x.shape) if dim is None else grad.transpose(dim, -1)


def _cumprod_grad_zeros(g, x, dim):
    """cumprod's gradient through recording ops, exact with zeros:
    grad_k = prod_{j<k} x_j * sum_{i>=k} g_i prod_{k<j<=i} x_j."""
    from .. import arange, cat, ones, zeros

    xf, gf = x.transpose(dim, -1), g.transpose(dim, -1)
    n = xf.shape[-1]
    ar = arange(n)
    after = ar.unsqueeze(0) > ar.unsqueeze(1)  # [k, j]: j > k
    inner = _C.where(after, xf.unsqueeze(-2), ones((), dtype=x.dtype)).cumprod(-1)
    upper = ar.unsqueeze(0) >= ar.unsqueeze(1)  # [k, i]: i >= k
    tail = _C.where(upper, gf.unsqueeze(-2) * inner, zeros((), dtype=x.dtype)).sum(-1)
    before = cat([ones(xf.shape[:-1] + (1,), dtype=x.dtype), xf[..., :-1]], -1).cumprod(-1)
    return (before * tail).transpose(dim, -1)


def _bool():
    from .. import bool as bool_

    return bool_


def _reverse_cumsum(t, dim):
    """sum_{j >= i} t_j along dim, through recording ops."""
    return t.sum(dim, keepdim=True) - t.cumsum(dim) + t


def _tensor(a, like):
    # a fresh C-ordered copy: ascontiguousarray keeps a negative stride on a size-1 dim (a flip)
    t = _C.from_numpy(np.array(a, dtype=_np(like).dtype, order="C", copy=True))
    return t if t.dtype is like.dtype else t.to(like.dtype)  # bfloat16 went through float32


class _Gather(Function):
    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.dim, ctx.shape = dim, tuple(x.shape)
        ctx.save_for_backward(index)
        return x.gather(dim, index)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        if _recording(g) and ctx.shape:
            return _gather_grad_recorded(g, ctx.dim, index, ctx.shape), None, None
        return _Gather._numpy_backward(ctx, g)

    @staticmethod
    @once_differentiable
    def _numpy_backward(ctx, g):
        (index,) = ctx.saved_tensors
        dim, shape = ctx.dim, ctx.shape
        gn, idx = _np(g), _np(index)
        out = np.zeros(shape if shape else (1,), dtype=gn.dtype)
        if not shape:
            idx, gn = idx.reshape(-1), gn.reshape(-1)
        pos = list(np.indices(idx.shape, sparse=True))
        pos[dim] = idx
        np.add.at(out, tuple(pos), gn)
        return _tensor(out.reshape(shape), g), None, None


def _gather_grad_recorded(g, dim, index, shape):
    """scatter-add of g at index as the gradient of an advanced-index read, whose backward
    records its own graph (IndexBackwardBackward0)."""
    from .. import arange, zeros
    from . import grad

    z = zeros(shape, dtype=g.dtype, requires_grad=True)
    key = []
    for d in range(index.dim()):
        if d == dim:
            key.append(index)
        else:
            view = [1] * index.dim()
            view[d] = index.shape[d]
            key.append(arange(index.shape[d]).reshape(view))
    return grad(z[tuple(key)], z, g, create_graph=True)[0]


class _Cumsum(Function):
    @staticmethod
    def forward(ctx, x, dim, dtype):
        ctx.dim = dim
        return x.cumsum(dim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        if _recording(g):
            return (g.clone() if g.dim() == 0 else _reverse_cumsum(g, ctx.dim)), None, None
        return _Cumsum._numpy_backward(ctx, g)

    @staticmethod
    @once_differentiable
    def _numpy_backward(ctx, g):
        gn = _np(g)
        if gn.ndim == 0:
            return g.clone(), None, None
        d = ctx.dim
        return _tensor(np.flip(np.cumsum(np.flip(gn, d), d), d), g), None, None


def _others_product(x, axis):
    """prod of every element along axis but the one at each position (exact with zeros)."""
    ones = np.ones_like(np.take(x, [0], axis=axis))
    left = np.cumprod(np.concatenate([ones, np.delete(x, -1, axis=axis)], axis=axis), axis=axis)
    rev = np.flip(x, axis)
    right = np.cumprod(np.concatenate([ones, np.delete(rev, -1, axis=axis)], axis=axis), axis=axis)
    return left * np.flip(right, axis)


class _Prod(Function):
    @staticmethod
    def forward(ctx, x, dim, keepdim):
        ctx.dim, ctx.keepdim = dim, keepdim
        out = x.prod() if dim is None else x.prod(dim, keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        if _recording(g, x) and x.dim() == 0:
            return g.clone(), None, None
        if _recording(g, x) and (x == 0).any():
            return _prod_grad_zeros(g, x, ctx.dim, ctx.keepdim), None, None
        if _recording(g, x) and x.dim() > 0:
            dim, keepdim = ctx.dim, ctx.keepdim
            out = x.prod() if dim is None else x.prod(dim, keepdim=True)  # with its history
            if dim is not None and not keepdim:
                g = g.unsqueeze(dim)
            return g * out / x, None, None
        return _Prod._numpy_backward(ctx, g)

    @staticmethod
    @once_differentiable
    def _numpy_backward(ctx, g):
        x, out = ctx.saved_tensors
        xn, gn, on = _np(x), _np(g), _np(out)
        if xn.ndim == 0:
            return g.clone(), None, None
        if ctx.dim is None:
            gn, on, axis = gn.reshape([1] * xn.ndim), on.reshape([1] * xn.ndim), None
        else:
            axis = ctx.dim
            if not ctx.keepdim:
                gn, on = np.expand_dims(gn, axis), np.expand_dims(on, axis)
        if not (xn == 0).any():
            grad = gn * (on / xn)
        elif axis is None:
            grad = gn * _others_product(xn.reshape(-1), 0).reshape(xn.shape)
        else:
            grad = gn * _others_product(xn, axis)
        return _tensor(np.broadcast_to(grad, xn.shape), x), None, None


class _Cumprod(Function):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        out = _cumprod_forward(x, dim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        if _recording(g, x) and x.dim() == 0:
            return g.clone(), None
        if _recording(g, x) and (x == 0).any():
            return _cumprod_grad_zeros(g, x, ctx.dim), None
        if _recording(g, x) and x.dim() > 0:
            return _reverse_cumsum(g * x.cumprod(ctx.dim), ctx.dim) / x, None
        return _Cumprod._numpy_backward(ctx, g)

    @staticmethod
    @once_differentiable
    def _numpy_backward(ctx, g):
        x, out = ctx.saved_tensors
        xn, gn, on = _np(x), _np(g), _np(out)
        if xn.ndim == 0:
            return g.clone(), None, None
        d = ctx.dim
        if not (xn == 0).any():
            rev = np.flip(np.cumsum(np.flip(gn * on, d), d), d)
            return _tensor(rev / xn, x), None
        # d out_i / d x_k = prod_{j <= i, j != k} x_j for i >= k
        xm, gm = np.moveaxis(xn, d, 0), np.moveaxis(gn, d, 0)
        grad = np.zeros_like(xm)
        before = np.ones_like(xm[0])
        for k in range(xm.shape[0]):
            run = before.copy()
            acc = gm[k] * run
            for i in range(k + 1, xm.shape[0]):
                run = run * xm[i]
                acc = acc + gm[i] * run
            grad[k] = acc
            before = before * xm[k]
        return _tensor(np.moveaxis(grad, 0, d), x), None


def _cumprod_forward(x, dim):
    xn = _np(x)
    if xn.ndim == 0:
        return x.clone()
    return _tensor(np.cumprod(xn, axis=dim), x)


def gather(x, dim, index, name="GatherBackward0"):
    return _node_class(_Gather, name).apply(x, dim, index)


def cumsum(x, dim, dtype=None):
    return _node_class(_Cumsum, "CumsumBackward0").apply(x, dim, dtype)


def cumprod(x, dim):
    return _node_class(_Cumprod, "CumprodBackward0").apply(x, dim)


def prod(x, dim=None, keepdim=False):
    name = "ProdBackward0" if dim is None else "ProdBackward1"
    return _node_class(_Prod, name).apply(x, dim, keepdim)
