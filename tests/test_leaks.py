"""Memory: typical loops (ops, autograd steps, training epochs, repr, indexing, NumPy round trips,
errors raised in the middle of ops) must not grow the process, and tensors, parameters and graphs
must die when their last reference goes.

RSS is read from /proc (Linux); each loop allocates tensors of tens of KiB per iteration, so a
leak of one of them per iteration grows the process by far more than the generous bound.
"""
import gc
import os
import sys
import weakref

import numpy as np
import pytest

import pytorchlite as torch
import pytorchlite.nn as nn
from pytorchlite.utils.data import DataLoader, TensorDataset

BOUND = 12 * 2 ** 20  # bytes of growth allowed over a whole measured run
N = 64 * 64           # elements per tensor: 16 KiB in float32, 32 KiB in float64 / int64


def _rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def _grows(step, warmup=30, iters=400):
    """Bytes the process grew while running step() iters times after a warm-up."""
    for _ in range(warmup):
        step()
    gc.collect()
    before = _rss()
    for _ in range(iters):
        step()
    gc.collect()
    return _rss() - before


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
# AddressSanitizer keeps freed memory in quarantine: RSS then grows without a leak
_rss_skip = pytest.mark.skipif("asan" in os.environ.get("LD_PRELOAD", ""),
                               reason="RSS is meaningless under AddressSanitizer")


def _ops():
    a = torch.randn(64, 64)
    b = (a @ a.t() + a.exp().sum(0)).relu().softmax(-1)
    c = torch.cat([b, b.t().contiguous()]).reshape(2, 64, 64).permute(2, 0, 1)
    c.max(dim=0), c.sum(1, keepdim=True), c.var(), a.sort(1), a.argmax()
    torch.where(a > 0, a, b).clamp(-1, 1).mean().item()
    a.double().long().bool().float()


def _autograd():
    x = torch.randn(64, 64, requires_grad=True)
    w = torch.randn(64, 64, dtype=torch.float32, requires_grad=True)
    y = (x @ w).tanh().exp()  # exp saves its output: tensor -> graph -> tensor
    z = (y.sigmoid() * y).log_softmax(1)[::2].sum() + y.max() + x.var()
    z.backward(retain_graph=True)
    z.backward()
    x.grad = None


def _training():
    torch.manual_seed(0)
    data = TensorDataset(torch.randn(256, 32), torch.randn(256, 1))
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    for xb, yb in DataLoader(data, batch_size=64, shuffle=True):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
    adam = torch.optim.Adam(model.parameters())
    model(data[:8][0]).sum().backward()
    adam.step()


def _repr():
    a = torch.randn(64, 64)
    repr(a), str(a[0]), f"{a[0, 0]:.3f}", repr(torch.arange(N)), repr(a.double() > 0)


def _indexing():
    a = torch.randn(64, 64)
    a[1:5], a[..., None, 3], a[torch.tensor([0, 3, 5])], a[a > 0], a[[1, 2]], a[-1, ::3]
    a[a > 1] = 0.0
    a[:, 2] = torch.ones(64)
    a[torch.tensor([1, 2])] = 3.0


def _numpy():
    arr = np.random.default_rng(0).standard_normal((64, 64))
    t = torch.from_numpy(arr)
    t.numpy().sum(), torch.tensor(arr).numpy(), torch.as_tensor(arr.astype(np.float32))
    np.asarray(torch.ones(64, 64)), torch.tensor(arr.tolist()).tolist()


def _errors():
    a = torch.randn(64, 64, requires_grad=True)
    for bad in (lambda: a + torch.ones(3), lambda: a.view(7, -1), lambda: a[100],
                lambda: a @ torch.ones(3, 3), lambda: torch.cat([a, torch.ones(2)]),
                lambda: a.sum(5), lambda: a.add_(1), lambda: torch.zeros(-1),
                lambda: a.gather(0, torch.tensor([[99]])), lambda: a.narrow(0, 60, 10),
                lambda: a.expand(3, 64, 64).detach().add_(1)):
        with pytest.raises((RuntimeError, IndexError, ValueError, TypeError)):
            bad()
    # an error raised inside backward (a saved tensor changed in place)
    b = a.detach().clone().requires_grad_()
    y = b.exp()
    y.add_(1)
    with pytest.raises(RuntimeError):
        y.sum().backward()


@_rss_skip
@pytest.mark.parametrize("step", [_ops, _autograd, _training, _repr, _indexing, _numpy, _errors],
                         ids=lambda f: f.__name__.strip("_"))
def test_loop_does_not_grow(step):
    iters = 40 if step is _training else 400
    grown = _grows(step, warmup=10 if step is _training else 30, iters=iters)
    assert grown < BOUND, f"{step.__name__}: grew {grown / 2 ** 20:.1f} MiB over {iters} iterations"


@_rss_skip
def test_a_leak_would_be_seen():
    """The measure itself: keeping one tensor per iteration must exceed the bound.

    Earlier tests leave freed, still-resident heap behind, which the kept tensors reuse before
    the process grows; keeping four times the bound leaves room for that.
    """
    kept = []
    iters = 4 * BOUND // (4 * N)  # float32 tensors of N elements
    grown = _grows(lambda: kept.append(torch.ones(N)), warmup=0, iters=iters)
    assert grown >= BOUND, f"kept {iters * 4 * N / 2 ** 20:.0f} MiB, RSS grew {grown / 2 ** 20:.1f} MiB"


# ---- objects die with their last reference ----

def _dies(make):
    obj = make()
    ref = weakref.ref(obj)
    del obj
    gc.collect()
    return ref() is None


def test_tensor_dies_after_del():
    assert _dies(lambda: torch.ones(3))
    assert _dies(lambda: torch.ones(3)[1:])
    assert _dies(lambda: torch.from_numpy(np.ones(3)))


def test_graph_dies_with_its_output():
    x = torch.ones(8, requires_grad=True)

    def make():
        y = (x * 2).exp()  # saves its own output
        return y.sigmoid().sum()

    assert _dies(make)
    out = make()
    ref = weakref.ref(out)
    out.backward()
    del out
    gc.collect()
    assert ref() is None
    assert x.grad is not None


def test_leaf_dies_after_backward_and_grad_reset():
    def make():
        x = torch.ones(8, requires_grad=True)
        (x * x).sum().backward()
        return x

    assert _dies(make)


def test_module_and_optimizer_die():
    def make():
        m = nn.Linear(4, 2)
        opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
        m(torch.ones(3, 4)).sum().backward()
        opt.step()
        m.opt = opt  # a cycle through Python objects: the collector frees it
        return m

    assert _dies(make)


def test_refcounts_do_not_grow():
    x = torch.ones(4, requires_grad=True)
    p = nn.Parameter(torch.ones(4))
    base_x, base_p = sys.getrefcount(x), sys.getrefcount(p)
    for _ in range(100):
        y = (x * p).sum()
        y.backward()
        y.grad_fn, x.grad, p.grad, x[0], p.detach(), x.shape
        try:
            x.view(3)
        except RuntimeError:
            pass
        del y
    x.grad = p.grad = None
    gc.collect()
    assert sys.getrefcount(x) == base_x
    assert sys.getrefcount(p) == base_p
