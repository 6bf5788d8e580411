"""The rounding methods of Tensor (floor, ceil, trunc, round) with PyTorch's dtype rules:
floating tensors use the core's kernels, integer tensors are already whole (a copy), and bool,
which PyTorch has no kernel for, raises its NotImplementedError."""
from . import _C
from . import _dtype as _dt


def whole(t, name, kernel=None, everything=False):
    """An integer tensor rounded: a copy, its values being whole. PyTorch has no kernel for
    bool (nor, with everything, for any non-floating dtype: frac, round with decimals)."""
    if t.dtype is _dt.bool or everything:
        from ._math_ops import _dt_name

        raise NotImplementedError(f'"{kernel or name + "_vml_cpu"}" not implemented for '
                                  f"'{_dt_name(t.dtype)}'")
    return t.clone()


def _numpy_unary(self, fn):
    import numpy as _np

    if not self.dtype.is_floating_point:
        return self.clone()
    half = self.dtype in (_dt.float16, _dt.bfloat16)  # in float32, rounded once
    a = (self.detach().float() if half else self.detach()).numpy()
    res = _np.ascontiguousarray(fn(a).astype(a.dtype))
    return _C.from_numpy(res.reshape(tuple(self.shape))).to(self.dtype)


def floor(self):
    return self._floor() if self.dtype.is_floating_point else whole(self, "floor")


def ceil(self):
    return self._ceil() if self.dtype.is_floating_point else whole(self, "ceil")


def trunc(self):
    return self._trunc() if self.dtype.is_floating_point else whole(self, "trunc")


def round(self, decimals=0):  # noqa: A001 - torch's name
    """Half to even, as PyTorch.

    Note: with ``decimals`` the result has no grad_fn (PyTorch's RoundBackward1 is zero).
    """
    import numpy as _np

    if decimals:
        if not self.dtype.is_floating_point:
            whole(self, "round", "round_cpu", True)
        return _numpy_unary(self, lambda a: _np.round(a * 10.0 ** decimals) / 10.0 ** decimals)
    return self._round() if self.dtype.is_floating_point else whole(self, "round")
