r"""Implementation for the RMSprop optimizer.

reference: https://pytorch.org/docs/stable/generated/torch.optim.RMSprop.html
"""
import pytorchlite
from pytorchlite import _C

from ._group import GroupOptimizer, advance, check_lr, new_step, to_scalar

__all__ = ["RMSprop"]


class RMSprop(GroupOptimizer):
    r"""Implements RMSprop algorithm.

    .. math::
        v_t = \alpha v_{t-1} + (1 - \alpha) g_t^2, \quad
        \theta_t = \theta_{t-1} - \gamma \frac{g_t}{\sqrt{v_t} + \epsilon}

    with ``centered`` subtracting the squared running mean of the gradient from
    :math:`v_t` and ``momentum`` keeping a buffer :math:`b_t = \mu b_{t-1} + g_t / (\sqrt{v_t}
    + \epsilon)`.

    Args:
        params (iterable): iterable of parameters or named_parameters to optimize
            or iterable of dicts defining parameter groups.
        lr (float, Tensor, optional): learning rate (default: 1e-2)
        alpha (float, optional): smoothing constant (default: 0.99)
        eps (float, optional): term added to the denominator to improve
            numerical stability (default: 1e-8)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        momentum (float, optional): momentum factor (default: 0)
        centered (bool, optional): if ``True``, compute the centered RMSProp, the
            gradient is normalized by an estimation of its variance (default: False)
        capturable, foreach, differentiable: accepted for compatibility.
        maximize (bool, optional): maximize the objective (default: False)

    Note:
        Each parameter group is updated by one fused C call with the operations and
        roundings of torch's single-tensor path. torch's CPU ``sqrt`` of a float32 or
        float64 tensor comes from vector math and is not always correctly rounded,
        pytorchlite's is, so parameters can differ from torch's in the last bits.
        float16/bfloat16 parameters are refused (RuntimeError).
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {
            "lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
            "centered": centered, "weight_decay": weight_decay, "capturable": capturable,
            "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state):
        for group in state.get("param_groups", []):
            group.setdefault("momentum", 0)
            group.setdefault("centered", False)
        super().__setstate__(state)

    def _init_state(self, group, p, state):
        state["step"] = new_step()
        state["square_avg"] = pytorchlite.zeros_like(p)
        if group["momentum"] > 0:
            state["momentum_buffer"] = pytorchlite.zeros_like(p)
        if group["centered"]:
            state["grad_avg"] = pytorchlite.zeros_like(p)

    def _fused_step(self, group, params, grads, states):
        advance(states)
        centered, momentum = group["centered"], group["momentum"]
        _C._rmsprop_step(
            params, grads, [s["square_avg"] for s in states],
            [s["grad_avg"] for s in states] if centered else None,
            [s["momentum_buffer"] for s in states] if momentum > 0 else None,
            to_scalar(group["lr"]), group["alpha"], group["eps"], group["weight_decay"],
            momentum, centered, group["maximize"])
