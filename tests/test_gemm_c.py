"""Builds the core's GEMM test program (tests/c/test_gemm.c) with the system C compiler and
runs it: every kernel path against a double-precision reference, threads, and fork."""
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = ["csrc/core/gemm.c", "csrc/core/gemm_dot.c", "csrc/core/gemm_x86.c", "csrc/core/parallel.c",
           "csrc/core/error.c", "tests/c/test_gemm.c"]


@pytest.fixture(scope="module")
def test_binary(tmp_path_factory):
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    exe = str(tmp_path_factory.mktemp("gemm") / "test_gemm")
    cmd = [cc, "-std=c11", "-O2", "-ffp-contract=off", "-pthread", "-I", os.path.join(ROOT, "csrc")]
    cmd += [os.path.join(ROOT, s) for s in SOURCES] + ["-lm", "-o", exe]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return exe


def run(exe, *args, env=None):
    proc = subprocess.run([exe, *args], capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, **(env or {})))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc.stdout


def test_all_paths(test_binary):
    out = run(test_binary)
    assert "all ok" in out


@pytest.mark.parametrize("path", ["ref", "generic", "avx2", "avx512"])
def test_env_forces_path(test_binary, path):
    # the environment variable picks the path used before any explicit choice
    out = run(test_binary, "--print-path", env={"PYTORCHLITE_GEMM": path})
    supported = "unsupported" not in out.splitlines()[1]
    chosen = out.splitlines()[0]
    assert chosen == (path if supported else out.splitlines()[2])


def test_large_product(test_binary):
    out = run(test_binary, "--large-only", env={"PYTORCHLITE_NUM_THREADS": "2"})
    assert "all ok" in out
