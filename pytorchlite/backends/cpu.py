"""``torch.backends.cpu``."""
from .. import _C


def get_cpu_capability():
    """The vector instruction set PyTorch's CPU kernels pick on this machine: 'AVX512', 'AVX2'
    or 'DEFAULT' (lowered by the ATEN_CPU_CAPABILITY environment variable, as in PyTorch); the
    kernels that match PyTorch's bits follow the same choice."""
    return _C._cpu_capability()
