"""The optimizers RMSprop ... LBFGS and the schedulers MultiStepLR ... ChainedScheduler against
the real torch, side by side: parameters after 20 steps from the same start and the same
gradients, state_dicts loaded across the two libraries, learning rates over 50 steps."""
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import pytorchlite as pl  # noqa: E402
from pytorchlite import optim as pl_optim  # noqa: E402

SHAPES = [(7, 5), (5,), (300,)]

# (name, options, bitwise). Not bitwise: the update takes a float32 sqrt, and torch's CPU
# sqrt comes from vendor vector math (not correctly rounded) while NumPy's is correctly
# rounded, so a last-bit difference can appear and be carried along by later steps.
GRID = [
    ("RMSprop", {}, False),
    ("RMSprop", {"lr": 1e-3, "momentum": 0.9}, False),
    ("RMSprop", {"centered": True, "weight_decay": 0.1, "maximize": True}, False),
    ("RMSprop", {"centered": True, "momentum": 0.5, "alpha": 0.9, "eps": 1e-3}, False),
    ("Adagrad", {}, False),
    ("Adagrad", {"lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.5},
     False),
    ("Adagrad", {"maximize": True, "eps": 1e-3}, False),
    ("Adadelta", {}, False),
    ("Adadelta", {"lr": 0.5, "rho": 0.5, "weight_decay": 0.1, "maximize": True}, False),
    ("Adamax", {}, True),
    ("Adamax", {"lr": 0.01, "betas": (0.8, 0.95), "weight_decay": 0.1}, True),
    ("Adamax", {"maximize": True, "eps": 1e-3}, True),
    ("NAdam", {}, False),
    ("NAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True}, False),
    ("NAdam", {"weight_decay": 0.1, "momentum_decay": 0.01, "maximize": True}, False),
    ("RAdam", {}, False),
    ("RAdam", {"betas": (0.8, 0.9), "weight_decay": 0.1}, False),
    ("RAdam", {"betas": (0.8, 0.9), "weight_decay": 0.1, "decoupled_weight_decay": True},
     False),
    ("ASGD", {}, True),
    ("ASGD", {"lr": 0.01, "lambd": 0.01, "t0": 5, "weight_decay": 0.1}, True),
    ("ASGD", {"t0": 0, "alpha": 0.5, "maximize": True}, True),
    ("Rprop", {}, True),
    ("Rprop", {"etas": (0.3, 1.5), "step_sizes": (1e-3, 0.05), "maximize": True}, True),
    ("Rprop", {"lr": 0.1, "step_sizes": (0.01, 1.0)}, True),
]


def _grads(lib, params, noise):
    # an elementwise gradient of the parameters, computed in NumPy float32 on both sides
    for p, n in zip(params, noise):
        v = np.array(p.detach().numpy())
        p.grad = lib.tensor((v * np.float32(1.5) - np.float32(0.2)) * v + n)


def _start(seed, steps):
    rng = np.random.default_rng(seed)
    inits = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    noise = [[rng.standard_normal(s).astype(np.float32) for s in SHAPES]
             for _ in range(steps)]
    return inits, noise


def _make(lib, name, inits, kw):
    params = [lib.tensor(a.copy(), requires_grad=True) for a in inits]
    return params, getattr(lib.optim, name)(params, **kw)


def _steps(lib, params, opt, noise):
    for n in noise:
        _grads(lib, params, n)
        opt.step()


def _assert_params(tp, pp, bitwise):
    for t, p in zip(tp, pp):
        t, p = t.detach().numpy(), p.detach().numpy()
        if bitwise:
            np.testing.assert_array_equal(p, t)
        else:
            np.testing.assert_allclose(p, t, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,kw,bitwise", GRID)
def test_twenty_steps_match_torch(name, kw, bitwise):
    inits, noise = _start(0, 20)
    tp, topt = _make(torch, name, inits, kw)
    pp, popt = _make(pl, name, inits, kw)
    _steps(torch, tp, topt, noise)
    _steps(pl, pp, popt, noise)
    _assert_params(tp, pp, bitwise)


def test_sqrt_free_steps_are_bitwise_before_rectification():
    # RAdam's first steps (rho_t <= 5) take no sqrt: those are bitwise equal
    inits, noise = _start(1, 4)
    tp, topt = _make(torch, "RAdam", inits, {})
    pp, popt = _make(pl, "RAdam", inits, {})
    _steps(torch, tp, topt, noise)
    _steps(pl, pp, popt, noise)
    _assert_params(tp, pp, True)


def _to_pl(obj):
    if isinstance(obj, torch.Tensor):
        return pl.tensor(obj.detach().numpy().copy())
    if isinstance(obj, dict):
        return {k: _to_pl(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_pl(v) for v in obj]
    return obj


def _to_torch(obj):
    if isinstance(obj, pl.Tensor):
        return torch.tensor(np.array(obj.numpy()))
    if isinstance(obj, dict):
        return {k: _to_torch(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_torch(v) for v in obj]
    return obj


def _assert_same_layout(tsd, psd):
    assert psd["param_groups"] == tsd["param_groups"]
    assert list(psd["state"]) == list(tsd["state"])
    for k in tsd["state"]:
        ts, ps = tsd["state"][k], psd["state"][k]
        assert list(ps) == list(ts)
        for key in ts:
            assert list(ps[key].shape) == list(ts[key].shape), key
            assert str(ps[key].dtype) == str(ts[key].dtype), key


SD_CASES = [(n, kw, b) for n, kw, b in GRID if kw == {}]


@pytest.mark.parametrize("name,kw,bitwise", SD_CASES)
def test_state_dict_layout_and_load_from_torch(name, kw, bitwise):
    inits, noise = _start(2, 16)
    tp, topt = _make(torch, name, inits, kw)
    _steps(torch, tp, topt, noise[:8])
    # pytorchlite continues from torch's parameters and state
    pp, popt = _make(pl, name, [t.detach().numpy() for t in tp], kw)
    popt.load_state_dict(_to_pl(topt.state_dict()))
    _assert_same_layout(topt.state_dict(), popt.state_dict())
    _steps(torch, tp, topt, noise[8:])
    _steps(pl, pp, popt, noise[8:])
    _assert_params(tp, pp, bitwise)


@pytest.mark.parametrize("name,kw,bitwise", SD_CASES)
def test_state_dict_loads_into_torch(name, kw, bitwise):
    inits, noise = _start(3, 16)
    pp, popt = _make(pl, name, inits, kw)
    _steps(pl, pp, popt, noise[:8])
    tp, topt = _make(torch, name, [p.detach().numpy() for p in pp], kw)
    topt.load_state_dict(_to_torch(popt.state_dict()))
    _steps(torch, tp, topt, noise[8:])
    _steps(pl, pp, popt, noise[8:])
    _assert_params(tp, pp, bitwise)


def _lbfgs_run(lib, kw, steps=1):
    rng = np.random.default_rng(4)
    a = rng.standard_normal((6, 6)).astype(np.float32)
    a = a @ a.T / 6 + np.eye(6, dtype=np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    x = lib.zeros(6, requires_grad=True)
    at, bt = lib.tensor(a), lib.tensor(b)
    # few iterations, far from the minimum: the run stops on max_iter, not on a tolerance
    # (|loss - prev_loss| < 1e-9) that float32 losses meet or miss by their last bit
    opt = lib.optim.LBFGS([x], **{"max_iter": 6, **kw})

    def closure():
        opt.zero_grad()
        loss = ((at @ x) * x).sum() * 0.5 - (bt * x).sum() + (x ** 4).sum() * 0.1
        loss.backward()
        return loss

    losses = [float(opt.step(closure).detach()) for _ in range(steps)]
    return x.detach().numpy().copy(), losses, opt.state_dict()["state"][0]


@pytest.mark.parametrize("kw", [{}, {"line_search_fn": "strong_wolfe"},
                                {"history_size": 2, "lr": 0.5}])
def test_lbfgs_matches_torch(kw):
    # dot products may add in another order: compared to float32 rounding
    tx, tl, ts = _lbfgs_run(torch, kw)
    px, plo, ps = _lbfgs_run(pl, kw)
    np.testing.assert_allclose(px, tx, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(plo, tl, rtol=1e-5)
    assert (ps["n_iter"], ps["func_evals"]) == (ts["n_iter"], ts["func_evals"])
    assert sorted(ps) == sorted(ts)


# ---- schedulers ---------------------------------------------------------------------------


def _sched_pair(make, opt_name="SGD", opt_kw=None, groups=1, steps=50, metrics=None):
    opt_kw = {"lr": 0.1, "momentum": 0.9} if opt_kw is None else opt_kw
    out = []
    for lib in (torch, pl):
        params = [{"params": [lib.zeros(2, requires_grad=True)], "lr": 0.1 * (i + 1)}
                  for i in range(groups)]
        opt = getattr(lib.optim, opt_name)(params, **opt_kw)
        sched = make(lib, opt)
        seq = [list(sched.get_last_lr())]
        moms = []
        for i in range(steps):
            opt.step()
            if metrics is not None:
                sched.step(metrics[i])
            else:
                sched.step()
            seq.append(list(sched.get_last_lr()))
            moms.append([g.get("momentum", g.get("betas")) for g in opt.param_groups])
        out.append((seq, moms, sched))
    return out


SCHEDULERS = {
    "MultiStepLR": lambda L, o: L.optim.lr_scheduler.MultiStepLR(o, [3, 7, 7, 20], 0.3),
    "LinearLR": lambda L, o: L.optim.lr_scheduler.LinearLR(o, 0.25, 0.9, total_iters=13),
    "ConstantLR": lambda L, o: L.optim.lr_scheduler.ConstantLR(o, 0.3, total_iters=7),
    "MultiplicativeLR": lambda L, o: L.optim.lr_scheduler.MultiplicativeLR(
        o, lambda e: 0.95 if e % 3 else 1.01),
    "PolynomialLR": lambda L, o: L.optim.lr_scheduler.PolynomialLR(o, 30, 1.7),
    "CosineAnnealingWarmRestarts": lambda L, o:
        L.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, 4, 2, eta_min=0.001),
    "CosineAnnealingWarmRestarts1": lambda L, o:
        L.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, 7),
    "CyclicLR": lambda L, o: L.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, 5, 3),
    "CyclicLR2": lambda L, o: L.optim.lr_scheduler.CyclicLR(
        o, [0.01, 0.02], 0.3, 4, mode="triangular2", base_momentum=0.7),
    "CyclicLRexp": lambda L, o: L.optim.lr_scheduler.CyclicLR(
        o, 0.01, 0.1, 6, mode="exp_range", gamma=0.97, cycle_momentum=False),
    "OneCycleLR": lambda L, o: L.optim.lr_scheduler.OneCycleLR(o, 0.5, total_steps=50),
    "OneCycleLR3": lambda L, o: L.optim.lr_scheduler.OneCycleLR(
        o, [0.5, 1.0], epochs=5, steps_per_epoch=11, anneal_strategy="linear",
        three_phase=True, pct_start=0.25),
    "SequentialLR": lambda L, o: L.optim.lr_scheduler.SequentialLR(
        o, [L.optim.lr_scheduler.LinearLR(o, 0.1, total_iters=5),
            L.optim.lr_scheduler.ExponentialLR(o, 0.9),
            L.optim.lr_scheduler.CosineAnnealingLR(o, 10)], milestones=[5, 20]),
    "ChainedScheduler": lambda L, o: L.optim.lr_scheduler.ChainedScheduler(
        [L.optim.lr_scheduler.ConstantLR(o, 0.5, total_iters=4),
         L.optim.lr_scheduler.ExponentialLR(o, 0.93),
         L.optim.lr_scheduler.MultiStepLR(o, [10, 30], 0.5)]),
}


@pytest.mark.parametrize("key", sorted(SCHEDULERS))
@pytest.mark.parametrize("groups", [1, 2])
def test_scheduler_lrs_equal_torch(key, groups):
    try:
        _sched_pair(SCHEDULERS[key], groups=groups, steps=0)
    except ValueError as e:
        # a per-group list of the wrong length: pytorchlite refuses it with torch's message
        with pytest.raises(ValueError) as caught:
            opt = pl.optim.SGD([pl.zeros(2, requires_grad=True)], lr=0.1, momentum=0.9)
            SCHEDULERS[key](pl, opt)
        assert str(caught.value) == str(e)
        return
    (tseq, tm, ts), (pseq, pm, ps) = _sched_pair(SCHEDULERS[key], groups=groups)
    assert pseq == tseq
    assert pm == tm
    assert sorted(ps.state_dict()) == sorted(ts.state_dict())


def test_cyclic_and_one_cycle_set_adam_betas_as_torch():
    for key in ("CyclicLR", "OneCycleLR"):
        (tseq, tm, _), (pseq, pm, _) = _sched_pair(
            SCHEDULERS[key], opt_name="Adam", opt_kw={"lr": 0.1})
        assert pseq == tseq and pm == tm


METRICS = [1.0, 0.9, 0.95, 0.95, 0.96, 0.97, 0.9, 0.89, 0.89, 0.89, 0.89, 0.7] * 5


@pytest.mark.parametrize("kw", [
    {"patience": 2},
    {"patience": 1, "factor": 0.5, "cooldown": 2, "min_lr": 0.02},
    {"mode": "max", "patience": 0, "threshold_mode": "abs", "threshold": 0.01},
    {"mode": "max", "patience": 1, "min_lr": [0.01, 0.05], "eps": 1e-3},
])
def test_reduce_lr_on_plateau_equals_torch(kw):
    (tseq, _, ts), (pseq, _, ps) = _sched_pair(
        lambda L, o: L.optim.lr_scheduler.ReduceLROnPlateau(o, **kw), groups=2,
        metrics=METRICS, steps=len(METRICS))
    assert pseq == tseq
    assert sorted(ps.state_dict()) == sorted(ts.state_dict())


@pytest.mark.parametrize("key", ["MultiStepLR", "LinearLR", "ConstantLR", "PolynomialLR"])
def test_closed_forms_equal_torch(key):
    out = []
    for lib in (torch, pl):
        opt = lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.1)
        sched = SCHEDULERS[key](lib, opt)
        seq = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in (3, 9, 1, 40, 13, 0):
                opt.step()
                sched.step(epoch)
                seq.append(sched.get_last_lr())
        out.append(seq)
    assert out[1] == out[0]


def test_scheduler_state_dict_resumes_like_torch():
    make = SCHEDULERS["CosineAnnealingWarmRestarts"]
    seqs = []
    for lib in (torch, pl):
        opt = lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.1)
        sched = make(lib, opt)
        for _ in range(9):
            opt.step()
            sched.step()
        sd = sched.state_dict()
        opt2 = lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.1)
        sched2 = make(lib, opt2)
        sched2.load_state_dict(sd)
        for g, lr in zip(opt2.param_groups, sched2.get_last_lr()):
            g["lr"] = lr
        seq = []
        for _ in range(10):
            opt2.step()
            sched2.step()
            seq.append(sched2.get_last_lr())
        seqs.append(seq)
    assert seqs[1] == seqs[0]


def test_step_order_warning_as_torch():
    msgs = []
    for lib in (torch, pl):
        opt = lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.1, momentum=0.9)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, 0.5, total_steps=10)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sched.step()
        msgs.append([str(w.message) for w in caught])
    assert msgs[1] == msgs[0]
    assert any("before `optimizer.step()`" in m for m in msgs[1])
    assert math.isfinite(sched.get_last_lr()[0])


# ---- swa_utils ----------------------------------------------------------------------------


def _linear_pair(seed):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    out = []
    for lib in (torch, pl):
        m = lib.nn.Linear(4, 3)
        with lib.no_grad():
            m.weight.copy_(lib.tensor(w))
            m.bias.copy_(lib.tensor(b))
        out.append(m)
    return out


@pytest.mark.parametrize("kind", ["swa", "ema", "multi_ema", "multi_swa"])
def test_averaged_model_equals_torch(kind):
    results = []
    for i, lib in enumerate((torch, pl)):
        su = lib.optim.swa_utils
        kw = {"swa": {}, "ema": {"avg_fn": su.get_ema_avg_fn(0.9)},
              "multi_ema": {"multi_avg_fn": su.get_ema_multi_avg_fn(0.9)},
              "multi_swa": {"multi_avg_fn": su.get_swa_multi_avg_fn()}}[kind]
        model = _linear_pair(5)[i]
        avg = su.AveragedModel(model, **kw)
        rng = np.random.default_rng(6)
        for _ in range(6):
            with lib.no_grad():
                for p in model.parameters():
                    p.add_(lib.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32)))
            avg.update_parameters(model)
        results.append(([p.detach().numpy().copy() for p in avg.parameters()],
                        int(avg.n_averaged), sorted(avg.state_dict())))
    (tp, tn, tk), (pp, pn, pk) = results
    assert pn == tn and pk == tk
    for t, p in zip(tp, pp):
        np.testing.assert_array_equal(p, t)


@pytest.mark.parametrize("kw", [{"swa_lr": 0.05}, {"swa_lr": 0.05, "anneal_epochs": 0},
                                {"swa_lr": [0.05, 0.01], "anneal_strategy": "linear",
                                 "anneal_epochs": 7}])
def test_swalr_equals_torch(kw):
    groups = 2 if isinstance(kw["swa_lr"], list) else 1
    (tseq, _, ts), (pseq, _, ps) = _sched_pair(
        lambda L, o: L.optim.swa_utils.SWALR(o, **kw), groups=groups, steps=30)
    assert pseq == tseq
    assert sorted(ps.state_dict()) == sorted(ts.state_dict())


@pytest.mark.parametrize("name,kw,bitwise", [(n, kw, b) for n, kw, b in GRID if kw == {}])
def test_float64_parameters_match_torch(name, kw, bitwise):
    rng = np.random.default_rng(7)
    start = rng.standard_normal(50)
    grads = [rng.standard_normal(50) for _ in range(10)]
    out = []
    for lib in (torch, pl):
        p = lib.tensor(start.copy(), requires_grad=True)
        opt = getattr(lib.optim, name)([p], **kw)
        for g in grads:
            p.grad = lib.tensor(g)
            opt.step()
        out.append(p.detach().numpy().copy())
    assert out[1].dtype == np.float64
    np.testing.assert_allclose(out[1], out[0], rtol=1e-14, atol=1e-15)
