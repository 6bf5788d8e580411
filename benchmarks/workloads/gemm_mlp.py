"""Workload: a GEMM-bound MLP step, 1024 -> 4096 -> 4096 -> 1024 (relu), batch 256, plain SGD."""
import importlib

import _common

name, quick = _common.parse_args()
torch = importlib.import_module(name)
nn = importlib.import_module(name + ".nn")
F = importlib.import_module(name + ".nn.functional")
optim = importlib.import_module(name + ".optim")

torch.manual_seed(0)
inputs = torch.randn(256, 1024)
targets = torch.randn(256, 1024)
model = nn.Sequential(nn.Linear(1024, 4096), nn.ReLU(), nn.Linear(4096, 4096), nn.ReLU(),
                      nn.Linear(4096, 1024))
optimizer = optim.SGD(model.parameters(), lr=0.01)


def step():
    optimizer.zero_grad()
    F.mse_loss(model(inputs), targets).backward()
    optimizer.step()


samples = _common.time_per_unit(step, 1, 2 if quick else 5)
_common.emit(torch, samples)
