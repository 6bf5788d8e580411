"""``torch.backends.mkl``: PyTorch's MKL switchboard, and whether pytorchlite's own optional
MKL route is on.

Note: ``is_available()`` answers True, as the CPU build of PyTorch (always built with MKL)
does. pytorchlite ships no MKL: with Intel's ``mkl`` wheel installed (``pip install
pytorchlite[mkl]``) it computes exp, log, sin, tanh, erf ... of float tensors through MKL's
Vector Math Library as PyTorch does (the same bits); ``vml_enabled()`` tells whether that
route is on, ``vml_version()`` which MKL it loaded, ``vml_error()`` why it could not.
PYTORCHLITE_MKL=0 in the environment keeps it off."""
from .. import _vml


def is_available():
    """Return whether PyTorch is built with MKL support (True, as CPU PyTorch answers)."""
    return True


def vml_enabled():
    """Whether pytorchlite computes the VML functions through MKL (pytorchlite only)."""
    return _vml.enabled()


def vml_version():
    """The version string of the MKL pytorchlite loaded, or None (pytorchlite only)."""
    return _vml.version()


def vml_error():
    """Why pytorchlite could not load MKL, or None (pytorchlite only)."""
    return _vml.error()


VERBOSE_OFF = 0
VERBOSE_ON = 1


class verbose:
    """On-demand oneMKL verbosing, as ``torch.backends.mkl.verbose(level)``: a context
    manager. Note: pytorchlite prints no MKL verbose output; the level is accepted."""

    def __init__(self, enable):
        self.enable = enable

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        return False
