"""Each op family on the dtypes uint8, int8, int16, int32, float16 and bfloat16 (and mixed with
the others and with Python numbers): values, result dtypes and errors, against PyTorch."""
import operator

import numpy as np
import pytest

import pytorchlite as pl

from test_dtypes import FLOATS, INTS, NAMES, NEW, both, outcome, same  # noqa: F401

torch = pytest.importorskip("torch")

VALUES = [[3, 250, 7, 0], [100, 2, 9, 1]]  # in every dtype's range once cast (wraps for int8)
FVALUES = [[1.5, -2.25, 3.140625, 0.0], [-0.5, 2.0, 1e4, 7.0]]


def make(name, data):
    p, t = both(torch, name)
    return pl.tensor(data).to(p), torch.tensor(data).to(t)


def same_outcome(fn_pl, fn_t, rtol=None):
    a, b = outcome(fn_pl), outcome(fn_t)
    assert a[0] == b[0], (a, b)
    if a[0] == "err":
        assert a[1] == b[1], (a, b)
        assert a[2] == b[2], (a, b)
        return
    if hasattr(b[1], "dtype"):
        if rtol is None:
            same(a[1], b[1])
        else:
            assert repr(a[1].dtype) == repr(b[1].dtype)
            np.testing.assert_allclose(np.array(a[1].tolist(), dtype=np.float64),
                                       np.array(b[1].tolist(), dtype=np.float64), rtol=rtol)
    elif isinstance(b[1], tuple):
        for x, y in zip(a[1], b[1]):
            same(x, y)
    else:
        assert a[1] == b[1], (a, b)


BINARY = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
          operator.mod, operator.eq, operator.ne, operator.lt, operator.le, operator.gt,
          operator.ge, operator.and_, operator.or_, operator.xor]


@pytest.mark.parametrize("a", NEW)
def test_binary_ops_between_every_pair_of_dtypes(a):
    for b in NAMES:
        x_pl, x_t = make(a, VALUES if a not in FLOATS else FVALUES)
        y_pl, y_t = make(b, [[1, 3, 2, 5], [7, 1, 4, 2]] if b != "bool" else [[1, 0, 1, 1], [0, 1, 1, 0]])
        for op in BINARY:
            if op in (operator.floordiv, operator.mod) and b == "bool":
                continue  # integer division by False raises ZeroDivisionError in both
            same_outcome(lambda: op(x_pl, y_pl), lambda: op(x_t, y_t))
            same_outcome(lambda: op(y_pl, x_pl), lambda: op(y_t, x_t))
        same_outcome(lambda: pl.maximum(x_pl, y_pl), lambda: torch.maximum(x_t, y_t))
        same_outcome(lambda: pl.minimum(x_pl, y_pl), lambda: torch.minimum(x_t, y_t))


@pytest.mark.parametrize("a", NEW)
def test_binary_ops_with_python_and_numpy_numbers(a):
    x_pl, x_t = make(a, VALUES if a not in FLOATS else FVALUES)
    for s in (10, -1, 300, 2.5, True, np.uint8(10), np.int32(300), np.float16(1.5), np.float64(0.1)):
        for op in BINARY[:12]:
            same_outcome(lambda: op(x_pl, s), lambda: op(x_t, s))
            same_outcome(lambda: op(s, x_pl), lambda: op(s, x_t))
        same_outcome(lambda: x_pl ** 2, lambda: x_t ** 2)


def test_integer_wraparound_and_division_semantics():
    same(pl.tensor([250], dtype=pl.uint8) + 10, torch.tensor([250], dtype=torch.uint8) + 10)
    same(-pl.tensor([1, 250], dtype=pl.uint8), -torch.tensor([1, 250], dtype=torch.uint8))
    same(pl.tensor([-128], dtype=pl.int8).abs(), torch.tensor([-128], dtype=torch.int8).abs())
    for name in INTS:
        x_pl, x_t = make(name, [[-7, 7, -8, 9]] if name != "uint8" else [[7, 200, 8, 9]])
        for d in (2, -3, 3):
            for op in (operator.floordiv, operator.mod, operator.truediv):
                same_outcome(lambda: op(x_pl, d), lambda: op(x_t, d))
        same_outcome(lambda: x_pl * 100, lambda: x_t * 100)
        same_outcome(lambda: x_pl // 0, lambda: x_t // 0)


@pytest.mark.parametrize("a", NEW)
def test_inplace_ops_cast_to_the_tensors_dtype(a):
    for b in ("int64", "float32", "bool", a):
        for s in (1, 2.5):
            x_pl, x_t = make(a, VALUES if a not in FLOATS else FVALUES)
            y_pl, y_t = make(b, [[1, 3, 2, 5], [7, 1, 4, 2]])
            same_outcome(lambda: x_pl.add_(y_pl), lambda: x_t.add_(y_t))
            same_outcome(lambda: x_pl.mul_(s), lambda: x_t.mul_(s))
            same_outcome(lambda: x_pl.__isub__(s), lambda: x_t.__isub__(s))
            same(x_pl, x_t)


UNARY = ["neg", "abs", "exp", "log", "sqrt", "sin", "tanh", "sigmoid", "relu", "sign", "floor",
         "ceil", "round", "trunc", "reciprocal", "square"]


@pytest.mark.parametrize("a", NEW)
def test_unary_ops(a):
    x_pl, x_t = make(a, VALUES if a not in FLOATS else [[1.5, 2.25, 3.140625, 0.5], [0.5, 2.0, 1e2, 7.0]])
    for name in UNARY:
        exact = name in ("neg", "abs", "relu", "sign", "floor", "ceil", "round", "trunc", "square")
        same_outcome(lambda: getattr(x_pl, name)(), lambda: getattr(x_t, name)(),
                     rtol=None if exact else 1e-6 if a in INTS else 1e-2)
    same_outcome(lambda: x_pl.clamp(1, 8), lambda: x_t.clamp(1, 8))
    same_outcome(lambda: x_pl.clamp(min=2), lambda: x_t.clamp(min=2))
    same_outcome(lambda: ~x_pl, lambda: ~x_t)
    same_outcome(lambda: x_pl.exp_(), lambda: x_t.exp_())


@pytest.mark.parametrize("a", NEW)
def test_reductions(a):
    x_pl, x_t = make(a, VALUES if a not in FLOATS else FVALUES)
    for name in ("sum", "prod", "max", "min", "argmax", "argmin", "mean"):
        same_outcome(lambda: getattr(x_pl, name)(), lambda: getattr(x_t, name)())
    for name in ("sum", "argmax", "mean"):
        same_outcome(lambda: getattr(x_pl, name)(1), lambda: getattr(x_t, name)(1))
    same_outcome(lambda: x_pl.max(0), lambda: x_t.max(0))
    same_outcome(lambda: x_pl.sum(0, keepdim=True), lambda: x_t.sum(0, keepdim=True))
    if a in FLOATS:
        same_outcome(lambda: x_pl.var(), lambda: x_t.var(), rtol=1e-2)
        same_outcome(lambda: x_pl.std(1), lambda: x_t.std(1), rtol=1e-2)
        same_outcome(lambda: x_pl.norm(), lambda: x_t.norm(), rtol=1e-2)


@pytest.mark.parametrize("a", NEW)
def test_indexing_assignment_joining_and_where(a):
    x_pl, x_t = make(a, VALUES if a not in FLOATS else FVALUES)
    same(x_pl[1], x_t[1])
    same(x_pl[:, 1:3], x_t[:, 1:3])
    same(x_pl[x_pl > 2], x_t[x_t > 2])
    same(x_pl[pl.tensor([1, 0, 1])], x_t[torch.tensor([1, 0, 1])])
    x_pl[0, 1] = 5
    x_t[0, 1] = 5
    x_pl[x_pl > 6] = 1
    x_t[x_t > 6] = 1
    x_pl[1] = pl.tensor([9, 8, 7, 6])
    x_t[1] = torch.tensor([9, 8, 7, 6])
    same(x_pl, x_t)
    same(pl.cat([x_pl, x_pl]), torch.cat([x_t, x_t]))
    same(pl.stack([x_pl, x_pl], 1), torch.stack([x_t, x_t], 1))
    y_pl, y_t = make("float32", [[1, 2, 3, 4], [5, 6, 7, 8]])
    same(pl.cat([x_pl, y_pl]), torch.cat([x_t, y_t]))
    same(pl.where(x_pl > 3, x_pl, y_pl), torch.where(x_t > 3, x_t, y_t))
    same(pl.where(x_pl > 3, x_pl, 0), torch.where(x_t > 3, x_t, 0))
    same(x_pl.t().contiguous(), x_t.t().contiguous())
    same(x_pl.reshape(4, 2).permute(1, 0), x_t.reshape(4, 2).permute(1, 0))
    same(x_pl.index_select(1, pl.tensor([0, 2])), x_t.index_select(1, torch.tensor([0, 2])))


@pytest.mark.parametrize("a", NAMES)
def test_matmul(a):
    x_pl, x_t = make(a, [[1, 2, 3], [4, 5, 6]])
    w_pl, w_t = make(a, [[1, 0], [2, 1], [0, 3]])
    same_outcome(lambda: x_pl @ w_pl, lambda: x_t @ w_t)
    same_outcome(lambda: pl.mm(x_pl, w_pl), lambda: torch.mm(x_t, w_t))
    same_outcome(lambda: x_pl[0] @ w_pl, lambda: x_t[0] @ w_t)
    same_outcome(lambda: x_pl @ w_pl.float(), lambda: x_t @ w_t.float())


def test_half_matmul_rounds_once_from_float32():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((16, 40)), rng.standard_normal((40, 8))
    for name in ("float16", "bfloat16"):
        p, t = both(torch, name)
        x_pl, x_t = pl.tensor(a).to(p), torch.tensor(a).to(t)
        y_pl, y_t = pl.tensor(b).to(p), torch.tensor(b).to(t)
        r_pl, r_t = (x_pl @ y_pl).float().numpy(), (x_t @ y_t).float().numpy()
        want = (x_pl.float() @ y_pl.float()).to(p).float().numpy()
        np.testing.assert_array_equal(r_pl, want)  # our reference: float32 product, rounded once
        np.testing.assert_allclose(r_pl, r_t, rtol=2 ** -7, atol=1e-2)


def test_half_nn_layers_run_in_float32():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    for name in ("float16", "bfloat16"):
        p, t = both(torch, name)
        x_pl, x_t = pl.from_numpy(x).to(p), torch.from_numpy(x).to(t)
        for fn in ("relu", "gelu", "sigmoid"):
            same_outcome(lambda: getattr(pl.nn.functional, fn)(x_pl), lambda: getattr(torch.nn.functional, fn)(x_t), rtol=1e-2)
        for f_pl, f_t in [(lambda v: pl.nn.functional.max_pool2d(v, 2), lambda v: torch.nn.functional.max_pool2d(v, 2)),
                          (lambda v: pl.nn.functional.avg_pool2d(v, 2), lambda v: torch.nn.functional.avg_pool2d(v, 2)),
                          (lambda v: pl.softmax(v, 1), lambda v: torch.softmax(v, 1)),
                          (lambda v: pl.log_softmax(v, -1), lambda v: torch.log_softmax(v, -1))]:
            same_outcome(lambda: f_pl(x_pl), lambda: f_t(x_t), rtol=2e-2)
        torch.manual_seed(0)
        conv_t = torch.nn.Conv2d(3, 4, 3).to(t)
        lin_t = torch.nn.Linear(6, 5).to(t)
        conv_pl = pl.nn.Conv2d(3, 4, 3)
        lin_pl = pl.nn.Linear(6, 5)
        conv_pl.load_state_dict({k: pl.tensor(v.float().tolist()) for k, v in conv_t.state_dict().items()})
        lin_pl.load_state_dict({k: pl.tensor(v.float().tolist()) for k, v in lin_t.state_dict().items()})
        method = {"float16": "half", "bfloat16": "bfloat16"}[name]
        getattr(conv_pl, method)()
        getattr(lin_pl, method)()
        assert repr(conv_pl.weight.dtype) == repr(t)
        with torch.no_grad():
            same_outcome(lambda: conv_pl(x_pl), lambda: conv_t(x_t), rtol=3e-2)
            same_outcome(lambda: lin_pl(x_pl), lambda: lin_t(x_t), rtol=3e-2)


def test_integer_tensors_cannot_require_grad_half_ones_can():
    for name in INTS:
        p, t = both(torch, name)
        a, b = outcome(lambda: pl.zeros(2, dtype=p).requires_grad_()), \
            outcome(lambda: torch.zeros(2, dtype=t).requires_grad_())
        assert a[1:] == b[1:]
        a, b = outcome(lambda: pl.zeros(2, dtype=p, requires_grad=True)), \
            outcome(lambda: torch.zeros(2, dtype=t, requires_grad=True))
        assert a[1:] == b[1:]
    for name in ("float16", "bfloat16"):
        p, t = both(torch, name)
        x_pl = pl.tensor([1.0, -2.0, 3.0], dtype=p, requires_grad=True)
        x_t = torch.tensor([1.0, -2.0, 3.0], dtype=t, requires_grad=True)
        for f in (lambda v: (v * v).sum(), lambda v: v.exp().mean(), lambda v: (v @ v),
                  lambda v: v.relu().max(), lambda v: v[v > 0].sum() * 3):
            x_pl.grad = None
            x_t.grad = None
            f(x_pl).backward()
            f(x_t).backward()
            assert repr(x_pl.grad.dtype) == repr(x_t.grad.dtype)
            np.testing.assert_allclose(x_pl.grad.float().numpy(), x_t.grad.float().numpy(), rtol=1e-2)


@pytest.mark.parametrize("a", NAMES)
def test_printing_matches_pytorch(a):
    data = [[0, 1, 2], [3, 100, 7]] if a not in FLOATS else [[1.0, 2.5, 3.14159], [-0.001, 1e4, 65504]]
    x_pl, x_t = make(a, data)
    for v_pl, v_t in [(x_pl, x_t), (x_pl[0], x_t[0]), (x_pl[0, 1], x_t[0, 1]),
                      (x_pl[:0], x_t[:0]), (x_pl * 0, x_t * 0)]:
        assert repr(v_pl) == repr(v_t)
        assert str(v_pl) == str(v_t)
    if a in FLOATS:
        big_pl, big_t = make(a, [[1e-5, 1.0], [123456.0, float("nan")]])
        assert repr(big_pl) == repr(big_t)
        long_pl, long_t = pl.arange(2000).to(getattr(pl, a)), torch.arange(2000).to(getattr(torch, a))
        assert repr(long_pl) == repr(long_t)


@pytest.mark.parametrize("a", NEW)
def test_sorting_scans_logical_reductions_and_copies(a):
    import copy

    x_pl, x_t = make(a, VALUES if a not in FLOATS else FVALUES)
    for name in ("sort", "argsort", "cumsum", "cumprod"):
        same_outcome(lambda: getattr(x_pl, name)(1), lambda: getattr(x_t, name)(1))
    same_outcome(lambda: x_pl.topk(2), lambda: x_t.topk(2))
    same_outcome(lambda: x_pl.median(), lambda: x_t.median())
    for name in ("all", "any"):  # uint8 keeps uint8, as in PyTorch
        same_outcome(lambda: getattr(x_pl, name)(), lambda: getattr(x_t, name)())
        same_outcome(lambda: getattr(x_pl, name)(0), lambda: getattr(x_t, name)(0))
    same_outcome(lambda: x_pl.clamp(-1, 200), lambda: x_t.clamp(-1, 200))  # bounds cast first
    same(copy.deepcopy(x_pl), x_t)


@pytest.mark.parametrize("a", NEW)
def test_random_streams_match_pytorch(a):
    p, t = both(torch, a)
    pl.manual_seed(0)
    torch.manual_seed(0)
    same(pl.randint(0, 100, (40,), dtype=p), torch.randint(0, 100, (40,), dtype=t))
    same(pl.randperm(12, dtype=p), torch.randperm(12, dtype=t))
    if a in FLOATS:
        same(pl.rand(40, dtype=p), torch.rand(40, dtype=t))
        same(pl.randn(32, dtype=p), torch.randn(32, dtype=t))  # whole blocks of 16


def test_narrow_integer_index_tensors():
    import warnings

    for name in ("int32", "int16", "uint8", "int8", "float32"):
        p, t = both(torch, name)
        x_pl, x_t = pl.arange(6.0), torch.arange(6.0)
        for idx in ([0, 2], [1, 0, 1, 0, 0, 1]):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # PyTorch's uint8-mask deprecation
                same_outcome(lambda: x_pl[pl.tensor(idx, dtype=p)], lambda: x_t[torch.tensor(idx, dtype=t)])
            same_outcome(lambda: x_pl.index_select(0, pl.tensor(idx, dtype=p)),
                         lambda: x_t.index_select(0, torch.tensor(idx, dtype=t)))
            same_outcome(lambda: x_pl.gather(0, pl.tensor(idx, dtype=p)),
                         lambda: x_t.gather(0, torch.tensor(idx, dtype=t)))
        same_outcome(lambda: pl.nn.functional.cross_entropy(pl.zeros(2, 3), pl.tensor([0, 2], dtype=p)),
                     lambda: torch.nn.functional.cross_entropy(torch.zeros(2, 3), torch.tensor([0, 2], dtype=t)))
