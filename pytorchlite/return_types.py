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


def _make_fields(name, fields):
    """A named result tuple with the given field names, printed as PyTorch prints it."""
    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    ns = {"__slots__": (), "n_fields": len(fields), "__repr__": __repr__,
          "__new__": lambda cls, seq: tuple.__new__(cls, seq),
          "__reduce__": lambda self: (type(self), (tuple(self),))}
    for i, f in enumerate(fields):
        ns[f] = property(lambda self, i=i: self[i])
    cls = type(name, (tuple,), ns)
    cls.__qualname__ = name
    return cls


# the results of the reductions and linear algebra (pytorchlite/_reduce_ops.py, linalg/)
for _name in ("kthvalue", "mode", "cummax", "cummin", "nanmedian", "max_out", "min_out",
              "sort_out", "topk_out", "median_out", "kthvalue_out", "mode_out", "cummax_out",
              "cummin_out", "nanmedian_out"):
    globals()[_name] = _make(_name)
for _name, _fields in (("aminmax", ("min", "max")),
                       ("slogdet", ("sign", "logabsdet")),
                       ("linalg_slogdet", ("sign", "logabsdet")),
                       ("linalg_eigh", ("eigenvalues", "eigenvectors")),
                       ("linalg_eig", ("eigenvalues", "eigenvectors")),
                       ("linalg_qr", ("Q", "R")), ("qr", ("Q", "R")),
                       ("linalg_svd", ("U", "S", "Vh")), ("svd", ("U", "S", "V")),
                       ("linalg_lstsq", ("solution", "residuals", "rank", "singular_values")),
                       ("linalg_inv_ex", ("inverse", "info")),
                       ("linalg_cholesky_ex", ("L", "info")),
                       ("linalg_lu_factor", ("LU", "pivots")),
                       ("triangular_solve", ("solution", "cloned_coefficient"))):
    globals()[_name] = _make_fields(_name, _fields)
    globals()[_name + "_out"] = _make_fields(_name + "_out", _fields)  # the out= result
    __all__ += [_name, _name + "_out"]
__all__ += ["kthvalue", "mode", "cummax", "cummin", "nanmedian", "median"]
del _name, _fields
