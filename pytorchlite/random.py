"""Random sampling with PyTorch's CPU streams: the same seed gives the same numbers as torch.

Generators, global seeding and state, the random factories (rand, randn, randint, randperm,
normal, bernoulli, multinomial and the ``*_like`` forms) and the in-place Tensor methods
(uniform_, normal_, random_, bernoulli_, exponential_, cauchy_, log_normal_, geometric_).

Note:
    A generator state (``get_rng_state()``, ``Generator.get_state()``) is a 1-D uint8 tensor of
    5056 bytes in torch's layout. ``set_rng_state``/``Generator.set_state`` also accept a real
    ``torch.ByteTensor`` (anything with ``.numpy()``), a NumPy array, ``bytes``, or the int64
    tensor of byte values earlier pytorchlite versions returned.
"""
import contextlib
import operator
import sys

from . import _C

__all__ = [
    "Generator",
    "default_generator",
    "manual_seed",
    "seed",
    "initial_seed",
    "get_rng_state",
    "set_rng_state",
    "rand",
    "randn",
    "randint",
    "randperm",
    "rand_like",
    "randn_like",
    "randint_like",
    "normal",
    "bernoulli",
    "multinomial",
]

_STATE_SIZE = 5056


def _pkg():
    """The pytorchlite package (looked up at call time: this module is imported by it)."""
    return sys.modules[__name__.rpartition(".")[0]]


# ------------------------------------------------------------------------------------------
# Generators and global state
# ------------------------------------------------------------------------------------------

def _state_tensor(raw):
    import numpy as _np

    arr = _np.frombuffer(raw, dtype=_np.uint8).copy()
    return _pkg().from_numpy(arr)


def _state_bytes(new_state):
    import numpy as _np

    if isinstance(new_state, (bytes, bytearray, memoryview)):
        return bytes(new_state)
    if hasattr(new_state, "numpy") and not isinstance(new_state, _np.ndarray):
        if hasattr(new_state, "is_contiguous") and not new_state.is_contiguous():
            raise RuntimeError("RNG state must be contiguous")
        arr = new_state.detach().numpy() if hasattr(new_state, "detach") else new_state.numpy()
    elif isinstance(new_state, _np.ndarray):
        arr = new_state
    else:
        raise TypeError(
            f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
    arr = _np.asarray(arr).reshape(-1)
    if arr.dtype == _np.uint8:
        return arr.tobytes()
    if arr.dtype.kind not in "iu" or (arr.size and (arr.min() < 0 or arr.max() > 255)):
        raise TypeError("RNG state must be a torch.ByteTensor")
    return arr.astype(_np.uint8).tobytes()


class Generator(_C._generator_type()):
    """Generator(device='cpu') -> Generator

    A CPU random number generator (mt19937), seeded with 67280421310721 when created.
    """

    def __init__(self, device="cpu"):
        if str(device) != "cpu":
            raise RuntimeError(f"Device type {str(device).upper()} is not supported for "
                               "torch.Generator() api.")

    @property
    def device(self):
        dev = getattr(_pkg(), "device", None)
        return dev("cpu") if dev is not None else "cpu"

    def get_state(self):
        """The generator state as a 5056-element uint8 tensor (see module Note)."""
        return _state_tensor(self._get_state_bytes())

    def set_state(self, new_state):
        """Restores a state from get_state() (or from real torch); returns the generator."""
        self._set_state_bytes(_state_bytes(new_state))
        return self

    def __repr__(self):
        return f"<torch._C.Generator object at {hex(id(self))}>"


default_generator = Generator.__new__(Generator)
_C._generator_bind_default(default_generator)


def manual_seed(seed):
    """Sets the seed of the default generator and returns it (a Generator)."""
    seed = int(seed)
    return default_generator.manual_seed(seed)


def seed():
    """Seeds the default generator nondeterministically and returns the 64-bit seed."""
    return default_generator.seed()


def initial_seed():
    """The seed the default generator was last seeded with."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state (a 5056-element uint8 tensor)."""
    return default_generator.get_state()


def set_rng_state(new_state):
    """Restores the default generator's state from get_rng_state() or torch's."""
    default_generator.set_state(new_state)


# ------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------

@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices",
             device_type="cuda"):
    """Within the block, random draws do not change the default generator's stream: its state
    is restored on exit (without enabled, nothing is saved). devices name accelerator
    generators, of which pytorchlite has none."""
    from ._devices import device

    device(device_type)  # (PyTorch's error for a device type it does not know)
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


def _parse_size(size, fname):
    if not size:
        raise TypeError(f'{fname}() missing 1 required positional arguments: "size"')
    one = size[0] if len(size) == 1 else None
    # a sequence of sizes; a 0-dim integer tensor is one size, as in PyTorch
    if one is not None and not isinstance(one, int) and hasattr(one, "__iter__") and \
            getattr(one, "ndim", 1) != 0:
        size = tuple(one)
    try:
        return tuple(operator.index(s) for s in size)
    except TypeError:
        names = ", ".join(type(s).__name__ for s in size)
        raise TypeError(f"{fname}(): argument 'size' must be tuple of ints, but found element "
                        f"of type {names}") from None


def _device(device, pin_memory=False):
    """CPU-only PyTorch's exception for a device other than the CPU, or for pinned memory."""
    if device is not None:
        from ._devices import check_device

        check_device(device)
    if pin_memory:
        raise RuntimeError("pin_memory=True requires a CUDA or other accelerator backend; no "
                           "pinned memory allocator is available on this system.")


def _finish(t, requires_grad):
    if requires_grad:
        t.requires_grad_(True)
    return t


def _out_dtype(fname, out, dtype):
    """The dtype a factory with out= samples in: out's, which an explicit dtype must equal."""
    if out is None:
        return dtype
    if not isinstance(out, _C.TensorBase):
        raise TypeError(f"{fname}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if dtype is not None and dtype != out.dtype:
        from ._math_ops import _dt_name

        raise RuntimeError(f"dtype {_dt_name(dtype)} does not match dtype of out parameter "
                           f"({_dt_name(out.dtype)})")
    return out.dtype


def _target(shape, dtype, out):
    """The tensor a factory samples into: laid out like out when out already has the shape
    (PyTorch fills out in its memory order), else a new contiguous one."""
    if out is not None and tuple(out.shape) == tuple(shape):
        return _empty_like(out, dtype)
    return _C._rng_empty(shape, dtype)


def _into(fname, t, out, requires_grad):
    """t (just sampled in out's dtype) as the factory's result: written into out (resized to
    t's shape) when given, as PyTorch's out= forms; requires_grad set as asked."""
    if out is not None:
        if out.requires_grad and getattr(_pkg(), "is_grad_enabled")():
            raise RuntimeError(f"aten::{fname}(): functions with out=... arguments don't support "
                               "automatic differentiation, but one of the arguments requires "
                               "grad.")
        if tuple(out.shape) != tuple(t.shape):
            out.resize_(t.shape)
        with getattr(_pkg(), "no_grad")():
            out.copy_(t)
        t = out
    return _finish(t, requires_grad)


def _check_inplace(t):
    """torch refuses in-place random fills on a leaf that requires grad (outside no_grad)."""
    if getattr(t, "requires_grad", False) and getattr(t, "is_leaf", False):
        enabled = getattr(_pkg(), "is_grad_enabled", None)
        if enabled is None or enabled():
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation.")


def _dense_order(t):
    """Dims of t from largest to smallest stride if t is non-overlapping and dense, else None."""
    shape, stride = tuple(t.shape), tuple(t.stride())
    order = sorted(range(len(shape)), key=lambda d: -stride[d])
    expected = 1
    for d in reversed(order):
        if shape[d] == 1:
            continue
        if stride[d] != expected:
            return None
        expected *= shape[d]
    return order


def _empty_like(t, dtype):
    """torch.empty_like(t) with preserve_format: keeps t's stride order when t is dense."""
    if not isinstance(t, _C.TensorBase):
        raise TypeError(f"argument 'input' (position 1) must be Tensor, not {type(t).__name__}")
    dtype = t.dtype if dtype is None else dtype
    shape = tuple(t.shape)
    order = _dense_order(t)
    if order is None or t.is_contiguous() or order == list(range(len(shape))):
        return _C._rng_empty(shape, dtype)
    base = _C._rng_empty(tuple(shape[d] for d in order), dtype)
    inverse = [order.index(d) for d in range(len(shape))]
    return base.permute(*inverse)


# ------------------------------------------------------------------------------------------
# Factories
# ------------------------------------------------------------------------------------------

def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    """Samples from U[0, 1): ``torch.rand(*size)``."""
    _device(device, pin_memory)
    t = _target(_parse_size(size, "rand"), _out_dtype("rand", out, dtype), out)
    _C._uniform_(t, 0.0, 1.0, generator)
    return _into("rand", t, out, requires_grad)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False):
    """Samples from N(0, 1): ``torch.randn(*size)``."""
    _device(device, pin_memory)
    t = _target(_parse_size(size, "randn"), _out_dtype("randn", out, dtype), out)
    _C._normal_(t, 0.0, 1.0, generator)
    return _into("randn", t, out, requires_grad)


def _int_dtype(dtype):
    return _pkg().int64 if dtype is None else dtype


def randint(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False, pin_memory=False, low=None, high=None):
    """randint(low=0, high, size) -> integers uniform on [low, high) (int64 by default)."""
    _device(device, pin_memory)
    args = list(args)
    if size is None and args and not isinstance(args[-1], int) and hasattr(args[-1], "__iter__"):
        size = args.pop()
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        if high is None:
            high = args[0]
        else:
            low = args[0]
    elif args:
        raise TypeError("randint() received an invalid combination of arguments")
    if high is None or size is None:
        raise TypeError("randint() missing required arguments 'high' and 'size'")
    low = 0 if low is None else operator.index(low)
    high = operator.index(high)
    dtype = _out_dtype("randint", out, dtype)
    t = _target(_parse_size((size,), "randint"), _int_dtype(dtype), out)
    _C._random_(t, low, high, generator)
    return _into("randint", t, out, requires_grad)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """A random permutation of 0..n-1 (int64 by default)."""
    _device(device, pin_memory)
    dtype = _out_dtype("randperm", out, dtype)
    t = _C._randperm(operator.index(n), _int_dtype(dtype), generator)
    return _into("randperm", t, out, requires_grad)


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None, generator=None):
    """U[0, 1) samples shaped (and laid out) like input."""
    _device(device)
    t = _empty_like(input, dtype)
    _C._uniform_(t, 0.0, 1.0, generator)
    return _finish(t, requires_grad)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None, generator=None):
    """N(0, 1) samples shaped (and laid out) like input."""
    _device(device)
    t = _empty_like(input, dtype)
    _C._normal_(t, 0.0, 1.0, generator)
    return _finish(t, requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None, generator=None):
    """randint_like(input, low=0, high) -> integers on [low, high) shaped like input."""
    _device(device)
    if high is None:
        low, high = 0, low
    for name, v in (("high", high), ("low", low)):
        if _is_tensor(v) and v.dim() != 0:
            raise RuntimeError(f"{name} must be a scalar tensor and on CPU")
    t = _empty_like(input, dtype)
    _C._random_(t, operator.index(low), operator.index(high), generator)
    return _finish(t, requires_grad)


def _is_tensor(x):
    return isinstance(x, _C.TensorBase) if hasattr(_C, "TensorBase") else hasattr(x, "stride")


def _check_std_tensor(std):
    if std.numel() and not bool((std.detach() >= 0).all()):
        raise RuntimeError("normal expects all elements of std >= 0.0")


def _broadcast_shape(a, b):
    a, b = tuple(a), tuple(b)
    n = max(len(a), len(b))
    a = (1,) * (n - len(a)) + a
    b = (1,) * (n - len(b)) + b
    out = []
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                               f"({y}) at non-singleton dimension {i}")
        out.append(y if x == 1 else x)
    return tuple(out)


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, requires_grad=False, pin_memory=False):
    """normal(mean, std, size=None) -> samples of N(mean, std^2).

    Tensor mean and/or std give one sample per (broadcast) element; float mean and std need
    ``size``. The arithmetic is torch's: an N(0, 1) (or N(0, std)) fill, then ``*std``,
    ``+mean``.
    """
    mean_t, std_t = _is_tensor(mean), _is_tensor(std)
    if mean_t and std_t:
        _check_std_tensor(std)
        t = _C._rng_empty(_broadcast_shape(mean.shape, std.shape), mean.dtype)
        _C._normal_(t, 0.0, 1.0, generator)
        t *= std
        t += mean
    elif mean_t:
        std = float(std)
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
        t = _C._rng_empty(tuple(mean.shape), mean.dtype)
        _C._normal_(t, 0.0, std, generator)
        t += mean
    elif std_t:
        _check_std_tensor(std)
        t = _C._rng_empty(tuple(std.shape), std.dtype)
        _C._normal_(t, 0.0, 1.0, generator)
        t *= std
        t += float(mean)
    else:
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments - got "
                            "(float, float), but expected one of: (Tensor mean, Tensor std), "
                            "(float mean, float std, tuple of ints size)")
        t = _target(_parse_size((size,), "normal"), _out_dtype("normal", out, dtype), out)
        _C._normal_(t, float(mean), float(std), generator)
    return _into("normal", t, out, requires_grad)


def bernoulli(input, p=None, *, generator=None, out=None):
    """bernoulli(input, p=None) -> 0/1 samples; P(1) is input's elements (or the float p)."""
    if not isinstance(input, _C.TensorBase):
        raise TypeError(f"bernoulli(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    t = _C._rng_empty(tuple(input.shape), input.dtype)
    _C._bernoulli_(t, input if p is None else float(p), generator)
    return t


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Samples category indices from the rows of input (probabilities, not normalised)."""
    return _C._multinomial(input, operator.index(num_samples), bool(replacement), generator)


# ------------------------------------------------------------------------------------------
# In-place Tensor methods
# ------------------------------------------------------------------------------------------

def _uniform_(self, from_=0.0, to=1.0, *, generator=None, **kw):
    from_ = kw.pop("from", from_)
    _check_inplace(self)
    return _C._uniform_(self, float(from_), float(to), generator)


def _normal_(self, mean=0.0, std=1.0, *, generator=None):
    _check_inplace(self)
    return _C._normal_(self, float(mean), float(std), generator)


def _random_(self, *args, generator=None, **kw):
    """random_(from=0, to=None) / random_(to) / random_()."""
    if len(args) > 2:
        raise TypeError("random_() takes at most 2 positional arguments")
    from_, to = None, None
    if len(args) == 2:
        from_, to = args
    elif len(args) == 1:
        if "to" in kw:
            from_ = args[0]
        else:
            from_, to = 0, args[0]
    from_ = kw.pop("from", from_)
    to = kw.pop("to", to)
    if kw:
        raise TypeError(f"random_() got an unexpected keyword argument '{next(iter(kw))}'")
    if from_ is None and to is not None:
        from_ = 0
    _check_inplace(self)
    return _C._random_(self, from_, to, generator)


def _bernoulli_(self, p=0.5, *, generator=None):
    _check_inplace(self)
    if _is_tensor(p) and self.numel() == 0:
        return self  # as PyTorch: nothing to draw, p's shape is not checked
    return _C._bernoulli_(self, p if _is_tensor(p) else float(p), generator)


def _exponential_(self, lambd=1.0, *, generator=None):
    _check_inplace(self)
    return _C._exponential_(self, float(lambd), generator)


def _cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    _check_inplace(self)
    return _C._cauchy_(self, float(median), float(sigma), generator)


def _log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    _check_inplace(self)
    return _C._log_normal_(self, float(mean), float(std), generator)


def _geometric_(self, p, *, generator=None):
    _check_inplace(self)
    return _C._geometric_(self, float(p), generator)


def _install_tensor_methods():
    try:
        from ._tensor import Tensor
    except ImportError:
        return
    for name, fn in (("uniform_", _uniform_), ("normal_", _normal_), ("random_", _random_),
                     ("bernoulli_", _bernoulli_), ("exponential_", _exponential_),
                     ("cauchy_", _cauchy_), ("log_normal_", _log_normal_),
                     ("geometric_", _geometric_)):
        fn.__name__ = name
        fn.__qualname__ = "Tensor." + name
        setattr(Tensor, name, fn)
    Tensor.bernoulli = lambda self, p=None, *, generator=None: bernoulli(
        self, p, generator=generator)
    Tensor.multinomial = lambda self, num_samples, replacement=False, *, generator=None: (
        multinomial(self, num_samples, replacement, generator=generator))


_install_tensor_methods()
