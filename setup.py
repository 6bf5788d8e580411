"""Builds the extension pytorchlite._C from csrc/core (plain C) and csrc/python (the binding).

The Python package is pytorchlite/ at the top of the repository. An editable install
(`pip install -e .`) or `python setup.py build_ext --inplace` puts _C beside its sources, so the
checkout itself is importable from the repository root.

PYTORCHLITE_SANITIZE=1 builds with AddressSanitizer and UndefinedBehaviorSanitizer instead of
the optimised flags (tests/sanitize.sh builds that way in a copy of the tree and runs the suite;
the extension must then be loaded with libasan preloaded)."""
import glob
import os

import numpy
from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def sources():
    files = sorted(glob.glob("csrc/core/**/*.c", recursive=True))
    files += sorted(glob.glob("csrc/python/*.c"))
    return files


# Portable flags only: CPU-specific kernels are chosen at run time (csrc/core/gemm.c).
# -ffp-contract=off: the random streams place their fused multiply-adds explicitly.
COMPILE_ARGS = ["-std=c11", "-O3", "-ffp-contract=off", "-fno-strict-aliasing",
                "-Wall", "-Wextra", "-Wno-unused-function", "-pthread"]
LINK_ARGS = ["-pthread"]

if os.environ.get("PYTORCHLITE_SANITIZE", "") not in ("", "0"):
    # Every UBSan check (float-cast-overflow is not part of -fsanitize=undefined) and ASan, each
    # report fatal. float-divide-by-zero stays off: IEEE division by zero (inf, nan) is the
    # defined result PyTorch's float kernels give. -fno-wrapv undoes Python's -fwrapv so that
    # signed overflow is reported instead of silently wrapping. The later -O1 wins over -O3.
    SANITIZE = ["-fsanitize=address,undefined,float-cast-overflow", "-fno-sanitize-recover=all",
                "-fno-omit-frame-pointer", "-fno-wrapv", "-O1", "-g"]
    COMPILE_ARGS = [a for a in COMPILE_ARGS if a != "-O3"] + SANITIZE
    LINK_ARGS = LINK_ARGS + SANITIZE[:2]

ext = Extension(
    "pytorchlite._C",
    sources=sources(),
    include_dirs=[numpy.get_include(), "csrc"],
    depends=sorted(glob.glob("csrc/**/*.h", recursive=True) + glob.glob("csrc/**/*.inc", recursive=True)),
    extra_compile_args=COMPILE_ARGS,
    extra_link_args=LINK_ARGS,
    libraries=["m", "dl"],  # dl: the optional MKL route opens libmkl_rt at run time (csrc/core/vml.c)
)

setup(ext_modules=[ext])
