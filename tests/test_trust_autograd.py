"""Autograd cases that used to crash or silently give a wrong result: a second backward through
a released graph, assignments that would drop a value's graph, in-place ops on partially
overlapping memory, remainder/fmod gradients, norm gradients at zero, and nan / int64 edge cases
of median, clamp and max/min. Each ends as PyTorch ends it; torch is the oracle when installed."""
import math
import subprocess
import sys

import numpy as np
import pytest

import pytorchlite as torch
from conftest import child_env, numeric_grad

SECOND_BACKWARD = "Trying to backward through the graph a second time"
OVERLAP = ("unsupported operation: some elements of the input tensor and the written-to tensor "
           "refer to a single memory location. Please clone() the tensor before performing the "
           "operation.")


def outcome(fn, T):
    """What fn(T) ends with: ("ok", value) or (exception type name, first line of message)."""
    try:
        r = fn(T)
    except Exception as e:  # noqa: BLE001 - the type is the observation
        return (type(e).__name__, str(e).split("\n")[0])
    return ("ok", r)


def grads(*ts):
    return [None if t.grad is None else np.round(np.asarray(t.grad.tolist(), float), 5).tolist()
            for t in ts]


# ---- 1. a second backward through a released graph ----

# each builds a scalar from x (6 values in (0, 1)) and y (same shape)
GRAPHS = {
    "exp_sum": lambda T, x, y: x.exp().sum(),
    "sigmoid_mean": lambda T, x, y: x.sigmoid().mean(),
    "tanh_index": lambda T, x, y: x.tanh()[2],
    "log_slice": lambda T, x, y: x.log()[1:4].sum(),
    "relu_sum": lambda T, x, y: x.relu().sum(),
    "sqrt_sum": lambda T, x, y: x.sqrt().sum(),
    "rsqrt": lambda T, x, y: x.rsqrt().sum(),
    "abs": lambda T, x, y: x.abs().sum(),
    "sin_cos": lambda T, x, y: (x.sin() + x.cos()).sum(),
    "reciprocal": lambda T, x, y: x.reciprocal().sum(),
    "log1p_expm1": lambda T, x, y: (x.log1p() + x.expm1()).sum(),
    "neg": lambda T, x, y: (-x).sum(),
    "sign": lambda T, x, y: x.sign().sum(),
    "add_sub": lambda T, x, y: (x + y - x).sum(),
    "mul": lambda T, x, y: (x * y).sum(),
    "mul_scalar": lambda T, x, y: (x * 2).sum(),
    "div": lambda T, x, y: (x / y).sum(),
    "div_scalar": lambda T, x, y: (x / 2).sum(),
    "rsub": lambda T, x, y: (2 - x).sum(),
    "pow_scalar": lambda T, x, y: (x ** 2).sum(),
    "pow_tensor": lambda T, x, y: (x ** y).sum(),
    "maximum": lambda T, x, y: T.maximum(x, y).sum(),
    "clamp": lambda T, x, y: x.clamp(0.2, 0.8).sum(),
    "where": lambda T, x, y: T.where(x > 0.5, x, y).sum(),
    "sum_only": lambda T, x, y: x.sum(),
    "sum_dim": lambda T, x, y: x.view(2, 3).sum(0).sum(),
    "mean": lambda T, x, y: x.mean(),
    "var": lambda T, x, y: x.var(),
    "std": lambda T, x, y: x.std(),
    "max_all": lambda T, x, y: x.max(),
    "max_dim": lambda T, x, y: x.view(2, 3).max(1)[0].sum(),
    "softmax": lambda T, x, y: x.softmax(0)[0],
    "log_softmax": lambda T, x, y: x.log_softmax(0)[0],
    "norm": lambda T, x, y: x.norm(),
    "matmul": lambda T, x, y: (x.view(2, 3) @ y.view(3, 2)).sum(),
    "mv": lambda T, x, y: (x.view(2, 3) @ y[:3]).sum(),
    "dot": lambda T, x, y: x @ y,
    "addmm": lambda T, x, y: T.addmm(y[:2], x.view(2, 3), y.view(3, 2)).sum(),
    "bmm": lambda T, x, y: T.bmm(x.view(1, 2, 3), y.view(1, 3, 2)).sum(),
    "linear": lambda T, x, y: T.nn.functional.linear(x.view(2, 3), y.view(2, 3), y[:2]).sum(),
    "mse": lambda T, x, y: T.nn.functional.mse_loss(x, y),
    "l1": lambda T, x, y: T.nn.functional.l1_loss(x, y),
    "bce": lambda T, x, y: T.nn.functional.binary_cross_entropy(x.sigmoid(), y.detach()),
    "cross_entropy": lambda T, x, y: T.nn.functional.cross_entropy(x.view(2, 3), T.tensor([0, 2])),
    "nll": lambda T, x, y: T.nn.functional.nll_loss(x.view(2, 3), T.tensor([0, 2])),
    "fancy_index": lambda T, x, y: x[T.tensor([0, 2, 2])].sum(),
    "mask_index": lambda T, x, y: x[x > 0.3].sum(),
    "index_select": lambda T, x, y: x.index_select(0, T.tensor([0, 2])).sum(),
    "view_t_expand": lambda T, x, y: x.view(2, 3).t().sum() + x[:1].expand(4).sum(),
    "cat_stack": lambda T, x, y: T.cat([x, y]).sum() + T.stack([x, y]).sum(),
    "chain": lambda T, x, y: (x.exp() * y).tanh().sum(),
    "gelu_silu_softplus": lambda T, x, y: (T.nn.functional.gelu(x) + T.nn.functional.silu(x)
                                           + T.nn.functional.softplus(x)).sum(),
    "normalize": lambda T, x, y: T.nn.functional.normalize(x.view(2, 3)).sum(),
    "remainder": lambda T, x, y: (x % y).sum(),
    "fmod": lambda T, x, y: x.fmod(y).sum(),
    "rounding": lambda T, x, y: (x.floor() + x.ceil() + x.trunc() + x.round() + x).sum(),
}


def assert_same_grads(mine, theirs):
    assert [g is None for g in mine] == [g is None for g in theirs]
    for a, b in zip(mine, theirs):
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def run_twice(T, name, retain):
    x = T.tensor([0.1, 0.5, 0.9, 0.3, 0.7, 0.2], requires_grad=True)
    y = T.tensor([0.4, 0.6, 0.2, 0.8, 0.3, 0.5], requires_grad=True)
    out = GRAPHS[name](T, x, y)
    out.backward(retain_graph=retain)
    first = grads(x, y)
    try:
        out.backward()
    except RuntimeError as e:
        return first, ("RuntimeError", str(e)), grads(x, y)
    return first, ("ok", None), grads(x, y)


@pytest.mark.parametrize("retain", [False, True])
@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_second_backward_matches_torch(name, retain):
    pt = pytest.importorskip("torch")
    mine = run_twice(torch, name, retain)
    theirs = run_twice(pt, name, retain)
    assert_same_grads(mine[0], theirs[0])  # the first backward
    assert mine[1][0] == theirs[1][0]
    if theirs[1][0] == "RuntimeError":
        assert mine[1][1] == theirs[1][1]
    assert_same_grads(mine[2], theirs[2])


@pytest.mark.parametrize("op", ["exp", "sigmoid", "tanh", "log", "relu", "sqrt", "abs",
                                "sin", "cos", "rsqrt", "reciprocal", "log1p", "expm1"])
@pytest.mark.parametrize("head", ["sum", "mean", "index"])
def test_second_backward_through_unary_op_raises(op, head):
    x = torch.tensor([0.2, 0.5, 0.9], requires_grad=True)
    u = getattr(x, op)()
    y = u.sum() if head == "sum" else u.mean() if head == "mean" else u[1]
    y.backward()
    with pytest.raises(RuntimeError, match=SECOND_BACKWARD) as info:
        y.backward()
    assert "Specify retain_graph=True" in str(info.value)


def test_retained_graph_backward_twice_doubles_the_grad():
    x = torch.tensor([0.2, 0.5, 0.9], requires_grad=True)
    y = x.exp().sum()
    y.backward(retain_graph=True)
    once = x.grad.clone()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * once.numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match=SECOND_BACKWARD):
        y.backward()


def test_second_backward_does_not_crash_the_process():
    code = ("import pytorchlite as torch\n"
            "x = torch.rand(3, requires_grad=True)\n"
            "y = x.exp().sum(); y.backward()\n"
            "try:\n    y.backward()\nexcept RuntimeError as e:\n    print(type(e).__name__)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env=child_env(), timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "RuntimeError"


def test_backward_through_a_subgraph_released_by_another_root_raises():
    x = torch.tensor([0.2, 0.5], requires_grad=True)
    y = x.exp()
    a, b = y.sum(), (y * 2).sum()
    a.backward()
    with pytest.raises(RuntimeError, match=SECOND_BACKWARD):
        b.backward()
    x2 = torch.tensor([0.2, 0.5], requires_grad=True)
    y2 = x2.exp()
    y2.sum().backward(retain_graph=True)
    (y2 * 2).sum().backward()  # retained: the second root may still use it
    np.testing.assert_allclose(x2.grad.numpy(), 3 * np.exp([0.2, 0.5]), rtol=1e-6)


def test_graph_without_saved_tensors_can_backward_twice():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x + 1).sum()
    y.backward()
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0]


# ---- 2. writes of a grad-requiring value build the graph PyTorch builds ----

def _w():
    return torch.tensor(2.0, requires_grad=True)


ASSIGNMENTS = {
    "slice_all": lambda T, x, w: x.__setitem__(slice(None), w * 2),
    "int_index": lambda T, x, w: x.__setitem__(T.tensor([0, 2]), w * 2),
    "bool_mask": lambda T, x, w: x.__setitem__(T.tensor([True, False, True]), w),
    "column": lambda T, x, w: x.view(3, 1).__setitem__((slice(None), 0), w),
    "python_int": lambda T, x, w: x.__setitem__(1, w),
    "fill_": lambda T, x, w: x.fill_(w),
    "copy_into_view": lambda T, x, w: x[1:].copy_(w),
    "masked_fill_view": lambda T, x, w: x[1:].masked_fill_(T.tensor([True, False]), w),
    "add_into_view": lambda T, x, w: x[1:].add_(w),
}
# d/dw of sum(x * [1, 2, 3]) after each write, by hand
EXPECTED_GRAD = {"slice_all": 12.0, "int_index": 8.0, "bool_mask": 4.0, "column": 6.0,
                 "python_int": 2.0, "fill_": 6.0, "copy_into_view": 5.0,
                 "masked_fill_view": 2.0, "add_into_view": 5.0}


def _write_and_backward(T, name):
    x = T.zeros(3)
    w = T.tensor(2.0, requires_grad=True)
    ASSIGNMENTS[name](T, x, w)
    (x * T.tensor([1.0, 2.0, 3.0])).sum().backward()
    return x.requires_grad, w.grad.item(), x.detach().tolist()


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_write_of_a_grad_requiring_value_keeps_the_graph(name):
    req, g, _ = _write_and_backward(torch, name)
    assert req and g == EXPECTED_GRAD[name]


def test_fill_with_a_non_scalar_value_raises_as_torch():
    x = torch.zeros(3)
    with pytest.raises(RuntimeError, match="fill_ only supports 0-dimension value tensor"):
        x.fill_(torch.ones(2, requires_grad=True))
    assert not x.requires_grad and x.tolist() == [0.0, 0.0, 0.0]  # nothing half-written


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_torch_builds_the_same_graph_for_each_write(name):
    pt = pytest.importorskip("torch")
    assert _write_and_backward(pt, name)[1] == EXPECTED_GRAD[name]
    assert _write_and_backward(pt, name) == _write_and_backward(torch, name)


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_writes_still_work_without_grad(name):
    x = torch.zeros(3)
    with torch.no_grad():
        ASSIGNMENTS[name](torch, x, _w())
    assert 2.0 in x.tolist() or 4.0 in x.tolist()
    y = torch.zeros(3)
    ASSIGNMENTS[name](torch, y, _w().detach())
    assert y.tolist() == x.tolist() and not y.requires_grad


def test_whole_tensor_writes_keep_the_graph():
    # copy_ and masked_fill_ into a whole tensor record a node, so the gradient reaches w
    for write in (lambda x, w: x.copy_(w * 3),
                  lambda x, w: x.masked_fill_(torch.tensor([True, False, True]), w * 3)):
        w = _w()
        x = torch.zeros(3)
        write(x, w)
        assert x.requires_grad
        x.sum().backward()
        assert w.grad is not None and w.grad.item() > 0


def test_whole_tensor_write_grads_match_torch():
    pt = pytest.importorskip("torch")
    got = []
    for T in (torch, pt):
        w = T.tensor(2.0, requires_grad=True)
        x = T.zeros(3)
        x.masked_fill_(T.tensor([True, False, True]), w * 3)
        (x * T.tensor([1.0, 2.0, 3.0])).sum().backward()
        got.append(w.grad.item())
    assert got[0] == got[1]


# ---- 3. in-place ops on partially overlapping memory ----

OVERLAPS = [
    "a[1:].add_(a[:-1])", "a[1:].sub_(a[:-1])", "a[1:].mul_(a[:-1])", "a[1:].div_(a[:-1])",
    "a[1:].pow_(a[:-1])", "a[1:].add_(a[:-1], alpha=2)", "a[1:].copy_(a[:-1])",
    "a[:3].add_(a[2:5])", "a[:2].add_(a[1:2])", "a[:4].view(2, 2).add_(a[2:].view(2, 2))",
    "a.view(2, 3).add_(a.view(2, 3)[0])", "a[1:].__iadd__(a[:-1])", "a[1:].__imul__(a[:-1])",
    "a.__setitem__(slice(1, None), a[:-1])", "a[1:].__imod__(a[:-1])",
    "a[1:].__ifloordiv__(a[:-1])",
]
ALLOWED = [
    "a.add_(a)", "a.copy_(a)", "a.mul_(a)", "a[::2].add_(a[1::2])", "a[:3].add_(a[3:])",
    "a.view(2, 3).t().add_(a.view(2, 3).t())", "a[1:].copy_(a[:-1].clone())",
    "a[:] = a", "a.view(2, 3)[:, :2].add_(a.view(2, 3)[:, 1:])",
]


@pytest.mark.parametrize("expr", OVERLAPS)
def test_partial_overlap_raises(expr):
    a = torch.arange(6.0)
    before = a.tolist()
    with pytest.raises(RuntimeError) as info:
        exec(expr, {"a": a})
    assert str(info.value) == OVERLAP
    assert a.tolist() == before


@pytest.mark.parametrize("expr", ALLOWED)
def test_full_or_no_overlap_is_allowed(expr):
    a = torch.arange(6.0)
    exec(expr, {"a": a})
    b = np.arange(6.0)
    # the same write on NumPy copies of the operands
    ref = {"a.add_(a)": b * 2, "a.copy_(a)": b, "a.mul_(a)": b * b}.get(expr)
    if ref is not None:
        assert a.tolist() == ref.tolist()


@pytest.mark.parametrize("expr", OVERLAPS + ALLOWED)
def test_overlap_verdicts_match_torch(expr):
    pt = pytest.importorskip("torch")
    mine = outcome(lambda T: (exec(expr, {"a": (a := T.arange(6.0))}), a.tolist())[1], torch)
    theirs = outcome(lambda T: (exec(expr, {"a": (a := T.arange(6.0))}), a.tolist())[1], pt)
    assert mine == theirs


# ---- 4. remainder / fmod gradients ----

MOD_EXPRS = ["x % 2", "x % y", "x.remainder(y)", "torch.remainder(x, 2)", "x % -1.5",
             "x.fmod(2.5)", "x.fmod(y)", "torch.fmod(x, y)", "x % y.detach()",
             "x.detach() % y", "x.double() % y", "2 % x", "torch.remainder(2.0, x)"]


def _mod_inputs(T):
    x = T.tensor([1.5, -2.5, 3.0, -7.25, 0.0, 5.5], requires_grad=True)
    y = T.tensor([2.0, 2.0, -2.0, 0.5, -3.0, -4.0], requires_grad=True)
    return x, y


@pytest.mark.parametrize("expr", MOD_EXPRS)
def test_remainder_fmod_values_names_and_grads_match_torch(expr):
    pt = pytest.importorskip("torch")
    res = []
    for T in (torch, pt):
        x, y = _mod_inputs(T)
        r = eval(expr, {"torch": T, "x": x, "y": y})
        name = type(r.grad_fn).__name__ if r.grad_fn is not None else None
        back = outcome(lambda T: r.sum().backward(), T)
        res.append((name, r.requires_grad, str(r.dtype), str(r.tolist()), back, str(grads(x, y))))
    assert res[0] == res[1]


def test_remainder_fmod_grads_against_central_differences():
    a = np.array([1.3, -2.6, 3.1, -7.2, 0.4])
    b = np.array([2.0, 2.1, -2.2, 0.5, -3.0])
    for op, ref in (("remainder", np.remainder), ("fmod", np.fmod)):
        x = torch.tensor(a, requires_grad=True)
        y = torch.tensor(b, requires_grad=True)
        r = getattr(x, op)(y)
        assert r.grad_fn is not None and type(r.grad_fn).__name__.endswith("Backward1")
        np.testing.assert_allclose(r.detach().numpy(), ref(a, b))
        (r * torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=torch.float64)).sum().backward()
        w = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
        ga, gb = numeric_grad(lambda p, q: float((ref(p, q) * w).sum()), [a.copy(), b.copy()])
        np.testing.assert_allclose(x.grad.numpy(), ga, atol=1e-5)
        np.testing.assert_allclose(y.grad.numpy(), gb, atol=1e-5)
        # a Python-number divisor: only self gets a gradient (all ones), no saved tensors
        x.grad = None
        s = getattr(x, op)(2.5)
        assert type(s.grad_fn).__name__ == ("RemainderBackward0" if op == "remainder" else "FmodBackward0")
        s.sum().backward()
        s.sum().backward()  # nothing saved, so a second backward works
        assert x.grad.tolist() == [2.0] * 5


def test_integer_remainder_is_unchanged():
    i = torch.tensor([3, -4, 7])
    assert (i % 2).tolist() == [1, 0, 1] and (i % 2).dtype == torch.int64
    assert i.fmod(-3).tolist() == [0, -1, 1]
    assert (i % 2.5).tolist() == [0.5, 1.0, 2.0]
    with pytest.raises(RuntimeError):
        i % 0


# ---- 5. norm gradients at zero ----

INF = float("inf")
NORM_PS = [2, 1, INF, -INF, 3, 0.5, 1.5, 0, -1, "fro"]
NORM_DIMS = [(None, False), (1, False), (1, True), (0, False), ((0, 1), True), (-1, False)]


def _norm_case(T, p, dim, keep):
    x = T.tensor([[0.0, 0.0, 0.0], [1.0, -2.0, 2.0]], requires_grad=True)
    n = x.norm(p, dim, keepdim=keep)
    (n * T.arange(1.0, n.numel() + 1).reshape(n.shape)).sum().backward()
    return type(n.grad_fn).__name__, tuple(n.shape), np.asarray(n.tolist()), grads(x)


@pytest.mark.parametrize("dim,keep", NORM_DIMS)
@pytest.mark.parametrize("p", NORM_PS)
def test_norm_values_and_grads_match_torch(p, dim, keep):
    pt = pytest.importorskip("torch")
    mine, theirs = _norm_case(torch, p, dim, keep), _norm_case(pt, p, dim, keep)
    assert mine[:2] == theirs[:2]
    np.testing.assert_allclose(mine[2], theirs[2], rtol=1e-5)
    assert_same_grads(mine[3], theirs[3])


@pytest.mark.parametrize("p", [2, 1, INF, 3, 1.5, 0.5, "fro"])
def test_norm_grad_at_zero_is_zero_not_nan(p):
    x = torch.zeros(2, 3, requires_grad=True)
    n = x.norm(p)
    assert n.item() == 0.0 and type(n.grad_fn).__name__ == "LinalgVectorNormBackward0"
    n.backward()
    assert x.grad.tolist() == [[0.0] * 3] * 2
    x = torch.tensor([[0.0, 0.0], [3.0, 4.0]], requires_grad=True)
    x.norm(p, dim=1).sum().backward()
    g = np.asarray(x.grad.tolist())
    assert np.all(np.isfinite(g)) and np.all(g[0] == 0)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 1.5])
def test_norm_grad_against_central_differences(p):
    a = np.array([[0.3, -1.2, 2.0], [1.5, 0.7, -0.4]])
    x = torch.tensor(a, requires_grad=True)
    x.norm(p, dim=1).sum().backward()
    (num,) = numeric_grad(lambda v: float((np.abs(v) ** p).sum(1).__pow__(1 / p).sum()), [a.copy()])
    np.testing.assert_allclose(x.grad.numpy(), num, atol=1e-6)


def test_inf_norms_split_the_gradient_over_ties():
    x = torch.tensor([[3.0, -3.0, 1.0], [0.0, 2.0, -2.0]], requires_grad=True)
    x.norm(INF, 1).sum().backward()
    assert x.grad.tolist() == [[0.5, -0.5, 0.0], [0.0, 0.5, -0.5]]
    x.grad = None
    x.norm(-INF).backward()  # the smallest |x| is the 0.0
    assert x.grad.abs().sum().item() == 0.0
    assert torch.tensor([1.0, -1.0, 0.5]).norm(-INF).item() == 0.5
    assert torch.tensor([[1.0, -3.0], [2.0, 0.5]]).norm(-INF, 1).tolist() == [1.0, 0.5]


def test_p0_norm_counts_and_has_no_gradient():
    x = torch.tensor([0.0, 1.5, -2.0], requires_grad=True)
    n = x.norm(0)
    assert n.item() == 2.0
    n.backward()
    assert x.grad is None


def test_norm_rejects_integers_like_torch():
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor as input. Got Long"):
        torch.tensor([1, 2]).norm()


@pytest.mark.parametrize("p", [2.0, 1.0, INF, 3.0])
def test_normalize_grads_with_a_zero_row_match_torch(p):
    pt = pytest.importorskip("torch")
    res = []
    for T in (torch, pt):
        x = T.tensor([[0.0, 0.0, 0.0], [1.0, -2.0, 2.0]], requires_grad=True)
        y = T.nn.functional.normalize(x, p=p, dim=1)
        (y * T.tensor([1.0, 2.0, 3.0])).sum().backward()
        res.append((np.asarray(y.tolist()), np.asarray(x.grad.tolist())))
    for a, b in zip(res[0], res[1]):
        assert np.all(np.isfinite(a))
        np.testing.assert_allclose(a, b, rtol=1e-5)


# ---- 6. nan and int64 edge cases ----

NAN = float("nan")
EDGE_EXPRS = [
    "x.median()", "m.median()", "m.median(0)", "m.median(1)", "m.median(1, keepdim=True)",
    "T.tensor([1., NAN]).median(0)", "T.tensor([4., 1., 3., 2.]).median()",
    "T.tensor([4., 1., 3., 2.]).view(2, 2).median(1)",
    "x.clamp(0, 2)", "x.clamp(min=NAN)", "x.clamp(max=NAN)", "x.clamp(NAN, NAN)",
    "x.clamp(min=NAN, max=5)", "x.double().clamp(min=NAN)", "x.clamp(1.5, 1.0)",
    "T.tensor([2**53, 2**53 + 1, 2**53 - 1]).argmax()",
    "T.tensor([2**53 + 1, 2**53, 2**53 + 1]).argmin()",
    "T.tensor([2**53, 2**53 + 1]).max()", "T.tensor([-2**53, -2**53 - 1]).min()",
    "big.max(1)", "big.min(1)", "big.argmax(1)", "big.argmin(0)", "big.max(0, keepdim=True)",
    "T.tensor([2**63 - 1, 2**63 - 2]).max()", "T.tensor([-2**63, -2**63 + 1]).argmin()",
    "T.tensor([2**63 - 2, 2**63 - 1]).argmax()", "T.tensor([2**63 - 2, 2**63 - 1]).max(0)",
    "T.tensor([3, 2**53 + 1, 2**53]).median()", "T.tensor([True, False]).argmax()",
    "T.tensor([1., -1., 0.]).norm(-float('inf'))",
]


def _edge(T, expr):
    env = {"T": T, "NAN": NAN, "x": T.tensor([1.0, NAN, 3.0, 2.0, 0.5]),
           "m": T.tensor([[1.0, NAN, 3.0], [2.0, 0.5, 4.0], [NAN, NAN, 1.0]]),
           "big": T.tensor([[2**53, 2**53 + 1], [2**62 + 1, 2**62]])}

    def run(T):
        r = eval(expr, env)
        parts = r if isinstance(r, tuple) else (r,)
        return [(str(p.dtype), str(p.tolist())) for p in parts]
    return outcome(run, T)


@pytest.mark.parametrize("expr", EDGE_EXPRS)
def test_nan_and_int64_edge_cases_match_torch(expr):
    pt = pytest.importorskip("torch")
    assert _edge(torch, expr) == _edge(pt, expr)


def test_int64_max_min_along_a_dim_are_exact():
    v = [[2**53, 2**53 + 1, 2**53 - 1], [2**62 + 1, 2**62, -2**63]]
    t = torch.tensor(v)
    vals, idx = t.max(1)
    assert vals.tolist() == [max(r) for r in v]
    assert idx.tolist() == [r.index(max(r)) for r in v]
    vals, idx = t.min(1)
    assert vals.tolist() == [min(r) for r in v]
    assert idx.tolist() == [r.index(min(r)) for r in v]
    assert t.argmax().item() == 3 and t.argmin().item() == 5
    assert t.max().item() == 2**62 + 1 and t.min().item() == -2**63


def test_median_of_nan_holding_slices_is_nan_at_the_first_nan():
    m = torch.tensor([[1.0, NAN, 3.0, NAN], [2.0, 0.5, 4.0, 1.0]])
    vals, idx = m.median(1)
    assert math.isnan(vals[0].item()) and idx[0].item() == 1
    assert vals[1].item() == 1.0 and idx[1].item() == 3
    assert math.isnan(m.median().item())
    assert m[1].median().item() == 1.0


def test_clamp_with_nan_bound_is_nan_and_nan_input_stays_nan():
    x = torch.tensor([1.0, NAN, 3.0])
    assert all(math.isnan(v) for v in x.clamp(min=NAN).tolist())
    assert all(math.isnan(v) for v in x.clamp(max=NAN).tolist())
    r = x.clamp(0.0, 2.0).tolist()
    assert r[0] == 1.0 and math.isnan(r[1]) and r[2] == 2.0
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    w.clamp(min=NAN).sum().backward()
    assert w.grad.tolist() == [0.0, 0.0]


# ---- rounding keeps the graph (a zero gradient, as PyTorch's FloorBackward0...) ----

@pytest.mark.parametrize("op", ["floor", "ceil", "trunc", "round"])
def test_rounding_ops_record_a_zero_gradient(op):
    x = torch.tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.2, 0.7], requires_grad=True)
    y = getattr(x, op)()
    assert y.requires_grad and type(y.grad_fn).__name__ == op.capitalize() + "Backward0"
    np.testing.assert_array_equal(y.detach().numpy(), getattr(np, "round" if op == "round" else op)(
        x.detach().numpy()))  # NumPy's round is half to even too
    y.sum().backward()
    assert x.grad.tolist() == [0.0] * 8
    i = torch.tensor([3, -4])
    assert getattr(i, op)().tolist() == [3, -4] and getattr(i, op)().dtype == torch.int64


# ---- the new paths free what they allocate ----

def test_new_paths_do_not_grow_the_process():
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc")
    import gc
    import os
    if "asan" in os.environ.get("LD_PRELOAD", ""):
        pytest.skip("RSS is meaningless under AddressSanitizer")

    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096

    def step():
        x = torch.randn(256, 256, requires_grad=True)  # 256 KiB: one leaked per step shows
        y = torch.randn(256, 256).abs() + 0.5
        y.requires_grad_(True)
        out = (x.norm(2, 1).sum() + x.norm(float("inf")) + x.norm(3, 0, keepdim=True).sum()
               + (x % y).sum() + x.fmod(y).sum() + x.floor().sum() + x.exp().sum())
        out.backward()
        try:
            out.backward()
        except RuntimeError:
            pass
        a = torch.arange(65536.0)
        try:
            a[1:].add_(a[:-1])
        except RuntimeError:
            pass
        try:
            a[:] = x.sum()
        except NotImplementedError:
            pass
        a.view(256, 256).max(1)
        torch.arange(65536).view(256, 256).max(1)

    for _ in range(10):
        step()
    gc.collect()
    before = rss()
    for _ in range(100):
        step()
    gc.collect()
    assert rss() - before < 12 * 2 ** 20


# ---- clamp with tensor bounds keeps the bounds' graph ----

CLAMP_TENSOR_EXPRS = ["x.clamp(min=lo)", "x.clamp(max=hi)", "x.clamp(lo, hi)", "x.clamp(hi, lo)",
                      "torch.clamp(x, lo, hi)", "x.clamp(min=w)", "x.clamp(w, hi)",
                      "x.clamp(min=lo.view(5, 1))", "x.detach().clamp(min=lo)", "x.clip(lo, hi)",
                      "x.clamp(min=torch.tensor([NAN, 0.0, 0.0, 0.0, 0.0]))",
                      "x.clamp(min=lo, max=0.6)", "x.clone().clamp_(lo, hi)",
                      "torch.zeros(5).clamp_(min=lo)", "torch.zeros(5).clamp_(min=lo.view(5, 1))"]


def _clamp_case(T, expr):
    x = T.tensor([0.1, 0.5, 0.9, 0.3, 0.7], requires_grad=True)
    lo = T.tensor([0.2, 0.5, 0.1, 0.4, 0.9], requires_grad=True)
    hi = T.tensor([0.8, 0.4, 0.5, 0.35, 1.0], requires_grad=True)
    w = T.tensor(0.35, requires_grad=True)

    def run(T):
        r = eval(expr, {"torch": T, "x": x, "lo": lo, "hi": hi, "w": w, "NAN": NAN})
        (r * T.arange(1.0, r.numel() + 1).reshape(r.shape)).sum().backward()
        return type(r.grad_fn).__name__, str(r.tolist()), str(grads(x, lo, hi, w))
    res = outcome(run, T)
    return res[:1] if res[0] == "TypeError" else res  # the TypeError messages differ


@pytest.mark.parametrize("expr", CLAMP_TENSOR_EXPRS)
def test_clamp_with_tensor_bounds_matches_torch(expr):
    pt = pytest.importorskip("torch")
    assert _clamp_case(torch, expr) == _clamp_case(pt, expr)


def test_clamp_with_a_grad_requiring_bound_passes_it_the_gradient():
    x = torch.tensor([0.1, 0.5, 0.9], requires_grad=True)
    w = torch.tensor(0.3, requires_grad=True)
    r = x.clamp(min=w)
    assert r.tolist() == pytest.approx([0.3, 0.5, 0.9])
    assert type(r.grad_fn).__name__ == "ClampBackward0"
    (r * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert w.grad.item() == 1.0 and x.grad.tolist() == [0.0, 2.0, 3.0]
    a = torch.arange(6.0)
    with pytest.raises(RuntimeError, match="some elements of the input tensor"):
        a[1:].clamp_(min=a[:-1])


# ---- in-place ops on a non-leaf keep the values their backward needs ----

INPLACE_ON_NONLEAF = {
    "clamp_": lambda T, t, y: t.clamp_(0.2, 0.6),
    "log_": lambda T, t, y: t.log_(),
    "sin_": lambda T, t, y: t.sin_(),
    "abs_": lambda T, t, y: t.abs_(),
    "exp_": lambda T, t, y: t.exp_(),
    "mul_": lambda T, t, y: t.mul_(y),
    "div_": lambda T, t, y: t.div_(y),
    "mul_self": lambda T, t, y: t.mul_(t),
    "clamp_tensor_": lambda T, t, y: t.clamp_(min=y * 0.1),
    "chain": lambda T, t, y: t.log_().mul_(y).sin_(),
    "pow_": lambda T, t, y: t.pow_(3),
    "pow_tensor": lambda T, t, y: t.pow_(y),
    "pow_keyword": lambda T, t, y: t.pow_(exponent=0.5),
    "erf_": lambda T, t, y: t.erf_(),
    "imod": lambda T, t, y: t.__imod__(y),
}


def _inplace_case(T, name):
    x = T.tensor([0.1, 0.5, 0.9], requires_grad=True)
    y = T.tensor([2.0, 3.0, 4.0], requires_grad=True)
    t = x * 1
    INPLACE_ON_NONLEAF[name](T, t, y)
    (t * T.tensor([1.0, 2.0, 3.0])).sum().backward()
    return type(t.grad_fn).__name__, np.asarray(t.tolist()), grads(x, y)


@pytest.mark.parametrize("name", sorted(set(INPLACE_ON_NONLEAF) - {"mul_self"}))
def test_inplace_on_a_non_leaf_backward_works(name):
    kind, values, g = _inplace_case(torch, name)
    assert g[0] is not None
    pt = pytest.importorskip("torch")
    kind_t, values_t, g_t = _inplace_case(pt, name)
    if name not in ("erf_", "imod"):  # written as copy_ of the result: CopyBackwards
        assert kind == kind_t
    np.testing.assert_allclose(values, values_t, rtol=1e-6)
    assert_same_grads(g, g_t)


def test_inplace_whose_other_operand_is_self_raises_like_torch():
    # t.mul_(t): the saved other operand is t itself, which the write modifies
    with pytest.raises(RuntimeError, match="which is output 0 of Mul, is at version 1"):
        _inplace_case(torch, "mul_self")


def test_inplace_after_the_value_was_saved_elsewhere_still_raises():
    x = torch.tensor([0.1, 0.5, 0.9], requires_grad=True)
    t = x * 1
    u = t.sin()  # saves t
    t.exp_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        u.sum().backward()
