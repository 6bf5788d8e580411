"""The named result tuples of the reductions and linear algebra (``torch.return_types.kthvalue``,
``linalg_slogdet``, ``linalg_svd`` ... and their ``*_out`` forms), printed as PyTorch prints
them. ``install()`` puts them on ``pytorchlite.return_types``."""
from . import return_types

# results with PyTorch's (values, indices) fields
_VALUES_INDICES = ("kthvalue", "mode", "cummax", "cummin", "nanmedian")
# results with other fields
_FIELDS = (("aminmax", ("min", "max")),
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
           ("linalg_lu_factor_ex", ("LU", "pivots", "info")),
           ("_lu_with_info", ("LU", "pivots", "info")),
           ("linalg_lu", ("P", "L", "U")), ("lu_unpack", ("P", "L", "U")),
           ("triangular_solve", ("solution", "cloned_coefficient")))


def make(name, fields):
    """A tuple subclass named ``name`` with the given field names."""
    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    ns = {"__slots__": (), "n_fields": len(fields), "__repr__": __repr__,
          "__new__": lambda cls, seq: tuple.__new__(cls, seq),
          "__reduce__": lambda self: (type(self), (tuple(self),)),
          "__module__": return_types.__name__}
    for i, f in enumerate(fields):
        ns[f] = property(lambda self, i=i: self[i])
    cls = type(name, (tuple,), ns)
    cls.__qualname__ = name
    return cls


def install():
    """Adds the result types (and the ``*_out`` ones that out= returns) to return_types."""
    fields = [(n, ("values", "indices")) for n in _VALUES_INDICES] + list(_FIELDS)
    fields += [(n + "_out", ("values", "indices"))
               for n in ("max", "min", "sort", "topk", "median")]
    fields += [(n + "_out", f) for n, f in fields if not n.endswith("_out")]
    for name, f in fields:
        if not hasattr(return_types, name):
            setattr(return_types, name, make(name, f))
            return_types.__all__.append(name)
