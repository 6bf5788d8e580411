"""softmax, log_softmax, cross_entropy and tanh, pytorchlite against torch, one process.

    python benchmarks/bench_softmax.py [--threads 1] [--repeat 7]

Prints, per op and size (1K, 64K and 1M float32 elements, as rows of 1000 classes and, for the
small ones, of 10), the median time of one forward + backward for pytorchlite and for torch and
their ratio. Both libraries compute these bit for bit alike (tests/test_softmax_bitwise.py), so
the comparison is of the same work. Not a test: no assertion.
"""
import argparse
import statistics
import time

import numpy as np

SHAPES = [(100, 10), (1, 1000), (6400, 10), (64, 1000), (1024, 1000)]


def cases(lib, x, t):
    g = lib.ones(*x.shape)

    def softmax():
        y = x.softmax(-1)
        y.backward(g)

    def softmax_dim0():
        y = x.softmax(0)
        y.backward(g)

    def log_softmax():
        y = x.log_softmax(-1)
        y.backward(g)

    def cross_entropy():
        lib.nn.functional.cross_entropy(x, t).backward()

    def tanh():
        y = x.tanh()
        y.backward(g)
    return {"softmax": softmax, "softmax(dim=0)": softmax_dim0, "log_softmax": log_softmax,
            "cross_entropy": cross_entropy, "tanh": tanh}


def timed(fn, repeat):
    n = 1
    while True:  # an inner count that takes about 20 ms
        t = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t > 0.02 or n >= 1 << 16:
            break
        n *= 2
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - t) / n)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=None, help="both libraries' thread count")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    import pytorchlite
    import torch
    libs = {"pytorchlite": pytorchlite, "torch": torch}
    if args.threads:
        for lib in libs.values():
            lib.set_num_threads(args.threads)
    print(f"threads: pytorchlite {pytorchlite.get_num_threads()}, torch {torch.get_num_threads()}")
    print(f"{'op':16} {'shape':>12} {'pytorchlite':>12} {'torch':>12} {'ratio':>7}")
    for shape in SHAPES:
        rng = np.random.default_rng(0)
        xn = rng.standard_normal(shape).astype(np.float32)
        tn = rng.integers(0, shape[1], shape[0])
        per = {}
        for name, lib in libs.items():
            x = lib.tensor(xn, requires_grad=True)
            per[name] = {op: timed(fn, args.repeat) for op, fn in cases(lib, x, lib.tensor(tn)).items()}
        for op in per["torch"]:
            a, b = per["pytorchlite"][op], per["torch"][op]
            print(f"{op:16} {str(shape):>12} {a * 1e6:10.1f}us {b * 1e6:10.1f}us {a / b:7.2f}")


if __name__ == "__main__":
    main()
