"""Optimizer steps whose rule takes a square root: PyTorch's single-tensor CPU path calls
tensor.sqrt(), which its build computes with MKL's VML; with the [mkl] route on, the fused
kernels take their roots from VML too (Adam in csrc/core/optim.c, ADAM_MOMENTS /
ADAM_FROM_ROOTS; the others through the group driver's phases, csrc/core/optim_group.h), so
the steps are PyTorch's bits. Without the route they use the C library's sqrt (correctly
rounded), one ulp from VML's on some elements; then only the values are compared."""
import os

import numpy as np
import pytest

import pytorchlite as pl
from pytorchlite import _vml

torch = pytest.importorskip("torch")

CONFIGS = [("Adam", {}), ("Adam", {"amsgrad": True, "weight_decay": 0.1}),
           ("Adam", {"maximize": True, "betas": (0.5, 0.9)}), ("AdamW", {}),
           ("AdamW", {"amsgrad": True}), ("RMSprop", {}), ("RMSprop", {"weight_decay": 0.1}),
           ("RMSprop", {"centered": True, "momentum": 0.9}), ("Adagrad", {}),
           ("Adagrad", {"weight_decay": 0.1, "maximize": True}), ("Adadelta", {}),
           ("Adadelta", {"weight_decay": 0.1}), ("NAdam", {}),
           ("NAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True}), ("RAdam", {}),
           ("RAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True})]


def _run(m, kind, kw, dt, n=5000, steps=15):
    rng = np.random.default_rng(0)
    p = m.nn.Parameter(m.from_numpy(rng.standard_normal(n).astype(dt)))
    opt = getattr(m.optim, kind)([p], lr=1e-2, **kw)
    grads = np.random.default_rng(1)
    for _ in range(steps):
        p.grad = m.from_numpy(grads.standard_normal(n).astype(dt))
        opt.step()
    return p.detach().numpy().copy()


@pytest.mark.parametrize("dt", ["float32", "float64"])
@pytest.mark.parametrize("kind,kw", CONFIGS, ids=lambda c: str(c))
def test_roots_as_torch(kind, kw, dt):
    ours, theirs = _run(pl, kind, kw, dt), _run(torch, kind, kw, dt)
    if pl.backends.mkl.vml_enabled():
        assert ours.tobytes() == theirs.tobytes()
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["Adam", "RMSprop", "Adadelta", "RAdam"])
def test_large_parameters_split_over_threads(kind):
    # beyond the group driver's parallel threshold the passes run in chunks on the pool
    ours, theirs = _run(pl, kind, {}, "float32", n=300_001, steps=7), \
        _run(torch, kind, {}, "float32", n=300_001, steps=7)
    if pl.backends.mkl.vml_enabled():
        assert ours.tobytes() == theirs.tobytes()
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_the_vml_roots_are_what_tells_the_two_paths_apart():
    # on these steps the C library's roots give other bits (so the test above can fail)
    if _vml.find_library() is None or os.environ.get("PYTORCHLITE_MKL") == "0":
        pytest.skip("the mkl wheel is not installed")
    assert pl.backends.mkl.vml_enabled()
    x = np.random.default_rng(2).random(5000).astype(np.float32) * 10
    assert torch.from_numpy(x).sqrt().numpy().tobytes() != np.sqrt(x).tobytes()
