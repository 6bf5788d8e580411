"""pytorchlite.optim: SGD / Adam against hand computation, argument errors, state_dict,
zero_grad, repr, schedulers."""
import math
import warnings

import numpy as np
import pytest

import pytorchlite as torch
from pytorchlite import optim


def _param(values, dtype=np.float32):
    return torch.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def _sgd_reference(p, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0,
                   nesterov=False, maximize=False):
    """SGD in float64 NumPy, step by step, as torch.optim.SGD documents it."""
    p = np.array(p, dtype=np.float64)
    buf = None
    for g in grads:
        g = -np.asarray(g, np.float64) if maximize else np.asarray(g, np.float64)
        if weight_decay != 0:
            g = g + weight_decay * p
        if momentum != 0:
            buf = g.copy() if buf is None else buf * momentum + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
    return p, buf


# Dyadic values: every intermediate is exact in float32, so results must be equal.
EXACT_GRADS = [[0.5, -1.0, 2.0, 0.25], [1.0, 0.75, -0.5, -2.0], [-0.25, 0.5, 1.5, 1.0]]
EXACT_CASES = [
    dict(lr=0.5),
    dict(lr=0.25, momentum=0.5),
    dict(lr=0.25, momentum=0.5, dampening=0.5),
    dict(lr=0.125, momentum=0.5, nesterov=True),
    dict(lr=0.25, weight_decay=0.5),
    dict(lr=0.25, momentum=0.25, weight_decay=0.5, maximize=True),
    dict(lr=0.5, momentum=0.5, nesterov=True, maximize=True),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", EXACT_CASES)
def test_sgd_exact_against_hand_formula(case, dtype):
    start = [1.0, -2.0, 0.5, 4.0]
    p = _param(start, dtype)
    opt = optim.SGD([p], **case)
    for g in EXACT_GRADS:
        p.grad = torch.tensor(np.asarray(g, dtype=dtype))
        opt.step()
    want, buf = _sgd_reference(start, EXACT_GRADS, **case)
    np.testing.assert_array_equal(p.detach().numpy(), want.astype(dtype))
    if case.get("momentum", 0):
        got_buf = opt.state[p]["momentum_buffer"]
        np.testing.assert_array_equal(got_buf.numpy(), buf.astype(dtype))
        assert got_buf.dtype == p.dtype
    else:
        assert "momentum_buffer" not in opt.state[p]


@pytest.mark.parametrize("case", EXACT_CASES)
def test_sgd_random_values_close_to_formula(case):
    rng = np.random.default_rng(0)
    start = rng.standard_normal((3, 5))
    grads = [rng.standard_normal((3, 5)) for _ in range(5)]
    p = _param(start, np.float64)
    opt = optim.SGD([p], **case)
    for g in grads:
        p.grad = torch.tensor(g)
        opt.step()
    want, _ = _sgd_reference(start, grads, **case)
    np.testing.assert_allclose(p.detach().numpy(), want, rtol=1e-13, atol=1e-13)


def test_sgd_skips_params_without_grad_and_updates_groups():
    a = _param([1.0, 2.0])
    b = _param([3.0])
    c = _param([5.0])
    opt = optim.SGD([{"params": [a, b]}, {"params": [c], "lr": 1.0}], lr=0.5, momentum=0.5)
    a.grad = torch.tensor(np.array([1.0, 1.0], np.float32))
    c.grad = torch.tensor(np.array([2.0], np.float32))
    opt.step()
    np.testing.assert_array_equal(a.detach().numpy(), [0.5, 1.5])
    np.testing.assert_array_equal(b.detach().numpy(), [3.0])
    np.testing.assert_array_equal(c.detach().numpy(), [3.0])
    assert "momentum_buffer" not in opt.state.get(b, {})
    assert opt.param_groups[1]["momentum"] == 0.5
    assert opt.param_groups[0]["lr"] == 0.5 and opt.param_groups[1]["lr"] == 1.0


def test_sgd_step_updates_the_parameter_in_place():
    p = _param([1.0, 2.0, 3.0])
    before = p.data
    opt = optim.SGD([p], lr=0.5)
    p.grad = torch.tensor(np.ones(3, np.float32))
    opt.step()
    np.testing.assert_array_equal(before.numpy(), [0.5, 1.5, 2.5])
    assert p.requires_grad and p.is_leaf and p.grad_fn is None


def test_sgd_non_contiguous_parameter_and_grad():
    base = np.arange(12, dtype=np.float32).reshape(3, 4)
    p = torch.tensor(base).t().detach().requires_grad_()  # (4, 3), not contiguous
    g = np.arange(12, dtype=np.float32).reshape(4, 3) / 4
    p.grad = torch.tensor(g.T.copy()).t()  # (4, 3), not contiguous
    opt = optim.SGD([p], lr=0.5, momentum=0.5)
    opt.step()
    p.grad = torch.tensor(g.T.copy()).t()
    opt.step()
    want, _ = _sgd_reference(base.T, [g, g], lr=0.5, momentum=0.5)
    np.testing.assert_array_equal(p.detach().numpy(), want.astype(np.float32))


def test_sgd_closure_returns_loss():
    p = _param([2.0])
    opt = optim.SGD([p], lr=0.25)
    calls = []

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        calls.append(loss.item())
        return loss

    loss = opt.step(closure)
    assert calls == [4.0] and loss.item() == 4.0
    np.testing.assert_array_equal(p.detach().numpy(), [1.0])  # 2 - 0.25 * 4


def test_sgd_momentum_buffer_is_not_the_gradient():
    p = _param([1.0, 1.0])
    opt = optim.SGD([p], lr=0.5, momentum=0.5)
    grad = torch.tensor(np.array([1.0, 2.0], np.float32))
    p.grad = grad
    opt.step()
    buf = opt.state[p]["momentum_buffer"]
    buf.mul_(0)
    np.testing.assert_array_equal(grad.numpy(), [1.0, 2.0])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(lr=-1), "Invalid learning rate: -1"),
        (dict(lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
        (dict(lr=0.1, weight_decay=-1e-3), "Invalid weight_decay value: -0.001"),
        (dict(lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
        (dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
         "Nesterov momentum requires a momentum and zero dampening"),
    ],
)
def test_sgd_validation_errors(kwargs, message):
    with pytest.raises(ValueError) as info:
        optim.SGD([_param([1.0])], **kwargs)
    assert str(info.value) == message


def test_optimizer_param_errors():
    p = _param([1.0])
    with pytest.raises(ValueError, match="^optimizer got an empty parameter list$"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError) as info:
        optim.SGD(p, lr=0.1)
    assert str(info.value) == (
        "params argument given to the optimizer should be an iterable of Tensors or dicts, "
        "but got torch.FloatTensor"
    )
    with pytest.raises(ValueError, match="^some parameters appear in more than one parameter "
                                         "group$"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the "
                                        "params is int"):
        optim.SGD([1], lr=0.1)
    nonleaf = _param([1.0]) * 2
    with pytest.raises(ValueError, match="^can't optimize a non-leaf Tensor$"):
        optim.SGD([nonleaf], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {p}}], lr=0.1)


def test_add_param_group_and_defaults():
    a, b = _param([1.0]), _param([2.0])
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert len(opt.param_groups) == 2
    assert len(opt.param_groups[1]["params"]) == 1 and opt.param_groups[1]["params"][0] is b
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["momentum"] == 0.9
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_zero_grad():
    p = _param([1.0, 2.0])
    opt = optim.SGD([p], lr=0.1)
    p.grad = torch.tensor(np.array([3.0, 4.0], np.float32))
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad.numpy(), [0.0, 0.0])
    opt.zero_grad()
    assert p.grad is None


def test_sgd_repr():
    opt = optim.SGD([_param([1.0])], lr=0.1, momentum=0.9)
    assert repr(opt) == (
        "SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n"
        "    foreach: None\n    fused: None\n    lr: 0.1\n    maximize: False\n"
        "    momentum: 0.9\n    nesterov: False\n    weight_decay: 0\n)"
    )


def test_state_dict_round_trip():
    a, b, c = _param([1.0, 2.0]), _param([3.0]), _param([4.0])
    opt = optim.SGD([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, momentum=0.5)
    for p in (a, b, c):
        p.grad = torch.ones_like(p)
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sorted(sd["state"]) == [0, 1, 2]
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.5
    assert list(sd["param_groups"][0]) == ["lr", "momentum", "dampening", "weight_decay",
                                           "nesterov", "maximize", "foreach", "differentiable",
                                           "fused", "params"]

    # a saved copy, as torch.save / torch.load would give
    saved = {
        "state": {k: {n: t.clone() for n, t in v.items()} for k, v in sd["state"].items()},
        "param_groups": sd["param_groups"],
    }
    a2, b2, c2 = _param([1.0, 2.0]), _param([3.0]), _param([4.0])
    opt2 = optim.SGD([{"params": [a2, b2]}, {"params": [c2]}], lr=0.3, momentum=0.5)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["params"][0] is a2
    assert opt2.param_groups[1]["lr"] == 0.5 and opt2.param_groups[0]["lr"] == 0.1
    assert opt2.param_groups[0]["params"][1] is b2
    np.testing.assert_array_equal(opt2.state[c2]["momentum_buffer"].numpy(),
                                  opt.state[c]["momentum_buffer"].numpy())
    # both continue identically
    for p, q in ((a, a2), (b, b2), (c, c2)):
        q.data = p.detach().clone()
        p.grad = torch.ones_like(p)
        q.grad = torch.ones_like(q)
    opt.step()
    opt2.step()
    for p, q in ((a, a2), (b, b2), (c, c2)):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())

    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([a2], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optim.SGD([{"params": [a2]}, {"params": [b2, c2]}], lr=0.1).load_state_dict(sd)


def _adam_reference(p, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                    amsgrad=False, maximize=False, decoupled=False):
    p = np.array(p, np.float64)
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    vmax = np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        g = -np.asarray(g, np.float64) if maximize else np.asarray(g, np.float64)
        if weight_decay != 0:
            if decoupled:
                p = p * (1 - lr * weight_decay)
            else:
                g = g + weight_decay * p
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        vv = v
        if amsgrad:
            vmax = np.maximum(vmax, v)
            vv = vmax
        denom = np.sqrt(vv) / math.sqrt(1 - betas[1] ** t) + eps
        p = p - lr / (1 - betas[0] ** t) * m / denom
    return p


@pytest.mark.parametrize("cls", ["Adam", "AdamW"])
@pytest.mark.parametrize("kwargs", [dict(), dict(weight_decay=0.1), dict(amsgrad=True),
                                    dict(maximize=True, lr=0.01, betas=(0.8, 0.99))])
def test_adam_against_formula(cls, kwargs):
    rng = np.random.default_rng(1)
    start = rng.standard_normal(7)
    grads = [rng.standard_normal(7) for _ in range(6)]
    p = _param(start, np.float64)
    opt = getattr(optim, cls)([p], **kwargs)
    for g in grads:
        p.grad = torch.tensor(g)
        opt.step()
    if cls == "AdamW":
        kwargs = dict(kwargs, decoupled=True, weight_decay=kwargs.get("weight_decay", 1e-2))
    want = _adam_reference(start, grads, **kwargs)
    np.testing.assert_allclose(p.detach().numpy(), want, rtol=1e-12, atol=1e-14)
    state = opt.state[p]
    assert state["step"].item() == 6.0
    assert state["step"].dtype == torch.float32


def test_adam_errors_and_repr():
    p = _param([1.0])
    with pytest.raises(ValueError, match=r"^Invalid beta parameter at index 0: 1.0$"):
        optim.Adam([p], betas=(1.0, 0.999))
    with pytest.raises(ValueError, match=r"^Invalid epsilon value: -1.0$"):
        optim.Adam([p], eps=-1.0)
    with pytest.raises(ValueError, match="betas must be either both floats or both Tensors"):
        optim.Adam([p], betas=(0.9, 0))
    text = repr(optim.AdamW([p]))
    assert text.startswith("AdamW (\nParameter Group 0\n    amsgrad: False\n"
                           "    betas: (0.9, 0.999)\n")
    assert "    decoupled_weight_decay: True\n" in text and "    weight_decay: 0.01\n" in text


def test_lr_schedulers():
    p = _param([1.0])
    opt = optim.SGD([p], lr=1.0)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(5):
            p.grad = torch.ones_like(p)
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr()[0])
    assert lrs == [1.0, 0.5, 0.5, 0.25, 0.25]
    assert opt.param_groups[0]["initial_lr"] == 1.0

    opt = optim.SGD([_param([1.0])], lr=2.0)
    sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    opt.step()
    sched.step()
    sched.step()
    assert opt.param_groups[0]["lr"] == 0.5

    opt = optim.SGD([_param([1.0])], lr=2.0)
    sched = optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1.0 / (epoch + 1))
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] == 1.0
    assert sched.state_dict()["last_epoch"] == 1

    opt = optim.SGD([_param([1.0])], lr=2.0)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
