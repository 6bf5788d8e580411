"""Elementwise float arithmetic with torch's CPU rounding, on NumPy views of tensors.

The optimizers written in Python (RMSprop, Adagrad, ...) replay the single-tensor path of
torch.optim one operation at a time. Each helper below rounds where torch's CPU kernel
rounds: a Python number meets a float32 tensor as a float32 scalar; ``add(alpha=)``,
``addcmul`` and ``lerp`` round their multiply-add once (torch's kernels compile to fused
multiply-adds), every other operation is rounded on its own. ``fma`` is exact: the product
of two float32 values is exact in float64, and the float64 sum is rounded to odd before the
final cast, so the result is the correctly rounded float32 fused multiply-add. For float64
tensors ``fma`` adds the error terms of an exact TwoProduct/TwoSum once, which is correctly
rounded except in rare near-halfway cases.
"""
import numpy as np

__all__ = ["view", "scalar", "fma", "add", "addcmul", "addcdiv", "lerp", "maximum"]


def view(t):
    """The NumPy array sharing ``t``'s memory (the tensor is never recorded by autograd)."""
    return t.detach().numpy()


def scalar(x, dtype):
    """A Python number converted the way torch converts it for an op on a ``dtype`` tensor."""
    return np.asarray(x, dtype=np.float64).astype(dtype)[()]


def _round_to_odd_sum(prod, c):
    # prod is exact in float64; s + e == prod + c exactly (TwoSum).
    s = prod + c
    bp = s - prod
    e = (prod - (s - bp)) + (c - bp)
    bits = s.view(np.int64)
    inexact_even = (e != 0) & ((bits & 1) == 0) & np.isfinite(s)
    if np.any(inexact_even):
        s = np.where(inexact_even, np.nextafter(s, np.where(e > 0, np.inf, -np.inf)), s)
    return s


def _two_prod_f64(a, b):
    # Dekker's exact product: a * b == p + err.
    p = a * b
    split = 134217729.0  # 2**27 + 1
    def _split(x):
        t = split * x
        hi = t - (t - x)
        return hi, x - hi
    ah, al = _split(a)
    bh, bl = _split(b)
    err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, err


def fma(a, b, c):
    """a * b + c rounded once, in the dtype of ``c`` (float32 or float64)."""
    a = np.asarray(a)
    b = np.asarray(b)
    c = np.asarray(c)
    dtype = np.result_type(a.dtype, b.dtype, c.dtype)
    if dtype == np.float32:
        with np.errstate(all="ignore"):
            prod = a.astype(np.float64) * b.astype(np.float64)
            s = _round_to_odd_sum(prod, c.astype(np.float64))
            return s.astype(np.float32)
    with np.errstate(all="ignore"):
        p, err = _two_prod_f64(a.astype(np.float64), b.astype(np.float64))
        s = p + c
        bp = s - p
        e = (p - (s - bp)) + (c - bp)
        out = s + (e + err)
        plain = a * b + c
        return np.where(np.isfinite(out), out, plain).astype(np.float64)


def add(a, b, alpha=1.0):
    """torch.add(a, b, alpha=alpha): ``b * alpha + a`` rounded once."""
    if alpha == 1:
        return a + b
    return fma(b, scalar(alpha, a.dtype), a)


def addcmul(a, t1, t2, value=1.0):
    """torch.addcmul(a, t1, t2, value=value): ``(value * t1) * t2 + a``, the last two fused."""
    if value == 1:
        return fma(t1, t2, a)
    return fma(scalar(value, a.dtype) * t1, t2, a)


def addcdiv(a, t1, t2, value=1.0):
    """torch.addcdiv(a, t1, t2, value=value): ``a + (value * t1) / t2``."""
    if value == 1:
        return a + t1 / t2
    return a + (scalar(value, a.dtype) * t1) / t2


def lerp(a, end, weight):
    """torch.lerp(a, end, weight) with a scalar weight, as torch's CPU kernel rounds it."""
    w = scalar(weight, a.dtype)
    diff = end - a
    if abs(w) < 0.5:
        return fma(w, diff, a)
    return fma(w - np.asarray(1, dtype=a.dtype), diff, end)


def maximum(a, b):
    """torch.maximum: NaN when either operand is NaN."""
    return np.maximum(a, b)
