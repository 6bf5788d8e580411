r"""Implementation for the Adamax optimizer.

reference: https://pytorch.org/docs/stable/generated/torch.optim.Adamax.html
"""
import pytorchlite
from pytorchlite import _C

from ._group import GroupOptimizer, advance, check_adam_args, new_step, to_scalar

__all__ = ["Adamax"]


class Adamax(GroupOptimizer):
    r"""Implements Adamax algorithm (a variant of Adam based on infinity norm).

    .. math::
        m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \quad
        u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon), \quad
        \theta_t = \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t} \frac{m_t}{u_t}

    Args:
        params (iterable): iterable of parameters or named_parameters to optimize
            or iterable of dicts defining parameter groups.
        lr (float, Tensor, optional): learning rate (default: 2e-3)
        betas (tuple[float, float], optional): coefficients used for computing
            running averages of gradient and its square (default: (0.9, 0.999))
        eps (float, optional): term added to the denominator to improve
            numerical stability (default: 1e-8)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        foreach, differentiable, capturable: accepted for compatibility.
        maximize (bool, optional): maximize the objective (default: False)

    Note:
        Each parameter group is updated by one fused C call with the operations and
        roundings of torch's single-tensor path, so float32 and float64 parameters match
        torch's bit for bit. float16/bfloat16 parameters are refused (RuntimeError).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        check_adam_args(lr, eps, betas, weight_decay)
        defaults = {
            "lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
            "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def _init_state(self, group, p, state):
        state["step"] = new_step()
        state["exp_avg"] = pytorchlite.zeros_like(p)
        state["exp_inf"] = pytorchlite.zeros_like(p)

    def _fused_step(self, group, params, grads, states):
        lr = to_scalar(group["lr"])
        beta1, beta2 = group["betas"]
        clrs = [lr / (1 - beta1 ** step) for step in advance(states)]
        _C._adamax_step(params, grads, [s["exp_avg"] for s in states],
                        [s["exp_inf"] for s in states], clrs, beta1, beta2, group["eps"],
                        group["weight_decay"], group["maximize"])
