r"""Implementation for the NAdam optimizer.

reference: https://pytorch.org/docs/stable/generated/torch.optim.NAdam.html
"""
import pytorchlite
from pytorchlite import _C

from ._group import GroupOptimizer, advance, check_adam_args, new_step, to_scalar

__all__ = ["NAdam"]


class NAdam(GroupOptimizer):
    r"""Implements NAdam algorithm (Adam with Nesterov momentum).

    .. math::
        \mu_t = \beta_1 (1 - \tfrac12 0.96^{t \psi}), \quad
        \theta_t = \theta_{t-1} - \gamma \frac{\mu_{t+1} m_t}{1 - \prod_{i=1}^{t+1} \mu_i}
            / (\sqrt{\hat v_t} + \epsilon)
            - \gamma \frac{(1 - \mu_t) g_t}{1 - \prod_{i=1}^{t} \mu_i} / (\sqrt{\hat v_t}
            + \epsilon)

    Args:
        params (iterable): iterable of parameters or named_parameters to optimize
            or iterable of dicts defining parameter groups.
        lr (float, Tensor, optional): learning rate (default: 2e-3)
        betas (tuple[float, float], optional): (default: (0.9, 0.999))
        eps (float, optional): (default: 1e-8)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        momentum_decay (float, optional): momentum momentum_decay (default: 4e-3)
        decoupled_weight_decay (bool, optional): whether to decouple the weight
            decay as in AdamW to obtain NAdamW (default: False)
        foreach, capturable, differentiable: accepted for compatibility.
        maximize (bool, optional): maximize the objective (default: False)

    Note:
        Each parameter group is updated by one fused C call with the operations and
        roundings of torch's single-tensor path (``mu_product`` is a float32 0-dim tensor,
        as in torch). torch's CPU ``sqrt`` of a float32 or float64 tensor comes from vector
        math and is not always correctly rounded, pytorchlite's is, so parameters can differ
        from torch's in the last bits. float16/bfloat16 parameters are refused
        (RuntimeError).
    """

    _setstate_defaults = {"foreach": None, "maximize": False, "differentiable": False,
                          "capturable": False, "decoupled_weight_decay": False}
    _tensor_state_keys = ("step", "mu_product")

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        check_adam_args(lr, eps, betas, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {
            "lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
            "foreach": foreach, "capturable": capturable, "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _init_state(self, group, p, state):
        state["step"] = new_step()
        state["mu_product"] = new_step(1.0)
        state["exp_avg"] = pytorchlite.zeros_like(p)
        state["exp_avg_sq"] = pytorchlite.zeros_like(p)

    def _fused_step(self, group, params, grads, states):
        beta1, beta2 = group["betas"]
        md = group["momentum_decay"]
        steps = advance(states)
        # torch's Python expressions, per parameter
        bc2s = [1 - beta2 ** step for step in steps]
        mus = [beta1 * (1.0 - 0.5 * (0.96 ** (step * md))) for step in steps]
        mu_nexts = [beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * md))) for step in steps]
        _C._nadam_step(params, grads, [s["exp_avg"] for s in states],
                       [s["exp_avg_sq"] for s in states], [s["mu_product"] for s in states],
                       bc2s, mus, mu_nexts, to_scalar(group["lr"]), beta1, beta2,
                       group["eps"], group["weight_decay"], group["decoupled_weight_decay"],
                       group["maximize"])
