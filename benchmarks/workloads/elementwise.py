"""Workload: per-op overhead of a chain of elementwise ops on 16-element float32 tensors."""
import importlib

import _common

name, quick = _common.parse_args()
torch = importlib.import_module(name)

torch.manual_seed(0)
x = torch.randn(16)
a = torch.rand(16) + 0.5
b = torch.rand(16) + 0.5
OPS_PER_CHAIN = 6
CHAINS = 1000


def run():
    for _ in range(CHAINS):
        y = x + a
        y = y * b
        y = y - a
        y = y / b
        y = torch.relu(y)
        y = -y


samples = _common.time_per_unit(run, CHAINS * OPS_PER_CHAIN, _common.repeats(25, quick))
_common.emit(torch, samples, ops="add mul sub div relu neg")
