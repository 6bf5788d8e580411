"""The dtype matrix: every dtype through a broad list of ops, built the same way under torch and
pytorchlite, each case's outcome (values, result dtype, or the exception's type and message)
recorded as plain data.

A case group runs in a child process per library (``python dtype_matrix_cases.py --child LIB
GROUP``), so a crash of one library is a finding of its own, not the end of the run. Run as a
script without arguments, it runs every group under both libraries and prints the mismatches;
tests/test_dtype_matrix_safety.py is parametrized over ``GROUPS``.

Each group is ``fn(T, arg)`` yielding ``(case id, thunk)``; ``T`` is the library module.
"""
import json
import math
import operator
import os
import subprocess
import sys
import warnings

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
          "float64"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]
FLOATS = ["float16", "bfloat16", "float32", "float64"]
SCALARS = [True, False, 0, 3, -2, 2.5, -0.5, 0.0]

GROUPS = []  # (group name, argument)
_FUNCS = {}


def group(*args):
    def deco(fn):
        _FUNCS[fn.__name__] = fn
        for a in args:
            GROUPS.append((fn.__name__, a))
        return fn
    return deco


def vals(T, name, kind="mixed"):
    """A (2, 3) tensor of dtype ``name``: "mixed" has negatives (not for uint8/bool), "pos" is
    positive only."""
    dt = getattr(T, name)
    if name == "bool":
        return T.tensor([[True, False, True], [False, True, True]])
    if name in INTS:
        if kind == "pos":
            return T.tensor([[1, 2, 3], [4, 5, 7]], dtype=dt)
        if name == "uint8":
            return T.tensor([[0, 1, 2], [3, 250, 7]], dtype=dt)
        return T.tensor([[0, 1, 2], [3, -4, 7]], dtype=dt)
    if kind == "pos":
        return T.tensor([[0.5, 1.25, 2.0], [3.0, 4.5, 7.5]], dtype=dt)
    return T.tensor([[0.5, -1.25, 2.0], [3.0, -0.0, 7.5]], dtype=dt)


# ---------------------------------------------------------------------------- arithmetic

BINOPS = [("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
          ("truediv", operator.truediv), ("floordiv", operator.floordiv), ("mod", operator.mod),
          ("pow", operator.pow), ("eq", operator.eq), ("lt", operator.lt), ("ge", operator.ge),
          ("and", operator.and_), ("or", operator.or_), ("xor", operator.xor)]
FNOPS = ["true_divide", "floor_divide", "remainder", "fmod", "pow", "maximum", "minimum",
         "atan2", "eq", "ne"]


@group(*DTYPES)
def binary_tensor(T, a):
    for b in DTYPES:
        for name, op in BINOPS:
            yield (f"{a} {name} {b}", lambda op=op, b=b: op(vals(T, a), vals(T, b, "pos")))
        for fn in FNOPS:
            if fn in ("maximum", "minimum", "atan2", "eq", "ne") and b != a and b != "float32":
                continue
            yield (f"torch.{fn}({a}, {b})",
                   lambda fn=fn, b=b: getattr(T, fn)(vals(T, a), vals(T, b, "pos")))


@group(*DTYPES)
def binary_scalar(T, a):
    for s in SCALARS:
        for name, op in BINOPS:
            yield (f"{a} {name} {s!r}", lambda op=op, s=s: op(vals(T, a), s))
            yield (f"{s!r} {name} {a}", lambda op=op, s=s: op(s, vals(T, a, "pos")))
        for fn in FNOPS[:5]:
            yield (f"torch.{fn}({a}, {s!r})", lambda fn=fn, s=s: getattr(T, fn)(vals(T, a), s))
    for e in [2.0, -1.0, 2, -1, 0.5, 0, True, 3]:
        yield (f"{a} ** {e!r} pos", lambda e=e: vals(T, a, "pos") ** e)
        yield (f"{a}.pow_({e!r})", lambda e=e: vals(T, a, "pos").pow_(e))
    for s in [3, 2.5, True]:
        for name in ("add_", "sub_", "mul_", "div_", "floor_divide_", "remainder_"):
            yield (f"{a}.{name}({s!r})", lambda name=name, s=s: getattr(vals(T, a, "pos"), name)(s))
    yield (f"{a} + 0-dim float64", lambda: vals(T, a) + T.tensor(2.5, dtype=T.float64))
    yield (f"{a} + 0-dim int64", lambda: vals(T, a) + T.tensor(2))
    yield (f"{a} * 0-dim bool", lambda: vals(T, a) * T.tensor(True))


@group(*DTYPES)
def clamp(T, a):
    x = lambda: vals(T, a)  # noqa: E731
    for lo in [1, 1.5, True, -1, 300]:
        yield (f"clamp({a}, min={lo!r})", lambda lo=lo: T.clamp(x(), min=lo))
        yield (f"clamp({a}, max={lo!r})", lambda lo=lo: T.clamp(x(), max=lo))
        yield (f"{a}.clamp_(min={lo!r})", lambda lo=lo: x().clamp_(min=lo))
    yield (f"clamp({a}, 1, 2.5)", lambda: T.clamp(x(), 1, 2.5))
    yield (f"clamp({a}, 0.5, 2)", lambda: T.clamp(x(), 0.5, 2))
    yield (f"clip({a}, 1.5)", lambda: T.clip(x(), 1.5))
    yield (f"clamp({a}, 3, 1)", lambda: T.clamp(x(), 3, 1))
    yield (f"clamp({a})", lambda: T.clamp(x()))
    for b in DTYPES:
        yield (f"clamp({a}, min=tensor {b})", lambda b=b: T.clamp(x(), min=vals(T, b, "pos")))
        yield (f"clamp({a}, max=tensor {b})", lambda b=b: T.clamp(x(), max=vals(T, b, "pos")))
    yield (f"clamp_min({a}, 1.5)", lambda: T.clamp_min(x(), 1.5))
    yield (f"clamp_max({a}, 1.5)", lambda: T.clamp_max(x(), 1.5))


UNARY = ["abs", "neg", "sign", "sqrt", "exp", "log", "sin", "cos", "tanh", "sigmoid", "floor",
         "ceil", "round", "trunc", "reciprocal", "rsqrt", "square", "log1p", "expm1", "exp2",
         "log2", "sgn", "frac", "logical_not", "bitwise_not", "isnan", "isinf", "isfinite",
         "signbit", "relu", "erf", "positive"]


@group(*DTYPES)
def unary(T, a):
    for fn in UNARY:
        yield (f"torch.{fn}({a})", lambda fn=fn: getattr(T, fn)(vals(T, a, "pos")))
        yield (f"torch.{fn}({a} mixed)", lambda fn=fn: getattr(T, fn)(vals(T, a)))
    for fn in ["abs_", "neg_", "sqrt_", "exp_", "sin_", "floor_", "sign_", "round_", "relu_"]:
        yield (f"{a}.{fn}()", lambda fn=fn: getattr(vals(T, a, "pos"), fn)())
    yield (f"-{a}", lambda: -vals(T, a))
    yield (f"~{a}", lambda: ~vals(T, a))
    yield (f"abs({a})", lambda: abs(vals(T, a)))
    yield (f"round({a}, decimals=1)", lambda: T.round(vals(T, a), decimals=1))


@group(*DTYPES)
def reduce(T, a):
    x = lambda: vals(T, a)  # noqa: E731
    for fn in ["sum", "mean", "prod", "max", "min", "argmax", "argmin", "std", "var", "amax",
               "amin", "all", "any", "median", "nansum", "count_nonzero", "logsumexp", "norm",
               "aminmax", "nanmean"]:
        yield (f"{fn}({a})", lambda fn=fn: getattr(T, fn)(x()))
        yield (f"{fn}({a}, 1)", lambda fn=fn: getattr(T, fn)(x(), 1))
        yield (f"{fn}({a}, 0, keepdim)", lambda fn=fn: getattr(T, fn)(x(), 0, keepdim=True))
    for fn in ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"]:
        yield (f"{fn}({a}, 1)", lambda fn=fn: getattr(T, fn)(x(), 1))
        yield (f"{fn}({a}, 0)", lambda fn=fn: getattr(T, fn)(x(), 0))
    for d in ["float64", "int32", "float16", "int64"]:
        yield (f"sum({a}, dtype={d})", lambda d=d: T.sum(x(), dtype=getattr(T, d)))
        yield (f"cumsum({a}, 0, dtype={d})", lambda d=d: T.cumsum(x(), 0, dtype=getattr(T, d)))
        yield (f"mean({a}, dtype={d})", lambda d=d: T.mean(x(), dtype=getattr(T, d)))
        yield (f"prod({a}, dtype={d})", lambda d=d: T.prod(x(), dtype=getattr(T, d)))
    yield (f"std({a}, 1, correction=0)", lambda: T.std(x(), 1, correction=0))
    yield (f"var_mean({a})", lambda: T.var_mean(x()))
    yield (f"std_mean({a}, 0)", lambda: T.std_mean(x(), 0))
    yield (f"{a}.sum().item()", lambda: x().sum().item())
    yield (f"{a}.max().item()", lambda: x().max().item())
    yield (f"{a}.mean() empty", lambda: T.zeros(0, dtype=getattr(T, a)).mean())
    yield (f"{a}.max() empty", lambda: T.zeros(0, dtype=getattr(T, a)).max())
    yield (f"{a}.sum() empty", lambda: T.zeros(0, dtype=getattr(T, a)).sum())
    yield (f"{a}.prod() empty", lambda: T.zeros(0, dtype=getattr(T, a)).prod())


@group(*DTYPES)
def linalg(T, a):
    m = lambda: vals(T, a, "pos")  # noqa: E731
    yield (f"mm({a})", lambda: T.mm(m(), m().t()))
    yield (f"matmul({a})", lambda: T.matmul(m(), m().t()))
    yield (f"{a} @ {a}", lambda: m() @ m().t())
    yield (f"bmm({a})", lambda: T.bmm(m().unsqueeze(0), m().t().unsqueeze(0)))
    yield (f"mv({a})", lambda: T.mv(m(), m()[0]))
    yield (f"dot({a})", lambda: T.dot(m()[0], m()[1]))
    yield (f"matmul 1d ({a})", lambda: T.matmul(m()[0], m().t()))
    yield (f"addmm({a})", lambda: T.addmm(m()[:, :2], m(), m().t()))
    yield (f"outer({a})", lambda: T.outer(m()[0], m()[1]))
    yield (f"einsum({a})", lambda: T.einsum("ij,kj->ik", m(), m()))
    yield (f"tensordot({a})", lambda: T.tensordot(m(), m(), dims=([1], [1])))
    for b in DTYPES:
        if b != a:
            yield (f"mm({a}, {b})", lambda b=b: T.mm(m(), vals(T, b, "pos").t()))
    yield (f"linear({a})", lambda: T.nn.functional.linear(m(), m()))


@group(*DTYPES)
def softmax(T, a):
    F = T.nn.functional
    x = lambda: vals(T, a)  # noqa: E731
    for d in [0, 1, -1, -2]:
        yield (f"softmax({a}, {d})", lambda d=d: T.softmax(x(), d))
        yield (f"F.softmax({a}, {d})", lambda d=d: F.softmax(x(), d))
        yield (f"log_softmax({a}, {d})", lambda d=d: T.log_softmax(x(), d))
        yield (f"F.log_softmax({a}, {d})", lambda d=d: F.log_softmax(x(), dim=d))
        yield (f"{a}.softmax({d})", lambda d=d: x().softmax(d))
        yield (f"softmax({a}, {d}, dtype=float64)", lambda d=d: T.softmax(x(), d, dtype=T.float64))
        yield (f"log_softmax({a}, {d}, dtype=float32)",
               lambda d=d: F.log_softmax(x(), d, dtype=T.float32))
    yield (f"softmax 3d {a} dim 1", lambda: T.softmax(x().reshape(1, 2, 3), 1))
    yield (f"softmax 0-dim {a}", lambda: T.softmax(x()[0, 0], 0))
    yield (f"softmin({a}, 0)", lambda: F.softmin(x(), 0))


@group(*DTYPES)
def pool_conv(T, a):
    F = T.nn.functional
    dt = getattr(T, a)
    img = lambda: (T.arange(32).reshape(1, 2, 4, 4) % 5).to(dt)  # noqa: E731
    seq = lambda: (T.arange(16).reshape(1, 2, 8) % 5).to(dt)  # noqa: E731
    w = lambda: (T.arange(16).reshape(2, 2, 2, 2) % 3).to(dt)  # noqa: E731
    yield (f"max_pool2d({a})", lambda: F.max_pool2d(img(), 2))
    yield (f"max_pool2d({a}, indices)", lambda: F.max_pool2d(img(), 2, return_indices=True))
    yield (f"max_pool1d({a})", lambda: F.max_pool1d(seq(), 2))
    yield (f"avg_pool2d({a})", lambda: F.avg_pool2d(img(), 2))
    yield (f"avg_pool1d({a})", lambda: F.avg_pool1d(seq(), 2))
    yield (f"adaptive_avg_pool2d({a})", lambda: F.adaptive_avg_pool2d(img(), 1))
    yield (f"adaptive_max_pool2d({a})", lambda: F.adaptive_max_pool2d(img(), 1))
    yield (f"lp_pool2d({a})", lambda: F.lp_pool2d(img(), 2, 2))
    yield (f"conv2d({a})", lambda: F.conv2d(img(), w()))
    yield (f"conv2d({a}, bias)", lambda: F.conv2d(img(), w(), T.ones(2, dtype=dt)))
    yield (f"conv1d({a})", lambda: F.conv1d(seq(), w()[:, :, 0]))
    yield (f"conv_transpose2d({a})", lambda: F.conv_transpose2d(img(), w()))
    yield (f"nn.MaxPool2d({a})", lambda: T.nn.MaxPool2d(2)(img()))
    yield (f"interpolate nearest({a})", lambda: F.interpolate(img(), scale_factor=2))
    yield (f"pad({a})", lambda: F.pad(img(), (1, 1)))
    yield (f"relu({a})", lambda: F.relu(img()))
    yield (f"gelu({a})", lambda: F.gelu(img()))
    yield (f"dropout eval({a})", lambda: F.dropout(img(), 0.5, training=False))


@group(*DTYPES)
def sort_where(T, a):
    x = lambda: vals(T, a)  # noqa: E731
    yield (f"sort({a})", lambda: T.sort(x()))
    yield (f"sort({a}, 0, descending)", lambda: T.sort(x(), 0, descending=True))
    yield (f"argsort({a})", lambda: T.argsort(x()))
    yield (f"topk({a}, 2)", lambda: T.topk(x(), 2))
    yield (f"topk({a}, 1, 0, largest=False)", lambda: T.topk(x(), 1, 0, largest=False))
    yield (f"kthvalue({a}, 2)", lambda: T.kthvalue(x(), 2))
    yield (f"unique({a})", lambda: T.unique(x()))
    yield (f"msort({a})", lambda: T.msort(x()))
    yield (f"flip({a})", lambda: T.flip(x(), [0]))
    yield (f"nonzero({a})", lambda: T.nonzero(x()))
    cond = lambda: T.tensor([[True, False, True], [False, False, True]])  # noqa: E731
    for b in DTYPES:
        yield (f"where(c, {a}, {b})", lambda b=b: T.where(cond(), x(), vals(T, b, "pos")))
    for s in [1, 2.5, True]:
        yield (f"where(c, {a}, {s!r})", lambda s=s: T.where(cond(), x(), s))
        yield (f"where(c, {s!r}, {a})", lambda s=s: T.where(cond(), s, x()))
    yield (f"where(c, 1, 2.5) [{a}]", lambda: T.where(cond(), 1, 2.5))
    yield (f"where({a} cond)", lambda: T.where(x(), x(), x()))
    yield (f"masked_fill({a}, 2.5)", lambda: x().masked_fill(cond(), 2.5))
    yield (f"masked_fill({a}, 3)", lambda: x().masked_fill(cond(), 3))
    yield (f"masked_fill({a}, True)", lambda: x().masked_fill(cond(), True))


@group(*DTYPES)
def cat_stack(T, a):
    for b in DTYPES:
        yield (f"cat({a}, {b})", lambda b=b: T.cat([vals(T, a), vals(T, b, "pos")]))
        yield (f"stack({a}, {b})", lambda b=b: T.stack([vals(T, a), vals(T, b, "pos")]))
        yield (f"cat({a}, {b}, dim 1)", lambda b=b: T.cat([vals(T, a), vals(T, b, "pos")], 1))
    yield (f"cat({a}, empty float)", lambda: T.cat([vals(T, a), T.tensor([])]))
    yield (f"hstack({a}, int64)", lambda: T.hstack([vals(T, a), vals(T, "int64")]))
    yield (f"vstack({a}, float16)", lambda: T.vstack([vals(T, a), vals(T, "float16")]))


@group(*DTYPES)
def indexing(T, a):
    x = lambda: vals(T, a)  # noqa: E731
    dt = getattr(T, a)
    yield (f"{a}[0]", lambda: x()[0])
    yield (f"{a}[0, 1]", lambda: x()[0, 1])
    yield (f"{a}[mask]", lambda: x()[x() > 1] if a != "bool" else x()[x()])
    yield (f"{a}[[1, 0]]", lambda: x()[[1, 0]])
    yield (f"{a}[:, int32 idx]", lambda: x()[:, T.tensor([2, 0], dtype=T.int32)])
    yield (f"{a}[uint8 mask]", lambda: x()[T.tensor([1, 0], dtype=T.uint8)])
    yield (f"{a}[0, 1].item()", lambda: x()[0, 1].item())
    for v in [2.5, 3, True, -1]:
        def setv(v=v):
            t = x()
            t[0, 1] = v
            return t
        yield (f"{a}[0, 1] = {v!r}", setv)

        def setm(v=v):
            t = x()
            t[t != t[0, 0]] = v
            return t
        yield (f"{a}[mask] = {v!r}", setm)
    for b in DTYPES:
        def put(b=b):
            t = x()
            return t.index_put_((T.tensor([0, 1]),), vals(T, b, "pos")[0])
        yield (f"{a}.index_put_(values {b})", put)

        def setidx(b=b):
            t = x()
            t[T.tensor([1])] = vals(T, b, "pos")[1]
            return t
        yield (f"{a}[idx] = {b}", setidx)
    yield (f"index_put accumulate {a}",
           lambda: x().index_put_((T.tensor([0, 0]),), x()[1] if a != "bool" else x()[1],
                                  accumulate=True))
    yield (f"index_select({a})", lambda: T.index_select(x(), 1, T.tensor([2, 0])))
    yield (f"gather({a})", lambda: T.gather(x(), 1, T.tensor([[2, 0], [1, 1]])))
    yield (f"scatter({a})", lambda: T.zeros(2, 3, dtype=dt).scatter(1, T.tensor([[2], [0]]),
                                                                      x()[:, :1]))
    yield (f"scatter_add({a})", lambda: T.zeros(2, 3, dtype=dt).scatter_add(
        1, T.tensor([[2], [0]]), x()[:, :1]))
    yield (f"scatter({a}, value 2.5)", lambda: x().scatter(1, T.tensor([[2], [0]]), 2.5))
    yield (f"index_add({a})", lambda: x().index_add(1, T.tensor([0, 0]), x()[:, :2]))
    yield (f"index_fill({a}, 2.5)", lambda: x().index_fill(1, T.tensor([0]), 2.5))
    yield (f"take({a})", lambda: T.take(x(), T.tensor([5, 0])))
    yield (f"masked_select({a})", lambda: T.masked_select(x(), T.ones(2, 3, dtype=T.bool)))
    yield (f"fill_({a}, 2.5)", lambda: x().fill_(2.5))
    yield (f"fill_({a}, -1)", lambda: x().fill_(-1))
    yield (f"full dtype {a} 2.5", lambda: T.full((2,), 2.5, dtype=dt))
    yield (f"zeros_like({a})", lambda: T.zeros_like(x()))
    yield (f"arange({a})", lambda: T.arange(5, dtype=dt))
    yield (f"linspace({a})", lambda: T.linspace(0, 4, 5, dtype=dt))


@group(*DTYPES)
def random(T, a):
    dt = getattr(T, a)

    def seeded(fn):
        def run():
            T.manual_seed(0)
            return fn()
        return run
    yield (f"random_() {a}", seeded(lambda: T.empty(6, dtype=dt).random_()))
    yield (f"random_(10) {a}", seeded(lambda: T.empty(6, dtype=dt).random_(10)))
    yield (f"random_(2, 8) {a}", seeded(lambda: T.empty(6, dtype=dt).random_(2, 8)))
    yield (f"random_(-3, 3) {a}", seeded(lambda: T.empty(6, dtype=dt).random_(-3, 3)))
    yield (f"random_() 20 {a}", seeded(lambda: T.empty(20, dtype=dt).random_()))
    yield (f"uniform_ {a}", seeded(lambda: T.empty(6, dtype=dt).uniform_()))
    yield (f"uniform_(-2, 3) {a}", seeded(lambda: T.empty(20, dtype=dt).uniform_(-2, 3)))
    yield (f"normal_ {a}", seeded(lambda: T.empty(6, dtype=dt).normal_()))
    yield (f"normal_ 20 {a}", seeded(lambda: T.empty(20, dtype=dt).normal_(1, 2)))
    yield (f"bernoulli_(0.5) {a}", seeded(lambda: T.empty(6, dtype=dt).bernoulli_(0.5)))
    yield (f"bernoulli_(p tensor) {a}",
           seeded(lambda: T.empty(6, dtype=dt).bernoulli_(T.full((6,), 0.3))))
    yield (f"bernoulli({a} p)", seeded(lambda: T.bernoulli(T.full((6,), 0.5, dtype=dt))))
    yield (f"exponential_ {a}", seeded(lambda: T.empty(6, dtype=dt).exponential_()))
    yield (f"geometric_ {a}", seeded(lambda: T.empty(6, dtype=dt).geometric_(0.3)))
    yield (f"log_normal_ {a}", seeded(lambda: T.empty(6, dtype=dt).log_normal_()))
    yield (f"cauchy_ {a}", seeded(lambda: T.empty(6, dtype=dt).cauchy_()))
    yield (f"randint dtype {a}", seeded(lambda: T.randint(0, 10, (6,), dtype=dt)))
    yield (f"randperm dtype {a}", seeded(lambda: T.randperm(6, dtype=dt)))
    yield (f"rand dtype {a}", seeded(lambda: T.rand(6, dtype=dt)))
    yield (f"randn dtype {a}", seeded(lambda: T.randn(6, dtype=dt)))
    yield (f"rand_like {a}", seeded(lambda: T.rand_like(T.zeros(6, dtype=dt))))
    yield (f"randint_like {a}", seeded(lambda: T.randint_like(T.zeros(6, dtype=dt), 5)))
    yield (f"multinomial {a}", seeded(lambda: T.multinomial(T.ones(4, dtype=dt), 2)))
    yield (f"dropout {a}", seeded(lambda: T.nn.functional.dropout(T.ones(6, dtype=dt), 0.5)))


EDGE_F = [float("nan"), float("inf"), float("-inf"), 1e10, -1e10, -1.0, 300.5, -0.5, 255.9,
          -128.7, 65504.0, 70000.0, 3.4e38, 1e-8, -0.0]
EDGE_I = [-1, 256, -129, 2 ** 31, -2 ** 31 - 1, 2 ** 40 + 3, 65535, 32768, 2 ** 63 - 1]


@group(*DTYPES)
def convert(T, a):
    dt = getattr(T, a)
    for src in ["float64", "float32", "float16", "bfloat16"]:
        sdt = getattr(T, src)
        for v in EDGE_F:
            yield (f"{src}({v!r}).to({a})", lambda v=v, sdt=sdt: T.tensor([v], dtype=T.float64)
                   .to(sdt).to(dt))
    for src in ["int64", "int32", "int16"]:
        sdt = getattr(T, src)
        for v in EDGE_I:
            yield (f"{src}({v!r}).to({a})",
                   lambda v=v, sdt=sdt: T.tensor([v]).to(sdt).to(dt))
    yield (f"bool.to({a})", lambda: T.tensor([True, False]).to(dt))
    yield (f"uint8 200.to({a})", lambda: T.tensor([200, 0], dtype=T.uint8).to(dt))
    yield (f"int8 -100.to({a})", lambda: T.tensor([-100, 0], dtype=T.int8).to(dt))
    for v in [2.5, -1, 300, float("nan"), True, 2 ** 40]:
        yield (f"tensor([{v!r}], dtype={a})", lambda v=v: T.tensor([v], dtype=dt))
        yield (f"full((1,), {v!r}, dtype={a})", lambda v=v: T.full((1,), v, dtype=dt))
    for m in ["float", "double", "half", "bfloat16", "int", "long", "short", "char", "byte",
              "bool"]:
        yield (f"{a}.{m}()", lambda m=m: getattr(vals(T, a), m)())
    yield (f"{a}.type(float16)", lambda: vals(T, a).type(T.float16))
    yield (f"{a}.type()", lambda: vals(T, a).type())
    yield (f"{a} tolist", lambda: vals(T, a).tolist())
    yield (f"int({a}[0,1])", lambda: int(vals(T, a)[0, 1]))
    yield (f"float({a}[0,1])", lambda: float(vals(T, a)[0, 1]))
    yield (f"bool({a}[0,0])", lambda: bool(vals(T, a)[0, 0]))
    yield (f"{a}.element_size()", lambda: vals(T, a).element_size())
    yield (f"{a}.is_floating_point()", lambda: vals(T, a).is_floating_point())
    yield (f"{a}.is_signed()", lambda: vals(T, a).is_signed())


@group(*DTYPES)
def printing(T, a):
    dt = getattr(T, a)
    yield (f"repr {a}", lambda: repr(vals(T, a)))
    yield (f"repr pos {a}", lambda: repr(vals(T, a, "pos")))
    yield (f"repr 0-dim {a}", lambda: repr(vals(T, a)[0, 1]))
    yield (f"repr empty {a}", lambda: repr(T.zeros(0, dtype=dt)))
    yield (f"repr empty 2d {a}", lambda: repr(T.zeros(2, 0, dtype=dt)))
    yield (f"str {a}", lambda: str(vals(T, a)))
    yield (f"repr big {a}", lambda: repr(T.tensor([1e4, 2.5, 65000.0], dtype=T.float64).to(dt)))
    yield (f"repr sci {a}", lambda: repr(T.tensor([1e-5, 1.0, 300.0], dtype=T.float64).to(dt)))
    yield (f"repr nan {a}", lambda: repr(T.tensor([float("nan"), float("inf"), 1.5]).to(dt)))
    yield (f"repr long {a}", lambda: repr(T.arange(1200).to(dt)))
    yield (f"repr requires_grad {a}",
           lambda: repr(T.ones(2, dtype=dt, requires_grad=True) * 2))
    yield (f"format {a}", lambda: f"{vals(T, a)[0, 1]:}")
    yield (f"repr dtype {a}", lambda: repr(dt))
    yield (f"str dtype {a}", lambda: str(dt))


@group(*FLOATS)
def rnn(T, a):
    dt = getattr(T, a)
    for kind in ["RNN", "LSTM", "GRU"]:
        for batch_first in (False, True):
            def run(kind=kind, batch_first=batch_first):
                T.manual_seed(0)
                m = getattr(T.nn, kind)(3, 4, num_layers=2, batch_first=batch_first).to(dt)
                x = T.randn(2, 5, 3).to(dt)
                out, h = m(x)
                return (out, h)
            yield (f"{kind} {a} batch_first={batch_first}", run)

        def cell(kind=kind):
            T.manual_seed(0)
            m = getattr(T.nn, kind + "Cell")(3, 4).to(dt)
            return m(T.randn(2, 3).to(dt))
        yield (f"{kind}Cell {a}", cell)

        def mixed(kind=kind):
            T.manual_seed(0)
            m = getattr(T.nn, kind)(3, 4)
            return m(T.randn(2, 5, 3).to(dt))
        yield (f"{kind} float32 weights, {a} input", mixed)

        def backward(kind=kind):
            T.manual_seed(0)
            m = getattr(T.nn, kind)(3, 4).to(dt)
            x = T.randn(2, 5, 3).to(dt).requires_grad_()
            out = m(x)[0]
            out.sum().backward()
            return (out, x.grad, m.weight_ih_l0.grad)
        yield (f"{kind} backward {a}", backward)


# ---------------------------------------------------------------------------- running

def encode(v):
    """Plain JSON-able data for a case's outcome value."""
    if hasattr(v, "dtype") and hasattr(v, "tolist") and hasattr(v, "shape"):
        vals_ = v.detach().tolist() if hasattr(v, "detach") else v.tolist()
        return {"t": repr(v.dtype), "shape": list(v.shape), "v": _plain(vals_),
                "grad_fn": type(v.grad_fn).__name__ if getattr(v, "grad_fn", None) else None}
    if isinstance(v, (tuple, list)):
        return {"seq": [encode(x) for x in v], "kind": type(v).__name__
                if type(v) in (tuple, list) else "named"}
    if isinstance(v, (bool, int, float, str)) or v is None:
        return {"py": type(v).__name__, "v": _plain(v)}
    return {"py": type(v).__name__, "v": repr(v)}


def _plain(x):
    if isinstance(x, list):
        return [_plain(y) for y in x]
    if isinstance(x, float):
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        if x == 0 and math.copysign(1, x) < 0:
            return "-0.0"
    return x


def run_group(lib, name, arg):
    """[(case id, outcome)] for one group under the library named ``lib``."""
    import importlib
    T = importlib.import_module(lib)
    warnings.simplefilter("ignore")
    out = []
    for cid, thunk in _FUNCS[name](T, arg):
        try:
            out.append((cid, {"ok": encode(thunk())}))
        except Exception as e:  # noqa: BLE001 - the type is compared
            out.append((cid, {"err": type(e).__name__, "msg": str(e).split("\n")[0]}))
    return out


def child(lib, specs, env=None):
    """Runs the groups ``specs`` ([(name, arg)]) under ``lib`` in one child process:
    (returncode, {"name:arg": results} or None, stderr)."""
    here = os.path.dirname(os.path.abspath(__file__))
    p = subprocess.run([sys.executable, os.path.join(here, "dtype_matrix_cases.py"), "--child",
                        lib] + [f"{n}:{a}" for n, a in specs],
                       capture_output=True, text=True, env=env, timeout=900)
    if p.returncode != 0:
        return p.returncode, None, p.stderr[-2000:]
    line = p.stdout.strip().split("\n")[-1]
    return 0, json.loads(line), p.stderr


TOL = {"torch.float16": 1e-3, "torch.bfloat16": 8e-3, "torch.float32": 2e-6,
       "torch.float64": 1e-12}


def _close(a, b, rtol):
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y, rtol) for x, y in zip(a, b))
    if isinstance(a, str) or isinstance(b, str):
        return a == b or (a in ("0.0", "-0.0") and b in (0.0, "-0.0", "0.0")) or (
            b in ("0.0", "-0.0") and a in (0.0, "-0.0", "0.0"))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= rtol * max(abs(a), abs(b), 1e-30) + 1e-30
    return a == b


def compare(mine, theirs):
    """None when the outcomes agree; else a short kind of mismatch: "crash", "raises" (one
    raised, the other did not), "type" (exception type), "msg", "dtype", "shape", "values",
    "ulp" (values within the dtype's tolerance), "form" (kind of result)."""
    if "err" in theirs or "err" in mine:
        if "err" not in theirs or "err" not in mine:
            return "raises"
        if mine["err"] != theirs["err"]:
            return "type"
        return None if mine["msg"] == theirs["msg"] else "msg"
    return _cmp_val(mine["ok"], theirs["ok"])


def _cmp_val(a, b):
    if "seq" in b or "seq" in a:
        if "seq" not in a or "seq" not in b or len(a["seq"]) != len(b["seq"]):
            return "form"
        for x, y in zip(a["seq"], b["seq"]):
            r = _cmp_val(x, y)
            if r:
                return r
        return None
    if "t" in b or "t" in a:
        if "t" not in a or "t" not in b:
            return "form"
        if a["t"] != b["t"]:
            return "dtype"
        if a["shape"] != b["shape"]:
            return "shape"
        if a["v"] == b["v"]:
            return None
        return "ulp" if _close(a["v"], b["v"], TOL.get(b["t"], 0)) else "values"
    if a["py"] != b["py"]:
        return "form"
    if a["v"] == b["v"]:
        return None
    if a["py"] == "float" and _close(a["v"], b["v"], 1e-6):
        return "ulp"
    return "values"


def audit(specs, env=None):
    """[(group, case id, kind, mine, theirs)] mismatches of the groups ``specs``; a crash of
    pytorchlite is one row of kind "crash" per group (each rerun alone to find which)."""
    rc_t, res_t, err_t = child("torch", specs, env)
    if res_t is None:
        raise RuntimeError(f"torch child failed on {specs}: {err_t}")
    rc_p, res_p, err_p = child("pytorchlite", specs, env)
    if res_p is None:
        if len(specs) == 1:
            return [(f"{specs[0][0]}[{specs[0][1]}]", "*", "crash", f"exit {rc_p}: {err_p}", None)]
        return [row for spec in specs for row in audit([spec], env)]
    rows = []
    for key, results in res_t.items():
        mine = dict((c, o) for c, o in res_p[key])
        for cid, theirs in results:
            m = mine.get(cid)
            kind = "missing" if m is None else compare(m, theirs)
            if kind:
                rows.append((key, cid, kind, m, theirs))
    return rows


def _short(o):
    s = json.dumps(o)
    return s if len(s) < 300 else s[:300] + "..."


def main(argv):
    if argv and argv[0] == "--child":
        lib = argv[1]
        res = {}
        for spec in argv[2:]:
            name, arg = spec.split(":")
            res[spec] = run_group(lib, name, arg)
        sys.stdout.write("\n" + json.dumps(res) + "\n")
        return 0
    only = argv[0] if argv else None
    total = {}
    names = sorted(set(n for n, _ in GROUPS), key=[n for n, _ in GROUPS].index)
    for gname in names:
        specs = [(n, a) for n, a in GROUPS if n == gname and (not only or only in (n, f"{n}[{a}]"))]
        if not specs:
            continue
        for key, cid, kind, m, t in audit(specs):
            total[kind] = total.get(kind, 0) + 1
            if kind != "ulp":
                print(f"[{kind}] {key}: {cid}\n    mine:  {_short(m)}\n    torch: {_short(t)}")
        sys.stdout.flush()
    print("mismatches by kind:", total)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
