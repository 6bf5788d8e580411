r"""Implementation for the ASGD (averaged stochastic gradient descent) optimizer.

reference: https://pytorch.org/docs/stable/generated/torch.optim.ASGD.html
"""
import pytorchlite
from pytorchlite import _C

from ._group import GroupOptimizer, advance, check_lr, new_step, to_scalar

__all__ = ["ASGD"]


class ASGD(GroupOptimizer):
    r"""Implements Averaged Stochastic Gradient Descent.

    .. math::
        \theta_t = (1 - \lambda \eta_{t-1}) \theta_{t-1} - \eta_{t-1} g_t, \quad
        \bar\theta_t = \bar\theta_{t-1} + \mu_{t-1} (\theta_t - \bar\theta_{t-1}), \quad
        \eta_t = \frac{\gamma}{(1 + \lambda \gamma t)^\alpha}, \quad
        \mu_t = \frac{1}{\max(1, t - t_0)}

    Args:
        params (iterable): iterable of parameters or named_parameters to optimize
            or iterable of dicts defining parameter groups.
        lr (float, Tensor, optional): learning rate (default: 1e-2)
        lambd (float, optional): decay term (default: 1e-4)
        alpha (float, optional): power for eta update (default: 0.75)
        t0 (float, optional): point at which to start averaging (default: 1e6)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        foreach, differentiable, capturable: accepted for compatibility.
        maximize (bool, optional): maximize the objective (default: False)

    Note:
        Each parameter group is updated by one fused C call with the operations and
        roundings of torch's single-tensor path (``eta`` and ``mu`` are float32 0-dim
        tensors, as in torch), so float32 and float64 parameters match torch's bit for bit.
        float16/bfloat16 parameters are refused (RuntimeError).
    """

    _tensor_state_keys = ("step", "eta", "mu")

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        check_lr(lr)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
            "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
            "differentiable": differentiable, "capturable": capturable,
        }
        super().__init__(params, defaults)

    def _init_state(self, group, p, state):
        state["step"] = new_step()
        state["eta"] = new_step(to_scalar(group["lr"]))
        state["mu"] = new_step(1.0)
        state["ax"] = pytorchlite.zeros_like(p)

    def _fused_step(self, group, params, grads, states):
        lr = to_scalar(group["lr"])
        lambd, alpha, t0 = group["lambd"], group["alpha"], group["t0"]
        steps = advance(states)
        # eta and mu for the next step, as torch computes them in Python
        new_etas = [lr / ((1 + lambd * lr * step) ** alpha) for step in steps]
        new_mus = [1 / max(1, step - t0) for step in steps]
        _C._asgd_step(params, grads, [s["ax"] for s in states], [s["eta"] for s in states],
                      [s["mu"] for s in states], new_etas, new_mus, lambd,
                      group["weight_decay"], group["maximize"])
