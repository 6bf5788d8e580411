"""Tensor printing: repr/str of tensors and Parameters, print options, Tensor.__format__.

The output matches PyTorch's character for character: the same choice between integer, fixed
and scientific notation, the same column widths, line wrapping, summarisation with edge items,
nesting and suffixes (dtype=..., requires_grad=True, grad_fn=<...>).

Only the public tensor API is used (dim, shape, dtype, numel, tolist, indexing with ints and
slices, detach, item, requires_grad, grad_fn), so these functions print any object that offers
that API.  Large tensors are cut down to their edge items by slicing before any value is
converted to Python, so printing a tensor of ten million elements costs about as much as
printing a small one.
"""

import math
import sys
from contextlib import contextmanager
from itertools import chain

__all__ = [
    "set_printoptions",
    "get_printoptions",
    "printoptions",
    "tensor_repr",
    "parameter_repr",
    "tensor_format",
]


class _PrintOptions:
    """The module-global print options (PyTorch's defaults)."""

    __slots__ = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")

    def __init__(self):
        self.precision = 4
        self.threshold = 1000
        self.edgeitems = 3
        self.linewidth = 80
        self.sci_mode = None


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(
    precision=None,
    threshold=None,
    edgeitems=None,
    linewidth=None,
    profile=None,
    sci_mode=None,
):
    r"""Set options for printing tensors.

    Args:
        precision: number of digits after the decimal point for floating point output
            (default = 4).
        threshold: total number of elements above which a tensor is summarised rather than
            printed in full (default = 1000).
        edgeitems: number of items printed at the beginning and end of each summarised
            dimension (default = 3).
        linewidth: number of characters per line used to decide line breaks (default = 80).
        profile: preset defaults, one of ``"default"``, ``"short"`` or ``"full"``, applied
            before the other arguments.
        sci_mode: ``True`` forces scientific notation, ``False`` forbids it, ``None`` (default)
            lets the printer decide.  Like PyTorch, every call assigns this option, so a call
            that omits it resets it to ``None``.
    """
    if profile is not None:
        # Like PyTorch, an unknown profile name is silently ignored.
        values = _PROFILES.get(profile)
        if values is not None:
            (PRINT_OPTS.precision, PRINT_OPTS.threshold,
             PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth) = values
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    r"""Return the current print options as a dict that can be passed to set_printoptions()."""
    return {
        "precision": PRINT_OPTS.precision,
        "threshold": PRINT_OPTS.threshold,
        "edgeitems": PRINT_OPTS.edgeitems,
        "linewidth": PRINT_OPTS.linewidth,
        "sci_mode": PRINT_OPTS.sci_mode,
    }


@contextmanager
def printoptions(**kwargs):
    r"""Context manager that sets print options (as set_printoptions) and restores them on exit."""
    old_kwargs = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old_kwargs)


# ---------------------------------------------------------------------------------------------
# Classes: which tensor classes print as plain "tensor(", and which library a class belongs to.

_LIBRARIES = ("pytorchlite", "torch")
_class_info_cache = {}


def _class_info(cls):
    """Return (is_plain, is_parameter, library module or None) for a tensor class."""
    info = _class_info_cache.get(cls)
    if info is None:
        def is_library_class(klass, name):
            return (klass.__name__ == name
                    and klass.__module__.partition(".")[0] in _LIBRARIES)

        is_plain = is_library_class(cls, "Tensor") or is_library_class(cls, "Parameter")
        is_parameter = any(is_library_class(k, "Parameter") for k in cls.__mro__)
        library = None
        for klass in cls.__mro__:
            top = klass.__module__.partition(".")[0]
            if top in _LIBRARIES:
                library = sys.modules.get(top)
                break
        info = (is_plain, is_parameter, library)
        _class_info_cache[cls] = info
    return info


def _default_dtype_names(library):
    """Names of the default floating dtype and of its complex counterpart."""
    get_default_dtype = getattr(library, "get_default_dtype", None)
    name = str(get_default_dtype()) if get_default_dtype is not None else "torch.float32"
    if name == "torch.float64":
        return name, "torch.complex128"
    return name, "torch.complex64"


# ---------------------------------------------------------------------------------------------
# Formatter: one number format (mode and width) for every value printed.

class _Formatter:
    """Chooses integer / fixed / scientific notation and a common width from a list of values.

    ``values`` holds Python numbers: floats for floating tensors (the stored value widened to
    double), ints or bools otherwise.
    """

    __slots__ = ("floating", "int_mode", "sci_mode", "max_width", "format")

    def __init__(self, values, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        precision = PRINT_OPTS.precision

        if not floating:
            if values:
                self.max_width = max(1, max(len(str(v)) for v in values))
            self.format = self._format_plain
            return

        isfinite = math.isfinite
        nonzero_finite = [v for v in values if v != 0 and isfinite(v)]
        if not nonzero_finite:
            # Only zeros, nan and inf: integer mode, width 1, print options ignored.
            self.format = self._format_int
            return

        abs_values = [abs(v) for v in nonzero_finite]
        amin = min(abs_values)
        amax = max(abs_values)
        self.int_mode = all(v.is_integer() for v in nonzero_finite)
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = amax / amin > 1000.0 or amax > 1.0e8 or amin < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        if self.sci_mode:
            spec = f".{precision}e"
            self.max_width = max(1, max(len(format(v, spec)) for v in nonzero_finite))
            self.format = self._format_sci
        elif self.int_mode:
            self.max_width = max(1, max(len(format(v, ".0f")) for v in nonzero_finite) + 1)
            self.format = self._format_int
        else:
            spec = f".{precision}f"
            self.max_width = max(1, max(len(format(v, spec)) for v in nonzero_finite))
            self.format = self._format_fixed

    def width(self):
        return self.max_width

    def _format_plain(self, value):
        return str(value).rjust(self.max_width)

    def _format_int(self, value):
        text = format(value, ".0f")
        if math.isfinite(value):
            text += "."
        return text.rjust(self.max_width)

    def _format_fixed(self, value):
        return format(value, f".{PRINT_OPTS.precision}f").rjust(self.max_width)

    def _format_sci(self, value):
        return format(value, f"{self.max_width}.{PRINT_OPTS.precision}e")


def _complex_formatter(real_formatter, imag_formatter):
    """A function printing one complex value as real part, sign, imaginary part and 'j'."""
    def format_complex(value):
        real_str = real_formatter.format(value.real)
        imag_str = (imag_formatter.format(value.imag) + "j").lstrip()
        if imag_str[0] == "+" or imag_str[0] == "-":
            return real_str + imag_str
        return real_str + "+" + imag_str
    return format_complex


# ---------------------------------------------------------------------------------------------
# Gathering values: nested Python lists of exactly the values that will be printed.

def _gather(t, shape, d, cut, any_cut_from, edge):
    """Nested list of the values of ``t`` (whose dims are shape[d:]) that will be printed.

    Along every dim with cut[i] true only the first and last ``edge`` entries are kept; the
    tensor is sliced before conversion so the dropped values are never read.
    """
    if not any_cut_from[d]:
        return t.tolist()
    n = shape[d]
    if cut[d]:
        if not any_cut_from[d + 1]:
            return t[:edge].tolist() + t[n - edge:].tolist()
        rows = chain(range(edge), range(n - edge, n))
    else:
        rows = range(n)
    return [_gather(t[i], shape, d + 1, cut, any_cut_from, edge) for i in rows]


def _flatten(data, ndim):
    if ndim == 0:
        return [data]
    for _ in range(ndim - 1):
        data = list(chain.from_iterable(data))
    return data


# ---------------------------------------------------------------------------------------------
# Layout.

def _vector_str(values, indent, is_cut, format_value, element_length):
    linewidth = PRINT_OPTS.linewidth
    per_line = max(1, math.floor((linewidth - indent) / element_length))
    items = [format_value(v) for v in values]
    if is_cut:
        edge = PRINT_OPTS.edgeitems
        items = items[:edge] + [" ..."] + items[edge:]
    if len(items) <= per_line:
        return "[" + ", ".join(items) + "]"
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(data, depth, ndim, indent, cut, format_value, element_length):
    dims_left = ndim - depth
    if dims_left == 1:
        return _vector_str(data, indent, cut[depth], format_value, element_length)
    rows = [_nested_str(row, depth + 1, ndim, indent + 1, cut, format_value, element_length)
            for row in data]
    if cut[depth]:
        edge = PRINT_OPTS.edgeitems
        rows = rows[:edge] + ["..."] + rows[edge:]
    separator = "," + "\n" * (dims_left - 1) + " " * (indent + 1)
    return "[" + separator.join(rows) + "]"


def _body_str(t, indent, is_complex):
    """The bracketed values of a non-empty tensor (the part after 'tensor(')."""
    shape = tuple(t.shape)
    ndim = len(shape)
    edge = PRINT_OPTS.edgeitems
    summarize = t.numel() > PRINT_OPTS.threshold

    if summarize and not edge and ndim > 0:
        return "[...]"

    if summarize:
        cut = [n > 2 * edge for n in shape]
    else:
        cut = [False] * ndim
    any_cut_from = [False] * (ndim + 1)
    for i in range(ndim - 1, -1, -1):
        any_cut_from[i] = cut[i] or any_cut_from[i + 1]

    if any_cut_from[0]:
        detached = t.detach()
        data = _gather(detached, shape, 0, cut, any_cut_from, edge)
    else:
        data = t.tolist()
    values = _flatten(data, ndim)

    if is_complex:
        real_formatter = _Formatter([v.real for v in values], True)
        imag_formatter = _Formatter([v.imag for v in values], True)
        format_value = _complex_formatter(real_formatter, imag_formatter)
        element_length = real_formatter.max_width + 2 + imag_formatter.max_width + 1
    else:
        formatter = _Formatter(values, t.dtype.is_floating_point)
        format_value = formatter.format
        element_length = formatter.max_width + 2

    if ndim == 0:
        return format_value(data)
    return _nested_str(data, 0, ndim, indent, cut, format_value, element_length)


def _add_suffixes(text, suffixes, indent):
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    linewidth = PRINT_OPTS.linewidth
    for suffix in suffixes:
        suffix_len = len(suffix)
        if last_line_len + suffix_len + 2 > linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + suffix_len
        else:
            parts.append(", " + suffix)
            last_line_len += suffix_len + 2
    parts.append(")")
    return "".join(parts)


# ---------------------------------------------------------------------------------------------
# Public entry points.

def tensor_repr(t):
    """repr(t) (and str(t)) exactly as PyTorch prints it."""
    is_plain, is_parameter, library = _class_info(type(t))
    prefix = "tensor(" if is_plain else type(t).__name__ + "("
    indent = len(prefix)
    suffixes = []

    dtype = t.dtype
    dtype_name = str(dtype)
    default_name, default_complex_name = _default_dtype_names(library)

    if t.numel() == 0:
        if t.dim() != 1:
            suffixes.append("size=" + str(tuple(t.shape)))
        if dtype_name != default_name:
            suffixes.append("dtype=" + dtype_name)
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append("size=" + str(tuple(t.shape)))
        if dtype_name not in (default_name, default_complex_name, "torch.int64", "torch.bool"):
            suffixes.append("dtype=" + dtype_name)
        is_complex = getattr(dtype, "is_complex", False)
        body = _body_str(t, indent, is_complex)

    grad_fn_name = None
    try:
        grad_fn = t.grad_fn
    except RuntimeError:
        grad_fn = None
        grad_fn_name = "Invalid"
    if grad_fn is not None:
        grad_fn_name = type(grad_fn).__name__
        if grad_fn_name == "CppFunction":
            grad_fn_name = grad_fn.name().rsplit("::", 1)[-1]
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")

    text = _add_suffixes(prefix + body, suffixes, indent)
    if is_parameter and not is_plain:
        text = f"Parameter({text})"
    return text


def parameter_repr(p):
    """repr(p) of an nn.Parameter: a header line, then the tensor's repr."""
    return "Parameter containing:\n" + tensor_repr(p)


def tensor_format(t, spec):
    """Tensor.__format__: a 0-dim plain tensor formats its Python value; anything else behaves
    like object.__format__ (str(t) for an empty spec, TypeError otherwise)."""
    if t.dim() == 0 and _class_info(type(t))[0] and not _class_info(type(t))[1]:
        return format(t.detach().item(), spec)
    return object.__format__(t, spec)
