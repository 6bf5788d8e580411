"""``torch.version``: the version of this build and of the GPU toolkits it was built with
(none: pytorchlite runs on the CPU only)."""
from . import __version__

__all__ = ["__version__", "debug", "cuda", "git_version", "hip", "rocm", "xpu"]

debug = False
cuda = None
git_version = "Unknown"
hip = None
rocm = None
xpu = None
