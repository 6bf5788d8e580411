"""exp/log/tanh/sin of float32 tensors: torch, pytorchlite through MKL's VML and pytorchlite
through libm, in one process.

    python benchmarks/bench_vml.py [--repeat 7] [--threads N]

Imports torch first (see README, Known differences). Prints, per function and size, the median
time of one call for each and the ratios to torch. The libm figures come from the same process
with the VML route turned off (pytorchlite._vml.unload()). Not a test: no assertion.
"""
import argparse
import statistics
import time

import numpy as np
import torch as real  # first: pytorchlite's MKL must not take the place of torch's

import pytorchlite as lite
from pytorchlite import _vml


def median_call(fn, x, repeat, budget=0.05):
    fn(x)
    t = time.perf_counter()
    fn(x)
    one = max(time.perf_counter() - t, 1e-7)
    inner = max(1, int(budget / one))
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(inner):
            fn(x)
        times.append((time.perf_counter() - t) / inner)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--threads", type=int, default=0, help="both libraries' thread count (0: default)")
    args = ap.parse_args()
    if args.threads:
        real.set_num_threads(args.threads)
        lite.set_num_threads(args.threads)
    if not _vml.enabled():
        raise SystemExit(f"the MKL route is off ({_vml.error() or 'mkl wheel not installed'})")
    print(f"threads: torch {real.get_num_threads()}, pytorchlite {lite.get_num_threads()}")
    print(f"{'op':6} {'n':>8} {'torch':>10} {'vml':>10} {'libm':>10} {'vml/torch':>10} {'libm/torch':>10}")
    rng = np.random.default_rng(0)
    for op in ("exp", "log", "tanh", "sin"):
        for n in (1000, 65536, 1 << 20):
            x = rng.standard_normal(n).astype(np.float32)
            if op == "log":
                x = np.abs(x) + 1e-3
            a, b = lite.from_numpy(x), real.from_numpy(x)
            f_lite, f_real = getattr(lite, op), getattr(real, op)
            t_real = median_call(f_real, b, args.repeat)
            t_vml = median_call(f_lite, a, args.repeat)
            _vml.unload()
            try:
                t_libm = median_call(f_lite, a, args.repeat)
            finally:
                _vml.load()
            print(f"{op:6} {n:>8} {t_real * 1e6:>8.1f}us {t_vml * 1e6:>8.1f}us {t_libm * 1e6:>8.1f}us "
                  f"{t_vml / t_real:>10.2f} {t_libm / t_real:>10.2f}")


if __name__ == "__main__":
    main()
