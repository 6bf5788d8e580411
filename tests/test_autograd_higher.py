"""Higher-order gradients: create_graph=True through every differentiable op, gradgradcheck,
torch.autograd.functional's hessian/hvp/vhp/jvp, and the error for a backward that is not
differentiable yet. Values are checked against float64 finite differences (gradgradcheck) and,
when torch is importable, against torch on the same inputs."""
import gc

import numpy as np
import pytest

import pytorchlite as torch
import pytorchlite.nn.functional as F
from conftest import measures_rss, rss_bytes


def _ops(lib):
    """name -> f(x) on a (3, 4) float64 tensor with entries in (-2, 2), away from kinks."""
    nnf = lib.nn.functional
    w = lib.tensor(np.linspace(-1.0, 1.0, 20).reshape(4, 5))
    y = lib.tensor(np.linspace(0.5, 1.5, 12).reshape(3, 4))
    t = lib.tensor([1, 0, 3])
    return {
        "exp": lambda x: x.exp(), "log": lambda x: (x * x + 1).log(),
        "sqrt": lambda x: (x * x + 1).sqrt(), "rsqrt": lambda x: (x * x + 1).rsqrt(),
        "sin": lambda x: x.sin(), "cos": lambda x: x.cos(), "tanh": lambda x: x.tanh(),
        "sigmoid": lambda x: x.sigmoid(), "relu": lambda x: x.relu() * x,
        "abs": lambda x: x.abs() * x, "reciprocal": lambda x: (x * x + 1).reciprocal(),
        "log1p": lambda x: (x * x).log1p(), "expm1": lambda x: x.expm1(),
        "pow_scalar": lambda x: x ** 3, "pow_frac": lambda x: (x * x + 1) ** 2.5,
        "pow_tensor": lambda x: (x * x + 1) ** y, "rpow": lambda x: 2 ** x,
        "mul": lambda x: x * y * x, "div": lambda x: y / (x * x + 1), "sub": lambda x: 3 - x * x,
        "maximum": lambda x: lib.maximum(x * x, y), "where": lambda x: lib.where(x > 0, x * x, x ** 3),
        "clamp": lambda x: x.clamp(-1, 1) * x, "leaky_relu": lambda x: nnf.leaky_relu(x, 0.1) * x,
        "gelu": lambda x: nnf.gelu(x), "gelu_tanh": lambda x: nnf.gelu(x, approximate="tanh"),
        "erf": lambda x: lib.erf(x), "silu": lambda x: nnf.silu(x), "elu": lambda x: nnf.elu(x) * x,
        "softplus": lambda x: nnf.softplus(x),
        "softmax": lambda x: x.softmax(1), "log_softmax": lambda x: x.log_softmax(0),
        "matmul": lambda x: (x @ w) * (x @ w), "linear": lambda x: nnf.linear(x * x, w.t()),
        "mm_both": lambda x: x @ x.t(), "mv": lambda x: (x * x) @ y[0],
        "sum_dim": lambda x: (x * x).sum(1) * x.sum(0).sum(), "mean": lambda x: (x ** 3).mean(0),
        "var": lambda x: x.var(1), "std": lambda x: x.std(0), "max_dim": lambda x: (x * x).max(1)[0],
        "max_all": lambda x: (x ** 3).max(), "norm": lambda x: x.norm(dim=1),
        "norm_p3": lambda x: x.norm(p=3), "mse": lambda x: nnf.mse_loss(x * x, y),
        "cross_entropy": lambda x: nnf.cross_entropy(x * x, t),
        "nll_none": lambda x: nnf.nll_loss(x.log_softmax(1), t, reduction="none"),
        "views": lambda x: (x.t().reshape(2, 6)[:, 1:4] * x[1, :3].unsqueeze(0)).permute(1, 0),
        "select_slice": lambda x: x[1] * x[:, 2].sum() + x[0, 1:3].sum(),
        "expand": lambda x: x[:, :1].expand(3, 4) * x, "cat": lambda x: lib.cat([x * x, x.exp()], 1),
        "stack": lambda x: lib.stack([x.sin(), x * x]), "index_select": lambda x: (x * x)[lib.tensor([2, 0, 2])],
        "layer_norm": lambda x: nnf.layer_norm(x, (4,)) * x,
    }


OPS = sorted(_ops(torch))


def _inputs(lib):
    gen = np.random.default_rng(7)
    x = lib.tensor(gen.uniform(-2, 2, (3, 4)), requires_grad=True)
    v = lib.tensor(gen.uniform(-1, 1, (3, 4)))
    return x, v


def _second(lib, name):
    """Grad of sum(sin(grad(sum(f(x)) * 1.5)) * v) w.r.t. x, and the first gradient."""
    x, v = _inputs(lib)
    out = _ops(lib)[name](x)
    g, = lib.autograd.grad((out * 1.5).sum(), x, create_graph=True)
    h, = lib.autograd.grad((g.sin() * v).sum(), x)
    return g.detach().numpy(), h.numpy()


@pytest.mark.parametrize("name", OPS)
def test_second_derivative_matches_finite_differences(name):
    f = _ops(torch)[name]
    x, _ = _inputs(torch)
    assert torch.autograd.gradgradcheck(lambda a: f(a), (x,))


@pytest.mark.parametrize("name", OPS)
def test_second_derivative_matches_torch(name):
    real = pytest.importorskip("torch")
    g, h = _second(torch, name)
    rg, rh = _second(real, name)
    np.testing.assert_allclose(g, rg, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h, rh, rtol=1e-9, atol=1e-11)


def test_hand_derived_values():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="reference cycle"):
        (x ** 3).sum().backward(create_graph=True)
    assert x.grad.tolist() == [3.0, 12.0] and x.grad.grad_fn.name() == "torch::autograd::CopyBackwards"
    g = x.grad
    x.grad = None
    g.sum().backward()
    assert x.grad.tolist() == [6.0, 12.0]  # d/dx 3x^2 = 6x
    h = torch.autograd.functional.hessian(lambda a: (a ** 3).sum(), torch.tensor([1.0, -2.0]))
    assert h.tolist() == [[6.0, 0.0], [0.0, -12.0]]


def test_gradient_penalty_matches_torch():
    def run(lib):
        lib.manual_seed(0)
        net = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.Tanh(), lib.nn.Linear(8, 1))
        x = lib.randn(5, 4, requires_grad=True)
        out = net(x)
        g, = lib.autograd.grad(out.sum(), x, create_graph=True)
        penalty = ((g.norm(2, dim=1) - 1) ** 2).mean()
        penalty.backward()
        # the last bias does not reach the input's gradient: no .grad, as in PyTorch
        return [penalty.item()] + [None if p.grad is None else p.grad.numpy().copy()
                                   for p in net.parameters()]

    got = run(torch)
    assert got[0] > 0 and got[-1] is None and all(np.isfinite(a).all() for a in got[1:-1])
    real = pytest.importorskip("torch")
    for a, b in zip(got, run(real)):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def _functional(lib):
    fn = lib.autograd.functional
    x = lib.tensor([0.3, -1.2, 0.8], dtype=lib.float64)
    y = lib.tensor([1.1, 0.4, -0.6], dtype=lib.float64)
    u = lib.tensor([0.5, -0.25, 2.0], dtype=lib.float64)

    def f(a):
        return (a.exp() * a.sin()).sum()

    def g(a, b):
        return (a * a * b).sum() + (a * b.tanh()).sum()

    res = [fn.hessian(f, x), fn.hessian(g, (x, y)), fn.hvp(f, x, u), fn.vhp(g, (x, y), (u, u)),
           fn.jvp(lambda a: a.tanh() * 2 + a ** 3, x, u), fn.vjp(lambda a: a ** 3, x, u)]
    flat = []

    def walk(o):
        if isinstance(o, (tuple, list)):
            for i in o:
                walk(i)
        else:
            flat.append(o.numpy().copy())

    walk(res)
    return flat


def test_functional_hessian_hvp_vhp_jvp():
    got = _functional(torch)
    # vjp of a^3 with u: 3 a^2 u; jvp of tanh*2 + a^3: (2 (1 - tanh^2) + 3 a^2) u
    a = np.array([0.3, -1.2, 0.8])
    u = np.array([0.5, -0.25, 2.0])
    np.testing.assert_allclose(got[-1], 3 * a * a * u)
    np.testing.assert_allclose(got[-3], (2 * (1 - np.tanh(a) ** 2) + 3 * a * a) * u)
    real = pytest.importorskip("torch")
    for mine, theirs in zip(got, _functional(real)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-14)


def test_create_graph_through_custom_function():
    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x * x

    x = torch.tensor([2.0, -1.0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(Cube.apply, (x,))
    g, = torch.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    assert g.tolist() == [12.0, 3.0] and g.requires_grad


CONVS = {
    "conv2d": dict(shape=(2, 4, 5, 6), w=(6, 2, 3, 2), stride=(2, 1), padding=(1, 0),
                   dilation=(1, 2), groups=2),
    "conv2d_plain": dict(shape=(1, 2, 4, 4), w=(3, 2, 3, 3), stride=1, padding=1, dilation=1,
                         groups=1),
    "conv1d": dict(shape=(2, 3, 7), w=(2, 3, 3), stride=2, padding=1, dilation=1, groups=1),
}


def _conv_case(lib, name):
    c = CONVS[name]
    gen = np.random.default_rng(3)
    x = lib.tensor(gen.standard_normal(c["shape"]), requires_grad=True)
    w = lib.tensor(gen.standard_normal(c["w"]), requires_grad=True)
    b = lib.tensor(gen.standard_normal(c["w"][0]), requires_grad=True)
    f = lib.nn.functional.conv2d if len(c["shape"]) == 4 else lib.nn.functional.conv1d
    kw = {k: c[k] for k in ("stride", "padding", "dilation", "groups")}
    return (x, w, b), (lambda x, w, b: f(x, w, b, **kw).tanh())


@pytest.mark.parametrize("name", sorted(CONVS))
def test_conv_double_backward(name):
    inputs, f = _conv_case(torch, name)
    assert torch.autograd.gradgradcheck(f, inputs, atol=1e-5)

    def penalty(lib):
        (x, w, b), g = _conv_case(lib, name)
        gx, = lib.autograd.grad(g(x, w, b).sum(), x, create_graph=True)
        (gx * gx).sum().backward()
        return [t.grad.numpy().copy() for t in (x, w, b)]

    got = penalty(torch)
    real = pytest.importorskip("torch")
    for a, b in zip(got, penalty(real)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


POOLS = {
    "max_pool2d": lambda F, x: F.max_pool2d(x, 2, stride=1, padding=1),
    "max_pool1d": lambda F, x: F.max_pool1d(x.flatten(2), 3, stride=2),
    "avg_pool2d": lambda F, x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
    "adaptive_avg_pool2d": lambda F, x: F.adaptive_avg_pool2d(x, (2, 3)),
}


@pytest.mark.parametrize("name", sorted(POOLS))
def test_pool_double_backward(name):
    def run(lib):
        gen = np.random.default_rng(5)
        x = lib.tensor(gen.standard_normal((2, 3, 5, 6)), requires_grad=True)
        f = lambda a: POOLS[name](lib.nn.functional, a * a)  # noqa: E731
        g, = lib.autograd.grad((f(x) ** 3).sum(), x, create_graph=True)
        h, = lib.autograd.grad((g.sin()).sum(), x)
        return f, x, h.numpy()

    f, x, h = run(torch)
    assert torch.autograd.gradgradcheck(f, (x,))
    real = pytest.importorskip("torch")
    np.testing.assert_allclose(h, run(real)[2], rtol=1e-10, atol=1e-12)


def test_advanced_index_double_backward():
    def run(lib):
        x = lib.tensor(np.linspace(-1, 1, 12).reshape(4, 3), requires_grad=True)
        idx = lib.tensor([[0, 2], [3, 3]])
        g, = lib.autograd.grad((x[idx] ** 3).sum() + (x[:, lib.tensor([1, 1])] ** 2).sum(), x,
                               create_graph=True)
        h, = lib.autograd.grad(g.sin().sum(), x)
        return h.numpy()

    h = run(torch)
    x = torch.tensor(np.linspace(-1, 1, 12).reshape(4, 3), requires_grad=True)
    assert torch.autograd.gradgradcheck(lambda a: a[torch.tensor([[0, 2], [3, 3]])] ** 3, (x,))
    real = pytest.importorskip("torch")
    np.testing.assert_allclose(h, run(real), rtol=1e-12)


NUMPY_BACKED = {
    "gather": lambda x: x.gather(1, x.new_tensor([[0, 2, 2], [1, 0, 3], [3, 3, 1]]).long()) ** 2,
    "sort": lambda x: x.sort(1)[0] * x,
    "topk": lambda x: x.topk(2, dim=0)[0] ** 3,
    "cumsum": lambda x: x.cumsum(1) ** 2,
    "cumprod": lambda x: (x * x + 0.5).cumprod(0),
    "prod": lambda x: (x + 3).prod(1) + (x * 2).prod(),
}


@pytest.mark.parametrize("name", sorted(NUMPY_BACKED))
def test_double_backward_through_python_formulas(name):
    f = NUMPY_BACKED[name]
    x, v = _inputs(torch)
    assert torch.autograd.gradgradcheck(f, (x,))

    def second(lib):
        x, v = _inputs(lib)
        g, = lib.autograd.grad((NUMPY_BACKED[name](x) * 1.5).sum(), x, create_graph=True)
        return lib.autograd.grad((g.sin() * v).sum(), x)[0].numpy()

    h = second(torch)
    real = pytest.importorskip("torch")
    np.testing.assert_allclose(h, second(real), rtol=1e-9, atol=1e-11)


ZEROS = {
    "prod_all": lambda x: x.prod() * x,
    "prod_dim": lambda x: x.prod(1),
    "prod_keep": lambda x: x.prod(0, keepdim=True) * x,
    "cumprod": lambda x: x.cumprod(1),
    "cumprod0": lambda x: x.cumprod(0) ** 2,
}


@pytest.mark.parametrize("name", sorted(ZEROS))
def test_double_backward_of_prod_and_cumprod_over_zeros(name):
    def x_of(lib):
        return lib.tensor([[2.0, 0.0, 3.0, -1.5], [0.0, 0.0, 1.25, 2.0], [0.5, -2.0, 1.5, 0.75]],
                          dtype=lib.float64, requires_grad=True)

    f = ZEROS[name]
    assert torch.autograd.gradgradcheck(f, (x_of(torch),))

    def second(lib):
        x = x_of(lib)
        g, = lib.autograd.grad((f(x) * 1.5).sum(), x, create_graph=True)
        return g.detach().numpy(), lib.autograd.grad((g.sin()).sum(), x)[0].numpy()

    got = second(torch)
    real = pytest.importorskip("torch")
    for a, b in zip(got, second(real)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_without_create_graph_gradients_have_no_history():
    x = torch.randn(3, requires_grad=True)
    g, = torch.autograd.grad((x.exp() * x).sum(), x)
    assert not g.requires_grad and g.grad_fn is None
    y = x.tanh().sum()
    y.backward()
    assert x.grad.grad_fn is None


@measures_rss
def test_gradient_penalty_loop_does_not_grow():
    net = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
    opt = torch.optim.SGD(net.parameters(), lr=1e-3)

    def step():
        x = torch.randn(32, 16, requires_grad=True)
        g, = torch.autograd.grad(net(x).sum(), x, create_graph=True)
        loss = ((g.norm(2, dim=1) - 1) ** 2).mean() + net(x).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(50):
        step()
    gc.collect()
    before = rss_bytes()
    for _ in range(2000):
        step()
    gc.collect()
    assert rss_bytes() - before < 8 * 2 ** 20
