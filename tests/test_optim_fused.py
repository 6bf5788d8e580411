"""The fused C group updates of RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, ASGD and Rprop:
every documented CPU option on float32 and float64 parameters (contiguous, strided, empty)
against torch.optim from the same values and gradients (state and version counters too), the
plain reference kernels against the vectorised FMA build bit for bit, state_dict round trips,
errors and memory. (The NumPy single-tensor replay these classes ran before gave the same
bits as these updates over this whole grid when it was retired.)"""
import gc
import sys
import tracemalloc

import numpy as np
import pytest

import pytorchlite as pl
from pytorchlite import _C

torch = pytest.importorskip("torch")

# (optimizer, options, bitwise against torch). Not bitwise: the update takes a square root,
# and torch's CPU sqrt of a contiguous float32/float64 tensor comes from vector math that is
# not always correctly rounded, while ours is.
GRID = [
    ("RMSprop", {}, False),
    ("RMSprop", {"momentum": 0.9, "weight_decay": 0.1}, False),
    ("RMSprop", {"centered": True, "maximize": True}, False),
    ("RMSprop", {"centered": True, "momentum": 0.5, "alpha": 0.3, "eps": 1e-3,
                 "weight_decay": 0.05, "maximize": True}, False),
    ("Adagrad", {}, False),
    ("Adagrad", {"lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.5},
     False),
    ("Adagrad", {"maximize": True, "eps": 1e-3}, False),
    ("Adadelta", {}, False),
    ("Adadelta", {"lr": 0.5, "rho": 0.5, "eps": 1e-4, "weight_decay": 0.1, "maximize": True},
     False),
    ("Adamax", {}, True),
    ("Adamax", {"lr": 0.01, "betas": (0.3, 0.95), "weight_decay": 0.1}, True),
    ("Adamax", {"maximize": True, "eps": 1e-3}, True),
    ("NAdam", {}, False),
    ("NAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True}, False),
    ("NAdam", {"weight_decay": 0.1, "momentum_decay": 0.01, "maximize": True}, False),
    ("NAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True,
               "betas": (0.6, 0.9)}, False),
    ("RAdam", {}, False),
    ("RAdam", {"betas": (0.8, 0.9), "weight_decay": 0.1}, False),
    ("RAdam", {"betas": (0.8, 0.9), "weight_decay": 0.1, "decoupled_weight_decay": True,
               "maximize": True}, False),
    ("ASGD", {}, True),
    ("ASGD", {"lr": 0.01, "lambd": 0.01, "t0": 3, "alpha": 0.5, "weight_decay": 0.1}, True),
    ("ASGD", {"t0": 0, "maximize": True}, True),
    ("Rprop", {}, True),
    ("Rprop", {"etas": (0.3, 1.5), "step_sizes": (1e-3, 0.05), "maximize": True}, True),
    ("Rprop", {"lr": 0.1, "step_sizes": (0.01, 1.0)}, True),
]
IDS = [f"{n}-{i}" for i, (n, _, _) in enumerate(GRID)]
DTYPES = [np.float32, np.float64]
STEPS = 6


def _param_set(lib, rng, dtype):
    """Parameters of several layouts, their gradients made by _grads: a matrix, a long vector
    (past the vector loops' width), an empty one, a transposed view, a strided slice with a
    strided gradient, a 0-dim one."""
    def t(shape):
        return lib.tensor(rng.standard_normal(shape).astype(dtype))
    params = [t((7, 5)), t((300,)), t((0,)), t((0, 3)), t((5, 4)).t(), t((6, 8))[:, ::3],
              t(())]
    return params


def _grads(lib, params, rng, dtype):
    # an elementwise function of the parameter plus noise, computed in NumPy on both sides
    for i, p in enumerate(params):
        v = np.array(p.detach().numpy())
        g = (v * dtype(1.5) - dtype(0.2)) * v + rng.standard_normal(v.shape).astype(dtype)
        if i == 5:  # a strided gradient for the strided parameter
            wide = np.zeros((v.shape[0], 2 * v.shape[1]), dtype)
            wide[:, ::2] = g
            p.grad = lib.tensor(wide)[:, ::2]
        else:
            p.grad = lib.tensor(g)


def _run(lib, name, kw, dtype, steps=STEPS):
    rng = np.random.default_rng(0)
    params = _param_set(lib, rng, dtype)
    opt = getattr(lib.optim, name)(params, **kw)
    for _ in range(steps):
        _grads(lib, params, rng, dtype)
        opt.step()
    return params, opt


def _arrays(params, opt):
    out = [np.array(p.detach().numpy()) for p in params]
    for p in params:
        out += [np.array(v.numpy()) for v in opt.state[p].values()]
    return out


def _same_bits(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(np.ascontiguousarray(a).view(np.uint8),
                                  np.ascontiguousarray(b).view(np.uint8))


@pytest.fixture
def force_reference():
    yield _C._optim_force_reference
    _C._optim_force_reference(False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,kw,bitwise", GRID, ids=IDS)
def test_against_torch(name, kw, bitwise, dtype):
    ours, opt = _run(pl, name, kw, dtype)
    theirs, topt = _run(torch, name, kw, dtype)
    a, b = _arrays(ours, opt), _arrays(theirs, topt)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.dtype == y.dtype and x.shape == y.shape
        if bitwise:
            _same_bits(x, y)
        else:
            tol = 1e-5 if dtype == np.float32 else 1e-12
            np.testing.assert_allclose(x, y, rtol=tol, atol=tol)
    # same state layout (keys, order, dtypes) and same version counters
    for p, tp in zip(ours, theirs):
        s, ts = opt.state[p], topt.state[tp]
        assert list(s) == list(ts)
        assert [str(v.dtype) for v in s.values()] == [str(v.dtype) for v in ts.values()]
        assert p._version == tp._version
        assert [v._version for v in s.values()] == [v._version for v in ts.values()]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,kw,bitwise", GRID, ids=IDS)
def test_reference_kernels_match_the_fma_build(name, kw, bitwise, dtype, force_reference):
    force_reference(True)
    ref = _arrays(*_run(pl, name, kw, dtype))
    force_reference(False)
    fast = _arrays(*_run(pl, name, kw, dtype))
    for x, y in zip(ref, fast):
        _same_bits(x, y)


ADAM_GRID = [("Adam", {}), ("Adam", {"amsgrad": True, "weight_decay": 0.1, "maximize": True}),
             ("AdamW", {}), ("AdamW", {"amsgrad": True, "betas": (0.3, 0.9), "eps": 1e-3})]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,kw", ADAM_GRID)
def test_adam_vector_build_matches_its_reference(name, kw, dtype, force_reference):
    # Adam's FMA build runs the same lane bodies; its reference is the scalar kernel
    force_reference(True)
    ref = _arrays(*_run(pl, name, kw, dtype))
    force_reference(False)
    fast = _arrays(*_run(pl, name, kw, dtype))
    for x, y in zip(ref, fast):
        _same_bits(x, y)
    theirs = _arrays(*_run(torch, name, kw, dtype))
    for x, y in zip(fast, theirs):
        np.testing.assert_allclose(x, y, rtol=1e-5 if dtype == np.float32 else 1e-12,
                                   atol=1e-6 if dtype == np.float32 else 1e-13)


def test_sqrt_free_radam_steps_are_bitwise():
    # RAdam's first steps (rho_t <= 5) take no square root
    for dtype in DTYPES:
        ours, opt = _run(pl, "RAdam", {}, dtype, steps=4)
        theirs, topt = _run(torch, "RAdam", {}, dtype, steps=4)
        for x, y in zip(_arrays(ours, opt), _arrays(theirs, topt)):
            _same_bits(x, y)


@pytest.mark.parametrize("name", ["RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
                                  "ASGD", "Rprop"])
def test_tensor_lr_and_a_large_parameter(name):
    # a 0-dim tensor lr, and a parameter long enough to be split over the thread pool
    def run(lib):
        rng = np.random.default_rng(3)
        p = lib.tensor(rng.standard_normal(300_000).astype(np.float32))
        q = lib.tensor(rng.standard_normal((4, 3)).astype(np.float32))
        opt = getattr(lib.optim, name)([p, q], lr=lib.tensor(0.01))
        for _ in range(3):
            for t in (p, q):
                t.grad = lib.tensor(rng.standard_normal(tuple(t.shape)).astype(np.float32))
            opt.step()
        return [np.array(p.numpy()), np.array(q.numpy())]
    for x, y in zip(run(pl), run(torch)):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_nan_and_inf_gradients_like_torch():
    # Rprop: torch.sign(NaN) is 0, so a NaN gradient leaves the parameter and step size alone;
    # Adamax: the infinity norm's maximum propagates NaN
    g = np.array([np.nan, 1.0, -np.inf, np.inf, 0.0, -0.0, 2.0, np.nan] * 5, np.float32)
    for name in ("Rprop", "Adamax", "ASGD"):
        out = []
        for lib in (pl, torch):
            p = lib.tensor(np.linspace(-1, 1, g.size).astype(np.float32))
            opt = getattr(lib.optim, name)([p])
            for k in range(3):
                p.grad = lib.tensor(np.roll(g, k))
                opt.step()
            out.append(_arrays([p], opt))
        for x, y in zip(*out):
            # NaN in the same places (their payloads may differ), every other value bitwise
            np.testing.assert_array_equal(np.isnan(x), np.isnan(y), err_msg=name)
            _same_bits(np.where(np.isnan(x), 0, x), np.where(np.isnan(y), 0, y))


def test_groups_with_their_own_options_and_empty_groups():
    def run(lib):
        rng = np.random.default_rng(5)
        a = lib.tensor(rng.standard_normal(10).astype(np.float32))
        b = lib.tensor(rng.standard_normal(10).astype(np.float64))
        c = lib.tensor(np.zeros(0, np.float32))
        opt = lib.optim.RMSprop([{"params": [a], "centered": True},
                                 {"params": [b], "momentum": 0.9, "lr": 0.1},
                                 {"params": [c]}])
        for _ in range(3):
            a.grad = lib.tensor(rng.standard_normal(10).astype(np.float32))
            b.grad = lib.tensor(rng.standard_normal(10).astype(np.float64))
            opt.step()
        return _arrays([a, b], opt)
    for x, y in zip(run(pl), run(torch)):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-7)


def _to_lib(lib, obj):
    if isinstance(obj, (pl.Tensor, torch.Tensor)):
        return lib.tensor(np.array(obj.detach().numpy()))
    if isinstance(obj, dict):
        return {k: _to_lib(lib, v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_lib(lib, v) for v in obj]
    return obj


@pytest.mark.parametrize("name,kw,bitwise", [GRID[3], GRID[10], GRID[15], GRID[20], GRID[23]],
                         ids=["RMSprop", "Adamax", "NAdam", "ASGD", "Rprop"])
def test_state_dict_round_trips_both_ways(name, kw, bitwise):
    dtype = np.float32
    ours, opt = _run(pl, name, kw, dtype, steps=3)
    theirs, topt = _run(torch, name, kw, dtype, steps=3)
    # each side continues from the other's parameters and state
    pp = [pl.tensor(np.array(t.detach().numpy())) for t in theirs]
    tp = [torch.tensor(np.array(p.detach().numpy())) for p in ours]
    popt = getattr(pl.optim, name)(pp, **kw)
    popt.load_state_dict(_to_lib(pl, topt.state_dict()))
    topt2 = getattr(torch.optim, name)(tp, **kw)
    topt2.load_state_dict(_to_lib(torch, opt.state_dict()))
    assert popt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]
    rng = np.random.default_rng(9)
    for _ in range(3):
        state = rng.bit_generator.state
        for lib, params, o in ((pl, pp, popt), (torch, theirs, topt), (torch, tp, topt2),
                               (pl, ours, opt)):
            rng.bit_generator.state = state
            _grads(lib, params, rng, dtype)
            o.step()
    for a, b in ((_arrays(pp, popt), _arrays(theirs, topt)),
                 (_arrays(tp, topt2), _arrays(ours, opt))):
        for x, y in zip(a, b):
            if bitwise:
                _same_bits(x, y)
            else:
                np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_half_precision_parameters_are_refused_like_sgd_and_adam():
    for name in ("SGD", "Adam", "RMSprop", "NAdam", "Rprop"):
        p = pl.zeros(3, dtype=pl.float16)
        p.grad = pl.ones(3, dtype=pl.float16)
        opt = getattr(pl.optim, name)([p], lr=0.1)
        with pytest.raises(RuntimeError, match="only float32 and float64 parameters"):
            opt.step()


def test_differentiable_and_capturable_flags_change_nothing():
    for name, kw, _ in GRID[::4]:
        base = _arrays(*_run(pl, name, kw, np.float32, steps=2))
        for flag in ("differentiable", "capturable"):
            if flag == "capturable" and name == "Adagrad":
                continue  # Adagrad has no capturable option
            other = _arrays(*_run(pl, name, dict(kw, **{flag: True}), np.float32, steps=2))
            for x, y in zip(base, other):
                _same_bits(x, y)


STATE_KEY = {"RMSprop": "square_avg", "Adagrad": "sum", "Adadelta": "acc_delta",
             "Adamax": "exp_inf", "NAdam": "exp_avg_sq", "RAdam": "exp_avg", "ASGD": "ax",
             "Rprop": "step_size"}


@pytest.mark.parametrize("name", sorted(STATE_KEY))
def test_a_state_of_the_wrong_shape_raises_and_writes_nothing(name):
    # torch raises RuntimeError (from broadcasting); so do we, before any write
    for lib in (pl, torch):
        a = lib.tensor(np.arange(4, dtype=np.float32))
        b = lib.tensor(np.arange(3, dtype=np.float32))
        opt = getattr(lib.optim, name)([a, b])
        a.grad, b.grad = lib.ones(4), lib.ones(3)
        opt.step()
        opt.state[b][STATE_KEY[name]] = lib.zeros(5)
        before = np.array(a.detach().numpy())
        with pytest.raises(RuntimeError):
            opt.step()
        if lib is pl:
            np.testing.assert_array_equal(a.numpy(), before)
            with pytest.raises(RuntimeError, match="does not have the parameter's shape"):
                opt.step()


def test_gradients_of_the_wrong_shape_or_dtype_are_refused():
    # the optimizers never see such gradients: assigning them raises (torch 2.13 raises
    # RuntimeError for both; pytorchlite's grad setter raises TypeError for the dtype)
    for lib in (pl, torch):
        p = lib.zeros(3)
        with pytest.raises(RuntimeError):
            p.grad = lib.zeros(4)
        with pytest.raises((TypeError, RuntimeError)):
            p.grad = lib.zeros(3, dtype=lib.float64)


def test_binding_argument_errors():
    p = pl.zeros(2)
    p.grad = pl.ones(2)
    s = [pl.zeros(2)]
    with pytest.raises(TypeError, match="takes 9 positional arguments"):
        _C._rprop_step([p], [p.grad], s, s)
    with pytest.raises(TypeError, match="must be a list of Tensors"):
        _C._rprop_step(p, [p.grad], s, s, 0.5, 1.2, 1e-6, 50.0, False)
    with pytest.raises(TypeError, match="prevs must be a list of Tensors"):
        _C._rprop_step([p], [p.grad], None, s, 0.5, 1.2, 1e-6, 50.0, False)
    with pytest.raises(ValueError, match="has 2 items"):
        _C._rprop_step([p], [p.grad, p.grad], s, s, 0.5, 1.2, 1e-6, 50.0, False)
    with pytest.raises(TypeError, match="etaplus must be a number"):
        _C._rprop_step([p], [p.grad], s, s, 0.5, "x", 1e-6, 50.0, False)
    with pytest.raises(ValueError, match="one number per parameter"):
        _C._adagrad_step([p], [p.grad], s, [], 1e-10, 0.0, False)
    with pytest.raises(RuntimeError, match="mu_product of parameter 0"):
        _C._nadam_step([p], [p.grad], s, s, [pl.zeros(3)], [0.1], [0.9], [0.9], 1e-3, 0.9,
                       0.999, 1e-8, 0.0, False, False)
    with pytest.raises(RuntimeError, match="only float32 and float64"):
        q = pl.zeros(2, dtype=pl.int64)
        _C._rprop_step([q], [q], [q], [q], 0.5, 1.2, 1e-6, 50.0, False)


def _rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_no_leak_over_many_steps():
    rng = np.random.default_rng(4)
    opts = []
    for name, kw, _ in GRID[::2]:
        params = _param_set(pl, rng, np.float32)
        _grads(pl, params, rng, np.float32)
        opts.append(getattr(pl.optim, name)(params, **kw))
    bad = pl.optim.Rprop([pl.zeros(3)])
    bad.param_groups[0]["params"][0].grad = pl.ones(3)
    bad.step()
    bad.state[bad.param_groups[0]["params"][0]]["prev"] = pl.zeros(4)

    def loop(n):
        for _ in range(n):
            for opt in opts:
                opt.step()
            try:
                bad.step()
            except RuntimeError:
                pass
    loop(20)
    gc.collect()
    tracemalloc.start()
    rss = _rss()
    snap = tracemalloc.take_snapshot()
    loop(300)
    gc.collect()
    grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(snap, "filename"))
    tracemalloc.stop()
    assert grown < 64 * 1024
    assert _rss() - rss < 8 * 2 ** 20
