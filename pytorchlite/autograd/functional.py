"""``torch.autograd.functional``: vjp, jacobian, jvp, vhp, hvp and hessian over
``autograd.grad`` (reverse mode; jvp and hvp by PyTorch's double-backward trick).

Note: jacobian and hessian compute one reverse pass per output element (PyTorch's default,
``vectorize=False``); ``vectorize=True`` and forward-mode strategies are not supported.
"""
__all__ = ["vjp", "jacobian", "jvp", "hvp", "vhp", "hessian"]


def _as_tuple(x):
    return (x, True) if isinstance(x, tuple) else ((x,), False)


def _grad_inputs(inputs):
    return tuple(i.detach().requires_grad_(i.dtype.is_floating_point) for i in inputs)


def _outputs(out, create_graph):
    return tuple(o if create_graph else o.detach() for o in out)


def _strict_check(grads, strict, what):
    if strict and any(g is None for g in grads):
        raise RuntimeError(f"The output of the user-provided function is independent of input "
                           f"{[g is None for g in grads].index(True)}. This is not allowed in "
                           f"strict mode{what}.")


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), v^T J): the vector-Jacobian product at inputs."""
    from .. import enable_grad, zeros_like
    from . import grad

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
                     None if vs is None else [vs[i] for i in diff], allow_unused=True,
                     create_graph=create_graph) if diff else (None,) * len(inp)
    _strict_check(grads, strict, "")
    grads = tuple(zeros_like(i) if g is None else g for g, i in zip(grads, inp))
    outs = _outputs(out, create_graph)
    return (outs if out_tuple else outs[0]), (grads if in_tuple else grads[0])


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of func at inputs: for each output and input, a tensor of shape
    output.shape + input.shape (nested tuples follow the tuple-ness of both)."""
    from .. import enable_grad, stack, zeros, zeros_like
    from . import grad

    if vectorize:
        raise NotImplementedError("pytorchlite computes jacobian without vectorize=True")
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
                gs = grad(flat[k], inp, retain_graph=True, allow_unused=True,
                          create_graph=create_graph) if o.requires_grad else (None,) * len(inp)
                _strict_check(gs, strict, "")
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


def _scalar_output(func, inp, name):
    out, out_tuple = _as_tuple(func(*inp))
    if out_tuple or len(out) != 1:
        raise RuntimeError(f"The function given to {name} should return a single Tensor")
    if out[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {name} should contain "
                           "a single element")
    return out[0]


def _zeros_for_none(grads, like):
    from .. import zeros_like

    return tuple(zeros_like(i) if g is None else g for g, i in zip(grads, like))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), J v): the Jacobian-vector product, by differentiating a vector-Jacobian
    product with respect to its vector (PyTorch's double-backward trick)."""
    from .. import enable_grad, zeros_like
    from . import grad

    inputs, in_tuple = _as_tuple(inputs)
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided "
                               "function is a single Tensor with a single element.")
        vs = None
    else:
        vs, _ = _as_tuple(v)
    with enable_grad():
        inp = _grad_inputs(inputs)
        out, out_tuple = _as_tuple(func(*inp))
        us = tuple(zeros_like(o).requires_grad_(True) for o in out)
        diff = [i for i, o in enumerate(out) if o.requires_grad]
        g = grad([out[i] for i in diff], inp, [us[i] for i in diff], create_graph=True,
                 allow_unused=True) if diff else (None,) * len(inp)
        _strict_check(g, strict, "")
        pairs = [(gi, vi) for gi, vi in zip(g, vs if vs is not None else (None,) * len(inp))
                 if gi is not None]
        if pairs:
            res = grad([p[0] for p in pairs], us, [p[1] for p in pairs],
                       create_graph=create_graph, allow_unused=True)
        else:
            res = (None,) * len(out)
    res = _zeros_for_none(res, out)
    outs = _outputs(out, create_graph)
    return (outs if out_tuple else outs[0]), (res if out_tuple else res[0])


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), v^T H) for a scalar function."""
    from .. import enable_grad
    from . import grad

    inputs, in_tuple = _as_tuple(inputs)
    vs = None if v is None else _as_tuple(v)[0]
    with enable_grad():
        inp = _grad_inputs(inputs)
        out = _scalar_output(func, inp, "vhp")
        jac = grad(out, inp, create_graph=True, allow_unused=True)
        _strict_check(jac, strict, "")
        used = [(j, vi) for j, vi in zip(jac, vs if vs is not None else (None,) * len(inp))
                if j is not None and j.requires_grad]
        res = grad([u[0] for u in used], inp, [u[1] for u in used], create_graph=create_graph,
                   allow_unused=True) if used else (None,) * len(inp)
    res = _zeros_for_none(res, inp)
    return _outputs((out,), create_graph)[0], (res if in_tuple else res[0])


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), H v) for a scalar function, by PyTorch's double-backward trick."""
    from .. import enable_grad, zeros_like
    from . import grad

    inputs, in_tuple = _as_tuple(inputs)
    vs = None if v is None else _as_tuple(v)[0]
    with enable_grad():
        inp = _grad_inputs(inputs)
        out = _scalar_output(func, inp, "hvp")
        jac = grad(out, inp, create_graph=True, allow_unused=True)
        _strict_check(jac, strict, "")
        used = [k for k, j in enumerate(jac) if j is not None and j.requires_grad]
        if used:
            grad_jac = tuple(zeros_like(inp[k]).requires_grad_(True) for k in used)
            back = grad([jac[k] for k in used], inp, grad_jac, create_graph=True,
                        allow_unused=True)
            pairs = [(b, vi) for b, vi in zip(back, vs if vs is not None else (None,) * len(inp))
                     if b is not None]
            part = grad([p[0] for p in pairs], grad_jac, [p[1] for p in pairs],
                        create_graph=create_graph, allow_unused=True) if pairs else ()
            res = [None] * len(inp)
            for k, r in zip(used, part):
                res[k] = r
        else:
            res = (None,) * len(inp)
    res = _zeros_for_none(res, inp)
    return _outputs((out,), create_graph)[0], (res if in_tuple else res[0])


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function: the jacobian of its gradient (nested tuples follow
    the tuple-ness of inputs)."""
    from . import grad

    inputs, in_tuple = _as_tuple(inputs)

    def jac_func(*inp):
        out = _scalar_output(func, inp, "hessian")
        g = grad(out, inp, create_graph=True, allow_unused=True)
        return tuple(gi if gi is not None else i.mul(0) for gi, i in zip(g, inp))

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize, strategy=outer_jacobian_strategy)
    if in_tuple:
        return res
    return res[0][0] if isinstance(res[0], tuple) else res[0]
