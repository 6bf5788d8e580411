"""``torch.backends``: the switches of PyTorch's kernel libraries, answering as a CPU-only
build does (no cuDNN, no MPS; oneDNN/mkldnn and OpenMP reported available). Setting a switch
(``torch.backends.cudnn.benchmark = True``) is accepted and changes nothing: pytorchlite's CPU
kernels have no such modes."""
from . import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp  # noqa: F401

__all__ = ["cpu", "cuda", "cudnn", "mkl", "mkldnn", "mps", "openmp"]
