"""``torch.autograd.gradcheck``: the analytical Jacobian (from backward) against central
finite differences, as PyTorch's slow mode computes them.

Note: ``check_undefined_grad``, ``check_batched_grad``, forward-mode AD and ``fast_mode`` are
accepted but not run. ``gradgradcheck`` draws its random ``grad_outputs`` from the global
generator, uniform in [-1, 1) (PyTorch's make_tensor draws differently), so the points checked
differ from PyTorch's while the verdicts agree.
"""
import itertools
import warnings

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck and gradgradcheck when a check fails."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _is_tensor(x):
    from .. import _C

    return isinstance(x, _C.TensorBase)


def _differentiable_outputs(out):
    return tuple(o for o in _as_tuple(out) if _is_tensor(o) and o.requires_grad)


def _all_outputs(out):
    return tuple(o for o in _as_tuple(out) if _is_tensor(o))


def _indices(shape):
    return itertools.product(*[range(s) for s in shape])


def _numerical_jacobians(func, inputs, wrt, eps):
    """[input][output] -> Jacobian of shape (input.numel(), output.numel())."""
    from .. import no_grad, zeros

    with no_grad():
        n_out = [o.numel() for o in _all_outputs(func(*inputs))]
    jac = [[zeros(inputs[i].numel(), n, dtype=inputs[i].dtype) for n in n_out] for i in wrt]
    with no_grad():
        for a, i in enumerate(wrt):
            x = inputs[i].detach()
            for k, idx in enumerate(_indices(x.shape)):
                orig = x[idx].item()
                x[idx] = orig - eps
                minus = [o.detach().reshape(-1).clone() for o in _all_outputs(func(*inputs))]
                x[idx] = orig + eps
                plus = [o.detach().reshape(-1).clone() for o in _all_outputs(func(*inputs))]
                x[idx] = orig
                for j, (p, m) in enumerate(zip(plus, minus)):
                    jac[a][j][k] = (p - m) / (2 * eps)
    return jac


def _analytical_jacobians(func, inputs, wrt):
    from .. import autograd, zeros, zeros_like

    outputs = _differentiable_outputs(func(*inputs))
    jac = [[zeros(inputs[i].numel(), o.numel(), dtype=inputs[i].dtype) for o in outputs]
           for i in wrt]
    for j, o in enumerate(outputs):
        for m, idx in enumerate(_indices(o.shape)):
            seed = zeros_like(o)
            seed[idx] = 1
            grads = autograd.grad(o, [inputs[i] for i in wrt], seed, retain_graph=True,
                                  allow_unused=True)
            for a, g in enumerate(grads):
                if g is not None:
                    jac[a][j][:, m] = g.reshape(-1).to(jac[a][j].dtype)
    return jac, outputs


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """Checks the gradients of ``func`` at ``inputs`` against central finite differences;
    True when they match, else GradcheckError (or False with raise_exception=False)."""
    from .. import allclose, float64

    inputs = _as_tuple(inputs)
    wrt = [i for i, x in enumerate(inputs) if _is_tensor(x) and x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of the them have requires_grad=True.")
    for i in wrt:
        if inputs[i].dtype != float64:
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are "
                          "not of double precision floating point or complex. ")
    try:
        if not check_backward_ad:
            return True
        analytical, outputs = _analytical_jacobians(func, inputs, wrt)
        all_out = _all_outputs(func(*inputs))
        numerical = _numerical_jacobians(func, inputs, wrt, eps)
        diff_idx = [j for j, o in enumerate(all_out) if o.requires_grad]
        for a, i in enumerate(wrt):
            for jj, j in enumerate(diff_idx):
                n = numerical[a][j]
                an = analytical[a][jj]
                if not allclose(an, n.to(an.dtype), rtol, atol):
                    raise GradcheckError(f"Jacobian mismatch for output {jj} with respect to "
                                         f"input {i},\nnumerical:{n}\nanalytical:{an}\n")
        again, _ = _analytical_jacobians(func, inputs, wrt)
        for a in range(len(wrt)):
            for jj in range(len(outputs)):
                if (again[a][jj] - analytical[a][jj]).abs().max().item() > nondet_tol:
                    raise GradcheckError(
                        "Backward is not reentrant, i.e., running backward with same input and "
                        "grad_output multiple times gives different values, although analytical "
                        "gradient matches numerical gradient.The tolerance for nondeterminism was "
                        f"{nondet_tol}.")
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Second-order gradcheck: gradcheck of the function (inputs, grad_outputs) -> the
    gradients of func's outputs w.r.t. its inputs, computed with create_graph=True."""
    from .. import autograd, enable_grad, rand_like

    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outs = _differentiable_outputs(func(*inputs))
        grad_outputs = tuple((rand_like(o) * 2 - 1).requires_grad_(True) for o in outs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_out = len(grad_outputs)
    diff_idx = [i for i, x in enumerate(inputs) if _is_tensor(x) and x.requires_grad]

    def first_derivatives(*args):
        inp, gos = args[:len(args) - n_out], args[len(args) - n_out:]
        with enable_grad():  # also where the finite differences evaluate it
            outs = _differentiable_outputs(func(*inp))
            grads = autograd.grad(outs, [inp[i] for i in diff_idx], gos, create_graph=True,
                                  allow_unused=True)
        return tuple(g for g in grads if g is not None)

    if not check_rev_over_rev:
        return True
    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol)
