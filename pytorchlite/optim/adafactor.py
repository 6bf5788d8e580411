r"""Implementation for the Adafactor optimizer (PyTorch 2.13's variant).

reference: https://pytorch.org/docs/stable/generated/torch.optim.Adafactor.html
"""
import pytorchlite

from . import _pointwise as pw
from ._group import new_step, to_scalar
from .optimizer import Optimizer

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    r"""Implements the Adafactor algorithm: second moments kept factored (one row and one
    column average per matrix, the full variance for vectors), relative step sizes and update
    clipping.

    .. math::
        \rho_t = \min(\gamma, 1/\sqrt{t}), \quad
        \alpha_t = \max(\epsilon_2, \mathrm{RMS}(\theta_{t-1})) \rho_t, \quad
        \hat\beta_{2t} = 1 - t^{c}

    Args:
        params (iterable): iterable of parameters or named_parameters to optimize
            or iterable of dicts defining parameter groups.
        lr (float, Tensor, optional): unlike other optimizers, Adafactor does not require a
            learning rate; it caps the relative step size (default: 1e-2)
        beta2_decay (float, optional): the decay rate c of beta2 (default: -0.8)
        eps (tuple[float, float], optional): epsilon1 added to the denominator (None picks
            the dtype's machine epsilon) and epsilon2 bounding the parameter RMS
            (default: (None, 1e-3))
        d (float, optional): the clipping threshold of the update RMS (default: 1.0)
        weight_decay (float, optional): weight decay coefficient (default: 1e-2 in the
            paper, 0.0 here as in PyTorch)
        foreach (bool, optional): accepted for compatibility.
        maximize (bool, optional): maximize the objective (default: False)

    Note:
        The update follows torch's single-tensor path op for op (the CPU default); the
        matrix products and norms run as pytorchlite tensor ops.
    """

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0,
                 weight_decay=0.0, *, foreach=None, maximize=False):
        if isinstance(lr, pytorchlite.Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            for p in group["params"]:
                p_state = self.state.get(p, [])
                if len(p_state) != 0 and not isinstance(p_state["step"], pytorchlite.Tensor):
                    p_state["step"] = new_step(float(p_state["step"]))

    def _init_state(self, p, state):
        state["step"] = new_step()
        grad = p.grad
        if grad.dim() > 1:
            row_shape = list(grad.shape)
            row_shape[-1] = 1
            state["row_var"] = grad.new_zeros(row_shape)
            col_shape = list(grad.shape)
            col_shape[-2] = 1
            state["col_var"] = grad.new_zeros(col_shape)
        else:
            state["variance"] = pytorchlite.zeros_like(grad)

    def step(self, closure=None):
        """Perform a single optimization step.

        Args:
            closure (Callable, optional): A closure that reevaluates the model
                and returns the loss.
        """
        loss = self._evaluate(closure)
        with pytorchlite.no_grad():
            for group in self.param_groups:
                params = []
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    if getattr(p.grad, "is_sparse", False):
                        raise RuntimeError("Adafactor does not support sparse gradients")
                    if len(self.state[p]) == 0:
                        self._init_state(p, self.state[p])
                    params.append(p)
                self._update_group(group, params)
        return loss

    def _update_group(self, group, params):
        eps1, eps2 = group["eps"]
        lr = to_scalar(group["lr"])
        d, weight_decay = group["d"], group["weight_decay"]
        for param in params:
            state = self.state[param]
            grad = -param.grad if group["maximize"] else param.grad
            if eps1 is None:  # as in torch, the first parameter's dtype fixes it for the group
                eps1 = pytorchlite.finfo(param.dtype).eps
            state["step"] += 1
            step_float = state["step"].item()
            one_minus_beta2_t = step_float ** group["beta2_decay"]
            rho_t = min(lr, 1 / (step_float ** 0.5))
            alpha = max(eps2, param.norm(2).item() / (param.numel() ** 0.5)) * rho_t
            if weight_decay != 0:
                param.mul_(1 - lr * weight_decay)
            if grad.dim() > 1:
                row_var, col_var = state["row_var"], state["col_var"]
                row_mean = grad.norm(2, -1, keepdim=True).square().div(grad.shape[-1])
                _lerp_(row_var, row_mean, one_minus_beta2_t)
                col_mean = grad.norm(2, -2, keepdim=True).square().div(grad.shape[-2])
                _lerp_(col_var, col_mean, one_minus_beta2_t)
                var_estimate = row_var.matmul(col_var)
                var_estimate = var_estimate.div(row_var.mean(-2, keepdim=True)
                                                .clamp(min=eps1))
            else:
                variance = state["variance"]
                _lerp_(variance, grad * grad, one_minus_beta2_t)
                var_estimate = variance.clone()
            update = var_estimate.clamp(min=eps1 * eps1).rsqrt().mul(grad)
            denom = max(1.0, update.norm(2).item() / ((update.numel() ** 0.5) * d))
            param.add_(update, alpha=-alpha / denom)


def _lerp_(t, end, weight):
    """t.lerp_(end, weight) with torch's CPU rounding."""
    view = pw.view(t)
    view[...] = pw.lerp(view, pw.view(end.contiguous()), weight)
