"""Workload: a tiny autograd step, relu(x @ W).mean().backward() with W 8x8 requiring grad."""
import importlib

import _common

name, quick = _common.parse_args()
torch = importlib.import_module(name)

torch.manual_seed(0)
x = torch.randn(8, 8)
W = torch.randn(8, 8, requires_grad=True)
STEPS = 200


def run():
    for _ in range(STEPS):
        W.grad = None
        torch.relu(x @ W).mean().backward()


samples = _common.time_per_unit(run, STEPS, _common.repeats(25, quick))
_common.emit(torch, samples)
