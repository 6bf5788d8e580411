"""torch.sinh, torch.cosh, torch.atanh and torch.exp2 on float32 bit for bit as PyTorch's CPU kernels
(csrc/core/ops/sleef_hyp.c, aten_layout.c): SLEEF's 1-ulp functions in blocks of two vectors,
std::sinh ... on the tail, the split falling per thread chunk as ATen's iterator puts
it. Each capability is checked in a fresh process with ATEN_CPU_CAPABILITY set for both
libraries; without torch the vector form is checked against the C library to 2 ulp."""
import os
import subprocess
import sys

import numpy as np
import pytest

import pytorchlite as pl

SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 1e-30, -1e-8, 0.5, -0.5, 1.0,
           8.6643, 9.0, 18.7, 88.0, 88.72, 88.9, 89.0, 89.1, -89.1, 100.0, -100.0, 3.4028235e38,
           127.9, 128.0, -126.5, -149.0, -150.0, -150.5]


def _bits(a):
    return np.ascontiguousarray(a).view(np.uint32)


FNS = ["sinh", "cosh", "atanh", "exp2"]


@pytest.mark.parametrize("fn", FNS)
def test_float32_every_64th_bit_pattern(fn):
    torch = pytest.importorskip("torch")
    step, chunk = 64, 1 << 24
    for start in range(0, 1 << 32, chunk * step):
        x = (np.arange(start, min(start + chunk * step, 1 << 32), step, dtype=np.uint64)
             + 37).astype(np.uint32).view(np.float32)
        got = getattr(pl, fn)(pl.from_numpy(x)).numpy()
        want = getattr(torch, fn)(torch.from_numpy(x)).numpy()
        bad = np.flatnonzero(_bits(got) != _bits(want))
        assert bad.size == 0, (fn, hex(start), bad.size, x[bad[:4]], got[bad[:4]], want[bad[:4]])


_SIZES_SCRIPT = """
import sys, numpy as np
from numpy import inf, nan
m = __import__(sys.argv[1])
x = np.random.default_rng(5).standard_normal(70000).astype(np.float32) * 30
special = np.array({special!r}, np.float32)
out = []
for n in (1, 7, 8, 15, 16, 17, 20, 31, 32, 33, 47, 64, 100, 2047, 2048, 2049, 5000, 70000):
    for fn in ("sinh", "cosh", "atanh", "exp2"):
        out.append(getattr(m, fn)(m.from_numpy(x[:n].copy())).numpy())
        out.append(getattr(m, fn)(m.from_numpy(np.resize(special, n))).numpy())
        out.append(getattr(m, fn)(m.from_numpy(x[:2 * n].copy())[::2]).numpy())
sys.stdout.buffer.write(np.concatenate(out).tobytes())
"""


@pytest.mark.parametrize("capability", ["", "default", "avx2", "avx512"])
def test_sizes_and_tails_on_every_capability(capability):
    pytest.importorskip("torch")
    env = dict(os.environ, ATEN_CPU_CAPABILITY=capability)
    code = _SIZES_SCRIPT.format(special=SPECIAL)
    got, want = (subprocess.run([sys.executable, "-c", code, m], env=env, capture_output=True,
                                timeout=300, check=True).stdout for m in ("pytorchlite", "torch"))
    assert len(got) == len(want) > 0
    bad = np.flatnonzero(np.frombuffer(got, np.uint32) != np.frombuffer(want, np.uint32))
    assert bad.size == 0, bad[:10]


@pytest.mark.parametrize("fn", FNS)
def test_gradients_bitwise_with_torch(fn):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal(1001).astype(np.float32) * 5
    x = np.tanh(x) if fn == "atanh" else x
    a, b = torch.tensor(x, requires_grad=True), pl.tensor(x, requires_grad=True)
    getattr(torch, fn)(a).sum().backward()
    getattr(pl, fn)(b).sum().backward()
    assert _bits(a.grad.numpy()).tolist() == _bits(b.grad.numpy()).tolist()


@pytest.mark.parametrize("fn", FNS)
def test_vector_form_close_to_the_c_library(fn):
    bound = 0.999 if fn == "atanh" else 88
    x = np.random.default_rng(3).uniform(-bound, bound, 4096).astype(np.float32)
    got = getattr(pl, fn)(pl.from_numpy(x)).numpy().astype(np.float64)
    want = getattr(np, fn)(x.astype(np.float64))
    ulp = np.spacing(np.abs(want).astype(np.float32)).astype(np.float64)
    assert (np.abs(got - want) <= 2 * ulp).all()
    special = getattr(pl, fn)(pl.tensor(SPECIAL, dtype=pl.float32)).numpy()
    with np.errstate(all="ignore"):  # (a short tensor is all tail: the C library's, to 2e-6)
        ref = getattr(np, fn)(np.array(SPECIAL, np.float64))
        np.testing.assert_allclose(special, ref.astype(np.float32), rtol=2e-6)
