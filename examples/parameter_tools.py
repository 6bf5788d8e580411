"""The guide's tools, built into pytorchlite: a summary table, parameter counts, freezing, a
gradual unfreezing schedule, and a parameter monitor with its plot.

    python examples/parameter_tools.py [monitor.png]

writes the monitor's plot to the PNG it names (default: parameter_monitor.png beside this file)
when matplotlib is installed (``pip install pytorchlite[plot]``).
"""
import os
import sys

import pytorchlite as torch
import pytorchlite.nn as nn
from pytorchlite.utils import (GradualUnfreezer, ParameterMonitor, count_parameters, freeze,
                               summary, unfreeze)
from pytorchlite.utils.data import DataLoader, TensorDataset


class SimpleModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 4)
        self.fc2 = nn.Linear(4, 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def main(png):
    torch.manual_seed(42)
    X, y = torch.rand((100, 2)), torch.rand((100, 1))
    loader = DataLoader(TensorDataset(X, y), batch_size=10, shuffle=True)
    model = SimpleModel()

    print(summary(model, input_size=(10, 2), verbose=0))
    print(count_parameters(model))
    print("frozen:", freeze(model, ["fc1"]), count_parameters(model))
    print("unfrozen:", unfreeze(model, "fc1"))

    unfreezer = GradualUnfreezer(model, [["fc2"], ["fc1"]], every=2)
    monitor = ParameterMonitor(model)
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(8):
        changed = unfreezer.step(epoch)
        if changed:
            print(f"epoch {epoch}: unfroze {changed}")
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = criterion(model(inputs), targets)
            loss.backward()
            optimizer.step()
        monitor.record(epoch)

    for name, records in monitor.history.items():
        last = records[-1]
        print(f"{name:11s} mean={last['mean']:.4f} std={last['std']:.4f} "
              f"grad_norm={last['grad_norm']:.4f} update_ratio={last['update_ratio']:.4f}")
    try:
        fig = monitor.plot(stats=("mean", "grad_norm", "update_ratio"))
    except ImportError as e:
        print(f"no plot: {e}")
        return
    fig.savefig(png, dpi=80)
    print(f"plot written to {png}")


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "parameter_monitor.png"))
