"""Python threads using pytorchlite at once: ops and backward in parallel threads give each
thread its own right answer, grad mode is per thread (as in PyTorch), and errors raised in one
thread do not leak into another."""
import threading

import numpy as np

import pytorchlite as torch
import pytorchlite.nn as nn


def _run_threads(target, n=3):
    errors, results = [], [None] * n

    def wrap(i):
        try:
            results[i] = target(i)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def test_ops_and_backward_in_parallel_threads():
    def work(i):
        rng = np.random.default_rng(i)
        a0 = rng.standard_normal((16, 16))
        grads = []
        for _ in range(60):
            a = torch.tensor(a0, requires_grad=True)
            y = ((a @ a.t()).tanh() * a.exp().sigmoid()).sum(1).softmax(0)[: 4 + i].sum()
            y.backward()
            grads.append(a.grad.numpy().copy())
        return a0, grads

    for k, (a0, grads) in enumerate(_run_threads(work)):
        # every iteration of every thread computed the same gradient as a lone run
        a = torch.tensor(a0, requires_grad=True)
        y = ((a @ a.t()).tanh() * a.exp().sigmoid()).sum(1).softmax(0)[: 4 + k].sum()
        y.backward()
        for g in grads:
            np.testing.assert_allclose(g, a.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_grad_mode_is_per_thread():
    started = threading.Barrier(2)
    seen = {}

    def no_grad_thread():
        with torch.no_grad():
            started.wait()
            started.wait()  # the other thread records a graph meanwhile
            seen["inner"] = torch.is_grad_enabled()

    def grad_thread():
        started.wait()
        x = torch.ones(3, requires_grad=True)
        seen["recorded"] = (x * 2).requires_grad
        seen["enabled"] = torch.is_grad_enabled()
        started.wait()

    t1 = threading.Thread(target=no_grad_thread)
    t2 = threading.Thread(target=grad_thread)
    t1.start()
    t2.start()
    t1.join()
    t2.join()
    assert seen == {"inner": False, "recorded": True, "enabled": True}
    assert torch.is_grad_enabled()


def test_training_in_parallel_threads():
    def train(i):
        torch.manual_seed(0)  # the default generator is shared: seed before each use
        g = torch.Generator().manual_seed(i)
        x = torch.randn(64, 8, generator=g)
        y = torch.randn(64, 1, generator=g)
        model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        first = None
        for _ in range(40):
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            first = first if first is not None else loss.item()
        return first, loss.item()

    for first, last in _run_threads(train):
        assert np.isfinite(last) and last < first


def test_errors_stay_in_their_thread():
    def work(i):
        caught = 0
        for _ in range(200):
            try:
                torch.ones(3) + torch.ones(4)
            except RuntimeError as e:
                assert "must match" in str(e)
                caught += 1
            assert (torch.ones(2) * (i + 1)).tolist() == [i + 1.0, i + 1.0]
        return caught

    assert _run_threads(work, n=4) == [200] * 4
