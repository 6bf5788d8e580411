"""``assert_close``: PyTorch's ``torch.testing.assert_close``, its defaults and its reports.

Values are compared as PyTorch compares them: element-wise ``isclose`` in the inputs' dtype
with per-dtype default tolerances, and on failure the same report (mismatched count, greatest
absolute and relative differences with their index) computed in the same dtypes, so the text
is PyTorch's character for character.
"""
import math
import sys
from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["assert_close"]

# dtype name -> (rtol, atol), PyTorch's defaults; other dtypes compare exactly.
_DEFAULT_TOLERANCES = {
    "float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7), "complex32": (1e-3, 1e-5), "complex64": (1.3e-6, 1e-5),
    "complex128": (1e-7, 1e-7),
}
# PyTorch's promotion among the dtypes tensors here can have (numpy's would turn
# int64 + float32 into float64)
_PROMOTION_ORDER = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
                    "float32", "float64")


class _Failure(Exception):
    """A mismatch found while comparing: the exception type and message to raise."""

    def __init__(self, kind, message, path=()):
        super().__init__(message)
        self.kind, self.message, self.path = kind, message, path

    def to_error(self, msg=None):
        if isinstance(msg, str):
            return self.kind(msg)
        text = self.message
        if self.path:
            text += "\n\nThe failure occurred for item " + "".join(str([p]) for p in self.path)
        return self.kind(msg(text) if callable(msg) else text)


def _torch():
    import pytorchlite
    return pytorchlite


def _type_name(obj):
    if _is_torch_tensor(obj):
        return "<class 'torch.Tensor'>"
    return str(type(obj))


def _is_torch_tensor(obj):
    """A pytorchlite tensor, or one of PyTorch's when torch is loaded (so results of the two
    libraries compare directly)."""
    if isinstance(obj, _torch().Tensor):
        return True
    real = sys.modules.get("torch")
    tensor_type = getattr(real, "Tensor", None)
    return isinstance(tensor_type, type) and isinstance(obj, tensor_type)


def _is_tensor_like(obj):
    return isinstance(obj, np.ndarray) or _is_torch_tensor(obj)


def _is_number(obj):
    return isinstance(obj, (int, float, complex, np.number)) and not isinstance(obj, bool)


def _pairs(actual, expected, path=()):
    """Yields (actual, expected, path) leaves; raises _Failure for structural mismatches."""
    if _is_tensor_like(actual) or _is_tensor_like(expected):
        yield actual, expected, path
        return
    strs = (str, bytes)
    if (isinstance(actual, Sequence) and isinstance(expected, Sequence)
            and not isinstance(actual, strs) and not isinstance(expected, strs)):
        if len(actual) != len(expected):
            raise _Failure(AssertionError, "The length of the sequences mismatch: "
                                           f"{len(actual)} != {len(expected)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            yield from _pairs(a, e, path + (i,))
        return
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        a_keys, e_keys = set(actual), set(expected)
        if a_keys != e_keys:
            missing = e_keys - a_keys
            extra = a_keys - e_keys
            raise _Failure(AssertionError, "The keys of the mappings do not match:\n"
                           f"Missing keys in the actual mapping: {sorted(missing)}\n"
                           f"Additional keys in the actual mapping: {sorted(extra)}")
        keys = actual.keys()
        try:
            keys = sorted(keys)
        except TypeError:
            keys = list(keys)
        for k in keys:
            yield from _pairs(actual[k], expected[k], path + (k,))
        return
    yield actual, expected, path


def _tolerances(rtol, atol, *dtype_names):
    if rtol is not None:
        return rtol, atol
    pairs = [_DEFAULT_TOLERANCES.get(n, (0.0, 0.0)) for n in dtype_names]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _scalar_report(actual, expected, rtol, atol, identifier="Scalars"):
    abs_diff = abs(actual - expected)
    rel_diff = math.inf if expected == 0 else abs_diff / abs(expected)
    return _report(identifier, f"Expected {expected} but got {actual}.", abs_diff, None, atol,
                   rel_diff, None, rtol)


def _report(identifier, extra, abs_diff, abs_idx, atol, rel_diff, rel_idx, rtol):
    def line(kind, diff, idx, tol):
        text = (f"{kind.title()} difference: {diff}" if idx is None
                else f"Greatest {kind} difference: {diff} at index {idx}")
        return text + (f" (up to {tol} allowed)" if tol > 0 else "")

    equality = rtol == 0 and atol == 0
    text = f"{identifier} are not {'equal' if equality else 'close'}!\n\n"
    if extra:
        text += f"{extra.strip()}\n"
    text += line("absolute", abs_diff, abs_idx, atol) + "\n"
    text += line("relative", rel_diff, rel_idx, rtol)
    return text.strip()


def _compare_numbers(actual, expected, rtol, atol, equal_nan, check_dtype):
    if check_dtype and type(actual) is not type(expected):
        raise _Failure(AssertionError, f"The (d)types do not match: {type(actual)} != "
                                       f"{type(expected)}.")
    if rtol is None:
        kinds = {complex: "complex128", float: "float64"}
        names = [next((v for k, v in kinds.items() if isinstance(x, k)), "int64")
                 for x in (actual, expected)]
        rtol, atol = _tolerances(None, None, *names)
    if equal_nan and _isnan(actual) and _isnan(expected):
        return
    abs_diff = abs(actual - expected)
    if _isfinite(abs_diff) and abs_diff <= atol + rtol * abs(expected):
        return
    raise _Failure(AssertionError, _scalar_report(actual, expected, rtol, atol))


def _isnan(x):
    return x != x


def _isfinite(x):
    return not (_isnan(x) or abs(x) == math.inf)


def _as_array(x):
    """(array in the tensor's dtype, dtype name, shape as a Size, strides in elements)."""
    torch = _torch()
    if _is_torch_tensor(x):
        x = x.detach().cpu()
        if str(x.dtype).endswith("bfloat16"):  # (NumPy has none: float32 holds every value)
            x = x.float()
            name = "bfloat16"
        else:
            name = str(x.dtype).split(".")[-1]
        return x.numpy(), name, torch.Size(x.shape), tuple(x.stride())
    arr = np.asarray(x)
    strides = tuple(s // arr.itemsize for s in arr.strides) if arr.itemsize else ()
    return arr, arr.dtype.name, torch.Size(arr.shape), strides


def _compare_tensors(actual, expected, rtol, atol, equal_nan, check_dtype, check_stride):
    a, a_name, a_shape, a_strides = _as_array(actual)
    e, e_name, e_shape, e_strides = _as_array(expected)
    if tuple(a_shape) != tuple(e_shape):
        raise _Failure(AssertionError, "The values for attribute 'shape' do not match: "
                                       f"{a_shape} != {e_shape}.")
    if a_name != e_name:
        if check_dtype:
            raise _Failure(AssertionError, "The values for attribute 'dtype' do not match: "
                                           f"torch.{a_name} != torch.{e_name}.")
        common = max(a_name, e_name, key=_PROMOTION_ORDER.index)
        if {a_name, e_name} == {"float16", "bfloat16"} or common == "bfloat16":
            common = "float32"  # (bfloat16 arrays are float32 here)
        a, e = a.astype(common), e.astype(common)
    if check_stride and a_strides != e_strides:
        raise _Failure(AssertionError, "The values for attribute 'stride()' do not match: "
                                       f"{a_strides} != {e_strides}.")
    rtol, atol = _tolerances(rtol, atol, a_name, e_name)
    floating = a.dtype.kind in "fc"
    if not floating and (rtol or atol):  # PyTorch's isclose on integers uses the default float
        a_cmp, e_cmp = a.astype(np.float32), e.astype(np.float32)
    else:
        a_cmp, e_cmp = a, e
    with np.errstate(all="ignore"):
        matches = a_cmp == e_cmp
        if floating or rtol or atol:
            if equal_nan:
                matches = matches | (np.isnan(a_cmp) & np.isnan(e_cmp))
            error = np.abs(a_cmp - e_cmp)
            allowed = atol + np.abs(rtol * e_cmp)
            matches = matches | (np.isfinite(error) & (error <= allowed))
        matches = np.asarray(matches, dtype=bool)
        if matches.all():
            return
        if a.ndim == 0:
            raise _Failure(AssertionError, _scalar_report(a.item(), e.item(), rtol, atol))
        a_flat, e_flat, m_flat = a.reshape(-1), e.reshape(-1), matches.reshape(-1)
        if not floating:
            a_flat, e_flat = a_flat.astype(np.int64), e_flat.astype(np.int64)
        in_dtype = _round_bfloat16 if a_name == "bfloat16" else (lambda v: v)
        abs_diff = in_dtype(np.abs(a_flat - e_flat))
        abs_diff[m_flat] = 0
        abs_idx = int(np.argmax(abs_diff))
        if floating:
            rel_diff = in_dtype(abs_diff / np.abs(e_flat))
        else:  # int64 / int64 divides in PyTorch's default float dtype
            rel_diff = abs_diff.astype(np.float32) / np.abs(e_flat).astype(np.float32)
        rel_diff[m_flat] = 0
        rel_idx = int(np.argmax(rel_diff))
    total = m_flat.size
    mismatched = total - int(m_flat.sum())
    extra = f"Mismatched elements: {mismatched} / {total} ({mismatched / total:.1%})"
    shape = tuple(a.shape)
    raise _Failure(AssertionError, _report(
        "Tensor-likes", extra, abs_diff[abs_idx].item(), _unravel(abs_idx, shape), atol,
        rel_diff[rel_idx].item(), _unravel(rel_idx, shape), rtol))


def _round_bfloat16(values):
    """float32 values rounded to bfloat16 (to nearest, ties to even), as float32."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return np.where(np.isnan(values), values, rounded.astype(np.uint32).view(np.float32))


def _unravel(flat_index, shape):
    return tuple(int(i) for i in np.unravel_index(flat_index, shape))


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, msg=None):
    """Asserts that ``actual`` and ``expected`` are close (PyTorch's
    ``torch.testing.assert_close``: same signature, defaults and messages).

    Tensors (pytorchlite tensors or NumPy arrays) must agree in shape and, with
    ``check_dtype``, dtype; values are close when ``|actual - expected| <= atol + rtol *
    |expected|`` element-wise. Default tolerances by dtype (the larger of the two inputs'):
    float32 ``rtol=1.3e-6, atol=1e-5``; float64 ``1e-7, 1e-7``; integers and bool compare
    exactly. Python numbers, ``None``, and sequences and mappings of all these (compared item
    by item) are accepted too. ``msg``: a string replacing the report, or a callable given the
    report and returning the message.

    Example::

        >>> assert_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.000001]))
        >>> assert_close(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.5, 3.0]))
        Traceback (most recent call last):
        AssertionError: Tensor-likes are not close!
        <BLANKLINE>
        Mismatched elements: 1 / 3 (33.3%)
        Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)
        Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)

    Note:
        pytorchlite has one device (the CPU) and one layout (strided), so ``check_device`` and
        ``check_layout`` always hold; ``allow_subclasses`` is accepted for compatibility.
    """
    __tracebackhide__ = True
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but "
                         f"got no {'rtol' if rtol is None else 'atol'}.")
    try:
        leaves = list(_pairs(actual, expected))
    except _Failure as f:
        raise f.to_error() from None
    for a, e, path in leaves:
        try:
            _compare_leaf(a, e, rtol, atol, equal_nan, check_dtype, check_stride)
        except _Failure as f:
            f.path = path
            raise f.to_error(None if f.kind is TypeError else msg) from None


def _compare_leaf(a, e, rtol, atol, equal_nan, check_dtype, check_stride):
    if a is None and e is None:
        return
    if isinstance(a, (bool, np.bool_)) and isinstance(e, (bool, np.bool_)):
        if bool(a) != bool(e):
            raise _Failure(AssertionError, f"Booleans mismatch: {a} is not {e}")
        return
    if _is_number(a) and _is_number(e):
        _compare_numbers(a, e, rtol, atol, equal_nan, check_dtype)
        return
    if (_is_torch_tensor(a) and _is_torch_tensor(e)) or (
            isinstance(a, np.ndarray) and isinstance(e, np.ndarray)):
        _compare_tensors(a, e, rtol, atol, equal_nan, check_dtype, check_stride)
        return
    raise _Failure(TypeError, "No comparison pair was able to handle inputs of type "
                              f"{_type_name(a)} and {_type_name(e)}.")
