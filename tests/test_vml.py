"""The optional MKL route (pytorchlite[mkl], csrc/core/vml.h): with Intel's mkl wheel
installed, exp, log, sin, tanh, erf ... of float32/float64 tensors are PyTorch's bits (PyTorch's
CPU build computes them with MKL's VML); PYTORCHLITE_MKL=0 keeps the libm path; a library that
cannot be used leaves the route off without harm."""
import os
import subprocess
import sys

import numpy as np
import pytest

import pytorchlite as torch
from pytorchlite import _C, _vml

from conftest import child_env

needs_mkl = pytest.mark.skipif(_vml.find_library() is None or os.environ.get("PYTORCHLITE_MKL") == "0",
                               reason="the mkl wheel is not installed (pip install pytorchlite[mkl])")

# the rows PyTorch hands to VML (ATen's cpu/vml.h), with an input domain each
VML_OPS = {
    "exp": (-110.0, 110.0), "log": (0.0, 1e30), "log2": (0.0, 1e30), "log10": (0.0, 1e30),
    "sin": (-100.0, 100.0), "cos": (-100.0, 100.0), "tan": (-100.0, 100.0),
    "tanh": (-12.0, 12.0), "asin": (-1.0, 1.0), "acos": (-1.0, 1.0), "atan": (-50.0, 50.0),
    "erf": (-6.0, 6.0), "erfc": (-6.0, 30.0), "sqrt": (0.0, 1e30),
}


def real_torch():
    return pytest.importorskip("torch")


def bits(a):
    a = np.ascontiguousarray(a)
    return a.view(np.uint32 if a.dtype == np.float32 else np.uint64)


def assert_bitwise(ours, theirs, what):
    a, b = bits(ours), bits(theirs)
    bad = np.flatnonzero(a.reshape(-1) != b.reshape(-1))
    assert bad.size == 0, (f"{what}: {bad.size} of {a.size} differ, first at input index {bad[0]}: "
                           f"{ours.reshape(-1)[bad[0]]!r} vs {theirs.reshape(-1)[bad[0]]!r}")


def float32_sweep():
    """Every 1024th float32 bit pattern (all signs and exponents, subnormals, inf, nan) plus
    the edge values themselves: 4.2 million inputs."""
    pats = np.arange(0, 2 ** 32, 1024, dtype=np.uint64).astype(np.uint32)
    pats = pats + (np.arange(pats.size, dtype=np.uint32) % 1021)  # vary the low mantissa bits
    edges = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1.0, -1.0, 0.5, 2.0,
                      np.finfo(np.float32).tiny, np.finfo(np.float32).max, 1e-45, -1e-45,
                      88.72283, 88.72284, -103.97, -87.33655, 1e-30, 3.1415927], np.float32)
    return np.concatenate([pats.view(np.float32), edges])


def float64_sample(n=1 << 20):
    rng = np.random.default_rng(14)
    pats = rng.integers(0, 2 ** 64, n, dtype=np.uint64, endpoint=False)
    edges = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 5e-324, -5e-324,
                      np.finfo(np.float64).tiny, np.finfo(np.float64).max, 709.78, 709.79,
                      -745.1, 1e-300], np.float64)
    return np.concatenate([pats.view(np.float64), edges])


def in_domain(x, op, rng):
    """The same number of values spread over op's domain (log: positive, negative and 0)."""
    lo, hi = VML_OPS[op]
    u = rng.uniform(lo, hi, x.size)
    if op in ("log", "log2", "log10", "sqrt"):
        u = np.exp(rng.uniform(-700 if x.dtype == np.float64 else -100, 69, x.size))
    return u.astype(x.dtype)


@needs_mkl
def test_route_is_on_with_pytorchs_mkl():
    assert torch.backends.mkl.vml_enabled()
    assert torch.backends.mkl.vml_version().startswith(
        "Intel(R) oneAPI Math Kernel Library Version 2024.2")
    assert torch.backends.mkl.vml_error() is None
    assert torch.backends.mkl.is_available() is True


@needs_mkl
@pytest.mark.parametrize("op", sorted(VML_OPS))
def test_float32_sweep_bitwise(op):
    pt = real_torch()
    x = float32_sweep()
    rng = np.random.default_rng(len(op))
    for xs in (x, in_domain(x[: 1 << 20], op, rng), -np.abs(x[:: 7])):
        ours = getattr(torch, op)(torch.from_numpy(xs)).numpy()
        theirs = getattr(pt, op)(pt.from_numpy(xs)).numpy()
        assert_bitwise(ours, theirs, f"float32 {op}")


@needs_mkl
@pytest.mark.parametrize("op", sorted(VML_OPS))
def test_float64_bitwise(op):
    pt = real_torch()
    x = float64_sample()
    rng = np.random.default_rng(len(op) + 100)
    for xs in (x, in_domain(x, op, rng)):
        ours = getattr(torch, op)(torch.from_numpy(xs)).numpy()
        theirs = getattr(pt, op)(pt.from_numpy(xs)).numpy()
        assert_bitwise(ours, theirs, f"float64 {op}")


@needs_mkl
@pytest.mark.parametrize("n", [1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 255, 2047, 2048, 2049, 4097, 100003])
def test_every_length_and_thread_split(n):
    pt = real_torch()
    rng = np.random.default_rng(n)
    x = (rng.standard_normal(n) * 3).astype(np.float32)
    for threads in (1, 2):
        torch.set_num_threads(threads)
        pt.set_num_threads(threads)
        try:
            for op in ("exp", "tanh", "sin"):
                assert_bitwise(getattr(torch, op)(torch.from_numpy(x)).numpy(),
                               getattr(pt, op)(pt.from_numpy(x)).numpy(), f"{op} n={n}")
        finally:
            torch.set_num_threads(os.cpu_count() or 1)
            pt.set_num_threads(os.cpu_count() or 1)


@needs_mkl
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_strided_inplace_and_methods(dtype):
    pt = real_torch()
    rng = np.random.default_rng(3)
    base = (rng.standard_normal((64, 48)) * 2).astype(dtype)
    a, b = torch.from_numpy(base.copy()), pt.from_numpy(base.copy())
    for op in ("exp", "log", "cos", "atan", "erfc", "erf"):
        assert_bitwise(getattr(a.t(), op)().numpy(), getattr(b.t(), op)().numpy(), f"{op} of .t()")
        assert_bitwise(getattr(a[::3, 1::2], op)().numpy(), getattr(b[::3, 1::2], op)().numpy(),
                       f"{op} of a slice")
    a2, b2 = torch.from_numpy(base.copy()), pt.from_numpy(base.copy())
    a2.exp_()
    b2.exp_()
    assert_bitwise(a2.numpy(), b2.numpy(), "exp_")
    a3, b3 = torch.from_numpy(base.copy()), pt.from_numpy(base.copy())
    a3[:, ::2].tanh_()
    b3[:, ::2].tanh_()
    assert_bitwise(a3.numpy(), b3.numpy(), "tanh_ of a strided view")
    e = torch.from_numpy(np.zeros((0, 3), dtype))
    assert e.exp().shape == (0, 3)
    s = torch.from_numpy(np.array(0.75, dtype))
    assert_bitwise(s.sin().numpy(), pt.from_numpy(np.array(0.75, dtype)).sin().numpy(), "0-dim sin")


@needs_mkl
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_integer_input_is_cast_then_computed_by_vml(dtype):
    pt = real_torch()
    x = np.arange(-300, 300).astype(dtype) if dtype != "bool" else np.arange(600) % 3 == 0
    for op in sorted(VML_OPS):
        ours = getattr(torch.from_numpy(x), op)().numpy()
        theirs = getattr(pt.from_numpy(x), op)().numpy()
        assert ours.dtype == theirs.dtype
        assert_bitwise(ours, theirs, f"{op} of {dtype}")
    t64 = torch.from_numpy(x)[::2].double() if dtype != "bool" else torch.from_numpy(x).double()
    p64 = pt.from_numpy(x)[::2].double() if dtype != "bool" else pt.from_numpy(x).double()
    assert_bitwise(t64.log10().numpy(), p64.log10().numpy(), "log10 of a cast")


@needs_mkl
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", ["sin", "cos", "erf", "erfc", "exp", "tan", "log", "sqrt"])
def test_gradients_bitwise(op, dtype):
    """Backwards that call these functions (sin <-> cos, erf/erfc -> exp) give PyTorch's bits."""
    pt = real_torch()
    rng = np.random.default_rng(9)
    x = (rng.standard_normal(5000) * 2).astype(dtype)
    if op in ("log", "sqrt"):
        x = np.abs(x) + 0.01
    g = rng.standard_normal(5000).astype(dtype)
    a = torch.from_numpy(x.copy()).requires_grad_()
    b = pt.from_numpy(x.copy()).requires_grad_()
    getattr(a, op)().backward(torch.from_numpy(g))
    getattr(b, op)().backward(pt.from_numpy(g))
    assert_bitwise(a.grad.numpy(), b.grad.numpy(), f"d {op}")


@needs_mkl
def test_issue_example_prints_as_torch():
    pt = real_torch()
    torch.manual_seed(9)
    pt.manual_seed(9)
    a = torch.randn(3, 4, requires_grad=True)
    b = pt.randn(3, 4, requires_grad=True)
    a.exp().mean(dim=0).sum().backward()
    b.exp().mean(dim=0).sum().backward()
    assert str(a.grad) == str(b.grad)
    assert_bitwise(a.grad.numpy(), b.grad.numpy(), "grad of exp().mean(0)")


def test_off_switch_gives_the_libm_route():
    x = np.linspace(-20, 20, 4001, dtype=np.float32)
    code = ("import sys, numpy as np, pytorchlite as t\n"
            "x = np.linspace(-20, 20, 4001, dtype=np.float32)\n"
            "sys.stdout.write(repr((t.backends.mkl.vml_enabled(), t.backends.mkl.vml_error())) + '\\n')\n"
            "sys.stdout.write(t.from_numpy(x).exp().numpy().tobytes().hex())\n")
    out = subprocess.run([sys.executable, "-c", code], env=child_env(PYTORCHLITE_MKL="0"),
                         capture_output=True, text=True, timeout=120, check=True).stdout
    state, hexbits = out.split("\n", 1)
    assert state == "(False, None)"
    was_on = _vml.enabled()
    _vml.unload()
    try:
        assert not torch.backends.mkl.vml_enabled()
        libm = torch.from_numpy(x).exp().numpy()
    finally:
        if was_on:
            assert _vml.load()
    assert bytes.fromhex(hexbits) == libm.tobytes()
    # libm's expf rounds correctly here, VML's high-accuracy exp within 1 ulp
    ref = np.exp(x.astype(np.float64))
    assert np.all(np.abs(libm.astype(np.float64) - ref) <= np.spacing(libm) * 1.0)


def test_failure_paths_leave_the_route_off(tmp_path):
    was_on = _vml.enabled()
    try:
        assert _C._vml_load(str(tmp_path / "no_such_libmkl_rt.so.2")) is False
        assert not _vml.enabled() and _vml.version() is None
        assert "cannot open" in _vml.error() and "no_such_libmkl_rt" in _vml.error()
        junk = tmp_path / "libmkl_rt.so.2"
        junk.write_bytes(b"not an ELF file")
        assert _C._vml_load(str(junk)) is False
        assert "cannot open" in _vml.error()
        libm = next((p for p in ("/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6",
                                 "/lib64/libm.so.6", "/usr/lib64/libm.so.6") if os.path.exists(p)), None)
        if libm:
            assert _C._vml_load(libm) is False
            assert "is not MKL's runtime library" in _vml.error()
        assert _C._vml_load("") is False
        _C._vml_defer(str(tmp_path / "deferred_libmkl_rt.so.2"))
        assert not _vml.enabled()  # opened (and refused) here
        assert "deferred_libmkl_rt" in _vml.error()
        _C._vml_defer("")
        assert _vml.version() is None and _vml.error() == "no library path given"
        with pytest.raises(TypeError):
            _C._vml_load(3)
        x = torch.tensor([0.5, 1.0, 2.0])
        assert torch.allclose(x.exp(), torch.tensor([1.6487212, 2.7182817, 7.389056]))
        _C._vml_unload()
        _C._vml_unload()  # twice is harmless
    finally:
        if was_on:
            assert _vml.load() and _vml.error() is None


@needs_mkl
def test_unload_and_reload_in_a_child_exits_cleanly():
    code = ("import pytorchlite as t, pytorchlite._vml as v\n"
            "assert v.enabled()\n"
            "v.unload(); assert not v.enabled(); t.randn(10).exp()\n"
            "assert v.load(); y = t.randn(100000).exp(); v.unload(); assert v.load()\n"
            "print('ok')\n")
    r = subprocess.run([sys.executable, "-c", code], env=child_env(), capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


@needs_mkl
@pytest.mark.parametrize("first", ["torch", "pytorchlite"])
def test_torch_imported_before_the_first_vml_call_keeps_its_threads(first):
    """MKL is opened at the first function that needs it: its layers join the global symbols
    then, and a torch imported before that keeps its own MKL (README, Known differences)."""
    pt = real_torch()
    second = "pytorchlite" if first == "torch" else "torch"
    code = (f"import {first}, {second}, sys\n"
            "import pytorchlite as t\n"
            "sys.stdout.write(str(any('libmkl_rt' in l for l in open('/proc/self/maps'))) + ' ')\n"
            "t.randn(4).exp(); assert t.backends.mkl.vml_enabled()\n"
            "print(torch.get_num_threads())")
    r = subprocess.run([sys.executable, "-c", code], env=child_env(), capture_output=True,
                       text=True, timeout=180, check=True)
    opened_at_import, threads = r.stdout.split()
    assert opened_at_import == "False"
    assert int(threads) == pt.get_num_threads()


@needs_mkl
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_logsumexp_and_its_gradient_bitwise(dtype):
    """logsumexp composes exp and log as PyTorch's does, so both VML calls line up."""
    pt = real_torch()
    x = (np.random.default_rng(5).standard_normal((37, 129)) * 4).astype(dtype)
    a = torch.from_numpy(x.copy()).requires_grad_()
    b = pt.from_numpy(x.copy()).requires_grad_()
    ra, rb = a.logsumexp(1), b.logsumexp(1)
    assert_bitwise(ra.detach().numpy(), rb.detach().numpy(), "logsumexp")
    ra.sum().backward()
    rb.sum().backward()
    assert_bitwise(a.grad.numpy(), b.grad.numpy(), "d logsumexp")


@needs_mkl
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sqrt_is_vmls_but_norms_stays_ieee(dtype):
    """VML's sqrt is not the correctly rounded one: torch.sqrt and pow(x, 0.5) follow it, the
    sqrt inside PyTorch's norm kernel (std::sqrt) does not."""
    pt = real_torch()
    x = np.exp(np.random.default_rng(2).uniform(-30, 30, 100000)).astype(dtype)
    ours, theirs = torch.from_numpy(x), pt.from_numpy(x)
    assert np.any(theirs.sqrt().numpy() != np.sqrt(x))  # the premise: VML rounds differently
    assert_bitwise(ours.sqrt().numpy(), theirs.sqrt().numpy(), "sqrt")
    assert_bitwise((ours ** 0.5).numpy(), (theirs ** 0.5).numpy(), "x ** 0.5")
    assert_bitwise(ours.pow(0.5).numpy(), theirs.pow(0.5).numpy(), "pow(x, 0.5)")
    m = torch.from_numpy(x[:4096].reshape(64, 64))
    with_vml = m.norm(dim=1).numpy()
    was_on = _vml.enabled()
    _vml.unload()
    try:
        assert_bitwise(with_vml, m.norm(dim=1).numpy(), "norm, VML route on and off")
    finally:
        if was_on:
            assert _vml.load()


def test_backends_mkl_answers_as_torch():
    assert torch.backends.mkl.is_available() is True
    assert (torch.backends.mkl.VERBOSE_OFF, torch.backends.mkl.VERBOSE_ON) == (0, 1)
    with torch.backends.mkl.verbose(torch.backends.mkl.VERBOSE_ON):
        pass
    assert "mkl" in torch.backends.__all__
    try:
        import torch as pt
    except ImportError:
        return
    assert torch.backends.mkl.is_available() == pt.backends.mkl.is_available()
    assert (torch.backends.mkl.VERBOSE_OFF, torch.backends.mkl.VERBOSE_ON) == (
        pt.backends.mkl.VERBOSE_OFF, pt.backends.mkl.VERBOSE_ON)
