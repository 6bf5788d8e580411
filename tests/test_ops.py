"""Every differentiable op: forward against NumPy, backward against float64 central differences.

One row per op in OPS: the pytorchlite expression, the NumPy reference, the input shapes and an
optional input domain (kept away from kinks and poles).
"""
import numpy as np
import pytest

import pytorchlite as torch
from conftest import numeric_grad

POS = "pos"      # inputs in [0.5, 2]
AWAY0 = "away0"  # |x| in [0.2, 2]


def _sig(x):
    return 1 / (1 + np.exp(-x))


OPS = [
    # name, pytorchlite fn, numpy fn, shapes, domain
    ("add", lambda a, b: a + b, lambda a, b: a + b, [(3, 4), (3, 4)], None),
    ("add_broadcast", lambda a, b: a + b, lambda a, b: a + b, [(3, 4), (4,)], None),
    ("add_alpha", lambda a, b: a.add(b, alpha=2.5), lambda a, b: a + 2.5 * b, [(2, 3), (2, 3)], None),
    ("sub", lambda a, b: a - b, lambda a, b: a - b, [(2, 1, 3), (4, 1)], None),
    ("rsub_scalar", lambda a: 2.0 - a, lambda a: 2.0 - a, [(5,)], None),
    ("mul", lambda a, b: a * b, lambda a, b: a * b, [(3, 4), (1, 4)], None),
    ("mul_scalar", lambda a: a * 3, lambda a: a * 3, [(3,)], None),
    ("div", lambda a, b: a / b, lambda a, b: a / b, [(3, 4), (3, 4)], AWAY0),
    ("rdiv_scalar", lambda a: 2.0 / a, lambda a: 2.0 / a, [(4,)], AWAY0),
    ("pow_scalar", lambda a: a ** 3, lambda a: a ** 3, [(3, 2)], None),
    ("pow_frac", lambda a: a ** 1.7, lambda a: a ** 1.7, [(3, 2)], POS),
    ("pow_tensor", lambda a, b: a ** b, lambda a, b: a ** b, [(3,), (3,)], POS),
    ("rpow", lambda a: 2.0 ** a, lambda a: 2.0 ** a, [(3,)], None),
    ("neg", lambda a: -a, lambda a: -a, [(4,)], None),
    ("exp", lambda a: a.exp(), np.exp, [(2, 3)], None),
    ("log", lambda a: a.log(), np.log, [(2, 3)], POS),
    ("sqrt", lambda a: a.sqrt(), np.sqrt, [(5,)], POS),
    ("rsqrt", lambda a: a.rsqrt(), lambda a: 1 / np.sqrt(a), [(5,)], POS),
    ("abs", lambda a: a.abs(), np.abs, [(5,)], AWAY0),
    ("relu", lambda a: a.relu(), lambda a: np.maximum(a, 0), [(3, 3)], AWAY0),
    ("sigmoid", lambda a: torch.sigmoid(a), _sig, [(3, 3)], None),
    ("tanh", lambda a: torch.tanh(a), np.tanh, [(3, 3)], None),
    ("sin", lambda a: a.sin(), np.sin, [(4,)], None),
    ("cos", lambda a: a.cos(), np.cos, [(4,)], None),
    ("reciprocal", lambda a: a.reciprocal(), lambda a: 1 / a, [(4,)], AWAY0),
    ("log1p", lambda a: a.log1p(), np.log1p, [(4,)], POS),
    ("expm1", lambda a: a.expm1(), np.expm1, [(4,)], None),
    ("clamp", lambda a: a.clamp(-0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5), [(6,)], None),
    ("maximum", lambda a, b: torch.maximum(a, b), np.maximum, [(5,), (5,)], None),
    ("leaky_relu", lambda a: torch._C._leaky_relu(a, 0.1), lambda a: np.where(a > 0, a, 0.1 * a),
     [(6,)], AWAY0),
    ("sum_all", lambda a: a.sum(), lambda a: a.sum(), [(3, 4)], None),
    ("sum_dim", lambda a: a.sum(1), lambda a: a.sum(1), [(3, 4)], None),
    ("sum_dims_keep", lambda a: a.sum((0, 2), keepdim=True), lambda a: a.sum((0, 2), keepdims=True),
     [(2, 3, 4)], None),
    ("mean_all", lambda a: a.mean(), lambda a: a.mean(), [(3, 4)], None),
    ("mean_dim", lambda a: a.mean(dim=-1), lambda a: a.mean(-1), [(3, 4)], None),
    ("var", lambda a: a.var(), lambda a: a.var(ddof=1), [(3, 4)], None),
    ("var_dim_biased", lambda a: a.var(0, unbiased=False), lambda a: a.var(0), [(3, 4)], None),
    ("std", lambda a: a.std(), lambda a: a.std(ddof=1), [(3, 4)], None),
    ("std_dim", lambda a: a.std(dim=1, keepdim=True), lambda a: a.std(1, ddof=1, keepdims=True),
     [(3, 4)], None),
    ("max_all", lambda a: a.max(), lambda a: a.max(), [(3, 4)], None),
    ("min_all", lambda a: a.min(), lambda a: a.min(), [(3, 4)], None),
    ("max_dim", lambda a: a.max(dim=1)[0], lambda a: a.max(1), [(3, 4)], None),
    ("matmul_2d", lambda a, b: a @ b, lambda a, b: a @ b, [(3, 4), (4, 5)], None),
    ("matmul_1d2d", lambda a, b: a @ b, lambda a, b: a @ b, [(4,), (4, 5)], None),
    ("matmul_2d1d", lambda a, b: a @ b, lambda a, b: a @ b, [(3, 4), (4,)], None),
    ("dot", lambda a, b: a @ b, lambda a, b: a @ b, [(4,), (4,)], None),
    ("matmul_batched", lambda a, b: a @ b, lambda a, b: a @ b, [(2, 3, 4), (4, 2)], None),
    ("matmul_broadcast", lambda a, b: a @ b, lambda a, b: a @ b, [(2, 1, 3, 4), (3, 4, 2)], None),
    ("mm_transposed", lambda a, b: a.t().mm(b), lambda a, b: a.T @ b, [(4, 3), (4, 2)], None),
    ("addmm", lambda c, a, b: torch.addmm(c, a, b, beta=0.5, alpha=2.0),
     lambda c, a, b: 0.5 * c + 2.0 * (a @ b), [(3,), (2, 4), (4, 3)], None),
    ("linear", lambda x, w, b: torch._C._linear(x, w, b), lambda x, w, b: x @ w.T + b,
     [(5, 3), (2, 3), (2,)], None),
    ("linear_3d", lambda x, w, b: torch._C._linear(x, w, b), lambda x, w, b: x @ w.T + b,
     [(2, 5, 3), (2, 3), (2,)], None),
    ("linear_nobias", lambda x, w: torch._C._linear(x, w, None), lambda x, w: x @ w.T,
     [(5, 3), (2, 3)], None),
    ("mse_mean", lambda a, b: torch._C._mse_loss(a, b, 1), lambda a, b: ((a - b) ** 2).mean(),
     [(4, 3), (4, 3)], None),
    ("mse_sum", lambda a, b: torch._C._mse_loss(a, b, 2), lambda a, b: ((a - b) ** 2).sum(),
     [(4, 3), (4, 3)], None),
    ("mse_none", lambda a, b: torch._C._mse_loss(a, b, 0), lambda a, b: (a - b) ** 2,
     [(4, 3), (4, 3)], None),
    ("softmax", lambda a: a.softmax(1), lambda a: np.exp(a) / np.exp(a).sum(1, keepdims=True),
     [(3, 4)], None),
    ("log_softmax", lambda a: a.log_softmax(0),
     lambda a: a - np.log(np.exp(a).sum(0, keepdims=True)), [(3, 4)], None),
    ("view", lambda a: a.view(4, 3) * 1, lambda a: a.reshape(4, 3), [(3, 4)], None),
    ("reshape_copy", lambda a: a.t().reshape(-1), lambda a: a.T.reshape(-1), [(3, 4)], None),
    ("transpose", lambda a: a.transpose(0, 2), lambda a: a.transpose(2, 1, 0), [(2, 3, 4)], None),
    ("permute", lambda a: a.permute(1, 2, 0), lambda a: a.transpose(1, 2, 0), [(2, 3, 4)], None),
    ("unsqueeze", lambda a: a.unsqueeze(1), lambda a: a[:, None], [(3, 4)], None),
    ("squeeze", lambda a: a.squeeze(), lambda a: a.squeeze(), [(3, 1, 4)], None),
    ("expand", lambda a: a.expand(2, 3, 4), lambda a: np.broadcast_to(a, (2, 3, 4)), [(3, 1)], None),
    ("select", lambda a: a[1], lambda a: a[1], [(3, 4)], None),
    ("slice", lambda a: a[:, 1:4:2], lambda a: a[:, 1:4:2], [(3, 5)], None),
    ("index_tensor", lambda a: a[torch.tensor([2, 0, 2])], lambda a: a[[2, 0, 2]], [(3, 4)], None),
    ("index_select", lambda a: a.index_select(1, torch.tensor([3, 1])), lambda a: a[:, [3, 1]],
     [(3, 4)], None),
    ("mask", lambda a: a[a > 0], lambda a: a[a > 0], [(3, 4)], AWAY0),
    ("cat", lambda a, b: torch.cat([a, b], 1), lambda a, b: np.concatenate([a, b], 1),
     [(2, 3), (2, 2)], None),
    ("stack", lambda a, b: torch.stack([a, b], 0), lambda a, b: np.stack([a, b], 0),
     [(2, 3), (2, 3)], None),
    ("where", lambda a, b: torch.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b),
     [(4,), (4,)], AWAY0),
    ("contiguous", lambda a: a.t().contiguous(), lambda a: a.T, [(3, 2)], None),
    ("to_dtype", lambda a: a.double().float(), lambda a: a,
     [(3,)], None),
]


def _inputs(shapes, domain, rng):
    out = []
    for s in shapes:
        x = rng.uniform(-2, 2, size=s)
        if domain == POS:
            x = rng.uniform(0.5, 2, size=s)
        elif domain == AWAY0:
            x = rng.uniform(0.2, 2, size=s) * rng.choice([-1, 1], size=s)
        out.append(np.asarray(x, dtype=np.float64))
    return out


@pytest.mark.parametrize("name,fn,ref,shapes,domain", OPS, ids=[o[0] for o in OPS])
def test_forward_float32_matches_numpy(name, fn, ref, shapes, domain, rng):
    xs = _inputs(shapes, domain, rng)
    got = fn(*[torch.tensor(x.astype(np.float32)) for x in xs])
    want = ref(*[x.astype(np.float32) for x in xs])
    assert got.dtype == torch.float32
    np.testing.assert_allclose(got.numpy(), want, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("name,fn,ref,shapes,domain", OPS, ids=[o[0] for o in OPS])
def test_backward_float64_matches_central_differences(name, fn, ref, shapes, domain, rng):
    xs = _inputs(shapes, domain, rng)
    ts = [torch.tensor(x, requires_grad=True) for x in xs]
    out = fn(*ts)
    # a fixed random projection makes the output scalar without hiding any element
    w = rng.uniform(-1, 1, size=tuple(out.shape))
    loss = (out * torch.tensor(w)).sum()
    loss.backward()

    def scalar(*arrays):
        return float((ref(*arrays) * w).sum())

    want = numeric_grad(scalar, [x.copy() for x in xs])
    for t, g in zip(ts, want):
        assert t.grad is not None
        np.testing.assert_allclose(t.grad.numpy(), g, rtol=1e-5, atol=1e-6)
