"""Counting, freezing and gradually unfreezing parameters (the guide's helpers, built in).

    >>> count_parameters(model)                        # doctest: +SKIP
    {'total': 262, 'trainable': 262, 'non_trainable': 0}
    >>> freeze(model, ["layer1"])                      # doctest: +SKIP
    ['layer1.weight', 'layer1.bias']

A pattern selects parameters by name (``named_parameters()``): a pattern with a wildcard
(``*``, ``?``, ``[...]``) is matched by ``fnmatch`` against the whole name (``"*.bias"``,
``"encoder.layer[0-3].*"``); one without is a module prefix: ``"layer1"`` selects
``layer1.weight`` and ``layer1.sub.bias`` but not ``layer10.weight``, and a full name selects
that parameter.
"""
from fnmatch import fnmatchcase

__all__ = ["count_parameters", "freeze", "unfreeze", "GradualUnfreezer"]


def count_parameters(model):
    """The guide's counts: ``{"total", "trainable", "non_trainable"}`` numbers of elements.

    A parameter shared by several modules is counted once (``parameters()`` yields it once).

    Example::

        >>> model = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 2))
        >>> count_parameters(model)
        {'total': 262, 'trainable': 262, 'non_trainable': 0}
    """
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {"total": total, "trainable": trainable, "non_trainable": total - trainable}


def _patterns(patterns):
    if isinstance(patterns, str):
        return [patterns]
    patterns = list(patterns)
    for p in patterns:
        if not isinstance(p, str):
            raise TypeError(f"patterns must be strings, got {type(p).__name__}")
    return patterns


def _matches(name, pattern):
    if any(c in pattern for c in "*?["):
        return fnmatchcase(name, pattern)
    return name == pattern or name.startswith(pattern.rstrip(".") + ".")


def _select(model, patterns, strict):
    patterns = _patterns(patterns)
    named = list(model.named_parameters())
    chosen = []
    for pattern in patterns:
        hits = [(n, p) for n, p in named if _matches(n, pattern)]
        if strict and not hits:
            raise ValueError(f"pattern {pattern!r} matches no parameter of the model; its "
                             f"parameters are {[n for n, _ in named]}")
        chosen += [h for h in hits if h not in chosen]
    return chosen


def _set(model, patterns, flag, strict):
    changed = []
    for name, p in _select(model, patterns, strict):
        if p.requires_grad != flag:
            p.requires_grad_(flag)
            changed.append(name)
    return changed


def freeze(model, patterns, *, strict=True):
    """Sets ``requires_grad=False`` on the parameters matching ``patterns`` (a string or a list;
    see the module's doc). Returns the names that changed (those already frozen are not
    listed). With ``strict`` (default), a pattern matching nothing raises ValueError: a typo
    would otherwise leave the layer training.

    Example::

        >>> model = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 2))
        >>> freeze(model, ["0"])
        ['0.weight', '0.bias']
        >>> count_parameters(model)
        {'total': 262, 'trainable': 42, 'non_trainable': 220}
    """
    return _set(model, patterns, False, strict)


def unfreeze(model, patterns, *, strict=True):
    """Sets ``requires_grad=True`` on the parameters matching ``patterns``; returns the names
    that changed.

    Example::

        >>> model = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 2))
        >>> freeze(model, "*")
        ['0.weight', '0.bias', '2.weight', '2.bias']
        >>> unfreeze(model, "*.bias")
        ['0.bias', '2.bias']
    """
    return _set(model, patterns, True, strict)


class GradualUnfreezer:
    """Gradual unfreezing: start with ``groups`` frozen, unfreeze one more group every
    ``every`` epochs, the first group first.

    Args:
        model: the model.
        groups: a list of groups, each a pattern or a list of patterns; usually the last layers
            first, e.g. ``[["head"], ["layer4"], ["layer3"]]``.
        every: epochs between two unfreezings.
        start: the epoch at which the first group is unfrozen (default 0: at the first step).

    Construction freezes every group. Call :meth:`step(epoch)` at the start of each epoch;
    it returns the names it unfroze. Parameters outside the groups are left as they are.

    Note:
        An optimizer built over ``model.parameters()`` keeps frozen parameters in its groups;
        they have no ``.grad``, so SGD and Adam skip them until they are unfrozen.

    Example::

        unfreezer = GradualUnfreezer(model, [["fc2"], ["fc1"]], every=2)
        for epoch in range(6):
            unfreezer.step(epoch)     # fc2 trains from epoch 0, fc1 from epoch 2
            train_one_epoch()
    """

    def __init__(self, model, groups, every=1, start=0):
        if isinstance(groups, str) or not groups:
            raise ValueError("groups must be a non-empty list of patterns or of pattern lists")
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive integer, got {every!r}")
        self.model, self.every, self.start = model, every, start
        self.groups = [_patterns(g) for g in groups]
        for g in self.groups:
            _select(model, g, strict=True)  # a typo fails now, not epochs later
            freeze(model, g)
        self.unfrozen = 0  # how many groups are unfrozen

    def due(self, epoch):
        """How many groups should be unfrozen at ``epoch``."""
        if epoch < self.start:
            return 0
        return min(len(self.groups), (epoch - self.start) // self.every + 1)

    def step(self, epoch):
        """Unfreezes the groups due at ``epoch``; returns the parameter names it changed."""
        changed = []
        while self.unfrozen < self.due(epoch):
            changed += unfreeze(self.model, self.groups[self.unfrozen])
            self.unfrozen += 1
        return changed

    def state_dict(self):
        return {"unfrozen": self.unfrozen}

    def load_state_dict(self, state):
        self.unfrozen = 0
        for g in self.groups:
            freeze(self.model, g)
        for g in self.groups[:state["unfrozen"]]:
            unfreeze(self.model, g)
        self.unfrozen = state["unfrozen"]
