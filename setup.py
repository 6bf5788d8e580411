"""Builds the extension pytorchlite._C from csrc/core (plain C) and csrc/python (the binding).

The Python package lives in src/pytorchlite (a src layout: a checkout's root never shadows the
installed package). For development, `python setup.py build_ext --inplace` puts _C beside the
sources and `PYTHONPATH=src` uses them."""
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
                        "-Wall", "-Wno-unused-function", "-pthread"],
    extra_link_args=["-pthread"],
    libraries=["m"],
)

setup(ext_modules=[ext], package_dir={"": "src"})
