"""One optimizer step over a group of parameters, pytorchlite against torch, one process.

    python benchmarks/bench_optim_step.py [--params 10] [--numel 1000] [--repeat 7]

Prints, per optimizer, the median time of one ``opt.step()`` over ``--params`` float32
parameters of ``--numel`` elements each (gradients set once, state already created by a
warm-up step), for pytorchlite and for torch, and their ratio. Not a test: no assertion.
"""
import argparse
import importlib
import statistics
import time

import numpy as np

OPTIMIZERS = [
    ("RMSprop", {"momentum": 0.9, "centered": True}),
    ("Adagrad", {}),
    ("Adadelta", {}),
    ("Adamax", {}),
    ("NAdam", {}),
    ("RAdam", {}),
    ("ASGD", {}),
    ("Rprop", {}),
    ("Adam", {}),
    ("SGD", {"lr": 0.01, "momentum": 0.9}),
]


def one(lib, name, kw, n_params, numel, repeat, inner):
    rng = np.random.default_rng(0)
    params = [lib.tensor(rng.standard_normal(numel).astype(np.float32), requires_grad=True)
              for _ in range(n_params)]
    for p in params:
        p.grad = lib.tensor(rng.standard_normal(numel).astype(np.float32))
    opt = getattr(lib.optim, name)(params, **kw)
    opt.step()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(inner):
            opt.step()
        times.append((time.perf_counter() - t) / inner)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--params", type=int, default=10)
    ap.add_argument("--numel", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--inner", type=int, default=50)
    args = ap.parse_args()
    libs = [importlib.import_module("pytorchlite"), importlib.import_module("torch")]
    libs[1].set_num_threads(1)
    print(f"one step over {args.params} float32 parameters of {args.numel} elements "
          f"(median of {args.repeat} x {args.inner} steps; torch with 1 thread)")
    print(f"{'optimizer':<10} {'pytorchlite':>12} {'torch':>12} {'ratio':>7}")
    for name, kw in OPTIMIZERS:
        ours, theirs = (one(lib, name, kw, args.params, args.numel, args.repeat, args.inner)
                        for lib in libs)
        print(f"{name:<10} {ours * 1e6:>10.1f}us {theirs * 1e6:>10.1f}us {ours / theirs:>7.3f}")


if __name__ == "__main__":
    main()
