"""The guide's five flows (examples/guide_*.py, plain PyTorch code) print the same under real
PyTorch and under pytorchlite (`python -m pytorchlite run`). Skipped without torch."""
import glob
import os
import subprocess
import sys

import pytest
from conftest import child_env

pytest.importorskip("torch")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = sorted(glob.glob(os.path.join(ROOT, "examples", "guide_*.py")))


def _run(args):
    env = child_env(PYTHONWARNINGS="ignore")
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env,
                          cwd=os.path.dirname(EXAMPLES[0]), timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_there_are_five_guide_examples():
    assert len(EXAMPLES) == 5


@pytest.mark.parametrize("path", EXAMPLES, ids=[os.path.basename(p) for p in EXAMPLES])
def test_guide_example_prints_what_pytorch_prints(path):
    want = _run([path])
    got = _run(["-m", "pytorchlite", "run", path])
    assert got == want
