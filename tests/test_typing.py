"""The type stubs (pytorchlite/_C.pyi, pytorchlite/_tensor.pyi, py.typed): mypy accepts a small
user script and reports an obvious type error in another; the stubs name every public method
the runtime Tensor has, and nothing it lacks."""
import ast
import os
import subprocess
import sys
import textwrap

import pytest

import pytorchlite as torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKG = os.path.join(ROOT, "pytorchlite")

GOOD = """
import pytorchlite as torch
import pytorchlite.nn as nn
import pytorchlite.optim as optim

torch.manual_seed(0)
x = torch.randn(8, 3)
w = torch.zeros(3, 2, requires_grad=True)
y = (x @ w + torch.ones(2)).relu() * 2.0 - 1
n: int = y.numel()
rows: int = y.size(0)
shape: torch.Size = y.size()
total: float = float(y.sum())
values, indices = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).max(dim=0)
parts: tuple[torch.Tensor, ...] = y.chunk(2)
ok: bool = y.allclose(y)
model = nn.Linear(3, 2)
opt = optim.SGD(model.parameters(), lr=0.1)
loss = (model(x) - y).pow(2).mean()
opt.zero_grad()
loss.backward()
opt.step()
grad: torch.Tensor | None = w.grad
print(n, rows, shape, total, values, indices, parts, ok, grad)
"""

BAD = """
import pytorchlite as torch

count: int = torch.zeros(3)
torch.ones(2).no_such_method()
torch.arange(3).sum(keepdim="yes")
"""


def test_mypy_accepts_user_code_and_reports_type_errors(tmp_path):
    pytest.importorskip("mypy")
    (tmp_path / "good.py").write_text(textwrap.dedent(GOOD))
    (tmp_path / "bad.py").write_text(textwrap.dedent(BAD))
    env = dict(os.environ, MYPYPATH=ROOT)
    # --follow-imports=silent: pytorchlite's own modules are read for their types, as an
    # installed package is, without reporting on their insides
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--follow-imports=silent", "--no-error-summary",
         "--cache-dir", str(tmp_path / "cache"), "good.py", "bad.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    lines = [l for l in result.stdout.splitlines() if ": error:" in l]
    assert not [l for l in lines if not l.startswith("bad.py")], result.stdout + result.stderr
    assert [l.split(":")[1] for l in lines] == ["4", "5", "6"], result.stdout
    assert 'expression has type "Tensor", variable has type "int"' in lines[0]
    assert '"Tensor" has no attribute "no_such_method"' in lines[1]
    assert '"keepdim"' in lines[2]
    # the good script also runs
    run = subprocess.run([sys.executable, str(tmp_path / "good.py")], cwd=ROOT,
                         env=dict(os.environ, PYTHONPATH=ROOT), capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr


def stub_members(path, cls):
    tree = ast.parse(open(path).read())
    [node] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls]
    names = set()
    for item in node.body:
        if isinstance(item, ast.FunctionDef):
            names.add(item.name)
        elif isinstance(item, ast.AnnAssign):
            names.add(item.target.id)
    return names


def stub_functions(path):
    return {n.name for n in ast.parse(open(path).read()).body if isinstance(n, ast.FunctionDef)}


def test_stubs_match_the_runtime():
    base = stub_members(os.path.join(PKG, "_C.pyi"), "TensorBase")
    sub = stub_members(os.path.join(PKG, "_tensor.pyi"), "Tensor")
    stubbed = base | sub
    runtime = {n for n in dir(torch.Tensor) if not n.startswith("_")}
    assert runtime - stubbed == set()  # every public method is typed
    assert {n for n in stubbed if not hasattr(torch.Tensor, n)} == set()  # and nothing it lacks
    from pytorchlite import _C

    functions = stub_functions(os.path.join(PKG, "_C.pyi")) - {"__getattr__"}
    assert {f for f in functions if not hasattr(_C, f)} == set()
    public = {n for n in dir(_C) if not n.startswith("_") and callable(getattr(_C, n))
              and not isinstance(getattr(_C, n), type)}
    assert public - functions == set()


def test_stubs_ship_with_the_package():
    assert os.path.exists(os.path.join(PKG, "py.typed"))
    text = open(os.path.join(ROOT, "pyproject.toml")).read()
    assert 'pytorchlite = ["py.typed", "*.pyi"]' in text
