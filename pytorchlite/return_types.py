"""Named result tuples (``torch.return_types.max`` ...), printed as PyTorch prints them."""
from . import _C

__all__ = ["max", "min", "sort", "topk", "median"]


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
