r"""Implementation for the Adadelta optimizer.

reference: https://pytorch.org/docs/stable/generated/torch.optim.Adadelta.html
"""
import numpy as np

import pytorchlite

from . import _pointwise as pw
from ._single import SingleTensorOptimizer, check_lr, new_step, to_scalar

__all__ = ["Adadelta"]


class Adadelta(SingleTensorOptimizer):
    r"""Implements Adadelta algorithm.

    .. math::
        v_t = \rho v_{t-1} + (1 - \rho) g_t^2, \quad
        \Delta x_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}} g_t, \quad
        u_t = \rho u_{t-1} + (1 - \rho) \Delta x_t^2, \quad
        \theta_t = \theta_{t-1} - \gamma \Delta x_t

    Args:
        params (iterable): iterable of parameters or named_parameters to optimize
            or iterable of dicts defining parameter groups.
        lr (float, Tensor, optional): coefficient that scale delta before it is applied
            to the parameters (default: 1.0)
        rho (float, optional): coefficient used for computing a running average
            of squared gradients (default: 0.9)
        eps (float, optional): term added to the denominator to improve
            numerical stability (default: 1e-6)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        foreach, capturable, differentiable: accepted for compatibility.
        maximize (bool, optional): maximize the objective (default: False)

    Note:
        The update runs in Python on NumPy views, one rounded operation at a time in the
        order of torch's single-tensor path, so float32 parameters match torch's bit for
        bit; a fused C update per group is not written yet.
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
            "maximize": maximize, "capturable": capturable, "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _init_state(self, group, p, state):
        state["step"] = new_step()
        state["square_avg"] = pytorchlite.zeros_like(p)
        state["acc_delta"] = pytorchlite.zeros_like(p)

    def _update(self, group, p, grad, state):
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
