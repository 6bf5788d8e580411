"""``torch.autograd``: grad-mode switches (no_grad, enable_grad, set_grad_enabled),
``backward`` and ``grad`` over the core's engine, and the submodules (graph: tensor hooks;
function: custom Functions; gradcheck; anomaly_mode; variable).

Each works as a context manager and as a function decorator, as in PyTorch.
"""
import warnings
import functools

from .. import _C

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "backward", "grad", "Function", "Variable", "detect_anomaly", "set_detect_anomaly",
           "gradcheck", "gradgradcheck"]

is_grad_enabled = _C.is_grad_enabled


class _GradMode:
    _enabled = True

    def __enter__(self):
        self._prev = _C._set_grad_enabled(self._enabled)
        return None

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper

    def clone(self):
        return self.__class__()


class no_grad(_GradMode):
    """Context manager (and decorator) that turns gradient recording off."""

    _enabled = False


class enable_grad(_GradMode):
    """Context manager (and decorator) that turns gradient recording on."""

    _enabled = True


class set_grad_enabled(_GradMode):
    """Sets gradient recording on or off; usable as a function or a context manager."""

    def __init__(self, mode):
        self._enabled = bool(mode)
        self._prev = _C._set_grad_enabled(self._enabled)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._prev)
        return False

    def clone(self):
        return self.__class__(self._enabled)


def _as_tuple(x):
    from .._tensor import Tensor

    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _make_grads(outputs, grads):
    """grad_outputs / grad_tensors as a tuple with one entry (Tensor or None) per output."""
    from .._tensor import Tensor

    if grads is None:
        return (None,) * len(outputs)
    if isinstance(grads, Tensor):
        grads = (grads,)
    grads = tuple(grads)
    if len(grads) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grads)} gradients")
    for g in grads:
        if g is not None and not isinstance(g, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None):
    """Computes the sum of the gradients of ``tensors`` w.r.t. the graph leaves, accumulated
    into their ``.grad`` (only into ``inputs``' when given)."""
    if grad_variables is not None:
        grad_tensors = grad_variables
    tensors = _as_tuple(tensors)
    inputs = _as_tuple(inputs)
    if inputs is not None:
        if len(inputs) == 0:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        for t in inputs:
            if not t.requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    grads = _make_grads(tensors, grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    if create_graph and inputs is None:
        warnings.warn("Using backward() with create_graph=True will create a reference cycle "
                      "between the parameter and its gradient which can cause a memory leak. We "
                      "recommend using autograd.grad when creating the graph to avoid this. If you "
                      "have to use this function, make sure to reset the .grad fields of your "
                      "parameters to None after use to break the cycle and avoid the leak.",
                      UserWarning, stacklevel=2)
    _C._run_backward(tensors, grads, bool(retain_graph), inputs, True, bool(create_graph))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Returns the gradients of ``outputs`` w.r.t. ``inputs`` (a tuple, one per input) without
    touching any ``.grad``."""
    from .._tensor import Tensor
    from .. import zeros_like

    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    if is_grads_batched:
        raise NotImplementedError("pytorchlite does not support is_grads_batched=True")
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    for t in inputs:
        if not isinstance(t, Tensor):
            raise TypeError(f"grad(): inputs must be Tensors, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _make_grads(outputs, grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    result = _C._run_backward(outputs, grads, bool(retain_graph), inputs, False, bool(create_graph))
    out = []
    for i, (g, t) in enumerate(zip(result, inputs)):
        if g is None:
            if materialize_grads:
                g = zeros_like(t)
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
        out.append(g)
    return tuple(out)


from . import graph  # noqa: E402
from . import function  # noqa: E402
from .function import Function  # noqa: E402
from .variable import Variable  # noqa: E402
from .anomaly_mode import detect_anomaly, set_detect_anomaly  # noqa: E402
from .grad_mode import inference_mode  # noqa: E402
from . import gradcheck as _gradcheck_module  # noqa: E402
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402
from . import functional  # noqa: E402
