"""Long-run memory soak: resident memory over many training steps of small models.

    python benchmarks/soak.py [--steps 20000]

Three loops run in one process, each after a warm-up of 200 steps: the guide's small MLP with
SGD, an MNIST-shaped MLP with Adam and cross-entropy, and a loop of everyday tensor work
(indexing, reductions, NumPy round trips, errors raised and caught). It prints the resident set
size growth of each in KiB (read from /proc, Linux only). A leak of one small tensor per step
shows as several MiB over the default 20,000 steps; the figure in the README comes from here.
"""
import argparse
import gc
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import pytorchlite as torch  # noqa: E402
import pytorchlite.nn as nn  # noqa: E402
import pytorchlite.nn.functional as F  # noqa: E402


def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def guide_mlp():
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = torch.rand(10, 2), torch.rand(10, 1)

    def step():
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
    return step


def mnist_mlp():
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.rand(32, 1, 28, 28), torch.randint(0, 10, (32,))

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        loss.item()
    return step


def tensor_work():
    a = torch.randn(16, 16)

    def step():
        b = a[a > 0].sum() + a[:, 3].mean() + a.t().contiguous().max()
        c = torch.from_numpy(a.numpy().copy()) * b
        repr(c[:2, :2])
        try:
            c.view(7, 7)
        except RuntimeError:
            pass
    return step


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20000)
    args = ap.parse_args()
    torch.manual_seed(0)
    for name, make in (("guide MLP + SGD", guide_mlp), ("MNIST MLP + Adam", mnist_mlp),
                       ("tensor work", tensor_work)):
        step = make()
        for _ in range(200):
            step()
        gc.collect()
        before = rss_kib()
        for _ in range(args.steps):
            step()
        gc.collect()
        after = rss_kib()
        print(f"{name}: {args.steps} steps, resident memory {before} KiB -> {after} KiB "
              f"(growth {after - before} KiB)")


if __name__ == "__main__":
    main()
