"""Adafactor (torch 2.13's algorithm, state_dict layout) and SparseAdam (refuses dense
gradients as torch does): against torch and against the algorithm written out in NumPy."""
import numpy as np
import pytest

import pytorchlite as torch
import pytorchlite.nn as nn


def _torch():
    return pytest.importorskip("torch")


def _run(lib, steps, dtype, **kw):
    lib.manual_seed(0)
    w = lib.nn.Parameter(lib.tensor(np.random.default_rng(0).standard_normal((4, 3))
                                    .astype(dtype)))
    b = lib.nn.Parameter(lib.tensor(np.random.default_rng(1).standard_normal(3).astype(dtype)))
    t = lib.nn.Parameter(lib.tensor(np.random.default_rng(2).standard_normal((2, 3, 2))
                                    .astype(dtype)))
    opt = lib.optim.Adafactor([w, b, t], **kw)
    x = lib.tensor(np.random.default_rng(3).standard_normal((5, 4)).astype(dtype))
    for _ in range(steps):
        opt.zero_grad()
        loss = ((x @ w + b).sin().sum() + (t * t).sum() * 0.5)
        loss.backward()
        opt.step()
    return [p.detach().numpy().copy() for p in (w, b, t)], opt


@pytest.mark.parametrize("kw", [{}, {"lr": 0.1, "weight_decay": 0.05},
                                {"eps": (1e-4, 1e-2), "d": 2.0, "beta2_decay": -0.5},
                                {"maximize": True}])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_adafactor_against_torch(kw, dtype):
    th = _torch()
    ours, opt = _run(torch, 6, dtype, **kw)
    theirs, topt = _run(th, 6, dtype, **kw)
    tol = 1e-6 if dtype == "float32" else 1e-13
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["param_groups"] == tsd["param_groups"]
    for k in tsd["state"]:
        assert sorted(sd["state"][k]) == sorted(tsd["state"][k])
        for name, value in tsd["state"][k].items():
            np.testing.assert_allclose(sd["state"][k][name].numpy(), value.numpy(), rtol=1e-5)
    assert repr(opt) == repr(topt)


def test_adafactor_numpy_reference():
    # one vector parameter, two steps of the algorithm written out
    p0 = np.array([0.5, -1.0, 2.0])
    p = nn.Parameter(torch.tensor(p0))
    opt = torch.optim.Adafactor([p], lr=0.05)
    v = np.zeros(3)
    ref = p0.copy()
    eps1, eps2 = np.finfo(np.float64).eps, 1e-3
    for t in (1, 2):
        g = 2 * ref
        p.grad = torch.tensor(2 * p.detach().numpy())
        opt.step()
        beta = t ** -0.8
        alpha = max(eps2, np.sqrt((ref ** 2).mean())) * min(0.05, 1 / np.sqrt(t))
        v = v + beta * (g * g - v)
        upd = g / np.sqrt(np.maximum(v, eps1 * eps1))
        ref = ref - alpha / max(1.0, np.sqrt((upd ** 2).mean())) * upd
        np.testing.assert_allclose(p.detach().numpy(), ref, rtol=1e-12)


def test_adafactor_errors_and_load_state_dict():
    p = nn.Parameter(torch.ones(2, 2))
    for kw, msg in (({"lr": -1.0}, "Learning rate should be >= 0"),
                    ({"beta2_decay": 0.5}, "beta2_decay should be <= 0"),
                    ({"eps": (-1.0, 1e-3)}, "epsilon1 should be >= 0"),
                    ({"d": 0.5}, "Clipping threshold d should be >= 1"),
                    ({"weight_decay": -1.0}, "weight_decay should be >= 0")):
        with pytest.raises(ValueError, match=msg):
            torch.optim.Adafactor([p], **kw)
    opt = torch.optim.Adafactor([p])
    p.grad = torch.ones(2, 2)
    opt.step()
    opt2 = torch.optim.Adafactor([p])
    opt2.load_state_dict(opt.state_dict())
    assert opt2.state[p]["step"].item() == 1.0
    assert tuple(opt2.state[p]["row_var"].shape) == (2, 1)


def test_sparse_adam_refuses_dense_gradients():
    th = _torch()
    p = nn.Parameter(torch.ones(3))
    opt = torch.optim.SparseAdam([p])
    tp = th.nn.Parameter(th.ones(3))
    assert repr(opt) == repr(th.optim.SparseAdam([tp]))
    assert opt.step() is None  # no gradients: nothing to do
    p.grad = torch.ones(3)
    with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients, "
                                           "please consider Adam instead"):
        opt.step()
    for kw, msg in (({"lr": 0.0}, "Invalid learning rate"), ({"eps": 0.0}, "Invalid epsilon"),
                    ({"betas": (1.0, 0.9)}, "Invalid beta parameter at index 0")):
        with pytest.raises(ValueError, match=msg):
            torch.optim.SparseAdam([p], **kw)
