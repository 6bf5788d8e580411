r"""Implementation for the Adadelta optimizer.

reference: https://pytorch.org/docs/stable/generated/torch.optim.Adadelta.html
"""
import pytorchlite
from pytorchlite import _C

from ._group import GroupOptimizer, advance, check_lr, new_step, to_scalar

__all__ = ["Adadelta"]


class Adadelta(GroupOptimizer):
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
        Each parameter group is updated by one fused C call with the operations and
        roundings of torch's single-tensor path. torch's CPU ``sqrt`` of a float32 or
        float64 tensor comes from vector math and is not always correctly rounded,
        pytorchlite's is, so parameters can differ from torch's in the last bits.
        float16/bfloat16 parameters are refused (RuntimeError).
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

    def _fused_step(self, group, params, grads, states):
        advance(states)
        _C._adadelta_step(params, grads, [s["square_avg"] for s in states],
                          [s["acc_delta"] for s in states], to_scalar(group["lr"]),
                          group["rho"], group["eps"], group["weight_decay"], group["maximize"])
