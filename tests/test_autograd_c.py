"""Builds the core's autograd test program (tests/c/test_autograd.c) with the system C
compiler and runs it: the engine's calls into user code without Python."""
import glob
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_engine_callbacks_in_plain_c(tmp_path):
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    exe = str(tmp_path / "test_autograd")
    sources = sorted(glob.glob(os.path.join(ROOT, "csrc", "core", "**", "*.c"), recursive=True))
    cmd = [cc, "-std=c11", "-O1", "-ffp-contract=off", "-pthread", "-I", os.path.join(ROOT, "csrc"),
           os.path.join(ROOT, "tests", "c", "test_autograd.c"), *sources, "-lm", "-ldl", "-o", exe]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    proc = subprocess.run([exe], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "all ok" in proc.stdout
