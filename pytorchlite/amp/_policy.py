"""The cast policies of CPU autocast for the ops written in Python.

The ops that enter through C (matmul, mm, ``@``, linear, addmm, conv, cat, stack) test the
autocast flag there (csrc/python/autocast.c). A Python op on one of autocast's lists carries one
of these decorators instead (a C callable, _C._AutocastOp): outside an autocast region it costs
one flag test on its way to the op; inside one it casts the op's tensor arguments (lower
precision, float32, or the widest floating dtype among them) and runs the op with autocast
switched off, as PyTorch runs the kernel behind its autocast key, so the op's own inner
matmuls are not cast again.
"""
import functools

from .. import _C

LOWER, FP32, PROMOTE = 0, 1, 2
on = _C._autocast_on  # this thread's CPU autocast flag
cast = _cast_all = _C._autocast_cast  # cast(policy, *args): args, tensors cast for policy
_set = _C._autocast_set


def run(policy, fn, args, kwargs):
    """fn(*args, **kwargs) with the tensors cast for policy and autocast off inside; an out=
    call is not autocast (PyTorch's lists hold the functional forms only)."""
    if kwargs.get("out") is not None:
        return fn(*args, **kwargs)
    if policy is None:  # not on autocast's lists: no casts, and none by the ops it calls
        return _off(fn, args, kwargs)
    # one call for all arguments: the promote policy looks at every tensor at once
    done = _cast_all(policy, *args, *kwargs.values())
    n = len(args)
    return _off(fn, done[:n], dict(zip(kwargs, done[n:])))


def _off(fn, args, kwargs):
    _set(False, None, None)
    try:
        return fn(*args, **kwargs)
    finally:
        _set(True, None, None)


def _policy(policy):
    def decorate(fn):
        # a C callable: outside autocast it costs one flag test on the way to fn
        op = _C._AutocastOp(fn, policy, run)
        return functools.update_wrapper(op, fn)
    return decorate


lower = _policy(LOWER)  # runs in the autocast dtype (bfloat16 or float16)
fp32 = _policy(FP32)  # runs in float32
promote = _policy(PROMOTE)  # runs in the widest floating dtype of its arguments
# not on autocast's lists, but written here with listed ops (dot and mv with matmul): runs as
# given, with autocast off inside, as PyTorch's own kernels of these ops do
outside = _policy(None)
