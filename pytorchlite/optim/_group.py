"""The step loop shared by RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, ASGD and Rprop.

A subclass gives ``_init_state(group, p, state)`` (fills a new parameter's state) and
``_fused_step(group, params, grads, states)``: one fused C update over the group's parameters
that have a gradient (it also advances their steps). The C updates take float32 and float64
parameters and refuse others (RuntimeError), as SGD's and Adam's do. Steps are float32 0-dim
tensors, as in torch's CPU path.
"""
import pytorchlite

from .optimizer import Optimizer, check_adam_args, check_lr  # noqa: F401 (re-exported)

__all__ = ["GroupOptimizer", "new_step", "to_scalar", "check_lr", "check_adam_args"]


def new_step(value=0.0):
    """A float32 0-dim step counter, as torch keeps it."""
    return pytorchlite.tensor(float(value), dtype=pytorchlite.float32)


def to_scalar(x):
    return x.item() if isinstance(x, pytorchlite.Tensor) else x


def advance(states):
    """Adds one to each state's step tensor; returns the new steps as Python floats."""
    steps = []
    for state in states:
        step_t = state["step"]
        step_t += 1
        steps.append(step_t.item())
    return steps


class GroupOptimizer(Optimizer):
    """Base of the optimizers above: per group, one fused C call."""

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

    def _fused_step(self, group, params, grads, states):
        raise NotImplementedError

    def step(self, closure=None):
        """Perform a single optimization step.

        Args:
            closure (Callable, optional): A closure that reevaluates the model
                and returns the loss.
        """
        loss = self._evaluate(closure)
        name = type(self).__name__
        all_state = self.state
        for group in self.param_groups:
            params, grads, states = [], [], []
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if getattr(grad, "is_sparse", False):
                    raise RuntimeError(f"{name} does not support sparse gradients")
                state = all_state[p]
                if len(state) == 0:
                    self._init_state(group, p, state)
                params.append(p)
                grads.append(grad)
                states.append(state)
            if params:
                self._fused_step(group, params, grads, states)
        return loss
