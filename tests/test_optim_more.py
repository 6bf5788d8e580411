"""RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop, LBFGS and the added learning
rate schedulers: single steps worked out by hand (in NumPy float32), option checks with
torch's exception types and messages, state layout."""
import warnings

import numpy as np
import pytest

import pytorchlite as torch
from pytorchlite import optim
from pytorchlite.optim import lr_scheduler

f32 = np.float32


def _one_step(cls, p0, g, **kw):
    p = torch.tensor(np.array(p0, dtype=f32), requires_grad=True)
    opt = cls([p], **kw)
    p.grad = torch.tensor(np.array(g, dtype=f32))
    opt.step()
    return p.detach().numpy(), opt


P0, G = [1.0, -2.0, 0.5], [2.0, 0.5, -1.0]


def test_adagrad_first_step_by_hand():
    p, opt = _one_step(optim.Adagrad, P0, G, lr=0.1)
    g = np.array(G, f32)
    expected = np.array(P0, f32) - f32(0.1) * g / (np.sqrt(g * g) + f32(1e-10))
    np.testing.assert_allclose(p, expected, rtol=1e-6)
    st = opt.state[opt.param_groups[0]["params"][0]]
    assert list(st) == ["step", "sum"] and st["step"].item() == 1.0


def test_rmsprop_first_step_by_hand():
    p, _ = _one_step(optim.RMSprop, P0, G, lr=0.01)
    g = np.array(G, f32)
    avg = np.sqrt(f32(0.01) * g * g) + f32(1e-8)
    np.testing.assert_allclose(p, np.array(P0, f32) - f32(0.01) * g / avg, rtol=1e-6)


def test_adadelta_first_step_by_hand():
    p, _ = _one_step(optim.Adadelta, P0, G)
    g = np.array(G, f32)
    sq = f32(0.1) * g * g
    delta = np.sqrt(f32(1e-6)) / np.sqrt(sq + f32(1e-6)) * g
    np.testing.assert_allclose(p, np.array(P0, f32) - delta, rtol=1e-6)


def test_adamax_first_step_by_hand():
    p, _ = _one_step(optim.Adamax, P0, G, lr=0.01)
    g = np.array(G, f32)
    expected = np.array(P0, f32) - (0.01 / (1 - 0.9)) * (f32(0.1) * g) / (np.abs(g) + f32(1e-8))
    np.testing.assert_allclose(p, expected, rtol=1e-6)


def test_rprop_two_steps_by_hand():
    p = torch.tensor(np.array(P0, f32), requires_grad=True)
    opt = optim.Rprop([p], lr=0.01)
    for grad in (G, [3.0, -0.5, -2.0]):
        p.grad = torch.tensor(np.array(grad, f32))
        opt.step()
    # first step: every step size is lr; second: 1.2 * lr where the sign held, the element
    # whose gradient changed sign shrinks to 0.5 * lr and does not move
    expected = np.array(P0, f32) - f32(0.01) * np.sign(np.array(G, f32))
    expected -= np.array([f32(0.012), 0.0, f32(0.012) * -1], f32)
    np.testing.assert_allclose(p.detach().numpy(), expected, rtol=1e-6)
    st = opt.state[p]
    np.testing.assert_allclose(st["step_size"].numpy(), [0.012, 0.005, 0.012], rtol=1e-6)
    assert st["prev"].numpy()[1] == 0


def test_asgd_first_step_and_averaging_by_hand():
    p, opt = _one_step(optim.ASGD, P0, G, lr=0.1, lambd=0.01, t0=0)
    g = np.array(G, f32)
    expected = np.array(P0, f32) * f32(1 - 0.01 * 0.1) - f32(0.1) * g
    np.testing.assert_allclose(p, expected, rtol=1e-6)
    st = opt.state[opt.param_groups[0]["params"][0]]
    np.testing.assert_array_equal(st["ax"].numpy(), p)   # mu starts at 1: ax copies p
    assert st["eta"].item() == pytest.approx(0.1 / (1 + 0.01 * 0.1) ** 0.75, rel=1e-6)
    assert st["mu"].item() == 1.0
    assert sorted(st) == ["ax", "eta", "mu", "step"]


def test_maximize_moves_uphill():
    for cls in (optim.RMSprop, optim.Adagrad, optim.Adamax, optim.NAdam, optim.RAdam,
                optim.ASGD, optim.Rprop, optim.Adadelta):
        down, _ = _one_step(cls, P0, G)
        up, _ = _one_step(cls, P0, G, maximize=True)
        assert np.all(np.sign(up - f32(P0)) == np.sign(G)), cls.__name__
        assert np.all(np.sign(down - f32(P0)) == -np.sign(G)), cls.__name__


def test_state_steps_are_float32_scalars_and_float_steps_are_converted():
    for cls in (optim.RMSprop, optim.Adadelta, optim.Adamax, optim.NAdam, optim.RAdam,
                optim.ASGD, optim.Rprop):
        _, opt = _one_step(cls, P0, G)
        sd = opt.state_dict()
        st = sd["state"][0]
        assert st["step"].dtype == torch.float32 and st["step"].dim() == 0
        st["step"] = 1.0  # an old checkpoint's float step
        opt.load_state_dict(sd)
        loaded = opt.state[opt.param_groups[0]["params"][0]]["step"]
        assert isinstance(loaded, torch.Tensor) and loaded.item() == 1.0


def test_nadam_mu_product_is_tracked():
    _, opt = _one_step(optim.NAdam, P0, G)
    st = opt.state[opt.param_groups[0]["params"][0]]
    mu = 0.9 * (1.0 - 0.5 * 0.96 ** 0.004)
    assert st["mu_product"].item() == pytest.approx(mu, rel=1e-6)


@pytest.mark.parametrize("make,exc,msg", [
    (lambda p: optim.RMSprop(p, lr=-1), ValueError, "Invalid learning rate: -1"),
    (lambda p: optim.RMSprop(p, alpha=-0.1), ValueError, "Invalid alpha value: -0.1"),
    (lambda p: optim.RMSprop(p, momentum=-1), ValueError, "Invalid momentum value: -1"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), ValueError, "Invalid lr_decay value: -1"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-1), ValueError,
     "Invalid initial_accumulator_value value: -1"),
    (lambda p: optim.Adagrad(p, fused=True, differentiable=True), RuntimeError,
     "`fused` does not support `differentiable`"),
    (lambda p: optim.Adadelta(p, rho=1.5), ValueError, "Invalid rho value: 1.5"),
    (lambda p: optim.Adadelta(p, eps=-1), ValueError, "Invalid epsilon value: -1"),
    (lambda p: optim.Adamax(p, betas=(1.0, 0.9)), ValueError,
     "Invalid beta parameter at index 0: 1.0"),
    (lambda p: optim.NAdam(p, momentum_decay=-1), ValueError,
     "Invalid momentum_decay value: -1"),
    (lambda p: optim.RAdam(p, betas=(0.9, 1.0)), ValueError,
     "Invalid beta parameter at index 1: 1.0"),
    (lambda p: optim.ASGD(p, weight_decay=-1), ValueError, "Invalid weight_decay value: -1"),
    (lambda p: optim.Rprop(p, etas=(1.5, 1.2)), ValueError, "Invalid eta values: 1.5, 1.2"),
    (lambda p: optim.LBFGS(p, lr=-1), ValueError, "Invalid learning rate: -1"),
    (lambda p: optim.LBFGS([{"params": p}, {"params": [torch.zeros(1, requires_grad=True)]}]),
     ValueError, "LBFGS doesn't support per-parameter options (parameter groups)"),
    (lambda p: optim.Adamax(p, lr=torch.tensor([0.1, 0.2])), ValueError,
     "Tensor lr must be 1-element"),
])
def test_option_errors(make, exc, msg):
    with pytest.raises(exc) as caught:
        make([torch.zeros(2, requires_grad=True)])
    assert str(caught.value) == msg


def test_lbfgs_minimises_a_quadratic_and_rejects_unknown_line_search():
    x = torch.zeros(3, requires_grad=True)
    target = torch.tensor([1.0, -2.0, 3.0])
    opt = optim.LBFGS([x], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((x - target) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(x.detach().numpy(), [1.0, -2.0, 3.0], atol=1e-4)
    bad = optim.LBFGS([torch.zeros(3, requires_grad=True)], line_search_fn="armijo")
    bad_x = bad.param_groups[0]["params"][0]

    def closure2():
        bad.zero_grad()
        loss = ((bad_x - target) ** 2).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        bad.step(closure2)


# ---- schedulers ---------------------------------------------------------------------------


def _opt(lr=1.0, **kw):
    return optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr, **kw)


def _lrs(opt, sched, n):
    out = [sched.get_last_lr()[0]]
    for _ in range(n):
        opt.step()
        sched.step()
        out.append(sched.get_last_lr()[0])
    return out


def test_multistep_and_constant_by_hand():
    o = _opt()
    assert _lrs(o, lr_scheduler.MultiStepLR(o, [2, 4], gamma=0.5), 5) == \
        [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    o = _opt()
    assert _lrs(o, lr_scheduler.ConstantLR(o, factor=0.5, total_iters=2), 3) == \
        [0.5, 0.5, 1.0, 1.0]


def test_reduce_on_plateau_by_hand():
    o = _opt()
    s = lr_scheduler.ReduceLROnPlateau(o, patience=1, factor=0.5)
    seen = []
    for m in [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5]:
        s.step(m)
        seen.append(s.get_last_lr()[0])
    assert seen == [1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25]


@pytest.mark.parametrize("make,exc,msg", [
    (lambda o: lr_scheduler.ConstantLR(o, factor=2), ValueError,
     "Constant multiplicative factor expected to be between 0 and 1."),
    (lambda o: lr_scheduler.LinearLR(o, start_factor=0), ValueError,
     "Starting multiplicative factor expected to be greater than 0 and less or equal to 1."),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), ValueError,
     "Factor should be < 1.0."),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="up"), ValueError,
     "mode up is unknown!"),
    (lambda o: lr_scheduler.CyclicLR(o, 0.1, 1.0, mode="saw"), ValueError,
     "mode is invalid and scale_fn is None"),
    (lambda o: lr_scheduler.OneCycleLR(o, 1.0), ValueError,
     "You must define either total_steps OR (epochs AND steps_per_epoch)"),
    (lambda o: lr_scheduler.OneCycleLR(o, 1.0, total_steps=10, pct_start=2.0), ValueError,
     "Expected float between 0 and 1 pct_start, but got 2.0"),
    (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, 0), ValueError,
     "Expected positive integer T_0, but got 0"),
    (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.ConstantLR(o)], [3]), ValueError,
     "Sequential Schedulers expects number of schedulers provided to be one more than the "
     "number of milestone points, but got number of schedulers 1 and the number of "
     "milestones to be equal to 1"),
    (lambda o: lr_scheduler.ChainedScheduler([]), ValueError,
     "ChainedScheduler expects at least one scheduler to be chained, but got no scheduler."),
    (lambda o: lr_scheduler.MultiplicativeLR(o, 3), TypeError,
     "lr_lambda should be a function, but got int"),
])
def test_scheduler_errors(make, exc, msg):
    with pytest.raises(exc) as caught:
        make(_opt(momentum=0.9))
    assert str(caught.value) == msg


def test_one_cycle_past_total_steps_raises():
    o = _opt(momentum=0.9)
    s = lr_scheduler.OneCycleLR(o, 1.0, total_steps=2)
    o.step()
    s.step()
    s.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        s.step()


def test_get_lr_outside_step_warns():
    o = _opt()
    s = lr_scheduler.PolynomialLR(o)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        s.get_lr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        o.step()
        s.step()


# ---- swa_utils ----------------------------------------------------------------------------


def test_swa_average_of_three_models_by_hand():
    from pytorchlite.optim.swa_utils import AveragedModel
    model = torch.nn.Linear(2, 1)
    avg = AveragedModel(model)
    seen = []
    for value in (1.0, 2.0, 6.0):
        with torch.no_grad():
            model.weight.fill_(value)
        avg.update_parameters(model)
        seen.append(avg.module.weight.detach().numpy().copy())
    np.testing.assert_allclose(np.array(seen)[:, 0, 0], [1.0, 1.5, 3.0])
    assert int(avg.n_averaged) == 3
    out = avg(torch.ones(1, 2))
    assert tuple(out.shape) == (1, 1)


def test_swa_errors_and_update_bn_without_batchnorm():
    from pytorchlite.optim import swa_utils
    with pytest.raises(ValueError, match=r"Invalid decay value 1.5 provided"):
        swa_utils.get_ema_avg_fn(1.5)
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(torch.nn.Linear(1, 1), avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear'"):
        swa_utils.SWALR(_opt(), 0.1, anneal_strategy="step")
    with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0"):
        swa_utils.SWALR(_opt(), 0.1, anneal_epochs=-1)
    model = torch.nn.Linear(2, 1)
    before = model.weight.detach().numpy().copy()
    swa_utils.update_bn([torch.ones(1, 2)], model)  # no BatchNorm layer: nothing to do
    assert model.training
    np.testing.assert_array_equal(model.weight.detach().numpy(), before)
