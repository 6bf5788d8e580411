"""float32 unary functions that follow PyTorch's vector kernels (SLEEF's functions on ATen's
layout): torch against pytorchlite, one thread each, in one process.

    python benchmarks/bench_unary.py [--repeat 9] [--sizes 1000,65536,1048576]

Imports torch first (see README, Known differences). For each function and size it prints the
median time of one forward call and of one forward + backward (a fresh leaf, y.backward(g)) for
both libraries, the two timed in turn round by round, and the median of the per-round ratios
pytorchlite / torch. Not a test: no assertion.
"""
import argparse
import statistics
import time

import numpy as np
import torch as real  # first: pytorchlite's MKL must not take the place of torch's

import pytorchlite as lite


def _fns(m):
    F = m.nn.functional
    return {
        "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"),
        "mish": F.mish,
        "sinh": m.sinh,
        "tanh": m.tanh,
        "exp": m.exp,
        "lgamma": m.lgamma,
    }


def _timed(fn, inner):
    t = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - t) / inner


def _pair(fa, fb, repeat, budget=0.03):
    """Median times of fa and fb and the median per-round ratio fa / fb, timed in turn."""
    fa(), fb()
    one = max(_timed(fb, 1), _timed(fa, 1), 1e-7)
    inner = max(1, int(budget / one))
    ta, tb = [], []
    for _ in range(repeat):
        ta.append(_timed(fa, inner))
        tb.append(_timed(fb, inner))
    ratio = statistics.median(a / b for a, b in zip(ta, tb))
    return statistics.median(ta), statistics.median(tb), ratio


def _fmt(s):
    return f"{s * 1e6:9.1f}us"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--sizes", default="1000,65536,1048576")
    args = ap.parse_args()
    real.set_num_threads(1)
    lite.set_num_threads(1)
    sizes = [int(s) for s in args.sizes.split(",")]
    rng = np.random.default_rng(0)
    fl, fr = _fns(lite), _fns(real)
    print(f"threads: torch {real.get_num_threads()}, pytorchlite {lite.get_num_threads()}; "
          f"capability {real.backends.cpu.get_cpu_capability()}")
    print(f"{'fn':10} {'n':>8} {'pass':>8} {'torch':>11} {'lite':>11} {'lite/torch':>10}")
    for name in fl:
        for n in sizes:
            x = (rng.standard_normal(n) * 3).astype(np.float32)
            if name == "lgamma":
                x = np.abs(x) + 0.1
            g = np.cos(x).astype(np.float32)
            xl, xr = lite.from_numpy(x), real.from_numpy(x)
            gl, gr = lite.from_numpy(g), real.from_numpy(g)
            tl, tr, r = _pair(lambda: fl[name](xl), lambda: fr[name](xr), args.repeat)
            print(f"{name:10} {n:8d} {'fwd':>8} {_fmt(tr)} {_fmt(tl)} {r:10.2f}")

            def both(f, x, g):
                def run():
                    f(x.detach().requires_grad_()).backward(g)
                return run
            tl, tr, r = _pair(both(fl[name], xl, gl), both(fr[name], xr, gr), args.repeat)
            print(f"{name:10} {n:8d} {'fwd+bwd':>8} {_fmt(tr)} {_fmt(tl)} {r:10.2f}")


if __name__ == "__main__":
    main()
