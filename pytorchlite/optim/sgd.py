r"""Implementation for Stochastic Gradient Descent optimizer.

reference: https://pytorch.org/docs/stable/generated/torch.optim.SGD.html
"""
import pytorchlite
from pytorchlite import _C

from .optimizer import Optimizer, _check_fused_flags

__all__ = ["SGD", "sgd"]


class SGD(Optimizer):
    r"""Implements stochastic gradient descent (optionally with momentum).

    .. math::
       \begin{aligned}
            &\textbf{for} \: t=1 \: \textbf{to} \: \ldots \: \textbf{do}                      \\
            &\hspace{5mm} g_t \leftarrow \pm\nabla_{\theta} f_t (\theta_{t-1})
                \quad (- \text{ if maximize})                                              \\
            &\hspace{5mm}\textbf{if} \: \lambda \neq 0:
                \: g_t \leftarrow g_t + \lambda \theta_{t-1}                               \\
            &\hspace{5mm}\textbf{if} \: \mu \neq 0:                                         \\
            &\hspace{10mm} \textbf{b}_t \leftarrow \mu \textbf{b}_{t-1} + (1-\tau) g_t
                \: (t > 1), \quad \textbf{b}_1 \leftarrow g_1                              \\
            &\hspace{10mm} g_t \leftarrow g_t + \mu \textbf{b}_t \text{ if nesterov else }
                \textbf{b}_t                                                               \\
            &\hspace{5mm}\theta_t \leftarrow \theta_{t-1} - \gamma g_t
       \end{aligned}

    Args:
        params (iterable): iterable of parameters or named_parameters to optimize
            or iterable of dicts defining parameter groups.
        lr (float, Tensor, optional): learning rate (default: 1e-3)
        momentum (float, optional): momentum factor (default: 0)
        dampening (float, optional): dampening for momentum (default: 0)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        nesterov (bool, optional): enables Nesterov momentum. Only applicable
            when momentum is non-zero. (default: False)
        maximize (bool, optional): maximize the objective with respect to the
            params, instead of minimizing (default: False)
        foreach (bool, optional): accepted for compatibility (default: None)
        differentiable (bool, optional): accepted for compatibility (default: False)
        fused (bool, optional): accepted for compatibility (default: None)

    Note:
        Every parameter group is updated by one fused C call with the operations of
        PyTorch's CPU path, so results are bitwise equal to ``torch.optim.SGD``'s.
        ``foreach``, ``fused`` and ``differentiable`` do not change the computation;
        the update is never recorded by autograd.

        The momentum buffer starts as a copy of the first gradient (not dampened), and
        the update is ``v = mu * v + (1 - tau) * g; p = p - lr * v``, which differs from
        Sutskever et al.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        if isinstance(lr, pytorchlite.Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")

        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

        _check_fused_flags(fused, differentiable, foreach)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def step(self, closure=None):
        """Perform a single optimization step.

        Args:
            closure (Callable, optional): A closure that reevaluates the model
                and returns the loss.
        """
        loss = self._evaluate(closure)

        state = self.state
        for group in self.param_groups:
            params = []
            grads = []
            for p in group["params"]:
                grad = p.grad
                if grad is not None:
                    params.append(p)
                    grads.append(grad)
            momentum = group["momentum"]
            if momentum != 0:
                bufs = [state[p].get("momentum_buffer") for p in params]
            else:
                bufs = None
            bufs = _C._sgd_step(params, grads, bufs, group["lr"], momentum,
                                group["dampening"], group["weight_decay"],
                                group["nesterov"], group["maximize"])
            if bufs is not None:
                for p, buf in zip(params, bufs):
                    state[p]["momentum_buffer"] = buf
        return loss


def sgd(params, d_p_list, momentum_buffer_list, has_sparse_grad=False, foreach=None,
        fused=None, grad_scale=None, found_inf=None, *, weight_decay, momentum, lr,
        dampening, nesterov, maximize):
    r"""Functional API that performs SGD algorithm computation.

    See :class:`~torch.optim.SGD` for details. ``momentum_buffer_list`` is updated in
    place: its ``None`` entries are replaced by the new buffers.
    """
    if grad_scale is not None or found_inf is not None:
        raise RuntimeError("sgd: grad_scale and found_inf are not supported")
    bufs = list(momentum_buffer_list) if momentum != 0 else None
    new = _C._sgd_step(list(params), list(d_p_list), bufs, lr, momentum, dampening,
                       weight_decay, nesterov, maximize)
    if new is not None:
        momentum_buffer_list[:] = new
