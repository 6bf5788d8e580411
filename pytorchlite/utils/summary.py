"""``pytorchlite.utils.summary``: a model's layers, shapes, parameters and sizes as a table.

The table is laid out as ``torchinfo.summary`` lays it out, so people who know torchinfo read it
at once::

    >>> from pytorchlite.utils import summary
    >>> print(summary(model, input_size=(1, 10)))      # doctest: +SKIP
    ===========================================================================================
    Layer (type:depth-idx)                   Output Shape              Param #     ...
    ===========================================================================================
    SimpleNN                                 [1, 2]                    --
    ├─Linear: 1-1                            [1, 20]                   220
    ...

It runs one forward pass (in eval mode, without gradients, the mode restored afterwards) with
forward hooks on every module, which record each module's input and output shapes.
"""
import math
import sys

__all__ = ["summary", "ModelStatistics"]

_TITLES = {
    "kernel_size": "Kernel Shape",
    "input_size": "Input Shape",
    "output_size": "Output Shape",
    "num_params": "Param #",
    "params_percent": "Param %",
    "mult_adds": "Mult-Adds",
    "trainable": "Trainable",
}
_NEEDS_INPUT = {"input_size", "output_size", "mult_adds"}


def _torch():
    import pytorchlite
    return pytorchlite


def _prod(values):
    return math.prod(values) if values else 1


class _Layer:
    """One row: a module at a depth of the tree, with what its forward pass showed."""

    def __init__(self, var_name, module, depth, parent):
        self.module, self.var_name, self.depth, self.parent = module, var_name, depth, parent
        self.class_name = type(module).__name__
        self.depth_index = None
        self.children = []
        self.is_leaf = not any(True for _ in module.children())
        self.is_recursive = False
        self.executed = False
        self.input_size, self.output_size = [], []
        self.output_bytes = 0
        self.macs = 0
        k = getattr(module, "kernel_size", None)
        self.kernel_size = list(k) if isinstance(k, (tuple, list)) else k
        self.count_params()

    def __repr__(self):
        return f"{self.class_name}: {self.depth}"

    def count_params(self):
        self.num_params = self.trainable_params = self.param_bytes = 0
        self.weights = []  # (name, shape) of the module's parameters, for kernel_size
        for name, p in self.module.named_parameters():
            n = p.numel()
            self.num_params += n
            self.param_bytes += n * p.element_size()
            if p.requires_grad:
                self.trainable_params += n
            self.weights.append((name, n))

    @property
    def trainable(self):
        if self.num_params == 0:
            return "--"
        if self.trainable_params == 0:
            return "False"
        return "True" if self.trainable_params == self.num_params else "Partial"

    def name(self, show_var_name, show_depth):
        text = self.class_name
        if show_var_name and self.var_name:
            text += f" ({self.var_name})"
        if show_depth and self.depth > 0:
            text += f": {self.depth}"
            if self.depth_index is not None:
                text += f"-{self.depth_index}"
        return text

    def leftover_params(self):
        """Parameters of this module not counted in its children's rows."""
        return self.num_params - sum(c.num_params if c.is_leaf else c.leftover_params()
                                     for c in self.children if not c.is_recursive)

    def leftover_trainable_params(self):
        return self.trainable_params - sum(
            c.trainable_params if c.is_leaf else c.leftover_trainable_params()
            for c in self.children if not c.is_recursive)

    def compute_macs(self):
        """torchinfo's estimate: each weight/bias element costs one multiply-add per row of the
        first output dimension (the batch)."""
        for name, n in self.weights:
            if name in ("weight", "bias"):
                if "Conv" in self.class_name:
                    self.macs += int(n * _prod(self.output_size[:1] + self.output_size[2:]))
                else:
                    self.macs += (self.output_size[0] if self.output_size else 1) * n
            elif "weight" in name or "bias" in name:
                self.macs += _prod(self.output_size[:2]) * n

    def params_str(self, at_max_depth):
        if self.num_params == 0:
            return "--"
        if self.is_recursive:
            return "(recursive)"
        if at_max_depth or self.is_leaf:
            text = f"{self.num_params:,}"
            return text if self.trainable_params else f"({text})"
        left = self.leftover_params()
        return f"{left:,}" if left > 0 else "--"

    def percent_str(self, total, at_max_depth):
        zero = "     --"
        if total == 0:
            return zero
        if self.is_recursive:
            return "(recursive)"
        params = self.num_params if at_max_depth or self.is_leaf else self.leftover_params()
        return zero if params == 0 else f"{params / total:>7.2%}"

    def macs_str(self, at_max_depth):
        if self.macs <= 0:
            return "--"
        if self.is_leaf:
            return f"{self.macs:,}"
        if at_max_depth:
            return f"{sum(c.macs for c in self.children if c.is_leaf):,}"
        return "--"


def _size_of(value):
    """(shape as a list, bytes per element) of a forward's inputs or outputs."""
    Tensor = _torch().Tensor
    if value is None:
        return [], 0
    if isinstance(value, Tensor):
        return list(value.shape), value.element_size()
    if isinstance(value, (list, tuple)):
        if value and isinstance(value[0], Tensor):
            return list(value[0].shape), value[0].element_size()
        return _size_of(value[0]) if value else ([], 0)
    if isinstance(value, dict):
        return _size_of(list(value.values())[-1]) if value else ([], 0)
    return [], 0


def _tensors_in(value):
    Tensor = _torch().Tensor
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _tensors_in(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _tensors_in(v)


class ModelStatistics:
    """What :func:`summary` returns: ``str()`` is the table, ``_repr_html_`` the notebook view.

    Attributes (torchinfo's names): ``summary_list`` (rows), ``total_params``,
    ``trainable_params``, ``total_param_bytes``, ``total_output_bytes``, ``total_input``
    (bytes), ``total_mult_adds``; ``counts`` is the guide's dict
    ``{"total", "trainable", "non_trainable"}``.
    """

    def __init__(self, rows, input_given, input_bytes, depth, col_names, col_width,
                 show_var_name, show_depth):
        self.summary_list, self.input_given = rows, input_given
        self.total_input = input_bytes
        self.max_depth, self.col_names, self.col_width = depth, col_names, col_width
        self.show_var_name, self.show_depth = show_var_name, show_depth
        self.total_mult_adds = self.total_params = self.trainable_params = 0
        self.total_param_bytes = self.total_output_bytes = 0
        for row in rows:
            if row.is_leaf:
                self.total_mult_adds += row.macs
                if row.num_params > 0:
                    self.total_output_bytes += row.output_bytes * 2  # x2 for gradients
                if row.is_recursive:
                    continue
                self.total_params += row.num_params
                self.total_param_bytes += row.param_bytes
                self.trainable_params += row.trainable_params
            elif not row.is_recursive:
                self.total_params += max(row.leftover_params(), 0)
                self.trainable_params += max(row.leftover_trainable_params(), 0)
        self.name_width = 40
        longest = max((len(r.name(show_var_name, show_depth)) + r.depth * 5 + 1 for r in rows),
                      default=0)
        if longest >= self.name_width:
            self.name_width = math.ceil(longest / 5) * 5

    @property
    def counts(self):
        return {"total": self.total_params, "trainable": self.trainable_params,
                "non_trainable": self.total_params - self.trainable_params}

    # ---------------------------------------------------------------- the text table
    def _row(self, name, values):
        line = f"{name:<{self.name_width}} "
        for col in self.col_names:
            line += f"{values.get(col, ''):<{self.col_width}} "
        return line.rstrip() + "\n"

    @staticmethod
    def _prefix(depth):
        if depth == 0:
            return ""
        return "├─" if depth == 1 else "│    " * (depth - 1) + "└─"

    def _values(self, row):
        at_max = row.depth == self.max_depth
        return {
            "kernel_size": str(row.kernel_size) if row.kernel_size else "--",
            "input_size": str(row.input_size) if row.input_size else "--",
            "output_size": str(row.output_size) if row.output_size else "--",
            "num_params": row.params_str(at_max),
            "params_percent": row.percent_str(self.total_params, at_max),
            "mult_adds": row.macs_str(at_max),
            "trainable": row.trainable,
        }

    def _visible(self):
        return [r for r in self.summary_list if r.depth <= self.max_depth]

    @staticmethod
    def _number(num, auto_units):
        if auto_units:
            units, value = ("T", num / 1e12) if num >= 1e12 else (
                ("G", num / 1e9) if num >= 1e9 else ("M", num / 1e6))
            label = f" (Units.{ {'T': 'TERABYTES', 'G': 'GIGABYTES', 'M': 'MEGABYTES'}[units]})"
        else:
            value, label = num, ""
        if float(value).is_integer():
            return f"{label}: {int(value):,d}"
        return f"{label}: {value:,.2f}"

    def _sizes(self):
        mb = 1e6
        return [("Input size (MB)", self.total_input / mb),
                ("Forward/backward pass size (MB)", self.total_output_bytes / mb),
                ("Params size (MB)", self.total_param_bytes / mb),
                ("Estimated Total Size (MB)", (self.total_input + self.total_output_bytes
                                               + self.total_param_bytes) / mb)]

    def __str__(self):
        divider = "=" * (len(self.col_names) * self.col_width + self.name_width)
        header = "Layer (type" + (" (var_name)" if self.show_var_name else "") + (
            ":depth-idx" if self.show_depth else "") + ")"
        body = "".join(self._row(self._prefix(r.depth) + r.name(self.show_var_name,
                                                                  self.show_depth),
                                 self._values(r)) for r in self._visible())
        text = (f"{divider}\n{self._row(header, _TITLES)}{divider}\n{body}{divider}\n"
                f"Total params{self._number(self.total_params, False)}\n"
                f"Trainable params{self._number(self.trainable_params, False)}\n"
                "Non-trainable params"
                f"{self._number(self.total_params - self.trainable_params, False)}\n")
        if self.input_given:
            text += f"Total mult-adds{self._number(self.total_mult_adds, True)}\n{divider}\n"
            text += "".join(f"{label}: {value:0.2f}\n" for label, value in self._sizes())
        return text + divider

    __repr__ = __str__

    # ---------------------------------------------------------------- the notebook view
    def _repr_html_(self):
        from html import escape

        head = "".join(f"<th>{escape(_TITLES[c])}</th>" for c in self.col_names)
        rows = []
        for r in self._visible():
            values = self._values(r)
            indent = "&nbsp;" * 4 * r.depth
            name = escape(r.name(self.show_var_name, self.show_depth))
            cells = "".join(f"<td>{escape(values[c])}</td>" for c in self.col_names)
            rows.append(f"<tr><td style='text-align:left'>{indent}{name}</td>{cells}</tr>")
        totals = [("Total params", f"{self.total_params:,}"),
                  ("Trainable params", f"{self.trainable_params:,}"),
                  ("Non-trainable params", f"{self.total_params - self.trainable_params:,}")]
        if self.input_given:
            totals += [(label, f"{value:0.2f}") for label, value in self._sizes()]
        foot = "".join(f"<tr><td style='text-align:left'>{escape(k)}</td><td>{escape(v)}</td>"
                       "</tr>" for k, v in totals)
        return ("<div class='pytorchlite-summary'><table>"
                f"<thead><tr><th style='text-align:left'>Layer (type)</th>{head}</tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>"
                f"<table><tbody>{foot}</tbody></table></div>")


def _walk(model, with_hooks, on_pre, on_post):
    """Registers hooks on (or, without input, visits) every module depth first; returns the
    hook handles, one pair per module (a module met twice keeps its last pair)."""
    handles = {}
    stack = [(type(model).__name__, model, 0, None)]
    infos = {}
    while stack:
        var_name, module, depth, parent = stack.pop()
        key = id(module)
        infos[key] = (var_name, depth, parent)
        if not with_hooks:
            on_pre(module, var_name, depth, parent)
        else:
            for h in handles.pop(key, ()):
                h.remove()
            args = (var_name, depth, parent)
            handles[key] = (
                module.register_forward_pre_hook(
                    lambda m, inp, args=args: on_pre(m, *args)),
                module.register_forward_hook(lambda m, inp, out: on_post(m, inp, out)))
        stack += [(name, child, depth + 1, module)
                  for name, child in reversed(list(module._modules.items())) if child is not None]
    return handles, infos


def _insert_missing_containers(rows):
    """Adds the rows of container modules whose own forward never ran (a ModuleList, or a
    module called through a parent's forward) above their first executed child."""
    ids = {id(r.module) for r in rows}
    current = {}
    i = 0
    while i < len(rows):
        row = rows[i]
        chain, parent = {}, row.parent
        while parent is not None and parent.depth > 0:
            chain[parent.depth] = parent
            parent = parent.parent
        inserted = 0
        for d in range(1, row.depth):
            if ((d not in current or current[d].module is not chain[d].module)
                    and chain[d] is not rows[i + inserted - 1]):
                chain[d].count_params()
                chain[d].is_recursive = id(chain[d].module) in ids
                rows.insert(i + inserted, chain[d])
                ids.add(id(chain[d].module))
                current[d] = chain[d]
                inserted += 1
        current[row.depth] = row
        d = row.depth + 1
        while d in current:
            current.pop(d)
            d += 1
        i += inserted + 1


def _link(rows):
    counters = {}
    for i, row in enumerate(rows):
        counters[row.depth] = counters.get(row.depth, 0) + 1
        row.depth_index = counters[row.depth]
        row.children = []
        for later in rows[i + 1:]:
            if later.depth <= row.depth:
                break
            row.children.append(later)


def summary(model, input_size=None, input_data=None, depth=3, col_names=None, col_width=25,
            row_settings=None, dtypes=None, mode="eval", verbose=None, **kwargs):
    """Summarizes ``model``: the module tree, output shapes, parameters, trainable flags and sizes.

    Args:
        model: the ``nn.Module``.
        input_size: the shape of one input, batch included (``(1, 10)``), or a list of shapes
            for several inputs; random float32 inputs of those shapes are made with
            ``torch.rand`` (pass ``dtypes`` for others).
        input_data: the input(s) themselves: a tensor, a list of positional arguments, or a
            dict of keyword arguments. Give at most one of ``input_size``/``input_data``;
            with neither, no forward pass runs and the table lists parameters only.
        depth: the deepest level of nested modules shown (deeper ones are counted in their
            parent's row).
        col_names: columns among "input_size", "output_size", "num_params", "params_percent",
            "kernel_size", "mult_adds", "trainable".
        col_width: width of each column (25).
        row_settings: among "depth" (the ``: 1-2`` suffix, shown by default), "var_names".
        mode: "eval" (default) or "train": the mode the forward pass runs in.
        verbose: 1 prints the table, 0 does not; by default it prints except in an
            interactive session (where the returned object shows itself).
        **kwargs: more keyword arguments for ``model.forward``.

    Returns:
        ModelStatistics: ``str()`` is the table; in a notebook it shows as an HTML table.

    Note:
        The layout, counts and estimates are torchinfo's (its "mult-adds" count one multiply-
        add per weight element per batch row, and the forward/backward size doubles the
        outputs of layers that have parameters). The default columns add "trainable" to
        torchinfo's defaults, so the table shows which layers are frozen; pass ``col_names``
        for torchinfo's exact columns. "Input size (MB)" counts the tensors' bytes (torchinfo
        adds the size of PyTorch's storage objects, 64 bytes each).

    Example::

        >>> stats = summary(model, input_size=(1, 10), verbose=0)   # doctest: +SKIP
        >>> stats.counts                                            # doctest: +SKIP
        {'total': 262, 'trainable': 262, 'non_trainable': 0}
    """
    torch = _torch()
    if input_size is not None and input_data is not None:
        raise RuntimeError("Only one of (input_data, input_size) should be specified.")
    given = input_size is not None or input_data is not None
    if col_names is None:
        col_names = ("output_size", "num_params", "trainable") if given else (
            "num_params", "trainable")
    col_names = tuple(col_names)
    for c in col_names:
        if c not in _TITLES:
            raise ValueError(f"{c!r} is not a valid column; choose among {tuple(_TITLES)}")
    if not given and set(col_names) & _NEEDS_INPUT:
        raise ValueError("You must pass input_data or input_size in order to use columns: "
                         f"{set(col_names) & _NEEDS_INPUT}")
    if col_width <= 0:
        raise ValueError(f"Column width must be greater than 0: col_width={col_width}")
    if mode not in ("eval", "train"):
        raise ValueError(f"mode must be 'eval' or 'train', not {mode!r}")
    rows_opts = {"depth"} if row_settings is None else set(row_settings)
    if verbose is None:
        verbose = 0 if getattr(sys, "ps1", None) else 1

    args, kw = [], dict(kwargs)
    if input_size is not None:
        sizes = _input_sizes(input_size)
        types = dtypes or [torch.float32] * len(sizes)
        args = [torch.rand(*s).to(dt) for s, dt in zip(sizes, types)]
    elif isinstance(input_data, dict):
        kw.update(input_data)
    elif isinstance(input_data, (list, tuple)):
        args = list(input_data)
    elif input_data is not None:
        args = [input_data]

    rows, records = [], {}

    def on_pre(module, var_name, depth_, parent):
        parent_row = records.get(id(parent)) if parent is not None else None
        row = _Layer(var_name, module, depth_, parent_row)
        row.is_recursive = any(r.module is module for r in rows)
        rows.append(row)
        records[id(module)] = row

    def on_post(module, inputs, outputs):
        row = records[id(module)]
        row.input_size, _ = _size_of(inputs)
        row.output_size, elem = _size_of(outputs)
        row.output_bytes = elem * _prod(row.output_size)
        row.executed = True
        row.compute_macs()

    if not given:
        _walk(model, False, on_pre, on_post)
    else:
        # without input, rows come from the tree; with it, from the order modules ran in
        handles, placeholders = _walk(model, True, on_pre, on_post)
        was_training = model.training
        try:
            model.train(mode == "train")
            with torch.no_grad():
                model(*args, **kw)
        except Exception as e:
            ran = [r for r in rows if r.executed]
            raise RuntimeError("Failed to run summary. See above stack traces for more details. "
                               f"Executed layers up to: {ran}") from e
        finally:
            for pair in handles.values():
                for h in pair:
                    h.remove()
            model.train(was_training)
        _fill_parents(rows, model, placeholders)
        _insert_missing_containers(rows)
    _link(rows)
    input_bytes = sum(t.numel() * t.element_size()
                      for t in _tensors_in([args, list(kw.values()) if given else []]))
    stats = ModelStatistics(rows, given, input_bytes, depth, col_names, col_width,
                            "var_names" in rows_opts, "depth" in rows_opts)
    if verbose:
        print(stats)
    return stats


def _fill_parents(rows, model, placeholders):
    """Gives each row a parent row, making rows for parents whose forward never ran (they are
    inserted into the table by _insert_missing_containers)."""
    made = {id(r.module): r for r in rows}

    def row_for(module):
        key = id(module)
        if key not in made:
            var_name, depth, parent = placeholders[key]
            made[key] = _Layer(var_name, module, depth, None if parent is None else
                               row_for(parent))
        return made[key]

    for r in rows:
        var_name, depth, parent = placeholders[id(r.module)]
        r.parent = None if parent is None else row_for(parent)


def _input_sizes(input_size):
    if not isinstance(input_size, (list, tuple)):
        raise TypeError("Input_size is not a recognized type. Please ensure input_size is valid."
                        "\nFor multiple inputs to the network, ensure input_size is a list of "
                        "tuple sizes.")

    def flat(x):
        for item in x:
            if isinstance(item, (list, tuple)):
                yield from flat(item)
            else:
                yield item

    if not input_size or any(s <= 0 for s in flat(input_size)):
        raise ValueError("Input_data is invalid, or negative size found in input_data.")
    if isinstance(input_size[0], int):
        return [tuple(input_size)]
    return [tuple(s) for s in input_size]
