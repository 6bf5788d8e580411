"""float32 and float64 sigmoid, silu and silu's gradient bit for bit as PyTorch's CPU kernels (csrc/core/ops/aten_layout.c): SLEEF's
exp on ATen's vector chunks, libm's on the tail, in the layout of the CPU's capability or the
one ATEN_CPU_CAPABILITY forces. The C program tests the vector lambda against its plain
reference and every layout on any machine; the rest compares with torch where it is installed."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import pytorchlite as pl

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZES = [1, 7, 15, 16, 17, 30, 31, 32, 33, 47, 100, 1000, 32767, 32768, 40001, 100000, 300001]


def _core_sources():
    out = []
    for d, _, files in os.walk(os.path.join(ROOT, "csrc", "core")):
        out += [os.path.join(d, f) for f in files if f.endswith(".c")]
    return sorted(out)


def test_c_program_every_layout_and_the_reference(tmp_path):
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    exe = str(tmp_path / "test_aten_layout")
    cmd = [cc, "-std=c11", "-O2", "-ffp-contract=off", "-pthread", "-I", os.path.join(ROOT, "csrc"),
           os.path.join(ROOT, "tests", "c", "test_aten_layout.c"), *_core_sources(), "-lm", "-ldl", "-o", exe]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    proc = subprocess.run([exe], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "sweep: " in proc.stdout and " 0 mismatches" in proc.stdout and "all ok" in proc.stdout


SPECIAL = {
    np.float32: [np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 88.7, -88.7, 103.9, -103.9, 104.0,
                 -104.0, 1e10, -1e10, 1e-40, -1e-40],
    np.float64: [np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 709.78, -709.78, 709.7827128933841,
                 -709.7827128933841, 745.2, -745.2, 1000.5, -1000.5, 1e-310, -1e300],
}
DTYPES = [np.float32, np.float64]


def _inputs(n, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    scale = 8 if dtype == np.float32 else np.where(rng.random(n) < 0.1, 300.0, 8.0)
    x = (rng.standard_normal(n) * scale).astype(dtype)
    special = np.array(SPECIAL[dtype], dtype)
    x[: min(n, 16)] = special[: min(n, 16)]
    if n > 40:
        x[-16:] = special
    return x


def _bits(a):
    a = np.ascontiguousarray(a)
    return a.view(np.uint32 if a.dtype == np.float32 else np.uint64)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_bitwise_with_torch(dtype):
    torch = pytest.importorskip("torch")
    for n in SIZES:
        x = _inputs(n, n, dtype)
        want = _bits(torch.tensor(x).sigmoid().numpy())
        np.testing.assert_array_equal(_bits(pl.tensor(x).sigmoid().numpy()), want, err_msg=str(n))
        np.testing.assert_array_equal(_bits(pl.sigmoid(pl.tensor(x)).numpy()), want)
        np.testing.assert_array_equal(_bits(pl.nn.functional.sigmoid(pl.tensor(x)).numpy()), want)
        t = pl.tensor(x)
        t.sigmoid_()
        np.testing.assert_array_equal(_bits(t.numpy()), want)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_shapes_views_and_gradient_bitwise_with_torch(dtype):
    torch = pytest.importorskip("torch")
    x = _inputs(6 * 37, 3, dtype).reshape(6, 37)
    for f in (lambda m, t: t.sigmoid(), lambda m, t: t.t().sigmoid(),
              lambda m, t: t[:, ::2].sigmoid(), lambda m, t: m.nn.Sigmoid()(t[1:])):
        np.testing.assert_array_equal(_bits(f(pl, pl.tensor(x)).numpy()),
                                      _bits(f(torch, torch.tensor(x)).numpy()))

    def grad(m):
        t = m.tensor(np.nan_to_num(x, nan=0.5, posinf=3.0, neginf=-3.0), requires_grad=True)
        (t.sigmoid() ** 2).sum().backward()
        return t.grad.numpy()

    np.testing.assert_array_equal(_bits(grad(pl)), _bits(grad(torch)))


def _silu_and_grad(m, x, g):
    t = m.tensor(x, requires_grad=True)
    y = m.nn.functional.silu(t)
    y.backward(m.tensor(g))
    return y.detach().numpy(), t.grad.numpy()


def _same_bits_or_both_nan(got, want, msg):
    # the sign of a NaN that comes out of a NaN input follows the compiled code's operand
    # order, which differs between torch's kernel builds: a NaN only has to be a NaN
    nan = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(got), nan, err_msg=msg)
    np.testing.assert_array_equal(_bits(got)[~nan], _bits(want)[~nan], err_msg=msg)


@pytest.mark.parametrize("dtype", DTYPES)
def test_silu_and_its_gradient_bitwise_with_torch(dtype):
    torch = pytest.importorskip("torch")
    for n in SIZES:
        x = _inputs(n, n + 1, dtype)
        g = np.random.default_rng(n).standard_normal(n).astype(dtype)
        y, dx = _silu_and_grad(pl, x, g)
        ty, tdx = _silu_and_grad(torch, x, g)
        _same_bits_or_both_nan(y, ty, f"silu n={n}")
        _same_bits_or_both_nan(dx, tdx, f"silu grad n={n}")
        np.testing.assert_array_equal(_bits(pl.nn.SiLU()(pl.tensor(x)).numpy()), _bits(ty))
        t = pl.tensor(x)
        pl.nn.functional.silu(t, inplace=True)
        np.testing.assert_array_equal(_bits(t.numpy()), _bits(ty))


def test_silu_on_views_and_under_create_graph_as_torch():
    torch = pytest.importorskip("torch")
    x = _inputs(5 * 41, 4).reshape(5, 41)
    for f in (lambda m, t: m.nn.functional.silu(t.t()), lambda m, t: m.nn.functional.silu(t[:, ::3])):
        np.testing.assert_array_equal(_bits(f(pl, pl.tensor(x)).numpy()),
                                      _bits(f(torch, torch.tensor(x)).numpy()))

    def second(m):  # the recorded formula under create_graph: values as torch's within rounding
        t = m.tensor(np.nan_to_num(x, nan=0.5, posinf=3.0, neginf=-3.0)[:, :9], requires_grad=True)
        (d,) = m.autograd.grad(m.nn.functional.silu(t).sum(), t, create_graph=True)
        (dd,) = m.autograd.grad(d.sum(), t)
        return d.detach().numpy(), dd.numpy()

    for got, want in zip(second(pl), second(torch)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


_SCRIPT = r"""
import sys
import numpy as np
import {mod} as m
rng = np.random.default_rng(7)
for dtype in (np.float32, np.float64):
    for n in (8, 16, 31, 32, 33, 64, 100, 40001):
        x = (rng.standard_normal(n) * 8).astype(dtype)
        sys.stdout.write(m.tensor(x).sigmoid().numpy().tobytes().hex() + "\n")
        t = m.tensor(x, requires_grad=True)
        y = m.nn.functional.silu(t)
        y.backward(m.tensor(x[::-1].copy()))
        sys.stdout.write(y.detach().numpy().tobytes().hex() + t.grad.numpy().tobytes().hex() + "\n")
"""


def _run(mod, capability):
    env = dict(os.environ, ATEN_CPU_CAPABILITY=capability, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, "-c", _SCRIPT.format(mod=mod)], capture_output=True,
                          text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("capability", ["default", "avx2", "avx512"])
def test_forced_capability_matches_torch_forced_alike(capability):
    torch = pytest.importorskip("torch")
    order = ["DEFAULT", "AVX2", "AVX512"]
    if order.index(capability.upper()) > order.index(torch.backends.cpu.get_cpu_capability()):
        pytest.skip(f"this CPU does not run torch's {capability} kernels")
    assert _run("pytorchlite", capability) == _run("torch", capability)


def test_forced_default_puts_every_element_through_libm():
    # under "default" no element goes through SLEEF: the result is 1 / (1 + expf(-x)) with the
    # C library's expf (NumPy's own float32 exp rounds differently, so it is called directly)
    code = ("import ctypes, numpy as np, pytorchlite as m\n"
            "expf = ctypes.CDLL(None).expf\n"
            "expf.restype, expf.argtypes = ctypes.c_float, [ctypes.c_float]\n"
            "x = np.linspace(-20, 20, 97, dtype=np.float32)\n"
            "e = np.array([expf(float(-v)) for v in x], np.float32)\n"
            "y = m.tensor(x).sigmoid().numpy()\n"
            "print((y == np.float32(1) / (np.float32(1) + e)).all())\n")
    env = dict(os.environ, ATEN_CPU_CAPABILITY="default", PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=300)
    assert out.stdout.strip() == "True", out.stderr
