r"""Implementation for the Adagrad optimizer.

reference: https://pytorch.org/docs/stable/generated/torch.optim.Adagrad.html
"""
import pytorchlite
from pytorchlite import _C

from ._group import GroupOptimizer, advance, check_lr, new_step, to_scalar

__all__ = ["Adagrad"]


class Adagrad(GroupOptimizer):
    r"""Implements Adagrad algorithm.

    .. math::
        \tilde\gamma = \frac{\gamma}{1 + (t - 1) \eta}, \quad
        s_t = s_{t-1} + g_t^2, \quad
        \theta_t = \theta_{t-1} - \tilde\gamma \frac{g_t}{\sqrt{s_t} + \epsilon}

    Args:
        params (iterable): iterable of parameters or named_parameters to optimize
            or iterable of dicts defining parameter groups.
        lr (float, Tensor, optional): learning rate (default: 1e-2)
        lr_decay (float, optional): learning rate decay (default: 0)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        initial_accumulator_value (float, optional): initial value of the
            sum of squares of gradients (default: 0)
        eps (float, optional): term added to the denominator to improve
            numerical stability (default: 1e-10)
        foreach, differentiable, fused: accepted for compatibility.
        maximize (bool, optional): maximize the objective (default: False)

    Note:
        Each parameter group is updated by one fused C call with the operations and
        roundings of torch's single-tensor path. torch's CPU ``sqrt`` of a float32 or
        float64 tensor comes from vector math and is not always correctly rounded,
        pytorchlite's is, so parameters can differ from torch's in the last bits. Sparse
        gradients are not supported; float16/bfloat16 parameters are refused (RuntimeError).
    """

    _setstate_defaults = {"foreach": None, "maximize": False, "differentiable": False,
                          "fused": None}

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
                 differentiable=False, fused=None):
        check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
            )
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {
            "lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
            "maximize": maximize, "differentiable": differentiable, "fused": fused,
        }
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(group, p, self.state[p])

    def _init_state(self, group, p, state):
        state["step"] = new_step()
        state["sum"] = pytorchlite.full_like(p, self.defaults["initial_accumulator_value"])

    def _fused_step(self, group, params, grads, states):
        lr, lr_decay = to_scalar(group["lr"]), group["lr_decay"]
        clrs = [lr / (1 + (step - 1) * lr_decay) for step in advance(states)]
        _C._adagrad_step(params, grads, [s["sum"] for s in states], clrs, group["eps"],
                         group["weight_decay"], group["maximize"])
