"""torch.lgamma on float32 bit for bit as PyTorch's CPU kernel (csrc/core/ops/sleef_gamma.c):
SLEEF's 1-ulp lgamma on every element (ATen maps the vector function over each contiguous run,
a short last vector loaded partially) under the AVX2 and AVX-512 capabilities, the C library's
lgammaf under "default"; its backward g * digamma(x). Each capability is checked in a fresh
process with ATEN_CPU_CAPABILITY set for both libraries; without torch, against float64."""
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import pytorchlite as pl

SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 1e-31, -1e-31, 1e-30, -1e-30,
           0.5, -0.5, 1.0, 2.0, -1.0, -2.0, -2.5, 1.2, 1.2000001, 2.3, 2.2999999, 7.0, 7.0000005,
           -4095.5, -4096.0, -4096.5, -1e7 - 0.5, -3e38, 3e38, 3.4028235e38, 4e36, 1e-20, -7.5,
           -0.9999999, -1.0000001, 0.49999997, 100.25, -100.25]


def _bits(a):
    return np.ascontiguousarray(a).view(np.uint32)


def test_float32_every_256th_bit_pattern():
    torch = pytest.importorskip("torch")
    step, chunk = 256, 1 << 22
    for start in range(0, 1 << 32, chunk * step):
        x = (np.arange(start, min(start + chunk * step, 1 << 32), step, dtype=np.uint64)
             + 91).astype(np.uint32).view(np.float32)
        got = pl.lgamma(pl.from_numpy(x)).numpy()
        want = torch.lgamma(torch.from_numpy(x)).numpy()
        bad = np.flatnonzero(_bits(got) != _bits(want))
        assert bad.size == 0, (hex(start), bad.size, x[bad[:4]], got[bad[:4]], want[bad[:4]])


def test_float32_ranges_and_specials():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    parts = [rng.uniform(-8, 8, 200000), rng.uniform(-5000, 0, 100000), rng.uniform(0, 12, 100000),
             np.exp(rng.uniform(-70, 88, 100000)), -np.exp(rng.uniform(-70, 88, 100000)),
             np.arange(-60, 60, 0.25), np.array(SPECIAL)]
    x = np.concatenate(parts).astype(np.float32)
    got, want = pl.lgamma(pl.from_numpy(x)).numpy(), torch.lgamma(torch.from_numpy(x)).numpy()
    bad = np.flatnonzero(_bits(got) != _bits(want))
    assert bad.size == 0, (bad.size, x[bad[:4]], got[bad[:4]], want[bad[:4]])


_SIZES_SCRIPT = """
import sys, numpy as np
from numpy import inf, nan
m = __import__(sys.argv[1])
x = (np.random.default_rng(5).standard_normal(70000) * 12).astype(np.float32)
special = np.array({special!r}, np.float32)
out = []
for n in list(range(1, 41)) + [47, 64, 100, 2047, 2048, 2049, 5000, 32767, 32768, 32769, 70000]:
    out.append(m.lgamma(m.from_numpy(x[:n].copy())).numpy())
    out.append(m.lgamma(m.from_numpy(np.resize(special, n))).numpy())
    out.append(m.lgamma(m.from_numpy(x[:2 * n].copy())[::2]).numpy())
    t = m.tensor(x[:n], requires_grad=True)
    m.lgamma(t).backward(m.tensor(np.cos(x[:n])))
    out.append(t.grad.numpy())
sys.stdout.buffer.write(np.concatenate(out).tobytes())
"""


@pytest.mark.parametrize("capability", ["", "default", "avx2", "avx512"])
def test_sizes_tails_and_gradients_on_every_capability(capability):
    pytest.importorskip("torch")
    env = dict(os.environ, ATEN_CPU_CAPABILITY=capability)
    code = _SIZES_SCRIPT.format(special=SPECIAL)
    got, want = (subprocess.run([sys.executable, "-c", code, m], env=env, capture_output=True,
                                timeout=300, check=True).stdout for m in ("pytorchlite", "torch"))
    assert len(got) == len(want) > 0
    bad = np.flatnonzero(np.frombuffer(got, np.uint32) != np.frombuffer(want, np.uint32))
    assert bad.size == 0, bad[:10]


def test_close_to_a_float64_reference():
    x = np.concatenate([np.random.default_rng(3).uniform(-30, 30, 4001),
                        np.random.default_rng(4).uniform(0.01, 1e6, 4001)]).astype(np.float32)
    x = x[np.abs(x - np.round(x)) > 1e-3]  # away from the poles
    got = pl.lgamma(pl.from_numpy(x)).numpy().astype(np.float64)
    want = np.array([math.lgamma(float(v)) for v in x])
    ulp = np.spacing(np.abs(want).astype(np.float32)).astype(np.float64)
    assert (np.abs(got - want) <= 4 * ulp + 1e-6 * np.abs(want)).all()
    assert np.isinf(pl.lgamma(pl.tensor([0.0, -3.0, np.inf, -np.inf])).numpy()).all()
