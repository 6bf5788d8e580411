"""The nested containers torch.func's transforms take and return (tuples, lists, dicts and
namedtuples of tensors): flattened to their leaves and rebuilt around new ones."""

__all__ = ["flatten", "unflatten", "same_structure", "describe"]


def flatten(tree):
    """(leaves, spec): the leaves of tree in order, and what unflatten needs to rebuild it."""
    leaves = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree, leaves):
    if isinstance(tree, (tuple, list)):
        return (type(tree), None, [_flatten(t, leaves) for t in tree])
    if isinstance(tree, dict):
        keys = list(tree)
        return (dict, keys, [_flatten(tree[k], leaves) for k in keys])
    leaves.append(tree)
    return None


def unflatten(leaves, spec):
    """The tree of spec with these leaves (consumed in order)."""
    it = iter(leaves)
    return _unflatten(it, spec)


def _unflatten(it, spec):
    if spec is None:
        return next(it)
    kind, keys, children = spec
    values = [_unflatten(it, c) for c in children]
    if kind is dict:
        return dict(zip(keys, values))
    if kind is tuple or kind is list:
        return kind(values)
    if hasattr(kind, "_fields"):  # a namedtuple
        return kind(*values)
    return kind(values)


def same_structure(a, b):
    return _strip(a) == _strip(b)


def _strip(spec):
    if spec is None:
        return None
    kind, keys, children = spec
    return (kind, tuple(keys) if keys else None, tuple(_strip(c) for c in children))


def describe(spec, indent=0):
    """A spec written the way PyTorch's messages write a tree structure (one child a line)."""
    if spec is None:
        return "*"
    kind, keys, children = spec
    name = "dict" if kind is dict else kind.__name__
    sep = ",\n" + "  " * (indent + 1)
    return f"TreeSpec({name}, {keys!r}, [{sep.join(describe(c, indent + 1) for c in children)}])"
