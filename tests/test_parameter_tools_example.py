"""examples/parameter_tools.py (the built-in guide tools end to end) runs and writes its plot."""
import os
import subprocess
import sys

import pytest

from conftest import child_env

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "parameter_tools.py")


def test_example_prints_the_tools_and_writes_the_plot(tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "monitor.png"
    result = subprocess.run([sys.executable, EXAMPLE, str(png)], capture_output=True,
                            text=True, env=child_env(), timeout=300)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert "Total params: 17" in out
    assert "{'total': 17, 'trainable': 5, 'non_trainable': 12}" in out[out.index(
        "{'total': 17, 'trainable': 17, 'non_trainable': 0}") + 1]
    assert "epoch 2: unfroze ['fc1.weight', 'fc1.bias']" in out
    assert out[-1] == f"plot written to {png}"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
