"""Epoch time of a DataLoader whose samples each cost about 1 ms, for 0, 1 and 2 worker
processes, pytorchlite beside torch. A sample either sleeps (``--cost sleep``: waiting, as on
I/O, which workers overlap even on a busy machine) or spins on the CPU (``--cost spin``: needs
a free core per worker to scale). Each epoch starts its workers afresh (the default
``persistent_workers=False``), so the figure includes their start-up. Rounds alternate
between the libraries; each figure is the best of all rounds.

Usage: python benchmarks/bench_loader_workers.py [--cost sleep|spin] [--samples N] [--rounds R]
"""
import argparse
import importlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def spin(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


class CostlySamples:
    def __init__(self, lib_name, n, cost):
        self.lib_name = lib_name
        self.n = n
        self.cost = cost

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        (time.sleep if self.cost == "sleep" else spin)(0.001)
        return importlib.import_module(self.lib_name).full((8,), float(i))


def epoch_seconds(lib_name, num_workers, n, cost):
    data = importlib.import_module(lib_name + ".utils.data")
    loader = data.DataLoader(CostlySamples(lib_name, n, cost), batch_size=16, shuffle=True,
                             num_workers=num_workers)
    start = time.perf_counter()
    count = sum(1 for _ in loader)
    elapsed = time.perf_counter() - start
    assert count == (n + 15) // 16
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cost", choices=["sleep", "spin"], default="sleep")
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    libs = ["pytorchlite"]
    try:
        importlib.import_module("torch")
        libs.append("torch")
    except ImportError:
        pass
    best = {}
    for _ in range(args.rounds):
        for workers in (0, 1, 2):
            for lib_name in libs:
                t = epoch_seconds(lib_name, workers, args.samples, args.cost)
                key = (lib_name, workers)
                best[key] = min(best.get(key, t), t)
    print(f"{args.samples} samples of ~1 ms ({args.cost}), batch_size=16, best of "
          f"{args.rounds} epochs")
    print(f"{'num_workers':>11}  " + "  ".join(f"{name:>12}" for name in libs))
    for workers in (0, 1, 2):
        row = "  ".join(f"{best[(name, workers)] * 1000:10.0f}ms" for name in libs)
        print(f"{workers:>11}  {row}")


if __name__ == "__main__":
    main()
