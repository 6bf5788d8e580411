"""Builds the extension pytorchlite._C from csrc/core (plain C) and csrc/python (the binding).

The Python package is pytorchlite/ at the top of the repository. An editable install
(`pip install -e .`) or `python setup.py build_ext --inplace` puts _C beside its sources, so the
checkout itself is importable from the repository root."""
import glob
import os

import numpy
from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def sources():
    files = sorted(glob.glob("csrc/core/**/*.c", recursive=True))
    files += sorted(glob.glob("csrc/python/*.c"))
    return files


ext = Extension(
    "pytorchlite._C",
    sources=sources(),
    include_dirs=[numpy.get_include(), "csrc"],
    depends=sorted(glob.glob("csrc/**/*.h", recursive=True) + glob.glob("csrc/**/*.inc", recursive=True)),
    # Portable flags only: CPU-specific kernels are chosen at run time (csrc/core/gemm.c).
    # -ffp-contract=off: the random streams place their fused multiply-adds explicitly.
    extra_compile_args=["-std=c11", "-O3", "-ffp-contract=off", "-fno-strict-aliasing",
                        "-Wall", "-Wextra", "-Wno-unused-function", "-pthread"],
    extra_link_args=["-pthread"],
    libraries=["m"],
)

setup(ext_modules=[ext])
