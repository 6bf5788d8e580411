"""gelu (tanh form) and mish on float32, forward and backward, bit for bit as PyTorch's CPU
kernels: SLEEF's 1-ulp tanh (csrc/core/ops/sleef_hyp.c) with SLEEF's exp/log1p on ATen's
vector blocks, the C library's on the tail, torch's FMA contractions and each kernel's thread
grain (aten_layout.c, sleef_exp.c). Every capability is checked in a fresh process with
ATEN_CPU_CAPABILITY set for both libraries; without torch, against a float64 reference."""
import os
import subprocess
import sys

import numpy as np
import pytest

import pytorchlite as pl

_SCRIPT = """
import sys, numpy as np
m = __import__(sys.argv[1])
F = m.nn.functional
out = []
for n in (1, 7, 15, 16, 17, 31, 33, 100, 2049, 6144, 6145, 32769, 70001):
    x = (np.random.default_rng(n).standard_normal(n) * 4).astype(np.float32)
    x[: min(n, 6)] = [0.0, -0.0, 9.5, -9.5, 30.0, -30.0][: min(n, 6)]
    g = np.cos(x).astype(np.float32)
    for name, fn in (("gelu", lambda t: F.gelu(t, approximate="tanh")), ("mish", F.mish)):
        t = m.tensor(x, requires_grad=True)
        y = fn(t)
        y.backward(m.tensor(g))
        out += [y.detach().numpy(), t.grad.numpy()]
        out.append(fn(m.tensor(x).view(-1, 1).expand(n, 2).t().contiguous()).numpy().ravel())
sys.stdout.buffer.write(np.concatenate(out).tobytes())
"""


@pytest.mark.parametrize("capability", ["", "default", "avx2", "avx512"])
def test_bitwise_with_torch_on_every_capability(capability):
    pytest.importorskip("torch")
    env = dict(os.environ, ATEN_CPU_CAPABILITY=capability)
    got, want = (subprocess.run([sys.executable, "-c", _SCRIPT, m], env=env, capture_output=True,
                                timeout=300, check=True).stdout for m in ("pytorchlite", "torch"))
    assert len(got) == len(want) > 0
    bad = np.flatnonzero(np.frombuffer(got, np.uint32) != np.frombuffer(want, np.uint32))
    assert bad.size == 0, bad[:10]


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def _mish(x):
    return x * np.tanh(np.log1p(np.exp(x)))


@pytest.mark.parametrize("name", ["gelu", "mish"])
def test_values_and_gradients_close_to_a_float64_reference(name):
    x = np.random.default_rng(1).uniform(-12, 12, 4099).astype(np.float32)
    t = pl.tensor(x, requires_grad=True)
    fn = (lambda v: pl.nn.functional.gelu(v, approximate="tanh")) if name == "gelu" \
        else pl.nn.functional.mish
    ref = _gelu_tanh if name == "gelu" else _mish
    y = fn(t)
    y.sum().backward()
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(y.detach().numpy(), ref(x64), rtol=2e-6, atol=1e-6)
    eps = 1e-6
    fd = (ref(x64 + eps) - ref(x64 - eps)) / (2 * eps)
    np.testing.assert_allclose(t.grad.numpy(), fd, rtol=1e-4, atol=1e-5)
    assert type(y.grad_fn).__name__ == ("GeluBackward0" if name == "gelu" else "MishBackward0")


def test_float64_keeps_its_composition():
    x = pl.tensor([-3.0, -0.5, 0.0, 0.5, 3.0], dtype=pl.float64, requires_grad=True)
    y = pl.nn.functional.mish(x)
    y.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), _mish(x.detach().numpy()), rtol=1e-14)
    assert y.dtype == pl.float64 and x.grad.dtype == pl.float64
