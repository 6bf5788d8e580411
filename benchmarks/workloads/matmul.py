"""Workload: one 1024 x 1024 x 1024 float32 matmul, seconds per call and GFLOP/s."""
import importlib
import statistics

import _common

name, quick = _common.parse_args()
torch = importlib.import_module(name)

N = 1024
torch.manual_seed(0)
a = torch.randn(N, N)
b = torch.randn(N, N)
CALLS = 5


def run():
    for _ in range(CALLS):
        a @ b


samples = _common.time_per_unit(run, CALLS, _common.repeats(9, quick), warmup=2)
_common.emit(torch, samples, gflops=2.0 * N ** 3 / statistics.median(samples) / 1e9)
