"""Helpers shared by the distributions (torch.distributions.utils): broadcasting of mixed
number/tensor parameters, conversions between probabilities and logits, and lazy_property."""
import functools
import numbers

from .. import _C

__all__ = ["broadcast_all", "logits_to_probs", "clamp_probs", "probs_to_logits",
           "lazy_property", "euler_constant"]

euler_constant = 0.57721566490153286060  # Euler-Mascheroni constant


def _pkg():
    import pytorchlite
    return pytorchlite


def _is_tensor(v):
    return isinstance(v, _C.TensorBase)


def broadcast_all(*values):
    """Broadcasts tensors and numbers to one shape; numbers become tensors of the first
    tensor's dtype (the default dtype when all are numbers)."""
    if not all(_is_tensor(v) or isinstance(v, numbers.Number) for v in values):
        raise ValueError("Input arguments must all be instances of Number, torch.Tensor or "
                         "objects implementing __torch_function__.")
    torch = _pkg()
    if not all(_is_tensor(v) for v in values):
        dtype = torch.get_default_dtype()
        for v in values:
            if _is_tensor(v):
                dtype = v.dtype
                break
        values = [v if _is_tensor(v) else torch.tensor(v, dtype=dtype) for v in values]
    return torch.broadcast_tensors(*values)


def _standard_normal(shape, dtype, device=None):
    """N(0, 1) samples of the given shape: ``torch.empty(shape).normal_()``."""
    t = _C._rng_empty(tuple(shape), dtype)
    _C._normal_(t, 0.0, 1.0, None)
    return t


def _sum_rightmost(value, dim):
    """Sums out the ``dim`` rightmost dims of value."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:-dim]) + (-1,)).sum(-1)


def logits_to_probs(logits, is_binary=False):
    """Logits to probabilities: sigmoid (binary) or a softmax over the last dim."""
    if is_binary:
        return logits.sigmoid()
    return logits.softmax(-1)


def clamp_probs(probs):
    """Clamps probabilities into [eps, 1 - eps] (eps of probs' dtype)."""
    eps = _pkg().finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    """Probabilities to logits: log-odds (binary) or log-probabilities."""
    ps = clamp_probs(probs)
    if is_binary:
        return ps.log() - (-ps).log1p()
    return ps.log()


class lazy_property:
    """A method computed on first access (with gradients enabled) and then stored on the
    instance in its place."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        functools.update_wrapper(self, wrapped)

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with _pkg().enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    """A lazy_property seen on the class: both a property and a lazy_property."""

    def __init__(self, wrapped):
        property.__init__(self, wrapped)
