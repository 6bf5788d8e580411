"""``pytorchlite.utils.ParameterMonitor``: per-parameter statistics recorded during training.

The guide's monitor, built in and extended::

    monitor = ParameterMonitor(model)              # every="epoch"
    for epoch in range(5):
        for inputs, targets in loader:
            ...; loss.backward(); optimizer.step()
        monitor.record(epoch)
    monitor.history["fc1.weight"][0]   # {'epoch': 0, 'mean': ..., 'std': ..., 'grad_mean': ...}
    monitor.to_csv("params.csv"); monitor.plot().savefig("params.png")

``history`` has the guide's ``param_history`` layout: ``{name: [stats, ...]}``, one dict per
record, each holding the record's ``epoch`` (or ``step``) and the statistics in ``STATS``.
"""
import csv
import math
import warnings

__all__ = ["ParameterMonitor", "GradientWarning", "STATS"]

#: The statistics of each record, in column order.
STATS = ("mean", "std", "min", "max", "norm", "grad_mean", "grad_std", "grad_norm",
         "update_ratio")


class GradientWarning(RuntimeWarning):
    """Issued by :meth:`ParameterMonitor.record` for an exploding or vanishing gradient, or a
    parameter or gradient holding nan or inf."""


def _float(t):
    return float(t.item())


class ParameterMonitor:
    """Records, at each :meth:`record`, statistics of every parameter of ``model``.

    Args:
        model: the ``nn.Module`` whose ``named_parameters()`` are watched.
        every: "epoch" or "step": what one record stands for; it names the index key of each
            record (``{"epoch": 3, ...}`` or ``{"step": 120, ...}``).
        explode_threshold: a gradient whose L2 norm exceeds this warns (default 1e3).
        vanish_threshold: a gradient whose L2 norm is below this warns (default 1e-7); a
            parameter without a gradient (frozen, or unused) never warns.
        warn: False records without warning.

    Each record holds, per parameter: ``mean``, ``std`` (with Bessel's correction, as
    ``Tensor.std``: nan for a single element, as in the guide), ``min``, ``max``, ``norm`` (L2),
    ``grad_mean``, ``grad_std``, ``grad_norm`` (0 when the parameter has no gradient, as the
    guide's ``grad_mean``), and ``update_ratio``: ``||p - p_prev|| / ||p_prev||`` with
    ``p_prev`` the parameter at the previous record (nan at the first record; inf when a zero
    parameter moved). Statistics are computed with pytorchlite's own reductions, so the numbers
    are those the guide's loop prints. For ``update_ratio`` the monitor keeps a float64 copy of
    every parameter (twice the memory of float32 weights).

    Warnings (:class:`GradientWarning`, one per parameter and problem per record): nan or inf
    in a parameter or its gradient; ``grad_norm > explode_threshold`` ("exploding");
    ``grad_norm < vanish_threshold`` ("vanishing").

    Example::

        >>> model = nn.Linear(3, 1)
        >>> monitor = ParameterMonitor(model)
        >>> model(torch.ones(4, 3)).sum().backward()
        >>> record = monitor.record(0)
        >>> list(monitor.history)
        ['weight', 'bias']
        >>> monitor.history["bias"][0]["grad_mean"]
        4.0
        >>> monitor
        ParameterMonitor(every='epoch', parameters=2, records=1)
    """

    def __init__(self, model, every="epoch", *, explode_threshold=1e3, vanish_threshold=1e-7,
                 warn=True):
        if every not in ("epoch", "step"):
            raise ValueError(f"every must be 'epoch' or 'step', not {every!r}")
        self.model, self.every = model, every
        self.explode_threshold, self.vanish_threshold = explode_threshold, vanish_threshold
        self.warn = warn
        self.history = {}
        self._previous = {}
        self._count = 0

    def __repr__(self):
        return (f"ParameterMonitor(every={self.every!r}, parameters={len(self.history)}, "
                f"records={self._count})")

    # ---------------------------------------------------------------- recording
    def record(self, index=None):
        """Records every parameter's statistics under ``index`` (the epoch or step number; by
        default the number of records so far). Returns this record: ``{name: stats}``."""
        from pytorchlite import autograd

        if index is None:
            index = self._count
        result = {}
        with autograd.no_grad():
            for name, p in self.model.named_parameters():
                stats = {self.every: index}
                stats.update(self._stats(name, p))
                self.history.setdefault(name, []).append(stats)
                result[name] = stats
                if self.warn:
                    self._check(name, p, stats, index)
        self._count += 1
        return result

    def _stats(self, name, p):
        data = p.detach()
        n = data.numel()
        values = data.double()
        stats = {
            "mean": _float(data.mean()) if n else math.nan,
            "std": _float(data.std()) if n > 1 else math.nan,
            "min": _float(data.min()) if n else math.nan,
            "max": _float(data.max()) if n else math.nan,
            "norm": _float(values.norm()),
        }
        g = p.grad
        if g is None or g.numel() == 0:
            stats.update(grad_mean=0.0, grad_std=0.0, grad_norm=0.0)
        else:
            stats.update(grad_mean=_float(g.mean()),
                         grad_std=_float(g.std()) if g.numel() > 1 else math.nan,
                         grad_norm=_float(g.double().norm()))
        prev = self._previous.get(name)
        if prev is None or tuple(prev.shape) != tuple(values.shape):
            ratio = math.nan
        else:
            change = _float((values - prev).norm())
            base = _float(prev.norm())
            ratio = change / base if base else (0.0 if change == 0 else math.inf)
        stats["update_ratio"] = ratio
        self._previous[name] = values.clone()
        return stats

    def _check(self, name, p, stats, index):
        where = f"{self.every} {index}"
        if not bool(p.detach().isfinite().all()):
            self._warn(f"{name}: the parameter holds nan or inf values at {where}")
        g = p.grad
        if g is None or g.numel() == 0:
            return
        if not bool(g.isfinite().all()):
            self._warn(f"{name}: the gradient holds nan or inf values at {where}")
            return
        norm = stats["grad_norm"]
        if norm > self.explode_threshold:
            self._warn(f"{name}: exploding gradient at {where}: norm {norm:.4g} > "
                       f"{self.explode_threshold:g}")
        elif norm < self.vanish_threshold:
            self._warn(f"{name}: vanishing gradient at {where}: norm {norm:.4g} < "
                       f"{self.vanish_threshold:g}")

    @staticmethod
    def _warn(message):
        warnings.warn(message, GradientWarning, stacklevel=4)

    # ---------------------------------------------------------------- exporting
    def to_dict(self):
        """A copy of ``history`` (plain dicts and lists, ready for ``json.dump``)."""
        return {name: [dict(r) for r in records] for name, records in self.history.items()}

    def rows(self):
        """One flat dict per (record, parameter): ``{"parameter", epoch|step, *STATS}``."""
        out = []
        for name, records in self.history.items():
            for r in records:
                out.append({"parameter": name, **r})
        return out

    def to_csv(self, path):
        """Writes :meth:`rows` to ``path`` as CSV (header: parameter, epoch|step, STATS...)."""
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=["parameter", self.every, *STATS])
            writer.writeheader()
            writer.writerows(self.rows())

    def to_dataframe(self):
        """:meth:`rows` as a ``pandas.DataFrame`` (needs pandas)."""
        try:
            import pandas
        except ImportError:
            raise ImportError("ParameterMonitor.to_dataframe() needs pandas: "
                              "pip install pandas") from None
        return pandas.DataFrame(self.rows(), columns=["parameter", self.every, *STATS])

    def plot(self, stats=("mean", "std", "grad_mean"), names=None, figsize=None):
        """One panel per statistic, one line per parameter, against the epoch (or step).

        Returns a ``matplotlib.figure.Figure`` (needs matplotlib: ``pip install
        pytorchlite[plot]``), drawn on the Agg canvas so it works without a display: save it
        with ``fig.savefig("params.png")``; a notebook with matplotlib's inline backend shows
        it when it is the cell's value.
        """
        try:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure
        except ImportError:
            raise ImportError("ParameterMonitor.plot() needs matplotlib: "
                              "pip install pytorchlite[plot]") from None
        stats = (stats,) if isinstance(stats, str) else tuple(stats)
        for s in stats:
            if s not in STATS:
                raise ValueError(f"unknown statistic {s!r}; choose among {STATS}")
        names = list(self.history) if names is None else list(names)
        for n in names:
            if n not in self.history:
                raise KeyError(f"no parameter named {n!r} was recorded")
        fig = Figure(figsize=figsize or (7, 2.6 * max(len(stats), 1)), layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(len(stats), 1, sharex=True, squeeze=False)[:, 0]
        for ax, s in zip(axes, stats):
            for n in names:
                records = self.history[n]
                ax.plot([r[self.every] for r in records], [r[s] for r in records],
                        marker="o", markersize=3, label=n)
            ax.set_title(s)
            ax.grid(True, alpha=0.3)
        axes[-1].set_xlabel(self.every)
        if names:
            axes[0].legend(fontsize="small", loc="best")
        return fig
