r"""Implementation for the RAdam optimizer.

reference: https://pytorch.org/docs/stable/generated/torch.optim.RAdam.html
"""
import pytorchlite
from pytorchlite import _C

from ._group import GroupOptimizer, advance, check_adam_args, new_step, to_scalar

__all__ = ["RAdam"]


class RAdam(GroupOptimizer):
    r"""Implements RAdam algorithm (Adam with a rectified adaptive learning rate).

    .. math::
        \rho_\infty = \frac{2}{1 - \beta_2} - 1, \quad
        \rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1 - \beta_2^t}

    and, when :math:`\rho_t > 5`, the Adam step scaled by
    :math:`r_t = \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\rho_\infty}{(\rho_\infty - 4)
    (\rho_\infty - 2) \rho_t}}`, otherwise the bias-corrected momentum step.

    Args:
        params (iterable): iterable of parameters or named_parameters to optimize
            or iterable of dicts defining parameter groups.
        lr (float, Tensor, optional): learning rate (default: 1e-3)
        betas (tuple[float, float], optional): (default: (0.9, 0.999))
        eps (float, optional): (default: 1e-8)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        decoupled_weight_decay (bool, optional): whether to decouple the weight
            decay as in AdamW to obtain RAdamW (default: False)
        foreach, capturable, differentiable: accepted for compatibility.
        maximize (bool, optional): maximize the objective (default: False)

    Note:
        Each parameter group is updated by one fused C call with the operations and
        roundings of torch's single-tensor path. torch's CPU ``sqrt`` of a float32 or
        float64 tensor comes from vector math and is not always correctly rounded,
        pytorchlite's is, so parameters can differ from torch's in the last bits once
        :math:`\rho_t > 5` (before that they are bitwise equal). float16/bfloat16 parameters
        are refused (RuntimeError).
    """

    _setstate_defaults = {"foreach": None, "maximize": False, "differentiable": False,
                          "capturable": False, "decoupled_weight_decay": False}

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        check_adam_args(lr, eps, betas, weight_decay)
        defaults = {
            "lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
            "maximize": maximize, "foreach": foreach, "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _init_state(self, group, p, state):
        state["step"] = new_step()
        state["exp_avg"] = pytorchlite.zeros_like(p)
        state["exp_avg_sq"] = pytorchlite.zeros_like(p)

    def _fused_step(self, group, params, grads, states):
        beta1, beta2 = group["betas"]
        bc1s, bc2_sqrts, rects = [], [], []
        rho_inf = 2 / (1 - beta2) - 1
        for step in advance(states):
            # torch's Python expressions, per parameter
            bias_correction2 = 1 - beta2 ** step
            rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
            bc1s.append(1 - beta1 ** step)
            bc2_sqrts.append(bias_correction2 ** 0.5)
            rects.append(((rho_t - 4) * (rho_t - 2) * rho_inf
                          / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                         if rho_t > 5.0 else 0.0)
        _C._radam_step(params, grads, [s["exp_avg"] for s in states],
                       [s["exp_avg_sq"] for s in states], bc1s, bc2_sqrts, rects,
                       to_scalar(group["lr"]), beta1, beta2, group["eps"],
                       group["weight_decay"], group["decoupled_weight_decay"],
                       group["maximize"])
