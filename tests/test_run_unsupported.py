"""``python -m pytorchlite run script.py``: what pytorchlite lacks ends the run with one line
naming it and exit code 1; other errors keep Python's own traceback, without the runner's frames."""
import subprocess
import sys
import textwrap

import pytest

from conftest import child_env

UNSUPPORTED = {
    "attribute_of_torch": ("import torch\nprint('before')\ntorch.fft.fft(torch.ones(4))\n",
                           "torch.fft", "before\n"),
    "import_submodule": ("import torch.fft\n", "torch.fft", ""),
    "from_import": ("from torch.nn import LazyConv2d\n", "torch.nn.LazyConv2d", ""),
    "layer_attribute": ("import torch.nn as nn\nnn.LazyConv2d(1, 3)\n", "torch.nn.LazyConv2d", ""),
    "tensor_method": ("import torch\ntorch.ones(3).stft(4)\n", "torch.Tensor.stft", ""),
    "inside_a_function": ("import torch\ndef f():\n    return torch.signal.windows.hann(4)\nf()\n",
                          "torch.signal", ""),
}


def run(tmp_path, source, *args):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    return subprocess.run([sys.executable, "-m", "pytorchlite", "run", str(script), *args],
                          capture_output=True, text=True, env=child_env(), timeout=120,
                          cwd=tmp_path)


@pytest.mark.parametrize("case", sorted(UNSUPPORTED))
def test_unsupported_feature_ends_with_one_line(case, tmp_path):
    source, name, stdout = UNSUPPORTED[case]
    result = run(tmp_path, source)
    assert result.returncode == 1
    assert result.stderr == f"pytorchlite does not support {name} yet\n"
    assert result.stdout == stdout


def test_a_script_can_catch_what_is_missing(tmp_path):
    result = run(tmp_path, """
        import torch
        try:
            import torch.fft
        except ImportError as e:
            print("caught:", e)
        print(hasattr(torch, "fft"))
    """)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "caught: No module named 'torch.fft'\nFalse\n"


def test_other_errors_keep_pythons_traceback_without_the_runner(tmp_path):
    result = run(tmp_path, """
        import torch
        class A:
            pass
        def f():
            return A().nope
        f()
    """)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert "script.py" in lines[1]
    assert lines[-1] == "AttributeError: 'A' object has no attribute 'nope'"
    assert "runpy" not in result.stderr and "_run.py" not in result.stderr
    assert "does not support" not in result.stderr


def test_an_error_pytorch_also_raises_is_reported_as_is(tmp_path):
    result = run(tmp_path, "import torch\ntorch.ones(2) + torch.ones(3)\n")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith("RuntimeError: The size of tensor a (2)")


def test_exit_codes_and_arguments_pass_through(tmp_path):
    result = run(tmp_path, "import sys\nprint(sys.argv[1:])\nsys.exit(3)\n", "a", "--b")
    assert (result.returncode, result.stdout) == (3, "['a', '--b']\n")
    result = subprocess.run([sys.executable, "-m", "pytorchlite", "run", "missing.py"],
                            capture_output=True, text=True, env=child_env(), cwd=tmp_path,
                            timeout=120)
    assert result.returncode == 2 and "can't open file" in result.stderr
