"""pytorchlite.optim and pytorchlite.utils.data against the real torch, run side by side:
bitwise SGD, Adam to the last bits, the DataLoader's order and its random draws."""
import itertools

import numpy as np
import pytest
from blas_order import assert_equal_as_torch

torch = pytest.importorskip("torch")

import pytorchlite as pl  # noqa: E402
from pytorchlite import optim as pl_optim  # noqa: E402
from pytorchlite.utils import data as pl_data  # noqa: E402
from pytorchlite.utils.data import dataloader as pl_dataloader  # noqa: E402

SHAPES = [(37,), (5, 7), (1000,), (1,), (3, 2, 17)]


def _pair(arrays):
    """The same start values as torch and pytorchlite parameters."""
    tp = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    pp = [pl.tensor(a.copy(), requires_grad=True) for a in arrays]
    return tp, pp


def _run_both(make_t, make_p, dtype, steps=5, seed=0):
    rng = np.random.default_rng(seed)
    starts = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    tp, pp = _pair(starts)
    topt, popt = make_t(tp), make_p(pp)
    for _ in range(steps):
        for t, p, s in zip(tp, pp, SHAPES):
            g = rng.standard_normal(s).astype(dtype)
            t.grad = torch.tensor(g)
            p.grad = pl.tensor(g)
        topt.step()
        popt.step()
    return tp, pp, topt, popt


SGD_CASES = [
    dict(momentum=m, dampening=d, weight_decay=w, nesterov=n, maximize=x)
    for m, d, w, n, x in itertools.product([0, 0.9], [0, 0.25], [0, 1e-2], [False, True],
                                           [False, True])
    if not (n and (m == 0 or d != 0))
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", SGD_CASES)
def test_sgd_bitwise_equal_to_torch(case, dtype):
    tp, pp, topt, popt = _run_both(lambda ps: torch.optim.SGD(ps, lr=0.03, **case),
                                   lambda ps: pl_optim.SGD(ps, lr=0.03, **case), dtype)
    for t, p in zip(tp, pp):
        np.testing.assert_array_equal(p.detach().numpy(), t.detach().numpy())
        if case["momentum"]:
            np.testing.assert_array_equal(popt.state[p]["momentum_buffer"].numpy(),
                                          topt.state[t]["momentum_buffer"].numpy())


def test_sgd_reference_kernel_matches_fast_kernel():
    results = []
    for force in (False, True):
        pl._C._optim_force_reference(force)
        try:
            _, pp, _, _ = _run_both(
                lambda ps: torch.optim.SGD(ps, lr=0.1),
                lambda ps: pl_optim.SGD(ps, lr=0.03, momentum=0.9, nesterov=True,
                                        weight_decay=1e-3), np.float32)
        finally:
            pl._C._optim_force_reference(False)
        results.append([p.detach().numpy() for p in pp])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("case", [dict(), dict(weight_decay=0.05), dict(amsgrad=True),
                                  dict(maximize=True, betas=(0.3, 0.99))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_matches_torch_to_the_last_bits(name, case, dtype):
    # torch's CPU sqrt is not correctly rounded; pytorchlite's is: allow last-bit noise.
    tp, pp, _, _ = _run_both(lambda ps: getattr(torch.optim, name)(ps, lr=0.01, **case),
                             lambda ps: getattr(pl_optim, name)(ps, lr=0.01, **case), dtype)
    for t, p in zip(tp, pp):
        a, b = p.detach().numpy(), t.detach().numpy()
        if dtype == np.float32:
            np.testing.assert_allclose(a, b, rtol=2e-6, atol=2e-7)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-15)


def _group_reprs(make, pl_side):
    mod = pl if pl_side else torch
    opt_mod = pl_optim if pl_side else torch.optim
    return make(opt_mod, [mod.tensor(np.zeros(2, np.float32), requires_grad=True)])


@pytest.mark.parametrize("make", [
    lambda o, ps: o.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    lambda o, ps: o.SGD([{"params": ps, "lr": 0.5}], lr=1e-3, weight_decay=1e-4),
    lambda o, ps: o.Adam(ps),
    lambda o, ps: o.AdamW(ps, lr=1e-2, amsgrad=True),
])
def test_repr_and_state_dict_layout_equal_torch(make):
    t_opt, p_opt = _group_reprs(make, False), _group_reprs(make, True)
    assert repr(p_opt) == repr(t_opt)
    tsd, psd = t_opt.state_dict(), p_opt.state_dict()
    assert psd["param_groups"] == tsd["param_groups"]
    assert psd["state"] == tsd["state"] == {}


@pytest.mark.parametrize("call", [
    lambda o, ps, t: o.SGD(ps, lr=-1),
    lambda o, ps, t: o.SGD(ps, lr=0.1, nesterov=True),
    lambda o, ps, t: o.SGD(ps, lr=0.1, momentum=-1),
    lambda o, ps, t: o.SGD([], lr=0.1),
    lambda o, ps, t: o.SGD(ps[0], lr=0.1),
    lambda o, ps, t: o.SGD([{"params": ps}, {"params": ps}]),
    lambda o, ps, t: o.Adam(ps, betas=(0.9, 1.5)),
    lambda o, ps, t: o.Adam(ps, lr=-0.5),
])
def test_errors_equal_torch(call):
    def outcome(pl_side):
        mod = pl if pl_side else torch
        opt_mod = pl_optim if pl_side else torch.optim
        ps = [mod.tensor(np.zeros(2, np.float32), requires_grad=True)]
        with pytest.raises(Exception) as info:
            call(opt_mod, ps, mod)
        return type(info.value), str(info.value)

    assert outcome(True) == outcome(False)


def _loader_orders(mod, data_mod, n, batch, epochs, seed, **kwargs):
    mod.manual_seed(seed)
    x = mod.tensor(np.arange(n * 2, dtype=np.float32).reshape(n, 2))
    y = mod.tensor(np.arange(n, dtype=np.int64))
    loader = data_mod.DataLoader(data_mod.TensorDataset(x, y), batch_size=batch, **kwargs)
    epochs_out = []
    for _ in range(epochs):
        epochs_out.append([(b[0].numpy().copy(), b[1].numpy().copy()) for b in loader])
    after = mod.rand(6).numpy()
    return len(loader), epochs_out, after


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("n, batch, kwargs", [
    (10, 3, dict(shuffle=True)),
    (100, 10, dict(shuffle=True)),
    (64, 16, dict(shuffle=True, drop_last=True)),
    (23, 5, dict(shuffle=True, drop_last=True)),
    (17, 4, dict(shuffle=False)),
    (9, 1, dict(shuffle=True)),
])
def test_dataloader_order_and_global_stream_equal_torch(monkeypatch, fast, n, batch, kwargs):
    monkeypatch.setattr(pl_dataloader, "_ROW_GATHER", fast)
    t_len, t_epochs, t_after = _loader_orders(torch, torch.utils.data, n, batch, 3, 7,
                                              **kwargs)
    p_len, p_epochs, p_after = _loader_orders(pl, pl_data, n, batch, 3, 7, **kwargs)
    assert p_len == t_len
    assert len(p_epochs) == len(t_epochs)
    for pe, te in zip(p_epochs, t_epochs):
        assert len(pe) == len(te)
        for (px, py), (tx, ty) in zip(pe, te):
            assert px.dtype == tx.dtype and py.dtype == ty.dtype
            np.testing.assert_array_equal(px, tx)
            np.testing.assert_array_equal(py, ty)
    np.testing.assert_array_equal(p_after, t_after)


def test_dataloader_with_generator_equal_torch():
    def run(mod, data_mod):
        g = mod.Generator()
        g.manual_seed(2024)
        mod.manual_seed(1)
        ds = data_mod.TensorDataset(mod.tensor(np.arange(10, dtype=np.int64)))
        loader = data_mod.DataLoader(ds, batch_size=4, shuffle=True, generator=g)
        order = [b[0].numpy().tolist() for _ in range(2) for b in loader]
        return order, mod.rand(3).numpy(), mod.rand(3, generator=g).numpy()

    p, t = run(pl, pl_data), run(torch, torch.utils.data)
    assert p[0] == t[0]
    np.testing.assert_array_equal(p[1], t[1])
    np.testing.assert_array_equal(p[2], t[2])


def test_samplers_and_random_split_equal_torch():
    def run(mod, data_mod):
        mod.manual_seed(11)
        out = [list(data_mod.RandomSampler(range(13)))]
        out.append(list(data_mod.SubsetRandomSampler([4, 8, 15, 16, 23, 42])))
        g = mod.Generator()
        g.manual_seed(5)
        out.append(list(data_mod.RandomSampler(range(7), replacement=True, num_samples=40,
                                               generator=g)))
        out.append([s.indices for s in data_mod.random_split(range(12), [0.5, 0.25, 0.25])])
        out.append(mod.rand(2).numpy().tolist())
        return out

    assert run(pl, pl_data) == run(torch, torch.utils.data)


def test_training_loop_equal_torch():
    """The guide's loop shape: shuffled loader, SGD on a linear model, same final weights."""
    def run(mod, data_mod, optim_mod):
        mod.manual_seed(0)
        x = mod.tensor(np.linspace(-1, 1, 40, dtype=np.float32).reshape(20, 2))
        y = mod.tensor((np.arange(20, dtype=np.float32) / 20).reshape(20, 1))
        w = mod.tensor(np.full((2, 1), 0.1, np.float32), requires_grad=True)
        opt = optim_mod.SGD([w], lr=0.05, momentum=0.5)
        loader = data_mod.DataLoader(data_mod.TensorDataset(x, y), batch_size=6, shuffle=True)
        for _ in range(3):
            for xb, yb in loader:
                opt.zero_grad()
                loss = ((xb @ w - yb) ** 2).mean()
                loss.backward()
                opt.step()
        return w.detach().numpy()

    # bitwise where torch's small products add in k order (blas_order.py), else within tolerance
    assert_equal_as_torch(run(pl, pl_data, pl_optim), run(torch, torch.utils.data, torch.optim))
