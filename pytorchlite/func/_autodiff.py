"""torch.func's differentiation transforms (grad, grad_and_value, vjp, jvp, jacrev, jacfwd,
hessian) on top of the ordinary autograd engine.

Each call differentiates with respect to fresh aliases of the inputs: a tensor that does not
require grad becomes a detached leaf that does; one that does (an outer transform's input, or
the user's) becomes a view of it, so the gradient sees only this call's uses of the input
(``grad(lambda x: x * grad(lambda y: x * y)(x))`` differentiates ``y``, not ``x``) while the
outer level still differentiates through it. The graph of the gradients is kept (create_graph)
only when an outer level can use it: inside another transform, or when an input requires grad.

``jacfwd`` and ``jvp`` are computed in reverse mode: the vector-Jacobian product ``u -> J^T u``
is linear in ``u``, and differentiating it again with respect to ``u`` along ``v`` gives
``J v``. This keeps forward mode's order of terms for elementwise ops (the signs of its zeros
included) without a forward-mode engine; an op without a double backward falls back to rows of
the reverse Jacobian (same values).

Note: a tensor a function captures (instead of taking it as an argument) does not make the
results differentiable at the top level: pass it as an argument, as functional_call does.
"""
from .. import autograd as _autograd
from ..autograd import enable_grad
from . import _tree

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian"]

_depth = [0]  # how many transforms are running (an inner one keeps its graph for the outer)


def _tensor_type():
    from .._tensor import Tensor

    return Tensor


def _check_argnums(argnums, n):
    if isinstance(argnums, bool) or not isinstance(argnums, (int, tuple)) or \
            (isinstance(argnums, tuple) and not all(isinstance(a, int) for a in argnums)):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    if isinstance(argnums, tuple) and not argnums:
        raise RuntimeError("argnums must be non-empty")
    if len(set(a % n if n else a for a in nums)) != len(nums):
        raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    for a in nums:
        if not -n <= a < n:
            raise RuntimeError(f"Got argnum={a}, but only {n} positional inputs")
    return tuple(a % n for a in nums)


def _alias(t):
    """What the transform differentiates with respect to, for the input t."""
    Tensor = _tensor_type()
    if not isinstance(t, Tensor):
        raise ValueError(f"Thing passed to transform API must be Tensor, got {type(t)}")
    if t.requires_grad:
        return t.view_as(t)
    return t.detach().requires_grad_(True)


class _Inputs:
    """The differentiated positional arguments of one call, replaced by their aliases."""

    def __init__(self, args, argnums):
        Tensor = _tensor_type()
        self.args = list(args)
        self.argnums = argnums
        self.specs, self.leaves = [], []
        outer = False
        for i in argnums:
            leaves, spec = _tree.flatten(args[i])
            outer = outer or any(isinstance(x, Tensor) and x.requires_grad for x in leaves)
            aliases = [_alias(x) for x in leaves]
            self.args[i] = _tree.unflatten(aliases, spec)
            self.specs.append(spec)
            self.leaves.append(aliases)
        self.keep_graph = outer or _depth[0] > 0

    def flat(self):
        return [x for leaves in self.leaves for x in leaves]

    def regroup(self, flat_grads, single):
        """Gradients (one per flat input) in the shape of the differentiated arguments."""
        out, k = [], 0
        for spec, leaves in zip(self.specs, self.leaves):
            out.append(_tree.unflatten(flat_grads[k:k + len(leaves)], spec))
            k += len(leaves)
        return out[0] if single else tuple(out)


def _finish(x, keep_graph):
    Tensor = _tensor_type()
    if isinstance(x, Tensor) and not keep_graph:
        return x.detach()
    return x


def _finish_tree(tree, keep_graph):
    leaves, spec = _tree.flatten(tree)
    return _tree.unflatten([_finish(x, keep_graph) for x in leaves], spec)


def _grads(outputs, inputs, cotangents, keep_graph, retain=True):
    """d(outputs . cotangents)/d(inputs), zeros for inputs the outputs do not reach."""
    from .. import zeros_like

    pairs = [(o, c) for o, c in zip(outputs, cotangents) if o.requires_grad]
    if pairs:
        got = _autograd.grad([o for o, _ in pairs], inputs, [c for _, c in pairs],
                             retain_graph=retain or keep_graph, create_graph=keep_graph,
                             allow_unused=True)
    else:
        got = [None] * len(inputs)
    return [zeros_like(x) if g is None else g for g, x in zip(got, inputs)]


def _call(func, args, kwargs):
    _depth[0] += 1
    try:
        with enable_grad():
            return func(*args, **kwargs)
    finally:
        _depth[0] -= 1


def _split_aux(output, has_aux, api):
    if not has_aux:
        return output, None
    if not (isinstance(output, tuple) and len(output) == 2):
        raise RuntimeError(f"{api}(f)(*args): output of function f should be a tuple: "
                           "(output, aux) if has_aux is True")
    return output


def grad_and_value(func, argnums=0, has_aux=False):
    """``(gradient, value)`` of a function returning a scalar Tensor, with respect to the
    positional argument(s) ``argnums``; with ``has_aux``, func returns ``(value, aux)`` and the
    result is ``(gradient, (value, aux))``."""
    def wrapper(*args, **kwargs):
        Tensor = _tensor_type()
        inputs = _Inputs(args, _check_argnums(argnums, len(args)))
        output, aux = _split_aux(_call(func, inputs.args, kwargs), has_aux, "grad_and_value")
        if not isinstance(output, Tensor):
            raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a Tensor, "
                               f"got {type(output)}")
        if output.dim() != 0:
            raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a scalar "
                               f"Tensor, got tensor with {output.dim()} dims. Maybe you wanted to "
                               "use the vjp or jacrev APIs instead?")
        from .. import ones_like

        with enable_grad():
            flat = _grads([output], inputs.flat(), [ones_like(output)], inputs.keep_graph,
                          retain=False)
        grads = _finish_tree(inputs.regroup(flat, isinstance(argnums, int)), inputs.keep_graph)
        value = _finish(output, inputs.keep_graph)
        if has_aux:
            return grads, (value, _finish_tree(aux, inputs.keep_graph))
        return grads, value

    return wrapper


def grad(func, argnums=0, has_aux=False):
    """The gradient of a function returning a scalar Tensor with respect to the positional
    argument(s) ``argnums`` (``(gradient, aux)`` with ``has_aux``)."""
    gv = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        grads, value = gv(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads

    return wrapper


def vjp(func, *primals, has_aux=False):
    """``(func(*primals), vjp_fn)``: ``vjp_fn(cotangents)`` is the tuple of the vector-Jacobian
    products, one per primal (``(output, vjp_fn, aux)`` with ``has_aux``)."""
    Tensor = _tensor_type()
    inputs = _Inputs(primals, tuple(range(len(primals))))
    output, aux = _split_aux(_call(func, inputs.args, {}), has_aux, "vjp")
    out_leaves, out_spec = _tree.flatten(output)
    for o in out_leaves:
        if not isinstance(o, Tensor):
            raise RuntimeError(f"vjp(f, *primals): Expected f to be a function that has only "
                               f"Tensors as output, got {type(o)}")
    keep = inputs.keep_graph

    def vjp_fn(cotangents, retain_graph=True, create_graph=None):
        cot_leaves, cot_spec = _tree.flatten(cotangents)
        if not _tree.same_structure(cot_spec, out_spec):
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree "
                               "structure of outputs to the function. cotangents: "
                               f"{_tree.describe(cot_spec)}, primal output: "
                               f"{_tree.describe(out_spec)}")
        with enable_grad():
            flat = _grads(out_leaves, inputs.flat(), cot_leaves, keep)
        return _finish_tree(inputs.regroup(flat, False), keep)

    result = (_finish_tree(output, keep), vjp_fn)
    return result + (_finish_tree(aux, keep),) if has_aux else result


def _jacobian_rows(out_leaves, flat_in, keep):
    """Per output leaf, per input: d out / d in, shaped out.shape + in.shape, from one
    vector-Jacobian product per output element: a one-hot cotangent over all the outputs
    together (zeros for the other outputs), as PyTorch's vmap over vjp does."""
    from .. import stack, zeros, zeros_like

    flat_outs = [o.reshape(-1) for o in out_leaves]
    rows = []  # rows[k][j]: row k of the stacked Jacobian, for input j
    for i, fo in enumerate(flat_outs):
        for k in range(fo.numel()):
            cots = [zeros_like(o) for o in out_leaves]
            cots[i].view(-1)[k] = 1
            rows.append(_grads(out_leaves, flat_in, cots, keep))
    jac, start = [], 0
    for o, fo in zip(out_leaves, flat_outs):
        n = fo.numel()
        per_input = []
        for j, x in enumerate(flat_in):
            shape = tuple(o.shape) + tuple(x.shape)
            per_input.append(stack([r[j] for r in rows[start:start + n]]).reshape(shape) if n
                             else zeros(shape, dtype=x.dtype))
        jac.append(per_input)
        start += n
    return jac


def _jacobian_columns(out_leaves, flat_in, keep):
    """The same Jacobian from J v = d(J^T u . v)/du, one v per input element (forward mode's
    columns and order of terms)."""
    from .. import stack, zeros, zeros_like

    us = [zeros_like(o).requires_grad_(True) for o in out_leaves]
    jtu = _grads(out_leaves, flat_in, us, True)  # linear in u, differentiable in u
    jac = [[None] * len(flat_in) for _ in out_leaves]
    for j, x in enumerate(flat_in):
        cols = []
        for k in range(x.numel()):
            v = zeros_like(x).reshape(-1)
            v[k] = 1
            cols.append(_grads([jtu[j]], us, [v.reshape(x.shape)], keep))
        for i, o in enumerate(out_leaves):
            shape = tuple(o.shape) + tuple(x.shape)
            if cols:
                # cols[k][i] is column k of d out_i / d x: stack along the input's elements
                jac[i][j] = stack([c[i].reshape(-1) for c in cols], dim=-1).reshape(shape)
            else:
                jac[i][j] = zeros(shape, dtype=o.dtype)
    return jac


def _jacobian(func, argnums, has_aux, columns, api):
    def wrapper(*args, **kwargs):
        Tensor = _tensor_type()
        inputs = _Inputs(args, _check_argnums(argnums, len(args)))
        output, aux = _split_aux(_call(func, inputs.args, kwargs), has_aux, api)
        out_leaves, out_spec = _tree.flatten(output)
        for o in out_leaves:
            if not isinstance(o, Tensor):
                raise RuntimeError(f"{api}(f, ...)(*args): Expected f to be a function that has "
                                   f"only Tensors as output, got {type(o)}")
        keep = inputs.keep_graph
        flat_in = inputs.flat()
        with enable_grad():
            jac = None
            if columns:
                try:
                    jac = _jacobian_columns(out_leaves, flat_in, keep)
                except RuntimeError:  # an op without a double backward: rows give the values
                    jac = None
            if jac is None:
                jac = _jacobian_rows(out_leaves, flat_in, keep)
        per_output = [_finish_tree(inputs.regroup(row, isinstance(argnums, int)), keep)
                      for row in jac]
        result = _tree.unflatten(per_output, out_spec)
        return (result, _finish_tree(aux, keep)) if has_aux else result

    return wrapper


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """The Jacobian of func with respect to argument(s) argnums, by reverse mode: for each
    output, a tensor of shape output.shape + input.shape (nested as the outputs and inputs)."""
    return _jacobian(func, argnums, has_aux, False, "jacrev")


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian of func with respect to argument(s) argnums, as forward mode computes it
    (see the module's docstring for how)."""
    return _jacobian(func, argnums, has_aux, True, "jacfwd")


def hessian(func, argnums=0):
    """The Hessian of a scalar function: jacfwd(jacrev(func))."""
    return jacfwd(jacrev(func, argnums), argnums)


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """``(func(*primals), J tangents)``: the Jacobian-vector product, in reverse mode (J v from
    d(J^T u . v)/du)."""
    from .. import zeros_like

    if not isinstance(primals, tuple):
        raise RuntimeError(f"jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it "
                           f"should be valid to call f(*primals).")
    if not isinstance(tangents, tuple) or len(tangents) != len(primals):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the "
                           "same python structure. For example, if primals is a tuple of 3 "
                           "tensors, tangents also must be. Got primals with structure "
                           f"{len(primals)} and tangents with structure {len(tangents)}")
    inputs = _Inputs(primals, tuple(range(len(primals))))
    output, aux = _split_aux(_call(func, inputs.args, {}), has_aux, "jvp")
    out_leaves, out_spec = _tree.flatten(output)
    keep = inputs.keep_graph
    tan_leaves = [t for tangent in tangents for t in _tree.flatten(tangent)[0]]
    with enable_grad():
        us = [zeros_like(o).requires_grad_(True) for o in out_leaves]
        jtu = _grads(out_leaves, inputs.flat(), us, True)
        pairs = [(g, t) for g, t in zip(jtu, tan_leaves) if g.requires_grad]
        if pairs:
            outs = _autograd.grad([g for g, _ in pairs], us, [t for _, t in pairs],
                                  create_graph=keep, allow_unused=True)
        else:
            outs = [None] * len(us)
    jv = [zeros_like(o) if g is None else g for g, o in zip(outs, out_leaves)]
    result = (_finish_tree(output, keep), _finish_tree(_tree.unflatten(jv, out_spec), keep))
    return result + (_finish_tree(aux, keep),) if has_aux else result
