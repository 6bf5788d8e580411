"""A short run through every binding file (args, autograd, errors, functions, indexing, methods,
methods_math, module, optim, random, tensor), including bad input, for a memory checker:
    PYTHONMALLOC=malloc valgrind --error-exitcode=1 --leak-check=no python tests/memcheck_script.py
It is also run as a plain test (tests/test_memcheck_script.py) so it never rots."""
import numpy as np

import pytorchlite as torch
import pytorchlite.nn as nn


def expect_error(fn):
    try:
        fn()
    except (RuntimeError, IndexError, ValueError, TypeError):
        return
    raise AssertionError("no error")


def main():
    torch.manual_seed(0)
    # functions.c: factories, tensor(), cat/stack/where, default dtype
    a = torch.randn(5, 7)
    b = torch.tensor([[1, 2, 3], [4, 5, 6]], dtype=torch.float64)
    torch.zeros(2, 3), torch.ones(0, 4), torch.full((2,), 1.5), torch.arange(0, 10, 3)
    torch.linspace(0, 1, 5), torch.eye(3, 4), torch.empty(3, dtype=torch.int64)
    torch.cat([a, a], 1), torch.stack([b, b]), torch.where(a > 0, a, -a)
    torch.set_default_dtype(torch.float64)
    torch.tensor([1.0]).dtype
    torch.set_default_dtype(torch.float32)
    expect_error(lambda: torch.tensor([[1, 2], [3]]))
    expect_error(lambda: torch.zeros(2 ** 31, 2 ** 31, 4))
    expect_error(lambda: torch.eye(2 ** 40))
    expect_error(lambda: torch.cat([]))
    # tensor.c: number protocol, repr, properties
    c = (a + 1) * 2 - a / 3
    c += 1
    c = -c ** 2 @ a.t()
    repr(c), str(b), repr(torch.tensor(True)), c.shape, c.stride(), c.dtype, c.T, c.is_leaf
    expect_error(lambda: a + torch.ones(3))
    # methods.c / methods_math.c: views, reductions, math
    a.view(35), a.t().reshape(7, 5), a.permute(1, 0), a.unsqueeze(0).squeeze(0), a.expand(2, 5, 7)
    a.narrow(1, 2, 3), a.select(0, -1), a.sum(1), a.mean(), a.var(0), a.std(), a.max(1), a.argmin()
    a.exp().log1p().sqrt().abs().clamp(0, 1).sigmoid().tanh().relu(), a.softmax(1), a.sort(0)
    a.cumsum(1), a.topk(2), a.gather(1, torch.tensor([[0]] * 5)), a.index_select(1, torch.tensor([6]))
    a.clone().add_(1).mul_(a).clamp_(-1, 1).exp_(), a.to(torch.float64).long().bool().float()
    expect_error(lambda: a.narrow(0, 3, 5))
    expect_error(lambda: a.expand(2, 5, 7).add_(1))
    expect_error(lambda: a.view(-1, -1))
    expect_error(lambda: a.index_select(0, torch.tensor([-1])))
    # indexing.c
    a[1], a[-1, 2:5:2], a[None, ..., 0], a[torch.tensor([0, 4])], a[a > 0], a[[1, 2]]
    d = a.clone()
    d[0] = 1.0
    d[:, 1] = torch.arange(5).float()
    d[d > 0.5] = 0.0
    d[torch.tensor([1, 3])] = 2.0
    expect_error(lambda: a[10])
    expect_error(lambda: a[torch.tensor([9])])
    expect_error(lambda: a[1.5])
    # NumPy bridge
    n = np.arange(12.0).reshape(3, 4)
    t = torch.from_numpy(n)
    t.numpy()[0, 0] = 5.0
    np.asarray(torch.tensor(n[:, ::2]))
    del n
    t.sum().item(), t.tolist()
    # autograd.c
    x = torch.randn(4, 3, requires_grad=True)
    w = torch.randn(2, 3, requires_grad=True)
    y = nn.functional.linear(x, w).tanh().exp()
    loss = nn.functional.cross_entropy(y, torch.tensor([0, 1, 1, 0]))
    loss.grad_fn.name(), loss.grad_fn.next_functions
    loss.backward(retain_graph=True)
    loss.backward()
    expect_error(lambda: loss.backward())
    with torch.no_grad():
        (x * 2).requires_grad
    z = x.exp()
    z.add_(1)
    expect_error(lambda: z.sum().backward())
    # optim.c and nn
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    for opt in (torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True),
                torch.optim.Adam(model.parameters(), lr=0.01, amsgrad=True),
                torch.optim.AdamW(model.parameters())):
        for _ in range(3):
            opt.zero_grad()
            nn.functional.mse_loss(model(x), torch.ones(4, 1)).backward()
            opt.step()
    # optim.c: the group updates of RMSprop ... Rprop on a matrix, a strided view and an
    # empty parameter (vector loops and tails), then a state of the wrong shape
    params = [torch.randn(5, 7), torch.randn(6, 9)[:, ::2], torch.zeros(0)]
    for name, kw in (("RMSprop", {"centered": True, "momentum": 0.9}), ("Adagrad", {}),
                     ("Adadelta", {}), ("Adamax", {}), ("NAdam", {"weight_decay": 0.1}),
                     ("RAdam", {"decoupled_weight_decay": True, "weight_decay": 0.1}),
                     ("ASGD", {"t0": 1}), ("Rprop", {"maximize": True})):
        opt = getattr(torch.optim, name)(params, **kw)
        for _ in range(3):
            for p in params:
                p.grad = torch.randn(*p.shape)
            opt.step()
        opt.state[params[0]][list(opt.state[params[0]])[1]] = torch.zeros(3)
        expect_error(opt.step)
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    repr(model), model.state_dict()
    # random.c
    g = torch.Generator().manual_seed(3)
    torch.rand(3, generator=g), torch.randn(2, 2), torch.randint(0, 5, (4,)), torch.randperm(6)
    torch.empty(5).uniform_().normal_().bernoulli_(0.5), torch.multinomial(torch.ones(4), 2)
    state = torch.get_rng_state()
    torch.set_rng_state(state)
    expect_error(lambda: torch.set_rng_state(torch.zeros(3, dtype=torch.int64)))
    expect_error(lambda: torch.ones(3).uniform_(1, 0))


if __name__ == "__main__":
    main()
    print("memcheck script done")
