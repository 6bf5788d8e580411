"""Elementwise math, bitwise and logical ops, products of vectors and matrices (logaddexp, xlogy,
lerp, addcmul, addmv, outer, kron, tensordot, cdist, the bitwise operators ...), written from the
core's differentiable ops: none needs a backward of its own.

``attach(Tensor)`` puts the methods on Tensor; ``FUNCTIONS`` maps the torch.* names to their
functions (``__init__.py`` exports them).

Note: the grad_fn of a composite is the one of its last core op (e.g. ``AddBackward0`` for
``lerp``), not PyTorch's own node name (``LerpBackward0``).
"""
import math
import numbers

from . import _C
from . import _dtype as _dt

_B = _C.TensorBase


def _is_t(x):
    return isinstance(x, _B)


def _need_tensor(fname, x, name, pos):
    if not _is_t(x):
        raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _scalar_ok(fname, x, name, pos):
    if not (_is_t(x) or isinstance(x, numbers.Number)):
        raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _as_tensor(x, like):
    """A Python number as a 0-dim tensor of the dtype it takes beside ``like``."""
    if _is_t(x):
        return x
    if isinstance(x, int) and not isinstance(x, bool) and not -2 ** 63 <= x < 2 ** 63:
        raise OverflowError("int too big to convert")
    return _C.full((), x, dtype=(like.detach().reshape(-1)[:0] + x).dtype)


def _float_of(t):
    """``t`` itself when floating, else converted to the default float dtype (PyTorch's
    promotion of integer inputs to unary float ops)."""
    return t if t.dtype.is_floating_point else t.to(_C.get_default_dtype())


def _where(cond, a, b):
    return _C.where(cond, a, b)


# ---- elementwise math ----
def logaddexp(self, other):
    """log(exp(self) + exp(other)), computed without overflow."""
    _need_tensor("logaddexp", other, "other", 2)
    a, b = _float_of(self), _float_of(other)
    m = a.maximum(b)
    r = m + (-(a - b).abs()).exp().log1p()
    return _where(a == b, a + math.log(2.0), r)  # equal infinities: a - b is nan


def logaddexp2(self, other):
    """log2(2**self + 2**other), computed without overflow."""
    _need_tensor("logaddexp2", other, "other", 2)
    a, b = _float_of(self), _float_of(other)
    m = a.maximum(b)
    r = m + (-(a - b).abs() * math.log(2.0)).exp().log1p() / math.log(2.0)
    return _where(a == b, a + 1.0, r)


def logit(self, eps=None):
    """log(p / (1 - p)), with p clamped to [eps, 1 - eps] when eps is given."""
    if eps is not None and (isinstance(eps, bool) or not isinstance(eps, numbers.Real)):
        raise TypeError(f"logit(): argument 'eps' (position 1) must be float, not "
                        f"{type(eps).__name__}")
    x = _float_of(self)
    if eps is not None:
        x = x.clamp(float(eps), 1.0 - float(eps))
    return (x / (1 - x)).log()


def logit_(self, eps=None):
    return self.copy_(logit(self, eps))


def xlogy(self, other):
    """self * log(other), 0 where self is 0 (nan where other is nan)."""
    if not _is_t(self):
        _need_tensor("xlogy", other, "other", 2)
        self = _as_tensor(self, other)
    _scalar_ok("xlogy", other, "other", 2)
    other = _as_tensor(other, self)
    x, y = _float_of(self), _float_of(other)
    r = _where(x == 0, _C.zeros((), dtype=(x * y).dtype), x * y.log())
    return _where(y != y, y, r)


def xlogy_(self, other):
    return self.copy_(xlogy(self, other))


def xlog1py(self, other):
    """self * log1p(other), 0 where self is 0 (torch.special.xlog1py)."""
    if not _is_t(self):
        _need_tensor("xlog1py", other, "other", 2)
        self = _as_tensor(self, other)
    other = _as_tensor(other, self)
    x, y = _float_of(self), _float_of(other)
    r = _where(x == 0, _C.zeros((), dtype=(x * y).dtype), x * y.log1p())
    return _where(y != y, y, r)


def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
    """nan, +inf and -inf replaced by nan, posinf and neginf (by default 0 and the dtype's
    largest and lowest finite values)."""
    nan, posinf, neginf = (v.item() if _is_t(v) and v.numel() == 1 else v
                           for v in (nan, posinf, neginf))
    for value, name in ((nan, "nan"), (posinf, "posinf"), (neginf, "neginf")):
        if value is not None and (isinstance(value, bool) or
                                  not isinstance(value, numbers.Real)):
            raise TypeError(f"nan_to_num(): argument '{name}' must be float, not "
                            f"{type(value).__name__}")
    if not self.dtype.is_floating_point:
        return self.clone()
    from ._typeinfo import finfo

    fi = finfo(self.dtype)
    big = fi.max if posinf is None else posinf
    low = fi.min if neginf is None else neginf
    full = lambda v: _C.full((), v, dtype=self.dtype)  # noqa: E731
    r = _where(self != self, full(0.0 if nan is None else nan), self)
    r = _where(r == math.inf, full(big), r)
    return _where(r == -math.inf, full(low), r)


def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
    return self.copy_(nan_to_num(self, nan, posinf, neginf))


def signbit(self):
    """Whether the sign bit is set (True for -0.0 too)."""
    import numpy as np

    return _C.from_numpy(np.array(np.signbit(self._compute_numpy()), order="C"))


def sgn(self):
    """sign for real tensors."""
    return self.sign()


def heaviside(self, values):
    """0 where self < 0, values where self == 0, 1 where self > 0."""
    _need_tensor("heaviside", values, "values", 2)
    if self.dtype != values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    if self.requires_grad or values.requires_grad:
        if _C.is_grad_enabled():
            raise NotImplementedError("the derivative for 'heaviside' is not implemented.")
    x, v = self.detach(), values.detach()
    pos = (x > 0).to(self.dtype)
    return _where(x == 0, v, pos) if self.dtype is not _dt.bool else (x | (v & ~x))


def lerp(self, end, weight):
    """self + weight * (end - self); weight a number or a tensor."""
    _need_tensor("lerp", end, "end", 2)
    if not (_is_t(weight) or isinstance(weight, numbers.Number)):
        raise TypeError(f"lerp(): argument 'weight' must be Tensor or Number, not "
                        f"{type(weight).__name__}")
    if _is_t(weight) and weight.dtype != self.dtype:
        raise RuntimeError(f"expected dtype {self.dtype} for `weight` but got dtype "
                           f"{weight.dtype}")
    if self.dtype != end.dtype:
        raise RuntimeError(f"expected dtype {self.dtype} for `end` but got dtype {end.dtype}")
    return self + weight * (end - self)


def lerp_(self, end, weight):
    return self.copy_(lerp(self, end, weight))


def _addc(fname, self, tensor1, tensor2, value, op):
    _need_tensor(fname, tensor1, "tensor1", 2)
    _need_tensor(fname, tensor2, "tensor2", 3)
    if fname == "addcdiv" and not tensor1.dtype.is_floating_point and \
            not tensor2.dtype.is_floating_point:
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
            "to(input.dtype) using PyTorch 1.5.0 or older. The future addcdiv behavior can be "
            "implemented with torch.addcmul(input, value, tensor1 / tensor2) instead.")
    return self + value * op(tensor1, tensor2)


def _value_overload(fname, tensor1, tensor2, rest, value):
    """PyTorch's deprecated addcmul/addcdiv(input, value, tensor1, tensor2) form."""
    import warnings

    if len(rest) != 1 or value != 1:
        raise TypeError(f"{fname}() takes 3 positional arguments but {3 + len(rest)} were given")
    if _is_t(tensor1) and tensor1.numel() == 1:
        tensor1 = tensor1.item()
    if not isinstance(tensor1, numbers.Number):
        raise TypeError(f"{fname}(): argument 'value' must be Number, not "
                        f"{type(tensor1).__name__}")
    warnings.warn(f"This overload of {fname} is deprecated:\n\t{fname}(Tensor input, Number "
                  f"value, Tensor tensor1, Tensor tensor2)\nConsider using one of the following "
                  f"signatures instead:\n\t{fname}(Tensor input, Tensor tensor1, Tensor "
                  "tensor2, *, Number value = 1)", UserWarning, stacklevel=3)
    return tensor2, rest[0], tensor1


def addcmul(self, tensor1, tensor2, *rest, value=1):
    """self + value * tensor1 * tensor2."""
    if rest:
        tensor1, tensor2, value = _value_overload("addcmul", tensor1, tensor2, rest, value)
    return _addc("addcmul", self, tensor1, tensor2, value, lambda a, b: a * b)


def addcdiv(self, tensor1, tensor2, *rest, value=1):
    """self + value * tensor1 / tensor2."""
    if rest:
        tensor1, tensor2, value = _value_overload("addcdiv", tensor1, tensor2, rest, value)
    return _addc("addcdiv", self, tensor1, tensor2, value, lambda a, b: a / b)


def addcmul_(self, tensor1, tensor2, *rest, value=1):
    r = addcmul(self, tensor1, tensor2, *rest, value=value)
    if tuple(r.shape) != tuple(self.shape):
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast "
                           f"shape {list(r.shape)}")
    return self.copy_(r)


def addcdiv_(self, tensor1, tensor2, *rest, value=1):
    r = addcdiv(self, tensor1, tensor2, *rest, value=value)
    if tuple(r.shape) != tuple(self.shape):
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast "
                           f"shape {list(r.shape)}")
    return self.copy_(r)


def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|self - other| <= atol + rtol * |other|, elementwise (equal infinities are close)."""
    _need_tensor("isclose", other, "other", 2)
    _tolerances("isclose", rtol, atol, equal_nan)
    if self.dtype != other.dtype:
        raise RuntimeError(f"{_dt_name(self.dtype)} did not match {_dt_name(other.dtype)}")
    a, b = self.detach(), other.detach()
    eq = a == b
    if equal_nan:
        eq = eq | ((a != a) & (b != b))
    if not self.dtype.is_floating_point:
        if self.dtype is _dt.bool:
            return eq
        a, b = a.double(), b.double()
    close = (a - b).abs() <= atol + rtol * b.abs()
    return eq | (close & (a.abs() != math.inf) & (b.abs() != math.inf))


def _tolerances(fname, rtol, atol, equal_nan):
    for pos, (value, name) in enumerate(((rtol, "rtol"), (atol, "atol")), 2):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be float, not "
                            f"{type(value).__name__}")
    if not isinstance(equal_nan, bool):
        raise TypeError(f"{fname}(): argument 'equal_nan' (position 4) must be bool, not "
                        f"{type(equal_nan).__name__}")


def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every element of self is close to other's (``isclose(...).all()``)."""
    _need_tensor("allclose", other, "other", 2)
    _tolerances("allclose", rtol, atol, equal_nan)
    return bool(isclose(self, other, rtol, atol, equal_nan).all())


def isposinf(self):
    return self == math.inf if self.dtype.is_floating_point else _C.zeros(self.shape,
                                                                          dtype=_dt.bool)


def isneginf(self):
    return self == -math.inf if self.dtype.is_floating_point else _C.zeros(self.shape,
                                                                           dtype=_dt.bool)


def isreal(self):
    """True everywhere: pytorchlite has no complex dtypes."""
    return _C.ones(self.shape, dtype=_dt.bool)


def positive(self):
    if self.dtype is _dt.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return self


def frac_(self):
    return self.copy_(self.frac())


def square_(self):
    return self.copy_(self.square())


def sgn_(self):
    return self.sign_()


def heaviside_(self, values):
    return self.copy_(heaviside(self, values))


def true_divide_(self, other):
    return self.div_(other)


def floor_divide_(self, other):
    return self.__ifloordiv__(other)


def fix(self):
    return self.trunc()


def fix_(self):
    return self.copy_(self.trunc())


def float_power(self, exponent):
    """self ** exponent computed in float64."""
    if not _is_t(self):
        _need_tensor("float_power", exponent, "exponent", 2)
        return exponent.double().__rpow__(float(self))
    _scalar_ok("float_power", exponent, "exponent", 2)
    e = exponent.double() if _is_t(exponent) else float(exponent)
    return self.double().pow(e)


def float_power_(self, exponent):
    _scalar_ok("float_power_", exponent, "exponent", 1)
    if self.dtype is not _dt.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {_dt_name(self.dtype)} "
                           "but the operation's result requires dtype Double")
    return self.copy_(float_power(self, exponent))


def _dt_name(d):
    return {_dt.float32: "Float", _dt.float64: "Double", _dt.int64: "Long", _dt.bool: "Bool",
            _dt.float16: "Half", _dt.bfloat16: "BFloat16", _dt.int32: "Int", _dt.int16: "Short",
            _dt.int8: "Char", _dt.uint8: "Byte"}.get(d, str(d))


def _bound(value):
    """A clamp bound; a Python int past int64 is PyTorch's OverflowError."""
    if isinstance(value, int) and not isinstance(value, bool) and \
            not -2 ** 63 <= value < 2 ** 63:
        raise OverflowError("int too big to convert")
    return value


def clamp_min(self, min):  # noqa: A002
    return self.clamp(min=_bound(min))


def clamp_max(self, max):  # noqa: A002
    return self.clamp(max=_bound(max))


def clamp_min_(self, min):  # noqa: A002
    return self.clamp_(min=_bound(min))


def clamp_max_(self, max):  # noqa: A002
    return self.clamp_(max=_bound(max))


# ---- logical and bitwise ----
def logical_and(self, other):
    _need_tensor("logical_and", other, "other", 2)
    return self.bool() & other.bool()


def logical_or(self, other):
    _need_tensor("logical_or", other, "other", 2)
    return self.bool() | other.bool()


def logical_xor(self, other):
    _need_tensor("logical_xor", other, "other", 2)
    return self.bool() ^ other.bool()


def logical_not(self):
    return ~self.bool()


def _integral_check(name, *ts):
    for t in ts:
        if _is_t(t) and t.dtype.is_floating_point:
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'{_dt_name(t.dtype)}\'')
        if isinstance(t, float):
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'Float\'')


def bitwise_and(self, other):
    return self & _bound(other)


def bitwise_or(self, other):
    return self | _bound(other)


def bitwise_xor(self, other):
    return self ^ _bound(other)


def bitwise_not(self):
    _integral_check("bitwise_not", self)
    return ~self


def _shift(self, other, left):
    """self << other (left) or self >> other in int64 arithmetic, as PyTorch: shifts of the
    width or more (or negative) give 0, or -1 for a right shift of a negative value."""
    import numpy as np

    name = "lshift" if left else "rshift"
    if not _is_t(self) and not _is_t(other):
        fname = "bitwise_left_shift" if left else "bitwise_right_shift"
        raise TypeError(f"{fname}() received an invalid combination of arguments - got "
                        f"({type(self).__name__}, {type(other).__name__})")
    if not (_is_t(other) or isinstance(other, numbers.Number)):
        raise TypeError(f"unsupported operand type(s) for shift: '{type(other).__name__}'")
    if not _is_t(self):
        self = _as_tensor(self, other)
    _integral_check(name, self, other)
    other_t = _as_tensor(other, self)
    dtype = (self.detach() & other_t.detach()).dtype if not (
        self.dtype is _dt.bool and other_t.dtype is _dt.bool) else _dt.int64
    if dtype is _dt.bool:
        dtype = _dt.int64
    bits = 8 * _C.zeros((), dtype=dtype).element_size()
    a = self.detach().to(dtype).long().numpy()
    b = other_t.detach().to(dtype).long().numpy()
    a, b = np.broadcast_arrays(a, b)
    ok = (b >= 0) & (b < bits)
    sh = np.where(ok, b, 0)
    if left:
        res = np.where(ok, np.left_shift(a, sh), 0)
    else:
        res = np.where(ok, np.right_shift(a, sh), np.where(a < 0, -1, 0))
    return _C.from_numpy(np.array(res.astype(np.int64), order="C")).to(dtype)


def bitwise_left_shift(self, other):
    return _shift(self, other, True)


def bitwise_right_shift(self, other):
    return _shift(self, other, False)


def _lshift(self, other):
    if not (_is_t(other) or isinstance(other, numbers.Number)):
        return NotImplemented
    return _shift(self, other, True)


def _rshift(self, other):
    if not (_is_t(other) or isinstance(other, numbers.Number)):
        return NotImplemented
    return _shift(self, other, False)


def _rlshift(self, other):
    if not isinstance(other, numbers.Number):
        return NotImplemented
    return _shift(_as_tensor(other, self), self, True)


def _rrshift(self, other):
    if not isinstance(other, numbers.Number):
        return NotImplemented
    return _shift(_as_tensor(other, self), self, False)


def _ilshift(self, other):
    return self.copy_(_shift(self, other, True))


def _irshift(self, other):
    return self.copy_(_shift(self, other, False))


# ---- products ----
def mv(self, vec):
    """Matrix (n, m) times vector (m,)."""
    _need_tensor("mv", vec, "vec", 2)
    if self.dim() == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    if self.dim() != 2 or vec.dim() != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {self.dim()}, "
                           f"{vec.dim()}")
    if self.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({self.shape[0]}), mat ({self.shape[0]}x"
                           f"{self.shape[1]}), vec ({vec.shape[0]})")
    return self.matmul(vec)


def _beta_alpha(beta, alpha, inp, prod):
    """beta * inp + alpha * prod, with inp ignored (even nan) when beta is 0."""
    out = prod if alpha == 1 else prod * alpha
    if beta == 0:
        return out + _C.zeros(inp.shape, dtype=out.dtype)
    return out + (inp if beta == 1 else inp * beta)


def addmv(self, mat, vec, *, beta=1, alpha=1):
    """beta * self + alpha * (mat @ vec)."""
    _need_tensor("addmv", mat, "mat", 2)
    _need_tensor("addmv", vec, "vec", 3)
    return _beta_alpha(beta, alpha, self, mv(mat, vec))


def addmv_(self, mat, vec, *, beta=1, alpha=1):
    return self.copy_(addmv(self, mat, vec, beta=beta, alpha=alpha))


def _check_batches(b1, b2):
    if b1.dim() != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b2.dim() != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b1.shape[0] != b2.shape[0] or b1.shape[2] != b2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b1.shape[0]}, {b1.shape[2]}] but got: [{b2.shape[0]}, "
                           f"{b2.shape[1]}].")


def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
    """beta * self + alpha * sum_b(batch1[b] @ batch2[b])."""
    _need_tensor("addbmm", batch1, "batch1", 2)
    _need_tensor("addbmm", batch2, "batch2", 3)
    _check_batches(batch1, batch2)
    return _beta_alpha(beta, alpha, self, batch1.matmul(batch2).sum(0))


def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
    """beta * self + alpha * (batch1 @ batch2), batch by batch."""
    _need_tensor("baddbmm", batch1, "batch1", 2)
    _need_tensor("baddbmm", batch2, "batch2", 3)
    _check_batches(batch1, batch2)
    return _beta_alpha(beta, alpha, self, batch1.matmul(batch2))


def addbmm_(self, batch1, batch2, *, beta=1, alpha=1):
    return self.copy_(addbmm(self, batch1, batch2, beta=beta, alpha=alpha))


def baddbmm_(self, batch1, batch2, *, beta=1, alpha=1):
    return self.copy_(baddbmm(self, batch1, batch2, beta=beta, alpha=alpha))


def outer(self, vec2):
    """The outer product of two vectors."""
    _need_tensor("outer", vec2, "vec2", 2)
    if self.dim() != 1 or vec2.dim() != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {self.dim()}-D"
                           if self.dim() != 1 else
                           f"outer: Expected 1-D argument vec2, but got {vec2.dim()}-D")
    return self.unsqueeze(1) * vec2.unsqueeze(0)


def ger(self, vec2):
    return outer(self, vec2)


def inner(self, other):
    """Sum over the last dims of both (a product when either is 0-dim)."""
    _need_tensor("inner", other, "other", 2)
    if self.dim() == 0 or other.dim() == 0:
        return self * other
    if self.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(self.shape)} and {list(other.shape)}")
    return tensordot(self, other, ([self.dim() - 1], [other.dim() - 1]))


def kron(self, other):
    """The Kronecker product."""
    _need_tensor("kron", other, "other", 2)
    nd = max(self.dim(), other.dim())
    a = self.reshape((1,) * (nd - self.dim()) + tuple(self.shape))
    b = other.reshape((1,) * (nd - other.dim()) + tuple(other.shape))
    ai, bi = [], []
    for d in range(nd):
        ai += [a.shape[d], 1]
        bi += [1, b.shape[d]]
    out = a.reshape(ai) * b.reshape(bi)
    return out.reshape(tuple(a.shape[d] * b.shape[d] for d in range(nd)))


def tensordot(a, b, dims=2, out=None):
    """Sum of products over dims of a and b (an int: the last dims of a, first of b)."""
    if not isinstance(dims, (tuple, list, _B, int)):
        raise RuntimeError("tensordot expects dims to be int or tuple[list[int], list[int]] or "
                           f"list[list[int]] containing two lists, but got dims={dims}")
    _need_tensor("tensordot", a, "a", 1)
    _need_tensor("tensordot", b, "b", 2)
    if _is_t(dims):
        dims = dims.tolist()
    if isinstance(dims, numbers.Integral):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.dim() or dims > b.dim():
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(a.dim() - dims, a.dim())), list(range(dims))
    else:
        if len(dims) != 2:
            raise RuntimeError("tensordot expects dims to be a pair of lists")
        da, db = dims
        da = [da] if isinstance(da, numbers.Integral) else list(da)
        db = [db] if isinstance(db, numbers.Integral) else list(db)
        if len(da) != len(db):
            raise RuntimeError("both dimension lists should have same length")
    from ._tensor import _wrap_dim

    da = [_wrap_dim(d, a.dim()) for d in da]
    db = [_wrap_dim(d, b.dim()) for d in db]
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[x]} in dim {x} and second has size {b.shape[y]} in dim "
                               f"{y}")
    fa = [d for d in range(a.dim()) if d not in da]
    fb = [d for d in range(b.dim()) if d not in db]
    k = 1
    for d in da:
        k *= a.shape[d]
    na, nb = 1, 1
    for d in fa:
        na *= a.shape[d]
    for d in fb:
        nb *= b.shape[d]
    am = a.permute(fa + da).reshape(na, k) if a.dim() else a.reshape(1, 1)
    bm = b.permute(db + fb).reshape(k, nb) if b.dim() else b.reshape(1, 1)
    r = am.matmul(bm).reshape([a.shape[d] for d in fa] + [b.shape[d] for d in fb])
    if out is not None:
        from ._out import write_out

        return write_out("tensordot", out, r, (a, b))
    return r


def cross(self, other, dim=None):
    """The cross product of 3-vectors along dim (by default the first dim of size 3)."""
    _need_tensor("cross", other, "other", 2)
    if dim is not None and (isinstance(dim, bool) or not isinstance(dim, numbers.Integral)):
        raise TypeError(f"cross(): argument 'dim' (position 3) must be int, not "
                        f"{type(dim).__name__}")
    if self.dim() != other.dim():
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if dim is None:
        import warnings

        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\n"
                      "Please either pass the dim explicitly or simply use torch.linalg.cross.\n"
                      "The default value of dim will change to agree with that of "
                      "linalg.cross in a future release.")
        from . import broadcast_shapes

        shape = broadcast_shapes(self.shape, other.shape)
        dim = next((i for i, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(self, other, dim=dim)


def linalg_cross(input, other, *, dim=-1):  # noqa: A002
    _need_tensor("linalg_cross", input, "input", 1)
    _need_tensor("linalg_cross", other, "other", 2)
    from ._tensor import _wrap_dim

    if input.dim() != other.dim():
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    dim = _wrap_dim(dim, input.dim())
    if input.shape[dim] != 3 or other.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input.shape[dim]} and {other.shape[dim]}")
    a = [input.select(dim, i) for i in range(3)]
    b = [other.select(dim, i) for i in range(3)]
    from . import stack

    return stack([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2],
                  a[0] * b[1] - a[1] * b[0]], dim)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distances between each row of x1 (..., P, M) and each of x2 (..., R, M)."""
    if compute_mode not in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    _need_tensor("cdist", x1, "x1", 1)
    _need_tensor("cdist", x2, "x2", 2)
    if x1.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.dim()}D")
    if x2.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X2 got: {x2.dim()}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    if not x1.dtype.is_floating_point:
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: "
                           f"{_dt_name(x1.dtype)}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return diff._vector_norm(float(p), (-1,), False)


def dist(self, other, p=2):
    """The p-norm of self - other."""
    _need_tensor("dist", other, "other", 2)
    return (self - other)._vector_norm(float(p), None, False)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 * x2) / (max(|x1|, eps) * max(|x2|, eps)) along dim."""
    _need_tensor("cosine_similarity", x1, "x1", 1)
    _need_tensor("cosine_similarity", x2, "x2", 2)
    from . import broadcast_tensors

    x1, x2 = broadcast_tensors(x1, x2)
    n1 = x1._vector_norm(2.0, (dim,), True).clamp(min=eps)
    n2 = x2._vector_norm(2.0, (dim,), True).clamp(min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each element of ``elements`` is in ``test_elements``."""
    import numpy as np

    if not _is_t(elements) and not _is_t(test_elements):
        raise TypeError("isin() received an invalid combination of arguments - got "
                        f"({type(elements).__name__}, {type(test_elements).__name__})")
    a = elements._compute_numpy() if _is_t(elements) else np.asarray(elements)
    b = test_elements._compute_numpy() if _is_t(test_elements) else np.asarray(test_elements)
    r = np.isin(a, b, invert=invert)
    shape = tuple(elements.shape) if _is_t(elements) else ()
    return _C.from_numpy(np.ascontiguousarray(r).reshape(-1)).reshape(shape)


METHODS = ["allclose", "logaddexp", "logaddexp2", "logit", "logit_", "xlogy", "xlogy_", "nan_to_num",
           "nan_to_num_", "signbit", "sgn", "heaviside", "lerp", "lerp_", "addcmul", "addcdiv",
           "addcmul_", "addcdiv_", "isclose", "isposinf", "isneginf", "isreal", "positive",
           "fix", "fix_", "float_power", "float_power_", "clamp_min", "clamp_max",
           "clamp_min_", "clamp_max_", "logical_and", "logical_or", "logical_xor",
           "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
           "bitwise_left_shift", "bitwise_right_shift", "mv", "addmv", "addmv_", "addbmm",
           "baddbmm", "addbmm_", "baddbmm_", "outer", "ger", "inner", "kron", "cross", "dist",
           "frac_", "square_", "sgn_", "heaviside_", "true_divide_", "floor_divide_"]


def _logical_inplace(name):
    fn = globals()[name]

    def method(self, *args):
        r = fn(self, *args)
        from .autograd import no_grad

        with no_grad():  # not differentiable: PyTorch records nothing, even on a leaf
            return self.copy_(r)
    method.__name__ = name + "_"
    return method


def _bitwise_inplace(name, op):
    def method(self, other):
        r = op(self, other)
        if r.dtype != self.dtype and not (self.dtype.is_floating_point or
                                          r.dtype is _dt.bool):
            from ._typeinfo import can_cast

            if not can_cast(r.dtype, self.dtype):
                raise RuntimeError(f"result type {_dt_name(r.dtype)} can't be cast to the "
                                   f"desired output type {_dt_name(self.dtype)}")
        return self.copy_(r)
    method.__name__ = name
    return method


for _n in ("logical_and", "logical_or", "logical_xor", "logical_not"):
    globals()[_n + "_"] = _logical_inplace(_n)
    METHODS.append(_n + "_")
bitwise_and_ = _bitwise_inplace("bitwise_and_", bitwise_and)
bitwise_or_ = _bitwise_inplace("bitwise_or_", bitwise_or)
bitwise_xor_ = _bitwise_inplace("bitwise_xor_", bitwise_xor)
bitwise_not_ = _bitwise_inplace("bitwise_not_", lambda a, b: bitwise_not(a))
bitwise_left_shift_ = _bitwise_inplace("bitwise_left_shift_", bitwise_left_shift)
bitwise_right_shift_ = _bitwise_inplace("bitwise_right_shift_", bitwise_right_shift)
METHODS += ["bitwise_and_", "bitwise_or_", "bitwise_xor_", "bitwise_left_shift_",
            "bitwise_right_shift_"]
del _n


def bitwise_not__(self):
    return self.copy_(bitwise_not(self))


# the torch.* functions whose first argument must be a Tensor are made from the methods in
# __init__.py; these take a Python number first or are not methods at all
FUNCTIONS = {"tensordot": tensordot, "cdist": cdist, "cosine_similarity": cosine_similarity,
             "isin": isin, "xlogy": xlogy, "float_power": float_power,
             "bitwise_left_shift": bitwise_left_shift,
             "bitwise_right_shift": bitwise_right_shift}


def attach(cls):
    for name in METHODS:
        setattr(cls, name, globals()[name])
    cls.bitwise_not_ = bitwise_not__
    cls.__lshift__ = _lshift
    cls.__rshift__ = _rshift
    cls.__rlshift__ = _rlshift
    cls.__rrshift__ = _rrshift
    cls.__ilshift__ = _ilshift
    cls.__irshift__ = _irshift
