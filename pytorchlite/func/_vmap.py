"""torch.func.vmap (also torch.vmap) by running the function once per element of the mapped
dimension and stacking the results.

This gives PyTorch's values for every function whose batch elements do not interact (what vmap
is for); PyTorch instead runs the function once on batched tensors. What differs:
- the function runs batch-size times, so its Python side effects happen that often;
- ``.item()`` and data-dependent control flow work per element, where PyTorch raises;
- ``randomness="different"`` draws each element's numbers in turn, which can differ from the
  numbers PyTorch draws for the whole batch at once; ``"same"`` restores the generator's state
  before each element (one draw's worth, as in PyTorch); ``"error"`` (the default) raises
  PyTorch's error when the function changed the default generator's state.
"""
from .. import _tensor
from . import _tree

__all__ = ["vmap"]

_RANDOMNESS = ("error", "different", "same")


def _name(func):
    return getattr(func, "__name__", repr(func))


def _in_dims_per_leaf(in_dims, args, name):
    """One in_dim (int or None) per leaf of args."""
    if isinstance(in_dims, bool) or not (in_dims is None or isinstance(in_dims, (int, tuple))):
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to "
                         "be int or a (potentially nested) tuple matching the structure of "
                         f"inputs, got: {type(in_dims)}.")
    if not isinstance(in_dims, tuple):
        in_dims = (in_dims,) * len(args)
    if len(in_dims) != len(args):
        _, a_spec = _tree.flatten(tuple(args))
        _, d_spec = _tree.flatten(in_dims)
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not "
                         "compatible with the structure of `inputs`. in_dims has structure "
                         f"{_tree.describe(d_spec)} but inputs has structure "
                         f"{_tree.describe(a_spec)}.")
    dims = []
    for d, a in zip(in_dims, args):
        leaves, _ = _tree.flatten(a)
        if isinstance(d, (tuple, list, dict)):
            d_leaves, _ = _tree.flatten(d)
            if len(d_leaves) != len(leaves):
                raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is "
                                 "not compatible with the structure of `inputs`.")
            dims.extend(d_leaves)
        else:
            dims.extend([d] * len(leaves))
    return dims


def _check_leaf(x, d, in_dims, name):
    if d is None:
        return None
    if not isinstance(x, _tensor.Tensor):
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for an "
                         f"input but the input is of type {type(x)}. We cannot vmap over "
                         "non-Tensor arguments, please use None as the respective in_dim")
    n = x.dim()
    if not -n <= d < n:
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for "
                         f"some input, but that input is a Tensor of dimensionality {n} so "
                         f"expected in_dim to satisfy -{n} <= in_dim < {n}.")
    return d % n


def _rng_state():
    from .. import get_rng_state

    return get_rng_state()


def _unchanged(before):
    return bool((_rng_state() == before).all())


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """func mapped over dimension ``in_dims`` of its inputs (an int for all, None for an input
    passed whole, or a tuple with one entry per argument, nested like it); the results are
    stacked along ``out_dims``. Keyword arguments are passed whole."""
    if randomness not in _RANDOMNESS:
        raise RuntimeError("Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")
    name = _name(func)

    def wrapped(*args, **kwargs):
        dims = _in_dims_per_leaf(in_dims, args, name)
        leaves, spec = _tree.flatten(tuple(args))
        dims = [_check_leaf(x, d, in_dims, name) for x, d in zip(leaves, dims)]
        sizes = [x.shape[d] for x, d in zip(leaves, dims) if d is not None]
        if not sizes:
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): at least one "
                             "input must be a Tensor to vmap over (got none with an in_dim that "
                             "is not None)")
        if len(set(sizes)) != 1:
            raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                             f"dimension, got sizes {sizes} for the mapped dimension")
        size = sizes[0]
        results = []
        start = _rng_state() if randomness != "different" else None
        for b in range(max(size, 1)):
            if size == 0:  # no element: run once on a stand-in for the result's shapes
                sliced = [x if d is None else x.new_zeros(x.shape[:d] + x.shape[d + 1:])
                          for x, d in zip(leaves, dims)]
            else:
                sliced = [x if d is None else x.select(d, b) for x, d in zip(leaves, dims)]
            if randomness == "same":
                from .. import set_rng_state

                set_rng_state(start)
            out = func(*_tree.unflatten(sliced, spec), **kwargs)
            if randomness == "error" and not _unchanged(start):
                from .. import set_rng_state

                set_rng_state(start)  # PyTorch raises before drawing anything
                raise RuntimeError("vmap: called random operation while in randomness error "
                                   "mode. Please either use the 'same' or 'different' "
                                   "randomness flags on vmap or perform the randomness "
                                   "operation out of vmap")
            results.append(out)
        return _stack(results, size, out_dims, name)

    return wrapped


def _stack(results, size, out_dims, name):
    from .. import stack

    first, spec = _tree.flatten(results[0])
    per_leaf = [[] for _ in first]
    for r in results:
        leaves, _ = _tree.flatten(r)
        for k, x in enumerate(leaves):
            per_leaf[k].append(x)
    if isinstance(out_dims, tuple):
        d_leaves, d_spec = _tree.flatten(out_dims)
        if len(d_leaves) != len(first):
            raise ValueError(f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not "
                             "compatible with the structure of `outputs`. out_dims has structure "
                             f"{_tree.describe(d_spec)} but outputs has structure "
                             f"{_tree.describe(spec)}.")
    else:
        d_leaves = [out_dims] * len(first)
    out = []
    for xs, d in zip(per_leaf, d_leaves):
        if d is None:
            if isinstance(xs[0], _tensor.Tensor) and len(xs) > 1 and \
                    any(not x.equal(xs[0]) for x in xs[1:]):
                raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor "
                                 "when out_dim is None")
            out.append(xs[0])
            continue
        if not isinstance(xs[0], _tensor.Tensor):
            raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                             f"{type(xs[0])}. Did you mean to set out_dims= to None for output?")
        if size == 0:
            shape = list(xs[0].shape)
            shape.insert(d % (len(shape) + 1), 0)
            out.append(xs[0].new_zeros(shape))
        else:
            out.append(stack(xs, dim=d))
    return _tree.unflatten(out, spec)
