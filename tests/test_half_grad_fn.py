"""float16/bfloat16 ops computed in float32 are recorded under their own node, as in PyTorch:
`x.half().sum().grad_fn` is SumBackward0 with x's AccumulateGrad next, not ToCopyBackward0;
the gradient reaches x in x's dtype. Checked against PyTorch: grad_fn names one level deep,
result and gradient dtypes, gradient values; plus double backward through such a node."""
import numpy as np
import pytest

import pytorchlite as pl
import pytorchlite.nn.functional as plF

torch = pytest.importorskip("torch")
import torch.nn.functional as tF  # noqa: E402


def _ops(m, F):
    tgt = m.tensor([0, 1, 2])
    return {
        "sum": lambda x: x.sum(),
        "sum_dim": lambda x: x.sum(1),
        "mean": lambda x: x.mean(),
        "mean_dim": lambda x: x.mean(0, keepdim=True),
        "var": lambda x: x.var(),
        "std_dim": lambda x: x.std(1),
        "max": lambda x: x.max(),
        "max_dim": lambda x: x.max(1).values,
        "min_dim": lambda x: x.min(0)[0],
        "norm": lambda x: x.norm(),
        "amax": lambda x: x.amax(1),
        "amin": lambda x: x.amin(),
        "softmax": lambda x: x.softmax(1),
        "softmax0": lambda x: x.softmax(0),
        "log_softmax": lambda x: F.log_softmax(x, 1),
        "gelu": lambda x: F.gelu(x),
        "erf": lambda x: x.erf(),
        "layer_norm": lambda x: F.layer_norm(x, (4,)),
        "cross_entropy": lambda x: F.cross_entropy(x, tgt),
        "nll": lambda x: F.nll_loss(x, tgt),
        "avg_pool": lambda x: F.avg_pool2d(x.reshape(1, 1, 3, 4), 2),
        "max_pool": lambda x: F.max_pool2d(x.reshape(1, 1, 3, 4), 2),
        "adaptive_avg": lambda x: F.adaptive_avg_pool2d(x.reshape(1, 1, 3, 4), 1),
        "conv2d": lambda x: F.conv2d(x.reshape(1, 1, 3, 4), x[:1].reshape(1, 1, 2, 2)),
        "conv_t": lambda x: F.conv_transpose2d(x.reshape(1, 1, 3, 4),
                                               x[:1].reshape(1, 1, 2, 2)),
    }


NAMES = list(_ops(pl, plF))
DTYPES = ["float16", "bfloat16"]


def _run(m, F, name, dtype):
    x = m.linspace(-1, 1, 12).reshape(3, 4).to(getattr(m, dtype)).requires_grad_()
    y = _ops(m, F)[name](x)
    info = (type(y.grad_fn).__name__,
            sorted(type(f).__name__ for f, _ in y.grad_fn.next_functions if f is not None),
            repr(y.dtype))
    (y.sum() if y.dim() else y).backward()
    return info, x.grad


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
def test_node_names_and_gradient_dtype_as_torch(name, dtype):
    got, g = _run(pl, plF, name, dtype)
    want, tg = _run(torch, tF, name, dtype)
    assert got == want
    assert repr(g.dtype) == repr(tg.dtype)
    tol = 1e-2 if dtype == "float16" else 4e-2
    np.testing.assert_allclose(np.array(g.float().tolist()), np.array(tg.float().tolist()),
                               rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_half_of_an_explicit_cast_keeps_the_users_copy_node(dtype):
    """Only the op's own temporary casts are folded: a cast the user wrote stays in the graph."""
    x = pl.ones(3, dtype=getattr(pl, dtype), requires_grad=True)
    y = x.float().half().sum()
    assert type(y.grad_fn).__name__ == "SumBackward0"
    assert type(y.grad_fn.next_functions[0][0]).__name__ == "ToCopyBackward0"
    y.backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0] and x.grad.dtype == getattr(pl, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_double_backward_through_a_half_node(dtype):
    def second(m):
        x = m.tensor([0.5, -1.0, 2.0, 0.25], dtype=getattr(m, dtype), requires_grad=True)
        y = (x * x).softmax(0)
        (g,) = m.autograd.grad(y[0], x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x)
        return g, gg

    (g, gg), (tg, tgg) = second(pl), second(torch)
    assert repr(g.dtype) == repr(tg.dtype) and repr(gg.dtype) == repr(tgg.dtype)
    tol = 2e-2 if dtype == "float16" else 8e-2
    np.testing.assert_allclose(np.array(g.float().tolist()), np.array(tg.float().tolist()),
                               rtol=tol, atol=tol)
    np.testing.assert_allclose(np.array(gg.float().tolist()), np.array(tgg.float().tolist()),
                               rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_retain_grad_and_hooks_see_the_outputs_dtype(dtype):
    x = pl.linspace(-1, 1, 6).to(getattr(pl, dtype)).requires_grad_()
    y = x.softmax(0)
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(g.dtype))
    (y * pl.arange(6.0).to(y.dtype)).sum().backward()
    assert seen == [y.dtype] and y.grad.dtype == y.dtype and x.grad.dtype == x.dtype
