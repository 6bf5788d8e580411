"""The eight-lane (AVX2 + FMA) forms of SLEEF's float functions (csrc/core/ops/sleef_x86.h,
sleef_gamma.c, sleef_exp.c) give the bits of their plain one-lane forms: a C program sweeps
float32 bit patterns through both for sinh, cosh, atanh, exp2, gelu (tanh form) and its
backward, and lgamma (and four-lane double sinh, cosh and gelu); mish, whose eight-lane form has no switch, is swept against torch."""
import os
import shutil
import subprocess

import numpy as np
import pytest

import pytorchlite as pl

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _core_sources():
    out = []
    for d, _, files in os.walk(os.path.join(ROOT, "csrc", "core")):
        out += [os.path.join(d, f) for f in files if f.endswith(".c")]
    return sorted(out)


def test_c_program_lanes_against_the_plain_forms(tmp_path):
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    exe = str(tmp_path / "test_sleef_lanes")
    cmd = [cc, "-std=c11", "-O2", "-ffp-contract=off", "-pthread", "-I", os.path.join(ROOT, "csrc"),
           os.path.join(ROOT, "tests", "c", "test_sleef_lanes.c"), *_core_sources(), "-lm", "-ldl",
           "-o", exe]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    proc = subprocess.run([exe], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count(" 0 mismatches") == 8 and "all ok" in proc.stdout


def test_mish_every_509th_bit_pattern_against_torch():
    torch = pytest.importorskip("torch")
    x = (np.arange(0, 1 << 32, 509, dtype=np.uint64) + 3).astype(np.uint32).view(np.float32)
    x = x[np.isfinite(x)]  # (NaN lanes take the plain form, whose NaN bits are not the point)
    g = np.cos(x).astype(np.float32)
    a, b = torch.tensor(x, requires_grad=True), pl.tensor(x, requires_grad=True)
    ya, yb = torch.nn.functional.mish(a), pl.nn.functional.mish(b)
    ya.backward(torch.tensor(g))
    yb.backward(pl.tensor(g))
    assert ya.detach().numpy().tobytes() == yb.detach().numpy().tobytes()
    assert a.grad.numpy().tobytes() == b.grad.numpy().tobytes()
