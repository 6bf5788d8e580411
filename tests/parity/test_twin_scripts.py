"""Unmodified PyTorch scripts (tests/parity/scripts/) run twice: under real torch and under
pytorchlite via ``python -m pytorchlite run``. Standard output and exit status must be identical.
Skipped when torch is not installed."""
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("torch")

HERE = Path(__file__).resolve().parent
SCRIPTS = sorted((HERE / "scripts").glob("*.py"))
ROOT = HERE.parent.parent


def _run(args, cwd):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONHASHSEED"] = "0"
    proc = subprocess.run([sys.executable] + args, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def _pair(script, tmp):
    torch_run = _run([str(script)], tmp)
    lite_run = _run(["-m", "pytorchlite", "run", str(script)], tmp)
    return torch_run, lite_run


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """Runs every script under both libraries, two at a time."""
    tmp = tmp_path_factory.mktemp("twins")
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda s: _pair(s, tmp), SCRIPTS)
        return dict(zip((s.name for s in SCRIPTS), results))


def test_scripts_exist():
    assert len(SCRIPTS) >= 30


@pytest.mark.parametrize("name", [s.name for s in SCRIPTS])
def test_same_output(outputs, name):
    (t_rc, t_out, t_err), (l_rc, l_out, l_err) = outputs[name]
    assert t_rc == 0, f"the script fails under torch:\n{t_err[-2000:]}"
    assert l_out == t_out, f"pytorchlite stderr:\n{l_err[-2000:]}"
    assert l_rc == t_rc, f"pytorchlite stderr:\n{l_err[-2000:]}"
