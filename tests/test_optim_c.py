"""Builds the core's optimizer test programs (tests/c/test_optim.c, tests/c/test_optim_extra.c)
with the system C compiler and runs them: the fused update rules without Python (exact
dyadic steps, version bumps, invalid groups left untouched, reference against FMA builds)."""
import glob
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def core_objects(tmp_path_factory):
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    out = tmp_path_factory.mktemp("optim_c")
    sources = sorted(glob.glob(os.path.join(ROOT, "csrc", "core", "**", "*.c"), recursive=True))
    objects = []
    for i, src in enumerate(sources):
        obj = str(out / f"{i}_{os.path.basename(src)}.o")
        subprocess.run([cc, "-std=c11", "-O1", "-ffp-contract=off", "-pthread", "-I",
                        os.path.join(ROOT, "csrc"), "-c", src, "-o", obj],
                       check=True, capture_output=True, text=True)
        objects.append(obj)
    return cc, out, objects


@pytest.mark.parametrize("name", ["test_optim", "test_optim_extra"])
def test_optimizer_rules_in_plain_c(core_objects, name):
    cc, out, objects = core_objects
    exe = str(out / name)
    subprocess.run([cc, "-std=c11", "-O1", "-ffp-contract=off", "-pthread", "-I",
                    os.path.join(ROOT, "csrc"), os.path.join(ROOT, "tests", "c", name + ".c"),
                    *objects, "-lm", "-ldl", "-o", exe], check=True, capture_output=True, text=True)
    proc = subprocess.run([exe], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{name}: ok" in proc.stdout
