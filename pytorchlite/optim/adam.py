r"""Implementation for the Adam and AdamW optimizers.

reference: https://pytorch.org/docs/stable/generated/torch.optim.Adam.html
reference: https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html
"""
import pytorchlite
from pytorchlite import _C

from .optimizer import Optimizer, _check_fused_flags, check_adam_args

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    r"""Implements Adam algorithm.

    Per parameter, with :math:`g_t` the gradient (negated when ``maximize``):

    .. math::
        m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \quad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2, \quad
        \theta_t = \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t}
            \frac{m_t}{\sqrt{v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

    with L2 weight decay added to :math:`g_t` (or, when ``decoupled_weight_decay``, the
    parameter scaled by :math:`1 - \gamma\lambda` first) and :math:`v_t` replaced by its
    running maximum when ``amsgrad``.

    Args:
        params (iterable): iterable of parameters or named_parameters to optimize
            or iterable of dicts defining parameter groups.
        lr (float, Tensor, optional): learning rate (default: 1e-3)
        betas (tuple[float, float], optional): coefficients used for computing
            running averages of gradient and its square (default: (0.9, 0.999))
        eps (float, optional): term added to the denominator to improve
            numerical stability (default: 1e-8)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        amsgrad (bool, optional): whether to use the AMSGrad variant (default: False)
        foreach, capturable, differentiable, fused: accepted for compatibility.
        maximize (bool, optional): maximize the objective (default: False)
        decoupled_weight_decay (bool, optional): AdamW's decoupled weight decay
            (default: False)

    Note:
        Each parameter group is updated by one fused C call with PyTorch's operation
        order. PyTorch's CPU ``sqrt`` is not correctly rounded (vendor vector math), while
        pytorchlite's is, so parameters can differ from torch's in the last bit.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        check_adam_args(lr, eps, betas, weight_decay)
        if not (
            (isinstance(betas[0], float) and isinstance(betas[1], float))
            or (isinstance(betas[0], pytorchlite.Tensor)
                and isinstance(betas[1], pytorchlite.Tensor))
        ):
            raise ValueError("betas must be either both floats or both Tensors")
        betas = tuple(b.item() if isinstance(b, pytorchlite.Tensor) else b for b in betas)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)
        _check_fused_flags(fused, differentiable, foreach)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            group.setdefault("fused", None)
            for p in group["params"]:
                p_state = self.state.get(p, [])
                if len(p_state) != 0 and not isinstance(p_state["step"], pytorchlite.Tensor):
                    p_state["step"] = pytorchlite.tensor(float(p_state["step"]),
                                                         dtype=pytorchlite.float32)

    def step(self, closure=None):
        """Perform a single optimization step.

        Args:
            closure (Callable, optional): A closure that reevaluates the model
                and returns the loss.
        """
        loss = self._evaluate(closure)

        state = self.state
        for group in self.param_groups:
            amsgrad = group["amsgrad"]
            params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps = [], [], [], [], [], []
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                params.append(p)
                grads.append(grad)
                s = state[p]
                if len(s) == 0:
                    s["step"] = pytorchlite.tensor(0.0, dtype=pytorchlite.float32)
                    s["exp_avg"] = pytorchlite.zeros_like(p)
                    s["exp_avg_sq"] = pytorchlite.zeros_like(p)
                    if amsgrad:
                        s["max_exp_avg_sq"] = pytorchlite.zeros_like(p)
                exp_avgs.append(s["exp_avg"])
                exp_avg_sqs.append(s["exp_avg_sq"])
                if amsgrad:
                    max_exp_avg_sqs.append(s["max_exp_avg_sq"])
                step_t = s["step"]
                step_t += 1
                steps.append(step_t.item())
            if not params:
                continue
            beta1, beta2 = group["betas"]
            _C._adam_step(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps,
                          group["lr"], beta1, beta2, group["eps"], group["weight_decay"],
                          amsgrad, group["maximize"], group["decoupled_weight_decay"])
        return loss


class AdamW(Adam):
    r"""Implements AdamW algorithm: Adam with decoupled weight decay.

    Args:
        params (iterable): iterable of parameters or named_parameters to optimize
            or iterable of dicts defining parameter groups.
        lr (float, Tensor, optional): learning rate (default: 1e-3)
        betas (tuple[float, float], optional): (default: (0.9, 0.999))
        eps (float, optional): (default: 1e-8)
        weight_decay (float, optional): weight decay coefficient (default: 1e-2)
        amsgrad (bool, optional): whether to use the AMSGrad variant (default: False)
        maximize, foreach, capturable, differentiable, fused: as for :class:`Adam`.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
