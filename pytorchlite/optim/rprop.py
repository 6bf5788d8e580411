r"""Implementation for the Rprop (resilient backpropagation) optimizer.

reference: https://pytorch.org/docs/stable/generated/torch.optim.Rprop.html
"""
import pytorchlite
from pytorchlite import _C

from ._group import GroupOptimizer, advance, check_lr, new_step, to_scalar

__all__ = ["Rprop"]


class Rprop(GroupOptimizer):
    r"""Implements the resilient backpropagation algorithm.

    Each element's step size grows by ``etaplus`` while its gradient keeps its sign and
    shrinks by ``etaminus`` when the sign flips (that step then skips the element); the
    parameter moves by the step size against the gradient's sign.

    Args:
        params (iterable): iterable of parameters or named_parameters to optimize
            or iterable of dicts defining parameter groups.
        lr (float, Tensor, optional): learning rate (default: 1e-2)
        etas (Tuple[float, float], optional): pair of (etaminus, etaplus), that
            are multiplicative increase and decrease factors (default: (0.5, 1.2))
        step_sizes (Tuple[float, float], optional): a pair of minimal and
            maximal allowed step sizes (default: (1e-6, 50))
        capturable, foreach, differentiable: accepted for compatibility.
        maximize (bool, optional): maximize the objective (default: False)

    Note:
        Each parameter group is updated by one fused C call with the operations and
        roundings of torch's single-tensor path (``torch.sign`` of NaN is 0, so a NaN
        gradient leaves its element alone), so float32 and float64 parameters match torch's
        bit for bit. float16/bfloat16 parameters are refused (RuntimeError).
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {
            "lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
            "maximize": maximize, "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def _init_state(self, group, p, state):
        state["step"] = new_step()
        state["prev"] = pytorchlite.zeros_like(p)
        state["step_size"] = pytorchlite.full_like(p.grad, to_scalar(group["lr"]))

    def _fused_step(self, group, params, grads, states):
        advance(states)
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        _C._rprop_step(params, grads, [s["prev"] for s in states],
                       [s["step_size"] for s in states], etaminus, etaplus, step_size_min,
                       step_size_max, group["maximize"])
