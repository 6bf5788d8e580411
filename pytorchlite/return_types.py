"""Named result tuples (``torch.return_types.max`` ...), printed as PyTorch prints them."""
from . import _C

__all__ = ["max", "min", "sort", "topk", "median", "histogram", "frexp"]


def _make(name):
    class _Result(tuple):
        __slots__ = ()
        n_fields = 2

        def __new__(cls, seq):
            return tuple.__new__(cls, seq)

        @property
        def values(self):
            return self[0]

        @property
        def indices(self):
            return self[1]

        def __repr__(self):
            return f"torch.return_types.{name}(\nvalues={self[0]!r},\nindices={self[1]!r})"

        def __reduce__(self):
            return (type(self), (tuple(self),))

    _Result.__name__ = _Result.__qualname__ = name
    return _Result


max = _make("max")  # noqa: A001
min = _make("min")  # noqa: A001
sort = _make("sort")
topk = _make("topk")

_C._set_return_types({"max": lambda v, i: max((v, i)), "min": lambda v, i: min((v, i))})
median = _make("median")


def _make_fields(name, fields):
    """A named result tuple with the given field names (``histogram``: hist, bin_edges)."""
    def field(i):
        return property(lambda self: self[i])

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    attrs = {"__slots__": (), "n_fields": len(fields), "__repr__": __repr__,
             "__new__": lambda cls, seq: tuple.__new__(cls, seq),
             "__reduce__": lambda self: (type(self), (tuple(self),))}
    attrs.update({f: field(i) for i, f in enumerate(fields)})
    return type(name, (tuple,), attrs)


histogram = _make_fields("histogram", ("hist", "bin_edges"))
frexp = _make_fields("frexp", ("mantissa", "exponent"))
