"""The core against real PyTorch: grad_fn names, values, gradients, and the exception type and
message for each kind of bad input. Skipped when torch is not installed."""
import warnings

import numpy as np
import pytest

import pytorchlite

torch = pytest.importorskip("torch")


def _both(fn):
    out = []
    for m in (torch, pytorchlite):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.append(fn(m))
    return out


def _leaves(m):
    x = m.ones(3, 4, requires_grad=True)
    w = m.ones(5, 4, requires_grad=True)
    v = m.ones(4, requires_grad=True)
    return x, w, v


GRAD_FN_CASES = {
    "add": lambda m, x, w, v: x + x, "add_scalar": lambda m, x, w, v: x + 2,
    "sub": lambda m, x, w, v: x - x, "rsub": lambda m, x, w, v: 2 - x,
    "mul": lambda m, x, w, v: x * x, "div": lambda m, x, w, v: x / x,
    "rdiv": lambda m, x, w, v: 2 / x, "pow": lambda m, x, w, v: x ** 2,
    "pow_tensor": lambda m, x, w, v: x ** x, "rpow": lambda m, x, w, v: 2 ** x,
    "neg": lambda m, x, w, v: -x, "exp": lambda m, x, w, v: x.exp(),
    "relu": lambda m, x, w, v: m.relu(x), "sigmoid": lambda m, x, w, v: m.sigmoid(x),
    "tanh": lambda m, x, w, v: m.tanh(x), "sum": lambda m, x, w, v: x.sum(),
    "sum_dim": lambda m, x, w, v: x.sum(0), "mean": lambda m, x, w, v: x.mean(),
    "mean_dim": lambda m, x, w, v: x.mean(1), "var": lambda m, x, w, v: x.var(),
    "std": lambda m, x, w, v: x.std(0), "max": lambda m, x, w, v: x.max(),
    "max_dim": lambda m, x, w, v: x.max(0)[0], "mm": lambda m, x, w, v: x @ w.t(),
    "mv": lambda m, x, w, v: x @ v, "dot": lambda m, x, w, v: v @ v,
    "vm": lambda m, x, w, v: v @ w.t(), "bmm": lambda m, x, w, v: x.unsqueeze(0) @ w.t(),
    "view": lambda m, x, w, v: x.view(12), "reshape_copy": lambda m, x, w, v: x.t().reshape(12),
    "t": lambda m, x, w, v: x.t(), "transpose": lambda m, x, w, v: x.transpose(0, 1),
    "permute": lambda m, x, w, v: x.permute(1, 0), "unsqueeze": lambda m, x, w, v: x.unsqueeze(0),
    "squeeze": lambda m, x, w, v: x.unsqueeze(0).squeeze(),
    "squeeze_dim": lambda m, x, w, v: x.unsqueeze(0).squeeze(0),
    "expand": lambda m, x, w, v: v.expand(3, 4), "select": lambda m, x, w, v: x[0],
    "slice": lambda m, x, w, v: x[1:], "index": lambda m, x, w, v: x[m.tensor([0, 1])],
    "cat": lambda m, x, w, v: m.cat([x, x]), "stack": lambda m, x, w, v: m.stack([x, x]),
    "clone": lambda m, x, w, v: x.clone(), "contiguous": lambda m, x, w, v: x.t().contiguous(),
    "to": lambda m, x, w, v: x.double(), "clamp": lambda m, x, w, v: x.clamp(0, 1),
    "softmax": lambda m, x, w, v: x.softmax(1), "log_softmax": lambda m, x, w, v: x.log_softmax(1),
    "flatten": lambda m, x, w, v: x.flatten(), "where": lambda m, x, w, v: m.where(x > 0, x, x),
    "maximum": lambda m, x, w, v: m.maximum(x, x),
    "index_select": lambda m, x, w, v: x.index_select(0, m.tensor([1])),
}


@pytest.mark.parametrize("name", sorted(GRAD_FN_CASES))
def test_grad_fn_names(name):
    a, b = _both(lambda m: type(GRAD_FN_CASES[name](m, *_leaves(m)).grad_fn).__name__)
    assert a == b


def _err(fn):
    def run(m):
        try:
            fn(m)
        except Exception as e:  # noqa: BLE001 - the type is what is compared
            return type(e).__name__, str(e).split("\n")[0]
        return "no error", ""
    return run


def _second_backward(m):
    x = m.ones(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def _saved_modified(m):
    x = m.ones(3, requires_grad=True) * 1
    y = x.exp()
    y.add_(1)
    y.sum().backward()


ERROR_CASES = {
    "mm_shapes": lambda m: m.ones(4, 5) @ m.ones(3, 2),
    "broadcast": lambda m: m.ones(3) + m.ones(4),
    "view_size": lambda m: m.ones(2, 3).view(4),
    "view_stride": lambda m: m.ones(2, 3).t().view(6),
    "negative_size": lambda m: m.zeros(-1, 2),
    "negative_size_empty": lambda m: m.empty(-1, 2),
    "backward_non_scalar": lambda m: m.ones(3, requires_grad=True).mul(2).backward(),
    "inplace_leaf": lambda m: m.ones(3, requires_grad=True).add_(1),
    "index_range": lambda m: m.ones(3)[5],
    "dim_range": lambda m: m.ones(3).sum(2),
    "ragged": lambda m: m.tensor([[1, 2], [3]]),
    "operand_type": lambda m: m.ones(3) + "a",
    "matmul_scalar": lambda m: m.ones(3) @ 2,
    "second_backward": _second_backward,
    "saved_modified": _saved_modified,
    "item_many": lambda m: m.ones(3).item(),
    "bool_many": lambda m: bool(m.ones(3)),
    "transpose_dim": lambda m: m.ones(3).transpose(0, 3),
    "cat_sizes": lambda m: m.cat([m.ones(2, 3), m.ones(2, 4)]),
    "stack_sizes": lambda m: m.stack([m.ones(2, 3), m.ones(2, 4)]),
    "expand_size": lambda m: m.ones(3, 2).expand(3, 4),
    "reshape_size": lambda m: m.ones(3, 2).reshape(5),
    "requires_grad_int": lambda m: m.ones(3, dtype=m.int64).requires_grad_(),
    "mean_int": lambda m: m.ones(3, dtype=m.int64).mean(),
    "tensor_of_str": lambda m: m.tensor(["a"]),
    "tensor_mixed_str": lambda m: m.tensor([1, "a"]),
    "index_0d": lambda m: m.tensor(1.0)[0],
    "too_many_indices": lambda m: m.ones(3)[0, 0],
    "matmul_0d": lambda m: m.tensor(1.0) @ m.tensor(1.0),
    "mv_shapes": lambda m: m.ones(3, 4) @ m.ones(3),
    "dot_shapes": lambda m: m.ones(3) @ m.ones(4),
    "nonleaf_requires_grad": lambda m: setattr(m.ones(2, requires_grad=True) * 2, "requires_grad", False),
    "bool_sub": lambda m: m.tensor([True]) - m.tensor([False]),
    "dup_dims": lambda m: m.ones(2, 3).sum((0, 0)),
    "cat_empty": lambda m: m.cat([]),
    "arange_step": lambda m: m.arange(0, 3, 0),
    "grad_size": lambda m: setattr(m.ones(3, requires_grad=True), "grad", m.ones(4)),
    "max_empty": lambda m: m.ones(0).max(),
    "float_index": lambda m: m.ones(3)[1.5],
}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_errors_match_torch(name):
    a, b = _both(_err(ERROR_CASES[name]))
    assert a == b


def test_training_step_values_and_grads_match():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 5)).astype(np.float32)
    W1 = rng.standard_normal((7, 5)).astype(np.float32)
    b1 = rng.standard_normal(7).astype(np.float32)
    W2 = rng.standard_normal((1, 7)).astype(np.float32)
    y = rng.standard_normal((8, 1)).astype(np.float32)

    def step(m):
        w1 = m.tensor(W1, requires_grad=True)
        bb = m.tensor(b1, requires_grad=True)
        w2 = m.tensor(W2, requires_grad=True)
        h = m.relu(m.addmm(bb, m.tensor(X), w1.t()))
        out = h @ w2.t()
        loss = ((out - m.tensor(y)) ** 2).mean()
        loss.backward()
        return [loss.item()] + [g.grad.numpy().copy() for g in (w1, bb, w2)]

    a, b = _both(step)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-6)
