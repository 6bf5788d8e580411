"""``torch.backends.cuda`` in a CPU-only build: is_built() is False; the matmul switch exists
and may be set."""


class _Matmul:
    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


matmul = _Matmul()


def is_built():
    """False: built without CUDA."""
    return False
