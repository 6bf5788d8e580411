"""Side-by-side sgemm timings: the core's pl_sgemm (benchmarks/c/bench_gemm.c, built here with
the system C compiler and the extension's portable flags) against torch.mm, for 1 and 2
threads. Rounds alternate between the two so that machine load affects both alike; each
figure is the best of all rounds.

Usage: python benchmarks/bench_gemm_vs_torch.py [rounds]
"""
import os
import subprocess
import sys
import tempfile
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = ["csrc/core/gemm.c", "csrc/core/gemm_x86.c", "csrc/core/parallel.c",
           "csrc/core/error.c", "benchmarks/c/bench_gemm.c"]
# (M, N, K, B transposed)
SHAPES = [(4, 4, 4, False), (10, 2, 4, False), (32, 32, 32, False), (64, 64, 64, False),
          (64, 256, 784, True), (64, 256, 784, False), (128, 128, 128, False),
          (256, 256, 256, False), (512, 512, 512, False), (1024, 1024, 1024, False),
          (1024, 1024, 1024, True)]


def build():
    exe = os.path.join(tempfile.mkdtemp(), "bench_gemm")
    cmd = ["cc", "-std=c11", "-O2", "-ffp-contract=off", "-pthread", "-I",
           os.path.join(ROOT, "csrc")] + [os.path.join(ROOT, s) for s in SOURCES]
    subprocess.run(cmd + ["-lm", "-o", exe], check=True)
    return exe


def ours(exe, threads):
    args = [exe, "-", str(threads), "s"]
    args += ["%dx%dx%d%s" % (m, n, k, "t" if t else "") for m, n, k, t in SHAPES]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return [float(line.split(":")[1].split()[0]) for line in out.splitlines()]


def theirs(threads):
    torch.set_num_threads(threads)
    times = []
    for m, n, k, t in SHAPES:
        a = torch.randn(m, k)
        b = torch.randn(n, k) if t else torch.randn(k, n)
        bb = b.t() if t else b
        reps = int(2e8 / (2.0 * m * n * k)) + 1
        best = 1e30
        for _ in range(7):
            t0 = time.perf_counter()
            for _ in range(reps):
                torch.mm(a, bb)
            best = min(best, (time.perf_counter() - t0) / reps)
        times.append(best * 1e6)
    return times


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    exe = build()
    for threads in (1, 2):
        best_ours = [1e30] * len(SHAPES)
        best_torch = [1e30] * len(SHAPES)
        for _ in range(rounds):
            best_ours = [min(x, y) for x, y in zip(best_ours, ours(exe, threads))]
            best_torch = [min(x, y) for x, y in zip(best_torch, theirs(threads))]
        print(f"threads={threads}")
        print(f"{'M x N x K':>22} {'pl_sgemm us':>12} {'GFLOP/s':>8} {'torch.mm us':>12}"
              f" {'GFLOP/s':>8} {'time ratio':>10}")
        for (m, n, k, t), o, p in zip(SHAPES, best_ours, best_torch):
            name = f"{m}x{n}x{k}" + (" (B^T)" if t else "")
            fl = 2.0 * m * n * k / 1e3
            print(f"{name:>22} {o:12.2f} {fl / o:8.1f} {p:12.2f} {fl / p:8.1f} {o / p:10.2f}")


if __name__ == "__main__":
    main()
