"""The optional MKL route: when Intel's ``mkl`` wheel is installed (``pip install
pytorchlite[mkl]``), exp, log, log2, log10, sin, cos, tan, tanh, asin, acos, atan, erf, erfc
and sqrt of float32/float64 tensors are computed by MKL's Vector Math Library, as PyTorch's own
CPU build computes them, so the results are PyTorch's bits (csrc/core/vml.h). Without the wheel, or with
the environment variable PYTORCHLITE_MKL=0, those functions use the C library's libm.

The library is looked up at ``import pytorchlite`` where pip puts the wheel's files
(``<prefix>/lib/libmkl_rt.so.2`` for the interpreter's prefix, or the user base of ``pip install
--user``) and opened at the first of those functions (or the first ``enabled()``, ``version()``
or ``error()``): MKL's layers then join the process's global symbols, and a PyTorch imported
after that would use them instead of its own (README, Known differences), so the later the
better. Loading never raises: a library that cannot be used (another MKL release, a missing
symbol) leaves the route off, and ``error()`` says why.
"""
import os
import site
import sys

from . import _C

LIBRARY = "libmkl_rt.so.2"


def find_library():
    """The path of the installed MKL runtime library, or None."""
    dirs = [os.path.join(sys.prefix, "lib")]
    try:
        dirs.append(os.path.join(site.getuserbase(), "lib"))
    except Exception:  # a site module without a user base
        pass
    for d in dirs:
        path = os.path.join(d, LIBRARY)
        if os.path.isfile(path):
            return path
    return None


def load(path=None):
    """Turns the route on with the library at path (default: the installed one); returns
    whether it is on."""
    path = path if path is not None else find_library()
    if path is None:
        _C._vml_unload()
        return False
    return _C._vml_load(os.fspath(path))


def unload():
    """Turns the route off (libm computes those functions again)."""
    _C._vml_unload()


def enabled():
    """Whether the MKL route is on."""
    return _C._vml_version() is not None


def version():
    """The loaded MKL's version string, or None when the route is off."""
    return _C._vml_version()


def error():
    """Why the last load failed, or None."""
    return _C._vml_error()


def _at_import():
    path = find_library()
    if path is not None and os.environ.get("PYTORCHLITE_MKL", "") != "0":
        _C._vml_defer(path)


_at_import()
