"""torch.* names scripts call directly around the functional API: the math constants, the
low-level forms of nn.functional with PyTorch's positional signatures (torch.conv2d,
torch.dropout(input, p, train), torch.layer_norm, torch.batch_norm ...), the window functions,
block_diag, unravel_index, asarray, rsub, fill, is_same_size, set_default_tensor_type and the
warn-always flag; Tensor.unfold and Tensor.absolute.

``FUNCTIONS`` are torch.* names and ``METHODS`` Tensor methods (``_everyday.py`` installs
both). The window functions run the same tensor operations as PyTorch's, so they give its bits.
"""
import math
import warnings

from . import _C
from . import _dtype as _dt
from ._named_op import composite

_B = _C.TensorBase

CONSTANTS = {"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan, "newaxis": None}


def _F():
    from .nn import functional

    return functional


# ---- the functional API's torch.* forms ----

def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    return _F().conv1d(input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    return _F().conv2d(input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    return _F().conv3d(input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose(nd):
    def function(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,  # noqa: A002
                 dilation=1):
        return getattr(_F(), f"conv_transpose{nd}d")(input, weight, bias, stride, padding,
                                                     output_padding, groups, dilation)

    function.__name__ = function.__qualname__ = f"conv_transpose{nd}d"
    return function


def _pool(name):
    def function(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):  # noqa: A002
        return getattr(_F(), name)(input, kernel_size, stride or None, padding, dilation,
                                   ceil_mode)

    function.__name__ = function.__qualname__ = name
    return function


def avg_pool1d(input, kernel_size, stride=(), padding=0, ceil_mode=False,  # noqa: A002
               count_include_pad=True):
    return _F().avg_pool1d(input, kernel_size, stride or None, padding, ceil_mode,
                           count_include_pad)


def adaptive_avg_pool1d(input, output_size):  # noqa: A002
    return _F().adaptive_avg_pool1d(input, output_size)


def adaptive_max_pool1d(input, output_size):  # noqa: A002
    """(values, indices), as PyTorch's torch.adaptive_max_pool1d."""
    return _F().adaptive_max_pool1d(input, output_size, return_indices=True)


def _dropout(name):
    def function(input, p, train):  # noqa: A002
        return getattr(_F(), name)(input, p, train)

    function.__name__ = function.__qualname__ = name
    return function


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05,  # noqa: A002
               cudnn_enable=True):
    return _F().layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05,  # noqa: A002
               cudnn_enabled=True):
    return _F().group_norm(input, num_groups, weight, bias, eps)


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,  # noqa: A002
               cudnn_enabled):
    return _F().batch_norm(input, running_mean, running_var, weight, bias, training, momentum,
                           eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats,  # noqa: A002
                  momentum, eps, cudnn_enabled):
    return _F().instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                              momentum, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):  # noqa: A002
    return _F().rms_norm(input, normalized_shape, weight, eps)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """torch.embedding: the weight first; padding_idx -1 is none."""
    return _F().embedding(indices, weight, None if padding_idx < 0 else padding_idx,
                          scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def _same(name):
    def function(*args, **kwargs):
        return getattr(_F(), name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    return function


# ---- window functions (PyTorch's operations, in its order) ----

def _window_check(name, n, dtype, layout=None):
    if n < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got "
                           f"window_length={n}")
    dtype = dtype or _C.get_default_dtype()
    if not dtype.is_floating_point:
        cpp = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
               "uint8": "unsigned char", "bool": "bool"}.get(str(dtype).split(".")[-1], dtype)
        raise RuntimeError(f"{name} expects floating point dtypes, got: TensorOptions(dtype="
                           f"{cpp}, device=cpu, layout=Strided (default), requires_grad=false "
                           "(default), pinned_memory=false, memory_format=(nullopt))")
    return dtype


def _window(name, n, periodic, dtype, requires_grad, body):
    """A window of n points: body(arange, working length) over n + 1 points when periodic
    (the last dropped), n otherwise; lengths 0 and 1 give empty and [1]."""
    dtype = _window_check(name, n, dtype)
    if n <= 1:
        w = _C.ones((n,), dtype=dtype)
    else:
        m = n + 1 if periodic else n
        w = body(_C.arange(0, m, 1, dtype=dtype), m)
        w = w.narrow(0, 0, n) if periodic else w
    return w.requires_grad_() if requires_grad else w


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None,
                   layout=None, device=None, requires_grad=False):
    """alpha - beta cos(2 pi n / (N - 1))."""
    return _window("hamming_window", window_length, periodic, dtype, requires_grad,
                   lambda w, m: w.mul_(2.0 * math.pi / (m - 1)).cos_().mul_(-beta).add_(alpha))


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                requires_grad=False):
    """0.5 - 0.5 cos(2 pi n / (N - 1))."""
    _window_check("hann_window", window_length, dtype)
    return hamming_window(window_length, periodic, 0.5, 0.5, dtype=dtype,
                          requires_grad=requires_grad)


def _blackman(w, m):
    w = w.mul_(math.pi / (m - 1))
    return w.mul(4).cos_().mul_(0.08) - w.mul(2).cos_().mul_(0.5) + 0.42


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    requires_grad=False):
    """0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))."""
    return _window("blackman_window", window_length, periodic, dtype, requires_grad, _blackman)


def _bartlett(w, m):
    w = w.mul_(2.0 / (m - 1))
    half = ((m - 1) >> 1) + 1
    w.narrow(0, half, m - half).mul_(-1).add_(2)
    return w


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    requires_grad=False):
    """The triangle 1 - |2n / (N - 1) - 1|."""
    return _window("bartlett_window", window_length, periodic, dtype, requires_grad, _bartlett)


# ---- small helpers ----

def block_diag(*tensors):
    """The tensors (0-, 1- or 2-D) along the diagonal of one matrix, zeros elsewhere."""
    mats = []
    for i, t in enumerate(tensors):
        if not isinstance(t, _B):
            raise TypeError(f"block_diag(): argument 'tensors' (position 1) must be tuple of "
                            f"Tensors, not {type(t).__name__}")
        if t.dim() > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {i} has {t.dim()} dimensions")
        mats.append(t.reshape(1, -1) if t.dim() < 2 else t)
    if not mats:
        return _C.empty((1, 0))
    from ._typeinfo import promote_types

    dtype = mats[0].dtype
    for t in mats[1:]:
        dtype = promote_types(dtype, t.dtype)

    def build(*ms):
        rows = sum(t.shape[0] for t in ms)
        cols = sum(t.shape[1] for t in ms)
        out = _C.zeros((rows, cols), dtype=dtype)
        r = c = 0
        for t in ms:
            out[r:r + t.shape[0], c:c + t.shape[1]] = t
            r, c = r + t.shape[0], c + t.shape[1]
        return out

    return composite("BlockDiagBackward0", build, *mats)


def unravel_index(indices, shape):
    """The coordinates of flat indices into shape, one tensor per dimension."""
    if isinstance(indices, _B):
        if indices.dtype.is_floating_point or indices.dtype is _dt.bool:
            raise TypeError(f"expected 'indices' to be integer dtype, but got "
                            f"{indices.dtype}")
        idx = indices.long()
    elif isinstance(indices, int) and not isinstance(indices, bool):
        idx = _C.tensor(indices)
    else:
        raise TypeError(f"expected 'indices' to be integer dtype, but got "
                        f"{type(indices).__name__}")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if any(d < 0 for d in shape):
        raise ValueError("'shape' cannot have negative values, but got " + str(shape))
    total = math.prod(shape)
    idx = _C.where(idx < 0, idx + total, idx)  # (as PyTorch, no range check: the first wraps)
    coords = []
    for d in reversed(shape):
        coords.append(idx.remainder(d) if d else idx * 0)
        idx = idx.div(d, rounding_mode="floor") if d else idx
    return tuple(reversed(coords))


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """obj as a tensor, sharing its memory where it can (a tensor, a NumPy array, a buffer)."""
    from ._devices import check_device

    check_device(device)
    if isinstance(obj, _B):
        t = obj if dtype is None or dtype is obj.dtype else obj.to(dtype)
        if copy:
            t = t.clone() if t is obj else t
    else:
        import numpy as np

        if isinstance(obj, np.ndarray) and not copy:
            t = _C.from_numpy(obj)
            if dtype is not None and dtype is not t.dtype:
                if copy is False:
                    raise ValueError("can't alias NumPy array with a different dtype")
                t = t.to(dtype)
        else:
            t = _C.tensor(obj, dtype=dtype)
    return t.requires_grad_() if requires_grad else t


def rsub(input, other, *, alpha=1):  # noqa: A002
    """other - alpha * input."""
    if not isinstance(other, _B):  # a number, in the dtype it promotes input to
        from . import result_type

        other = _C.full(tuple(input.shape), other, dtype=result_type(input, other))
    return other.sub(input, alpha=alpha)


def _absolute(input):  # noqa: A002
    """torch.absolute: abs."""
    return input.abs()


def fill(input, value):  # noqa: A002
    """A copy of input filled with value."""
    return input.clone().fill_(value)


def is_same_size(input, other):  # noqa: A002
    return tuple(input.shape) == tuple(other.shape)


def is_inference(input):  # noqa: A002
    return input.is_inference()


_warned = [False]


def set_default_tensor_type(t):
    """The deprecated way of setting the default dtype ('torch.FloatTensor', ...); warns once
    per process, as PyTorch."""
    if not _warned[0]:
        _warned[0] = True
        warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please "
                      "use torch.set_default_dtype() and torch.set_default_device() as "
                      "alternatives.", UserWarning, stacklevel=2)
    name = t if isinstance(t, str) else f"torch.{getattr(t, '__name__', t)}"
    dtypes = {"torch.FloatTensor": _dt.float32, "torch.DoubleTensor": _dt.float64,
              "torch.HalfTensor": _dt.float16, "torch.BFloat16Tensor": _dt.bfloat16}
    if name.startswith("torch.cuda."):
        raise TypeError("type torch.cuda.FloatTensor not available. Torch not compiled with "
                        "CUDA enabled.")
    if name in ("torch.LongTensor", "torch.IntTensor", "torch.ShortTensor", "torch.CharTensor",
                "torch.ByteTensor", "torch.BoolTensor"):
        raise TypeError("only floating-point types are supported as the default type")
    if name not in dtypes:
        raise TypeError(f"invalid type: '{name}'")
    _C.set_default_dtype(dtypes[name])


_warn_always = [False]


def set_warn_always(b):
    """Whether warnings PyTorch issues once are issued every time (a flag; kept for scripts)."""
    _warn_always[0] = bool(b)


def is_warn_always_enabled():
    return _warn_always[0]


# ---- Tensor methods ----

def unfold(self, dimension, size, step):
    """The windows of `size` elements every `step` along dimension, as a new last dim."""
    rank = max(self.dim(), 1)
    if not -rank <= dimension < rank:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, "
                         f"{rank - 1}], but got {dimension})")
    d = dimension + rank if dimension < 0 else dimension
    length = self.shape[d] if self.dim() else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {dimension} is {length} but "
                           f"size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    count = (length - size) // step + 1

    def windows(x):
        if x.dim() == 0:
            return x.reshape(1)
        idx = (_C.arange(0, count, 1).mul(step).unsqueeze(1) + _C.arange(0, size, 1)).reshape(-1)
        picked = x.index_select(d, idx)  # (..., count * size, ...)
        shape = list(x.shape[:d]) + [count, size] + list(x.shape[d + 1:])
        return picked.reshape(shape).movedim(d + 1, -1)

    return composite("UnfoldBackward0", windows, self, saves=False)


def absolute(self):
    return self.abs()


def absolute_(self):
    return self.abs_()


def addmm(self, mat1, mat2, *, beta=1, alpha=1):
    """self * beta + alpha * (mat1 @ mat2) (torch.addmm with self as the added input)."""
    from . import addmm as function

    return function(self, mat1, mat2, beta=beta, alpha=alpha)


METHODS = {"unfold": unfold, "absolute": absolute, "absolute_": absolute_, "addmm": addmm}

def _tensor_first(name, fn):
    """fn with PyTorch's TypeError for a first argument that is not a Tensor."""
    def function(*args, **kwargs):
        first = args[0] if args else next(iter(kwargs.values()), None)
        if not isinstance(first, _B):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(first).__name__}")
        return fn(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = fn.__doc__
    return function


_ANY_FIRST = {"hamming_window", "hann_window", "blackman_window", "bartlett_window",
              "block_diag", "unravel_index", "asarray", "set_default_tensor_type",
              "set_warn_always", "is_warn_always_enabled"}

FUNCTIONS = {
    "conv1d": conv1d, "conv2d": conv2d, "conv3d": conv3d,
    "conv_transpose1d": _conv_transpose(1), "conv_transpose2d": _conv_transpose(2),
    "conv_transpose3d": _conv_transpose(3), "max_pool1d": _pool("max_pool1d"),
    "max_pool2d": _pool("max_pool2d"), "avg_pool1d": avg_pool1d,
    "adaptive_avg_pool1d": adaptive_avg_pool1d, "adaptive_max_pool1d": adaptive_max_pool1d,
    "dropout": _dropout("dropout"), "alpha_dropout": _dropout("alpha_dropout"),
    "feature_alpha_dropout": _dropout("feature_alpha_dropout"),
    "layer_norm": layer_norm, "group_norm": group_norm, "batch_norm": batch_norm,
    "instance_norm": instance_norm, "rms_norm": rms_norm, "embedding": embedding,
    "pixel_shuffle": _same("pixel_shuffle"), "pixel_unshuffle": _same("pixel_unshuffle"),
    "channel_shuffle": _same("channel_shuffle"), "pairwise_distance": _same("pairwise_distance"),
    "pdist": _same("pdist"), "threshold": _same("threshold"), "selu": _same("selu"),
    "celu": _same("celu"), "rrelu": _same("rrelu"), "bilinear": _same("bilinear"),
    "hamming_window": hamming_window, "hann_window": hann_window,
    "blackman_window": blackman_window, "bartlett_window": bartlett_window,
    "block_diag": block_diag, "unravel_index": unravel_index, "asarray": asarray,
    "rsub": rsub, "fill": fill, "is_same_size": is_same_size, "is_inference": is_inference,
    "set_default_tensor_type": set_default_tensor_type, "set_warn_always": set_warn_always,
    "is_warn_always_enabled": is_warn_always_enabled, "absolute": _absolute,
}
FUNCTIONS = {name: fn if name in _ANY_FIRST else _tensor_first(name, fn)
             for name, fn in FUNCTIONS.items()}
