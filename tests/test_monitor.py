"""pytorchlite.utils.ParameterMonitor: the guide's param_history, the extra statistics, the
warnings, the exports and the plot."""
import csv
import json
import math
import warnings

import numpy as np
import pytest

import pytorchlite as torch
import pytorchlite.nn as nn
from pytorchlite.utils import GradientWarning, ParameterMonitor


def guide_training(lib, monitor_cls=None, epochs=3):
    """The guide's training loop; returns the guide's own param_history and, when given, the
    monitor's history (recorded at the same points)."""
    DataLoader, TensorDataset = lib.utils.data.DataLoader, lib.utils.data.TensorDataset

    class SimpleModel(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = lib.nn.Linear(2, 4)
            self.fc2 = lib.nn.Linear(4, 1)

        def forward(self, x):
            return self.fc2(lib.relu(self.fc1(x)))

    lib.manual_seed(42)
    X, y = lib.rand((100, 2)), lib.rand((100, 1))
    loader = DataLoader(TensorDataset(X, y), batch_size=10, shuffle=True)
    model = SimpleModel()
    criterion, optimizer = lib.nn.MSELoss(), lib.optim.SGD(model.parameters(), lr=0.01)
    monitor = monitor_cls(model) if monitor_cls else None
    guide = {}
    for epoch in range(epochs):
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = criterion(model(inputs), targets)
            loss.backward()
            optimizer.step()
        for name, param in model.named_parameters():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # fc2.bias: std of one element
                std = param.data.std().item()
            guide.setdefault(name, []).append({
                "epoch": epoch, "mean": param.data.mean().item(), "std": std,
                "grad_mean": param.grad.mean().item() if param.grad is not None else 0})
        if monitor:
            monitor.record(epoch)
    return guide, monitor


def test_history_has_the_guides_layout_and_numbers():
    guide, monitor = guide_training(torch, ParameterMonitor)
    assert list(monitor.history) == list(guide)
    for name, records in guide.items():
        ours = monitor.history[name]
        assert [r["epoch"] for r in ours] == [0, 1, 2]
        for mine, theirs in zip(ours, records):
            for key in ("mean", "grad_mean"):
                assert mine[key] == theirs[key]
            assert mine["std"] == theirs["std"] or (math.isnan(mine["std"])
                                                    and math.isnan(theirs["std"]))
    assert math.isnan(monitor.history["fc2.bias"][0]["std"])  # one element, as in the guide


def test_history_matches_the_guide_run_on_torch():
    real = pytest.importorskip("torch")
    import torch.utils.data  # noqa: F401  (the loop uses lib.utils.data)

    theirs, _ = guide_training(real)
    _, monitor = guide_training(torch, ParameterMonitor)
    for name, records in theirs.items():
        for mine, ref in zip(monitor.history[name], records):
            for key in ("mean", "grad_mean"):
                assert mine[key] == pytest.approx(ref[key], rel=1e-5, abs=1e-7)


def test_extra_statistics_are_the_parameters():
    model = nn.Linear(3, 2)
    monitor = ParameterMonitor(model, every="step")
    w = model.weight.detach().numpy().astype(np.float64).copy()
    first = monitor.record()["weight"]
    assert first["step"] == 0
    assert first["min"] == pytest.approx(w.min()) and first["max"] == pytest.approx(w.max())
    assert first["norm"] == pytest.approx(np.linalg.norm(w))
    assert first["grad_norm"] == 0.0 and math.isnan(first["update_ratio"])
    model(torch.ones(4, 3)).sum().backward()
    g = model.weight.grad.numpy().astype(np.float64)
    with torch.no_grad():
        model.weight.sub_(0.1 * model.weight.grad)
    second = monitor.record()["weight"]
    assert second["step"] == 1
    assert second["grad_mean"] == pytest.approx(g.mean())
    assert second["grad_std"] == pytest.approx(g.std(ddof=1), rel=1e-6)
    assert second["grad_norm"] == pytest.approx(np.linalg.norm(g))
    w2 = model.weight.detach().numpy().astype(np.float64)
    assert second["update_ratio"] == pytest.approx(np.linalg.norm(w2 - w) / np.linalg.norm(w),
                                                   rel=1e-6)


def test_warnings_for_exploding_vanishing_and_nan_gradients():
    model = nn.Linear(2, 1)
    monitor = ParameterMonitor(model, explode_threshold=10.0, vanish_threshold=1e-3)
    model.weight.grad = torch.full((1, 2), 100.0)
    model.bias.grad = torch.zeros(1)
    with pytest.warns(GradientWarning) as caught:
        monitor.record(0)
    messages = [str(w.message) for w in caught]
    assert any(m.startswith("weight: exploding gradient at epoch 0") for m in messages)
    assert any(m.startswith("bias: vanishing gradient at epoch 0") for m in messages)
    assert all(w.filename == __file__ for w in caught)  # points at the caller
    model.weight.grad = torch.tensor([[float("nan"), 1.0]])
    model.bias.grad = torch.ones(1)
    with pytest.warns(GradientWarning, match="weight: the gradient holds nan or inf"):
        monitor.record(1)
    assert issubclass(GradientWarning, RuntimeWarning)


def test_no_warning_without_gradients_or_when_disabled():
    model = nn.Linear(2, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ParameterMonitor(model).record(0)  # no grads yet: nothing to judge
        model.weight.grad = torch.full((1, 2), 1e9)
        ParameterMonitor(model, warn=False).record(0)


def test_exports(tmp_path):
    _, monitor = guide_training(torch, ParameterMonitor, epochs=2)
    data = monitor.to_dict()
    assert data == monitor.history and data is not monitor.history
    json.dumps(data)  # plain data
    path = tmp_path / "p.csv"
    monitor.to_csv(path)
    with open(path) as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["parameter", "epoch", "mean", "std", "min", "max", "norm",
                             "grad_mean", "grad_std", "grad_norm", "update_ratio"]
    assert len(rows) == 4 * 2
    assert rows[0]["parameter"] == "fc1.weight" and float(rows[0]["mean"]) == pytest.approx(
        monitor.history["fc1.weight"][0]["mean"])


def test_to_dataframe():
    pandas = pytest.importorskip("pandas")
    _, monitor = guide_training(torch, ParameterMonitor, epochs=2)
    df = monitor.to_dataframe()
    assert isinstance(df, pandas.DataFrame) and df.shape == (8, 11)
    assert df[df.parameter == "fc2.weight"]["epoch"].tolist() == [0, 1]


def test_plot_has_one_panel_per_statistic_and_one_line_per_parameter(tmp_path):
    pytest.importorskip("matplotlib")
    _, monitor = guide_training(torch, ParameterMonitor, epochs=3)
    fig = monitor.plot()
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == ["mean", "std", "grad_mean"]
    for ax in axes:
        assert len(ax.get_lines()) == 4
        assert list(ax.get_lines()[0].get_xdata()) == [0, 1, 2]
    labels = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert labels == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    np.testing.assert_allclose(axes[0].get_lines()[2].get_ydata(),
                               [r["mean"] for r in monitor.history["fc2.weight"]])
    fig.savefig(tmp_path / "p.png")
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
    one = monitor.plot("norm", names=["fc1.bias"])
    assert len(one.get_axes()) == 1 and len(one.get_axes()[0].get_lines()) == 1
    with pytest.raises(ValueError, match="unknown statistic"):
        monitor.plot(("nope",))


def test_argument_errors():
    with pytest.raises(ValueError, match="every must be"):
        ParameterMonitor(nn.Linear(1, 1), every="batch")
