"""The single-tensor replay of RMSprop ... Rprop for the dtypes the fused C updates refuse.

The fused C updates (one call per parameter group) take float32 and float64 parameters. For
float16 and bfloat16 parameters each optimizer falls back to these functions: torch's
single-tensor path replayed in Python on NumPy views, one rounded operation at a time
(``_pointwise``). ``grad`` is a read-only array already negated when ``maximize``; each
function advances the parameter's step and updates it and its state in place.
"""
import numpy as np

from . import _pointwise as pw
from ._group import to_scalar

__all__ = ["rmsprop", "adagrad", "adadelta", "adamax", "nadam", "radam", "asgd", "rprop"]


def rmsprop(group, p, grad, state):
    lr = to_scalar(group["lr"])
    alpha, eps = group["alpha"], group["eps"]
    momentum, wd = group["momentum"], group["weight_decay"]
    param = pw.view(p)
    dt = param.dtype
    state["step"] += 1
    if wd != 0:
        grad = pw.add(grad, param, alpha=wd)
    sq = pw.view(state["square_avg"])
    sq[...] = pw.addcmul(sq * pw.scalar(alpha, dt), grad, grad, value=1 - alpha)
    if group["centered"]:
        ga = pw.view(state["grad_avg"])
        ga[...] = pw.lerp(ga, grad, 1 - alpha)
        avg = np.sqrt(pw.addcmul(sq, ga, ga, value=-1))
    else:
        avg = np.sqrt(sq)
    avg = avg + pw.scalar(eps, dt)
    if momentum > 0:
        buf = pw.view(state["momentum_buffer"])
        buf[...] = pw.addcdiv(buf * pw.scalar(momentum, dt), grad, avg)
        param[...] = pw.add(param, buf, alpha=-lr)
    else:
        param[...] = pw.addcdiv(param, grad, avg, value=-lr)


def adagrad(group, p, grad, state):
    lr = to_scalar(group["lr"])
    param = pw.view(p)
    dt = param.dtype
    state["step"] += 1
    step = state["step"].item()
    if group["weight_decay"] != 0:
        grad = pw.add(grad, param, alpha=group["weight_decay"])
    clr = lr / (1 + (step - 1) * group["lr_decay"])
    acc = pw.view(state["sum"])
    acc[...] = pw.addcmul(acc, grad, grad, value=1)
    std = np.sqrt(acc) + pw.scalar(group["eps"], dt)
    param[...] = pw.addcdiv(param, grad, std, value=-clr)


def adadelta(group, p, grad, state):
    lr = to_scalar(group["lr"])
    rho, eps = group["rho"], group["eps"]
    param = pw.view(p)
    dt = param.dtype
    state["step"] += 1
    if group["weight_decay"] != 0:
        grad = pw.add(grad, param, alpha=group["weight_decay"])
    sq = pw.view(state["square_avg"])
    acc = pw.view(state["acc_delta"])
    sq[...] = pw.addcmul(sq * pw.scalar(rho, dt), grad, grad, value=1 - rho)
    std = np.sqrt(sq + pw.scalar(eps, dt))
    delta = np.sqrt(acc + pw.scalar(eps, dt))
    delta = (delta / std) * grad
    acc[...] = pw.addcmul(acc * pw.scalar(rho, dt), delta, delta, value=1 - rho)
    param[...] = pw.add(param, delta, alpha=-lr)


def adamax(group, p, grad, state):
    lr = to_scalar(group["lr"])
    beta1, beta2 = group["betas"]
    param = pw.view(p)
    dt = param.dtype
    state["step"] += 1
    step = state["step"].item()
    if group["weight_decay"] != 0:
        grad = pw.add(grad, param, alpha=group["weight_decay"])
    exp_avg = pw.view(state["exp_avg"])
    exp_inf = pw.view(state["exp_inf"])
    exp_avg[...] = pw.lerp(exp_avg, grad, 1 - beta1)
    exp_inf[...] = pw.maximum(exp_inf * pw.scalar(beta2, dt),
                              np.abs(grad) + pw.scalar(group["eps"], dt))
    clr = lr / (1 - beta1 ** step)
    param[...] = pw.addcdiv(param, exp_avg, exp_inf, value=-clr)


def nadam(group, p, grad, state):
    lr = to_scalar(group["lr"])
    beta1, beta2 = group["betas"]
    wd, md, eps = group["weight_decay"], group["momentum_decay"], group["eps"]
    param = pw.view(p)
    dt = param.dtype
    state["step"] += 1
    step = state["step"].item()
    bias_correction2 = 1 - beta2 ** step
    if wd != 0:
        if group["decoupled_weight_decay"]:
            param[...] = param * pw.scalar(1 - lr * wd, dt)
        else:
            grad = pw.add(grad, param, alpha=wd)
    mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * md)))
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * md)))
    mu_prod = pw.view(state["mu_product"])
    mu_prod[...] = mu_prod * pw.scalar(mu, mu_prod.dtype)
    exp_avg = pw.view(state["exp_avg"])
    exp_avg_sq = pw.view(state["exp_avg_sq"])
    exp_avg[...] = pw.lerp(exp_avg, grad, 1 - beta1)
    exp_avg_sq[...] = pw.addcmul(exp_avg_sq * pw.scalar(beta2, dt), grad, grad,
                                 value=1 - beta2)
    denom = np.sqrt(exp_avg_sq / pw.scalar(bias_correction2, dt))
    mu_product = float(mu_prod)
    mu_product_next = mu_product * mu_next
    denom = denom + pw.scalar(eps, dt)
    param[...] = pw.addcdiv(param, grad, denom,
                            value=(-lr * (1.0 - mu) / (1.0 - mu_product)))
    param[...] = pw.addcdiv(param, exp_avg, denom,
                            value=(-lr * mu_next) / (1.0 - mu_product_next))


def radam(group, p, grad, state):
    lr = to_scalar(group["lr"])
    beta1, beta2 = group["betas"]
    wd, eps = group["weight_decay"], group["eps"]
    param = pw.view(p)
    dt = param.dtype
    state["step"] += 1
    step = state["step"].item()
    if wd != 0:
        if group["decoupled_weight_decay"]:
            param[...] = param * pw.scalar(1 - lr * wd, dt)
        else:
            grad = pw.add(grad, param, alpha=wd)
    exp_avg = pw.view(state["exp_avg"])
    exp_avg_sq = pw.view(state["exp_avg_sq"])
    exp_avg[...] = pw.lerp(exp_avg, grad, 1 - beta1)
    exp_avg_sq[...] = pw.addcmul(exp_avg_sq * pw.scalar(beta2, dt), grad, grad,
                                 value=1 - beta2)
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    corrected = exp_avg / pw.scalar(bias_correction1, dt)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
    if rho_t > 5.0:
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        # float / Tensor is Tensor.reciprocal() * float in torch
        adaptive = (np.asarray(1, dtype=dt) / (np.sqrt(exp_avg_sq) + pw.scalar(eps, dt))
                    ) * pw.scalar(bias_correction2 ** 0.5, dt)
        update = ((corrected * pw.scalar(lr, dt)) * adaptive) * pw.scalar(rect, dt)
    else:
        update = corrected * pw.scalar(lr, dt)
    param[...] = param - update


def asgd(group, p, grad, state):
    lr = to_scalar(group["lr"])
    lambd, alpha, t0 = group["lambd"], group["alpha"], group["t0"]
    param = pw.view(p)
    dt = param.dtype
    state["step"] += 1
    if group["weight_decay"] != 0:
        grad = pw.add(grad, param, alpha=group["weight_decay"])
    eta_value = state["eta"].item()
    param[...] = param * pw.scalar(1 - lambd * eta_value, dt)
    param[...] = pw.add(param, grad, alpha=-eta_value)
    ax = pw.view(state["ax"])
    mu = pw.view(state["mu"])
    if float(mu) != 1:
        ax[...] = ax + (param - ax) * mu.astype(dt)
    else:
        ax[...] = param
    step = state["step"].item()
    eta = pw.view(state["eta"])
    eta[...] = pw.scalar(lr / ((1 + lambd * lr * step) ** alpha), eta.dtype)
    mu[...] = pw.scalar(1 / max(1, step - t0), mu.dtype)


def rprop(group, p, grad, state):
    etaminus, etaplus = group["etas"]
    step_size_min, step_size_max = group["step_sizes"]
    param = pw.view(p)
    dt = param.dtype
    state["step"] += 1
    prev = pw.view(state["prev"])
    step_size = pw.view(state["step_size"])
    sign = _sign(grad * prev)
    positive, negative, zero = sign > 0, sign < 0, sign == 0
    sign[positive] = pw.scalar(etaplus, dt)
    sign[negative] = pw.scalar(etaminus, dt)
    sign[zero] = 1
    step_size[...] = np.minimum(np.maximum(step_size * sign, pw.scalar(step_size_min, dt)),
                                pw.scalar(step_size_max, dt))
    grad = np.array(grad, copy=True)
    grad[sign == pw.scalar(etaminus, dt)] = 0
    param[...] = pw.fma(-_sign(grad), step_size, param)
    prev[...] = grad


def _sign(x):
    """torch.sign: 0 for zeros and NaN (NumPy's sign keeps NaN)."""
    return np.where(np.isnan(x), np.zeros((), x.dtype), np.sign(x))
