"""``torch.backends.cudnn`` without CUDA: is_available() is False; the flags keep PyTorch's
defaults and may be set."""
enabled = True
benchmark = False
deterministic = False
allow_tf32 = True
benchmark_limit = 10


def is_available():
    """False: no cuDNN in a CPU-only build."""
    return False


def version():
    """None: no cuDNN."""
    return None
