"""The examples in the docstrings of the torch-level functions and the DLPack bridge run as
doctests under pytorchlite and, when PyTorch is installed, under PyTorch: each prints what
both print. Every documented factory has a docstring with an example."""
import doctest

import numpy as np
import pytest

import pytorchlite
from pytorchlite import _torch_docs
from pytorchlite.utils import dlpack

NAMES = sorted(set(_torch_docs._DOCS) | set(_torch_docs._PY_DOCS))


def run_examples(doc, torch_module, name):
    parser = doctest.DocTestParser()
    test = parser.get_doctest(doc, {"torch": torch_module, "np": np}, name, None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    out = []
    runner.run(test, out=out.append)
    return runner.summarize(verbose=False), "".join(out)


@pytest.mark.parametrize("name", NAMES)
def test_examples_run_under_pytorchlite(name):
    doc = getattr(pytorchlite, name).__doc__
    assert doc and ">>>" in doc, name
    (failed, attempted), report = run_examples(doc, pytorchlite, name)
    assert attempted and not failed, report


@pytest.mark.parametrize("name", NAMES)
def test_examples_print_what_torch_prints(name):
    torch = pytest.importorskip("torch")
    (failed, attempted), report = run_examples(getattr(pytorchlite, name).__doc__, torch, name)
    assert attempted and not failed, report


def test_dlpack_examples():
    for fn in (dlpack.to_dlpack, dlpack.from_dlpack):
        (failed, attempted), report = run_examples(fn.__doc__, pytorchlite, fn.__name__)
        assert attempted and not failed, report


def test_add_docstr_refuses_a_second_docstring():
    with pytest.raises(RuntimeError, match="already has a docstring"):
        pytorchlite._C._add_docstr(pytorchlite._C.zeros, "again")
    with pytest.raises(TypeError):
        pytorchlite._C._add_docstr(len, 3)


@pytest.mark.parametrize("name", ["count_parameters", "freeze", "unfreeze", "ParameterMonitor"])
def test_utils_examples(name):
    import pytorchlite.nn as nn
    from pytorchlite import utils

    parser = doctest.DocTestParser()
    globs = {"torch": pytorchlite, "nn": nn, **{n: getattr(utils, n) for n in utils.__all__}}
    test = parser.get_doctest(getattr(utils, name).__doc__, globs, name, None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    out = []
    runner.run(test, out=out.append)
    failed, attempted = runner.summarize(verbose=False)
    assert attempted and not failed, "".join(out)
