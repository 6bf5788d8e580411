"""Layering and housekeeping rules from DESIGN.md that a test can check."""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _files(sub, exts):
    for d, _, files in os.walk(os.path.join(ROOT, sub)):
        for f in files:
            if f.endswith(exts):
                yield os.path.join(d, f)


def test_core_never_includes_python_or_numpy():
    bad = []
    for path in _files("csrc/core", (".c", ".h")):
        with open(path) as fh:
            for line in fh:
                if re.match(r'\s*#\s*include\s*[<"](Python|numpy/|structmember)', line):
                    bad.append(os.path.relpath(path, ROOT))
    assert not bad, f"csrc/core must stay plain C: {bad}"


def test_binding_reaches_the_core_through_its_public_header():
    for path in _files("csrc/python", (".c", ".h")):
        with open(path) as fh:
            for inc in re.findall(r'#\s*include\s*"([^"]+)"', fh.read()):
                assert not inc.startswith("../core/") or inc == "../core/pl.h", (path, inc)


def test_ci_runs_exactly_the_readme_test_command():
    with open(os.path.join(ROOT, ".ci", "run")) as fh:
        ci = [ln.strip() for ln in fh if ln.strip() and not ln.startswith("#")]
    with open(os.path.join(ROOT, "README.md")) as fh:
        readme = fh.read()
    # the README's test command is one of CI's commands (the other Pythons and the sanitizer
    # run follow it)
    readme_commands = [ln.strip() for ln in readme.splitlines() if ln.startswith("    pip install")]
    test_command = [c for c in readme_commands if "pytest" in c][0]
    assert test_command in ci


def test_no_source_file_is_past_the_size_budget():
    big = []
    for path in list(_files("csrc", (".c", ".h"))) + list(_files("pytorchlite", (".py",))):
        with open(path) as fh:
            n = sum(1 for _ in fh)
        if n > 850:
            big.append((os.path.relpath(path, ROOT), n))
    assert not big, f"files over the ~800-line budget: {big}"
