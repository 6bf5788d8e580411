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
from itertools import chain, repeat

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
    double), ints or bools otherwise.  ``format(value)`` returns the padded text of one value.
    """

    __slots__ = ("floating", "int_mode", "sci_mode", "max_width", "spec", "format")

    def __init__(self, values, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        self.spec = ""

        if not floating:
            if values:
                self.max_width = max(1, max(map(len, map(str, values))))
            self.format = self._format_plain
            return

        isfinite = math.isfinite
        nonzero_finite = [v for v in values if v != 0 and isfinite(v)]
        if not nonzero_finite:
            # Only zeros, nan and inf: integer mode, width 1, print options ignored.
            self.format = self._format_int
            return

        abs_values = list(map(abs, nonzero_finite))
        amin = min(abs_values)
        amax = max(abs_values)
        self.int_mode = all(map(float.is_integer, map(float, nonzero_finite)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = amax / amin > 1000.0 or amax > 1.0e8 or amin < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        precision = PRINT_OPTS.precision
        if self.sci_mode:
            spec = f".{precision}e"
            width = max(map(len, map(format, nonzero_finite, repeat(spec))))
            self.max_width = max(1, width)
            self.spec = f"{self.max_width}.{precision}e"
            self.format = self._format_sci
        elif self.int_mode:
            width = max(map(len, map(format, nonzero_finite, repeat(".0f")))) + 1
            self.max_width = max(1, width)
            self.format = self._format_int
        else:
            spec = f".{precision}f"
            width = max(map(len, map(format, nonzero_finite, repeat(spec))))
            self.max_width = max(1, width)
            # A width in the spec right-aligns with spaces, the same as padding on the left.
            self.spec = f"{self.max_width}.{precision}f"
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
        return format(value, self.spec)

    _format_sci = _format_fixed

    def format_all(self, values):
        """The padded texts of many values (the same as mapping format over them)."""
        if self.format == self._format_fixed:
            return list(map(format, values, repeat(self.spec)))
        if self.format == self._format_plain:
            return list(map(str.rjust, map(str, values), repeat(self.max_width)))
        return list(map(self.format, values))


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
# Layout: nested brackets around the formatted values.

class _Layout:
    """Lays out a flat row-major list of formatted values (only the kept ones) as nested
    brackets, inserting '...' where a dimension was cut."""

    __slots__ = ("items", "kept", "blocks", "cut", "ndim", "per_line_of", "edge")

    def __init__(self, items, kept, cut, element_length):
        self.items = items
        self.kept = kept
        self.cut = cut
        self.ndim = len(kept)
        self.edge = PRINT_OPTS.edgeitems
        blocks = [1] * self.ndim
        for d in range(self.ndim - 2, -1, -1):
            blocks[d] = blocks[d + 1] * kept[d + 1]
        self.blocks = blocks
        linewidth = PRINT_OPTS.linewidth

        def per_line_of(indent):
            return max(1, math.floor((linewidth - indent) / element_length))
        self.per_line_of = per_line_of

    def vector(self, start, indent):
        items = self.items[start:start + self.kept[-1]]
        if self.cut[-1]:
            items.insert(self.edge, " ...")
        per_line = self.per_line_of(indent)
        if len(items) <= per_line:
            return "[" + ", ".join(items) + "]"
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"

    def nested(self, start, depth, indent):
        dims_left = self.ndim - depth
        if dims_left == 1:
            return self.vector(start, indent)
        block = self.blocks[depth]
        rows = [self.nested(start + i * block, depth + 1, indent + 1)
                for i in range(self.kept[depth])]
        if self.cut[depth]:
            rows.insert(self.edge, "...")
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
        data = _gather(t.detach(), shape, 0, cut, any_cut_from, edge)
    else:
        data = t.tolist()
    values = _flatten(data, ndim)

    if is_complex:
        real_formatter = _Formatter([v.real for v in values], True)
        imag_formatter = _Formatter([v.imag for v in values], True)
        items = list(map(_complex_formatter(real_formatter, imag_formatter), values))
        element_length = real_formatter.max_width + 2 + imag_formatter.max_width + 1
    else:
        formatter = _Formatter(values, t.dtype.is_floating_point)
        items = formatter.format_all(values)
        element_length = formatter.max_width + 2

    if ndim == 0:
        return items[0]
    kept = [2 * edge if c else n for n, c in zip(shape, cut)]
    return _Layout(items, kept, cut, element_length).nested(0, 0, indent)


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

def tensor_repr(t, tensor_contents=None):
    """repr(t) (and str(t)) exactly as PyTorch prints it.

    ``tensor_contents``, when given, replaces the printed values (as in PyTorch's
    ``Tensor.__repr__(tensor_contents=...)``); the suffixes are still added.
    """
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
        body = "[]" if tensor_contents is None else tensor_contents
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append("size=" + str(tuple(t.shape)))
        if dtype_name not in (default_name, default_complex_name, "torch.int64", "torch.bool"):
            suffixes.append("dtype=" + dtype_name)
        if tensor_contents is None:
            body = _body_str(t, indent, getattr(dtype, "is_complex", False))
        else:
            body = tensor_contents

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


def _str(self, *, tensor_contents=None):
    """PyTorch's private name for the tensor repr, kept for code that calls it directly."""
    return tensor_repr(self, tensor_contents)


def parameter_repr(p):
    """repr(p) of an nn.Parameter: a header line, then the tensor's repr."""
    return "Parameter containing:\n" + tensor_repr(p)


def tensor_format(t, spec):
    """Tensor.__format__: a 0-dim plain tensor formats its Python value; anything else behaves
    like object.__format__ (str(t) for an empty spec, TypeError otherwise)."""
    is_plain, is_parameter, _ = _class_info(type(t))
    if t.dim() == 0 and is_plain and not is_parameter:
        return format(t.detach().item(), spec)
    return object.__format__(t, spec)
