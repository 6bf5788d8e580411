"""``python -m pytorchlite``: a tour of the parameter guide, run on pytorchlite itself.

``python -m pytorchlite run script.py [args...]`` runs an unmodified PyTorch script with
``import torch`` (and every ``torch.*`` submodule) resolving to pytorchlite.
"""
import os
import sys
import tempfile

import pytorchlite as torch
import pytorchlite.nn as nn
import pytorchlite.optim as optim
from pytorchlite._run import _TorchAlias, run_script  # noqa: F401 (the runner of `run`)
from pytorchlite.utils import ParameterMonitor
from pytorchlite.utils.data import DataLoader, TensorDataset


# ---------------------------------------------------------------- the tour

class SimpleNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.layer1 = nn.Linear(input_size, hidden_size)
        self.layer2 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        x = torch.relu(self.layer1(x))
        return self.layer2(x)


class SimpleModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 4)
        self.fc2 = nn.Linear(4, 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def count_parameters(model):
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {"total": total, "trainable": trainable, "non_trainable": total - trainable}


def _section(title):
    print()
    print(f"== {title} " + "=" * max(0, 66 - len(title)))


def tour_parameters():
    _section("1. Parameters of SimpleNN(10, 20, 2)")
    model = SimpleNN(10, 20, 2)
    print(model)
    for name, param in model.named_parameters():
        print(f"{name}: {param.size()}")
    counts = count_parameters(model)
    print(f"Total parameters: {counts['total']:,}")
    print(f"Trainable parameters: {counts['trainable']:,}")
    print(f"Non-trainable parameters: {counts['non_trainable']:,}")


def tour_freezing():
    _section("2. Freezing layer1")
    model = SimpleNN(10, 20, 2)
    for name, param in model.named_parameters():
        if "layer1" in name:
            param.requires_grad = False
    for name, param in model.named_parameters():
        print(f"{name}: requires_grad = {param.requires_grad}")
    counts = count_parameters(model)
    print(f"Trainable parameters: {counts['trainable']:,} of {counts['total']:,}")


def tour_monitoring(epochs=5, plot_path=None):
    _section(f"3. Training SimpleModel for {epochs} epochs with a parameter monitor")
    torch.manual_seed(42)
    X = torch.rand((100, 2))
    y = torch.rand((100, 1))
    loader = DataLoader(TensorDataset(X, y), batch_size=10, shuffle=True)
    model = SimpleModel()
    criterion = nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    monitor = ParameterMonitor(model)  # the guide's monitor, built in
    for epoch in _progress(range(epochs), desc="epochs"):
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = criterion(model(inputs), targets)
            loss.backward()
            optimizer.step()
        monitor.record(epoch)
    for name, stats in monitor.history.items():
        print(f"Parameter: {name}")
        for s in stats:
            print(f"  Epoch {s['epoch']}: Mean={s['mean']:.4f}, Std={s['std']:.4f}, "
                  f"Grad Mean={s['grad_mean']:.4f}")
    print(f"Final loss: {loss.item():.6f}")
    try:
        figure = monitor.plot()
    except ImportError:
        return  # matplotlib is optional (pip install pytorchlite[plot])
    path = plot_path or os.path.join(tempfile.gettempdir(), "pytorchlite_parameter_monitor.png")
    figure.savefig(path, dpi=80)
    print(f"Monitor plot (mean, std, grad_mean per parameter) written to {path}")


def _progress(iterable, desc):
    """tqdm's progress bar (on stderr) when tqdm is installed, else the iterable itself."""
    try:
        from tqdm import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, desc=desc, leave=False)


def tour_initialisers():
    _section("4. Initialisers on SimpleNN(10, 20, 2) (weights; biases zeroed)")
    methods = {
        "xavier": lambda w: nn.init.xavier_normal_(w),
        "kaiming": lambda w: nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"),
        "orthogonal": lambda w: nn.init.orthogonal_(w),
    }
    torch.manual_seed(0)
    for method, init in methods.items():
        model = SimpleNN(10, 20, 2)
        for name, param in model.named_parameters():
            if "weight" in name:
                init(param.data)
            else:
                nn.init.zeros_(param.data)
        print(f"{method}:")
        for name, param in model.named_parameters():
            print(f"  {name}: Mean: {param.data.mean():.4f}  Std: {param.data.std():.4f}")


def tour():
    print(f"pytorchlite {torch.__version__}: the parameter guide, run on pytorchlite")
    tour_parameters()
    tour_freezing()
    tour_monitoring()
    tour_initialisers()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "run":
        if len(argv) < 2:
            print("usage: python -m pytorchlite run script.py [args...]", file=sys.stderr)
            return 2
        return run_script(argv[1], argv[2:])
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if argv:
        print(f"unknown command {argv[0]!r}; try 'python -m pytorchlite --help'", file=sys.stderr)
        return 2
    tour()
    return 0


if __name__ == "__main__":
    sys.exit(main())
