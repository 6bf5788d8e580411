"""Whether torch's small float32 matrix products on this machine round as pytorchlite's do.

pytorchlite computes a small product C = A @ B in PyTorch's BLAS order on AMD machines: each
C[i, j] adds A[i, k] * B[k, j] for k = 0, 1, ... in turn, every multiply and add rounded on its
own (no fused multiply-add). PyTorch's BLAS (MKL) picks its small-product kernels by CPU: on
Intel CPUs (AVX-512 Xeons) it rounds differently, in the last bit. Tests whose results go
through such products assert bitwise equality with torch only where the probe below finds that
torch's products are k-ordered, and equality within a stated tolerance elsewhere.

The probe runs once: it compares torch's products of a few small random matrices (the shapes
and transposes the scoped tests use) bit for bit with a NumPy k-order product. Setting
PL_TEST_TORCH_MATMUL_ORDER to "k" or "other" skips the probe and forces that answer (the
helpers' own tests use it to run both branches on any machine).
"""
import functools
import math
import os
import re

import numpy as np

ENV = "PL_TEST_TORCH_MATMUL_ORDER"

# Elsewhere, values must agree within these (about 8 float32 ulps, relative) ...
RTOL, ATOL = 1e-6, 1e-7
# ... and printed numbers of a twin script within these, or within one unit of their last
# printed digit (such scripts print values after tens of SGD steps, where a last-bit difference
# in one product grows by a few ulps at each step).
SCRIPT_RTOL, SCRIPT_ATOL = 1e-5, 1e-7


def k_order_matmul(a, b):
    """(m, k) @ (k, n) in float32, adding the k products in order, each step rounded."""
    a = np.asarray(a, np.float32)
    b = np.asarray(b, np.float32)
    out = np.zeros((a.shape[0], b.shape[1]), np.float32)
    for k in range(a.shape[1]):
        out = out + np.outer(a[:, k], b[k, :]).astype(np.float32)  # float32 add, rounded
    return out


# (m, k, n, transpose A, transpose B): forward and backward products of a 2 -> 4 -> 1 MLP on
# batches of 10, of a linear layer 4 -> 3 on 10 rows, and of a (6, 2) @ (2, 1) regression
PROBE_SHAPES = [(10, 2, 4, False, True), (10, 4, 1, False, True), (4, 10, 2, True, False),
                (1, 10, 4, True, False), (10, 1, 4, False, False), (10, 4, 3, False, True),
                (3, 10, 4, True, False), (10, 3, 4, False, False), (6, 2, 1, False, False),
                (2, 6, 1, True, False)]


def probe_operands(seed=0):
    """[(A, transpose A, B, transpose B)]: contiguous float32 arrays; the product is
    op(A) @ op(B), op transposing where asked (a transposed view, as a layer's backward uses)."""
    rng = np.random.default_rng(seed)
    ops = []
    for m, k, n, ta, tb in PROBE_SHAPES:
        a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
        b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
        ops.append((a, ta, b, tb))
    return ops


@functools.lru_cache(maxsize=None)
def _probe():
    import torch

    for a, ta, b, tb in probe_operands():
        x, y = torch.from_numpy(a), torch.from_numpy(b)
        got = ((x.t() if ta else x) @ (y.t() if tb else y)).numpy()
        want = k_order_matmul(a.T if ta else a, b.T if tb else b)
        if got.tobytes() != want.tobytes():
            return False
    return True


def torch_matmul_is_k_ordered():
    """True where torch's small float32 products round as pytorchlite's k-order product."""
    forced = os.environ.get(ENV)
    if forced in ("k", "other"):
        return forced == "k"
    if forced:
        raise ValueError(f"{ENV} must be 'k' or 'other', not {forced!r}")
    return _probe()


def cpu_vendor():
    """/proc/cpuinfo's vendor_id (GenuineIntel, AuthenticAMD), or "unknown"; for messages."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("vendor_id"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _branch():
    ordered = torch_matmul_is_k_ordered()
    return ordered, (f"(torch's small products {'are' if ordered else 'are not'} k-ordered here; "
                     f"CPU {cpu_vendor()}; {ENV}={os.environ.get(ENV, '')!r})")


def assert_equal_as_torch(got, want):
    """Bitwise where torch's products are k-ordered, else within RTOL / ATOL."""
    ordered, why = _branch()
    if ordered:
        np.testing.assert_array_equal(got, want, err_msg=why)
    else:
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=why)


_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
_FRACTIONAL = re.compile(r"\.\d|[eE]")


def _last_digit_unit(token):
    """The value of one unit in the last printed digit of a number token."""
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return 10.0 ** (int(exponent or 0) - decimals)


def outputs_match(got, want):
    """Two printed outputs agree: the same text between numbers, and each pair of numbers
    within SCRIPT_RTOL / SCRIPT_ATOL or one unit of the last printed digit."""
    got_parts, want_parts = _NUMBER.split(got), _NUMBER.split(want)
    got_nums, want_nums = _NUMBER.findall(got), _NUMBER.findall(want)
    if got_parts != want_parts or len(got_nums) != len(want_nums):
        return False
    for g, w in zip(got_nums, want_nums):
        if g == w:
            continue
        if not (_FRACTIONAL.search(g) and _FRACTIONAL.search(w)):
            return False  # integers (counts, epochs, digits in names) must be equal
        x, y = float(g), float(w)
        unit = max(_last_digit_unit(g), _last_digit_unit(w))
        close = math.isclose(x, y, rel_tol=SCRIPT_RTOL, abs_tol=SCRIPT_ATOL)
        if not (close or abs(x - y) <= unit * (1 + 1e-9)):
            return False
    return True


def assert_output_as_torch(got, want, detail=""):
    """Identical output where torch's products are k-ordered, else outputs_match."""
    ordered, why = _branch()
    if ordered:
        assert got == want, f"{why}\n{detail}"
    else:
        assert outputs_match(got, want), f"{why}\n{detail}"
