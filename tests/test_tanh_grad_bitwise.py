"""tanh's gradient bit for bit with PyTorch's tanh_backward kernel (csrc/core/ops/unary.c):
g * (1 - y * y) with 1 - y * y one FMA, none under ATEN_CPU_CAPABILITY=default. Compared on the
same y (torch.ops.aten.tanh_backward on pytorchlite's own output), so the check holds with or
without the MKL route that makes the forward itself PyTorch's."""
import os
import subprocess
import sys

import numpy as np
import pytest

import pytorchlite as pl

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_SCRIPT = """
import sys, numpy as np, torch, pytorchlite as pl
rng = np.random.default_rng(3)
bad = 0
for dtype in ["float32", "float64"]:
    for shape in [(7,), (1000,), (33, 17), (100003,)]:
        x = (rng.standard_normal(shape) * 2).astype(dtype)
        g = rng.standard_normal(shape).astype(dtype)
        t = pl.tensor(x, requires_grad=True)
        y = t.tanh()
        y.backward(pl.tensor(g))
        want = torch.ops.aten.tanh_backward(torch.tensor(g), torch.tensor(y.detach().numpy()))
        bad += int((t.grad.numpy().view(np.uint8) != want.numpy().view(np.uint8)).sum())
        t.grad = None
        t.tanh().sum().backward()  # an expanded gradient
        want = torch.ops.aten.tanh_backward(torch.ones(shape, dtype=want.dtype),
                                            torch.tensor(y.detach().numpy()))
        bad += int((t.grad.numpy().view(np.uint8) != want.numpy().view(np.uint8)).sum())
print(bad)
"""


@pytest.mark.parametrize("capability", [None, "default", "avx2"])
def test_tanh_gradient_is_torchs_on_the_same_output(capability):
    torch = pytest.importorskip("torch")
    order = ["DEFAULT", "AVX2", "AVX512"]
    if capability and order.index(capability.upper()) > order.index(
            torch.backends.cpu.get_cpu_capability()):
        pytest.skip(f"this CPU does not run torch's {capability} kernels")
    env = dict(os.environ, PYTHONPATH=ROOT)
    if capability:
        env["ATEN_CPU_CAPABILITY"] = capability
    out = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "0"


def test_tanh_double_backward_records_the_formula():
    x = pl.tensor([0.3, -1.2, 2.0], dtype=pl.float64, requires_grad=True)
    (g,) = pl.autograd.grad(x.tanh().sum(), x, create_graph=True)
    g.sum().backward()
    y = np.tanh(x.detach().numpy())
    np.testing.assert_allclose(g.detach().numpy(), 1 - y * y, rtol=1e-15)
    np.testing.assert_allclose(x.grad.numpy(), -2 * y * (1 - y * y), rtol=1e-13)
