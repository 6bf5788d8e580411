"""``torch.autograd.functional``: vjp and jacobian (reverse mode) over ``autograd.grad``.

Note: jvp, hvp, vhp, hessian and ``create_graph=True`` need gradients of gradients, which
pytorchlite does not support yet; they raise NotImplementedError.
"""
__all__ = ["vjp", "jacobian", "jvp", "hvp", "vhp", "hessian"]

_NO_DOUBLE = ("pytorchlite does not support {} yet: it needs create_graph=True "
              "(higher-order gradients)")


def _as_tuple(x):
    return (x, True) if isinstance(x, tuple) else ((x,), False)


def _grad_inputs(inputs):
    return tuple(i.detach().requires_grad_(i.dtype.is_floating_point) for i in inputs)


def _check_create_graph(create_graph, name):
    if create_graph:
        raise NotImplementedError(_NO_DOUBLE.format(f"{name}(create_graph=True)"))


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), v^T J): the vector-Jacobian product at inputs."""
    from .. import enable_grad, zeros_like
    from . import grad

    _check_create_graph(create_graph, "vjp")
    inputs, in_tuple = _as_tuple(inputs)
    with enable_grad():
        inp = _grad_inputs(inputs)
        out, out_tuple = _as_tuple(func(*inp))
        if v is None:
            if len(out) != 1 or out[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the user-provided function "
                                   "returns a single Tensor with a single element.")
            vs = None
        else:
            vs, _ = _as_tuple(v)
        diff = [i for i, o in enumerate(out) if o.requires_grad]
        grads = grad([out[i] for i in diff], inp,
                     None if vs is None else [vs[i] for i in diff], allow_unused=True) \
            if diff else (None,) * len(inp)
    if strict and any(g is None for g in grads):
        raise RuntimeError("The output of the user-provided function is independent of input "
                           f"{[g is None for g in grads].index(True)}. This is not allowed in "
                           "strict mode.")
    grads = tuple(zeros_like(i) if g is None else g for g, i in zip(grads, inp))
    outs = tuple(o.detach() for o in out)
    return (outs if out_tuple else outs[0]), (grads if in_tuple else grads[0])


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of func at inputs: for each output and input, a tensor of shape
    output.shape + input.shape (nested tuples follow the tuple-ness of both)."""
    from .. import enable_grad, stack, zeros, zeros_like
    from . import grad

    _check_create_graph(create_graph, "jacobian")
    if strategy != "reverse-mode":
        raise NotImplementedError("pytorchlite computes jacobian in reverse mode only")
    inputs, in_tuple = _as_tuple(inputs)
    with enable_grad():
        inp = _grad_inputs(inputs)
        out, out_tuple = _as_tuple(func(*inp))
        jac = []
        for o in out:
            rows = [[] for _ in inp]
            flat = o.reshape(-1)
            for k in range(o.numel()):
                gs = grad(flat[k], inp, retain_graph=True, allow_unused=True) \
                    if o.requires_grad else (None,) * len(inp)
                for j, g in enumerate(gs):
                    rows[j].append(zeros_like(inp[j]) if g is None else g)
            jac.append(tuple(
                (stack(r).reshape(tuple(o.shape) + tuple(i.shape)) if r else
                 zeros(tuple(o.shape) + tuple(i.shape), dtype=i.dtype))
                for r, i in zip(rows, inp)))
    if out_tuple and in_tuple:
        return tuple(jac)
    if out_tuple:
        return tuple(j[0] for j in jac)
    return jac[0] if in_tuple else jac[0][0]


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    raise NotImplementedError(_NO_DOUBLE.format("jvp"))


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    raise NotImplementedError(_NO_DOUBLE.format("hvp"))


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    raise NotImplementedError(_NO_DOUBLE.format("vhp"))


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    raise NotImplementedError(_NO_DOUBLE.format("hessian"))
