"""``torch.backends.cpu``."""


def get_cpu_capability():
    """The vector instruction set PyTorch's CPU kernels would use ('AVX2' or 'DEFAULT')."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return "DEFAULT"
    return "AVX2" if " avx2" in flags else "DEFAULT"
