"""The step loop shared by the optimizers that replay torch's single-tensor path in Python.

A subclass gives ``_init_state(group, p, state)`` (fills a new parameter's state) and
``_update(group, p, grad, state)`` (one parameter's update on NumPy views; ``grad`` is a
read-only array already negated when ``maximize``). Steps are float32 0-dim tensors, as in
torch's CPU path.
"""
import pytorchlite

from . import _pointwise as pw
from .optimizer import Optimizer, check_adam_args, check_lr  # noqa: F401 (re-exported)

__all__ = ["SingleTensorOptimizer", "new_step", "check_lr"]


def new_step(value=0.0):
    """A float32 0-dim step counter, as torch keeps it."""
    return pytorchlite.tensor(float(value), dtype=pytorchlite.float32)


def to_scalar(x):
    return x.item() if isinstance(x, pytorchlite.Tensor) else x


class SingleTensorOptimizer(Optimizer):
    """Base of the Python-path optimizers: one loop over groups and parameters."""

    _setstate_defaults = {"foreach": None, "maximize": False, "differentiable": False,
                          "capturable": False}
    _tensor_state_keys = ("step",)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            for key, value in self._setstate_defaults.items():
                group.setdefault(key, value)
            for p in group["params"]:
                p_state = self.state.get(p, [])
                if len(p_state) == 0:
                    continue
                for key in self._tensor_state_keys:
                    if key in p_state and not isinstance(p_state[key], pytorchlite.Tensor):
                        p_state[key] = new_step(float(p_state[key]))

    def _init_state(self, group, p, state):
        raise NotImplementedError

    def _update(self, group, p, grad, state):
        raise NotImplementedError

    def step(self, closure=None):
        """Perform a single optimization step.

        Args:
            closure (Callable, optional): A closure that reevaluates the model
                and returns the loss.
        """
        loss = self._evaluate(closure)
        name = type(self).__name__
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if getattr(p.grad, "is_sparse", False):
                    raise RuntimeError(f"{name} does not support sparse gradients")
                state = self.state[p]
                if len(state) == 0:
                    self._init_state(group, p, state)
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = pw.view(p.grad)
                if group["maximize"]:
                    grad = -grad
                with pytorchlite.no_grad():
                    self._update(group, p, grad, self.state[p])
        return loss
