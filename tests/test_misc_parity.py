"""Small behaviours checked against torch (issue 10's audit): lerp's numerics and errors,
shifts of bool tensors, hardtanh/relu6 on integers, softshrink's signed zeros, non-constant
F.pad's supported ranks, torch.norm without NumPy's names, isin's argument kinds, quantile's
interpolation error, fork_rng's device check, cumsum_/cumprod_/resize_as_ and assert_close on
bfloat16. Each against torch when importable, and on its own terms without it."""
import numpy as np
import pytest

import pytorchlite as torch
import pytorchlite.nn.functional as F


def _outcome(fn):
    try:
        r = fn()
    except Exception as e:  # noqa: BLE001 - type and message are compared
        return type(e).__name__, str(e).split("\n")[0]
    return "ok", repr(r)


def _bf(m, v):
    return m.tensor(v, dtype=m.bfloat16)


CALLS = [
    lambda m: m.lerp(m.tensor([1, 2]), m.tensor([3, 4]), 0.5),
    lambda m: m.lerp(m.tensor([1, 2]), m.tensor([3, 4]), m.tensor([1, 2])),
    lambda m: m.lerp(m.tensor([1., 2]), m.tensor([3, 4]), 0.5),
    lambda m: m.lerp(m.tensor([1., 2]), m.tensor([3., 4]), m.tensor([1., 2], dtype=m.float64)),
    lambda m: m.lerp(m.tensor([True]), m.tensor([True]), 0.5),
    lambda m: m.tensor([1., 2]).lerp_(m.tensor([3, 4]), 0.5),
    lambda m: m.lerp(m.tensor([1., 2], dtype=m.float16), m.tensor([3., 4], dtype=m.float16), 0.7),
    lambda m: m.tensor([True, False]) << 1, lambda m: m.tensor([True, False]) >> 1,
    lambda m: m.tensor([True, False]) << m.tensor([True, True]),
    lambda m: m.tensor([True]).bitwise_right_shift(m.tensor([True])), lambda m: 1 << m.tensor([True, False]),
    lambda m: m.nn.functional.relu6(m.tensor([1, 7, -2])), lambda m: m.nn.functional.hardtanh(m.tensor([1, 7, -2]), -1.5, 1.5),
    lambda m: m.nn.functional.hardtanh(m.tensor([1, 7, 254], dtype=m.uint8), 0.5, 3.7),
    lambda m: m.nn.functional.hardtanh(m.tensor([True])), lambda m: m.nn.ReLU6()(m.tensor([1, 8])),
    lambda m: m.nn.functional.softshrink(m.tensor([-0.3, -0.0, 0.0, 0.2, -0.7])).signbit(),
    lambda m: m.nn.functional.pad(m.arange(4.), (1, 1), mode="reflect"),
    lambda m: m.nn.functional.pad(m.ones(3), (1, 1), mode="replicate"), lambda m: m.nn.functional.pad(m.ones(3), (1, 1), mode="circular"),
    lambda m: m.nn.functional.pad(m.ones(2, 4), (1, 1, 1, 1), mode="reflect"), lambda m: m.nn.functional.pad(m.ones(2, 4), (1, 1), mode="reflect"),
    lambda m: m.nn.functional.pad(m.ones(1, 1, 2, 2, 2), (1, 1), mode="replicate").shape,
    lambda m: m.nn.functional.pad(m.ones(1, 1, 2, 2, 2), (1, 1, 1, 1, 1, 1), mode="replicate").shape,
    lambda m: m.nn.functional.pad(m.ones(1, 1, 1, 2, 2, 2), (1, 1, 1, 1, 1, 1, 1, 1), mode="replicate").shape,
    lambda m: m.norm(m.ones(2, 2), keepdims=True), lambda m: m.norm(m.ones(2, 2), axis=0),
    lambda m: m.norm(m.ones(2, 2), dim=0),
    lambda m: m.isin(m.tensor([1, 2]), "a"), lambda m: m.isin("a", m.tensor([1])),
    lambda m: m.isin(m.tensor([1]), [1, 2]), lambda m: m.isin(1, 2), lambda m: m.isin(m.tensor([1]), 2.5),
    lambda m: m.isin(3, m.tensor([3])),
    lambda m: m.quantile(m.tensor([1., 2, 3]), 0.5, interpolation="foo"),
    lambda m: m.random.fork_rng(device_type="foo").__enter__(),
    lambda m: m.compile(lambda x: x, mode="foo"), lambda m: m.compile(lambda x: x, backend="foo"),
    lambda m: callable(m.compile(lambda x: x, mode="max-autotune")),
    lambda m: callable(m.compile(lambda x: x, backend="eager", mode="foo")),
    lambda m: m.compile(lambda x: x, mode="default", options={"a": 1}),
    lambda m: callable(m.compile(mode="reduce-overhead")),
    lambda m: m.ones(3).cumsum_(0), lambda m: m.ones(3).cumprod_(0), lambda m: m.arange(4).cumsum_(0),
    lambda m: m.arange(4, dtype=m.int32).cumsum_(dim=0), lambda m: m.ones(3).cumsum_(0, dtype=m.float64),
    lambda m: m.ones(3).cumsum_(0, dtype=m.float32), lambda m: m.ones(3).cumsum_(),
    lambda m: (m.arange(1., 5) * 0.7).cumprod_(0),
    lambda m: m.zeros(3).resize_as_(m.ones(2, 2)).shape,
    lambda m: m.zeros(3).resize_as_(m.ones(2, 2, dtype=m.int64)).dtype,
    lambda m: m.zeros(3, requires_grad=True).clone().resize_as_(m.ones(2, 2)),
    lambda m: m.testing.assert_close(_bf(m, [1., 2]), _bf(m, [1., 2.01])),
    lambda m: m.testing.assert_close(_bf(m, [1., 2]), _bf(m, [1., 2.1])),
    lambda m: m.testing.assert_close(_bf(m, [1., 2]), m.tensor([1., 2.])),
    lambda m: m.testing.assert_close(_bf(m, [1., 2]), m.tensor([1., 2.]), check_dtype=False),
    lambda m: m.testing.assert_close(_bf(m, [1., 2]), m.tensor([1., 2.], dtype=m.float16), check_dtype=False),
    lambda m: m.testing.assert_close(_bf(m, [1., float("nan")]), _bf(m, [1., float("nan")]), equal_nan=True),
]


def _full(fn):
    try:
        r = fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return "ok", repr(r)


@pytest.mark.parametrize("k", range(len(CALLS)))
def test_call_as_torch(k):
    real = pytest.importorskip("torch")
    got, want = _outcome(lambda: CALLS[k](torch)), _outcome(lambda: CALLS[k](real))
    assert got[0] != "NameError" and got[0] != "AttributeError", got
    assert got == want


def test_assert_close_bfloat16_report_as_torch():
    real = pytest.importorskip("torch")
    fn = lambda m: m.testing.assert_close(_bf(m, [[1., 3], [2, 5]]), _bf(m, [[1., 3], [2.1, 4]]))  # noqa: E731
    got, want = _full(lambda: fn(torch)), _full(lambda: fn(real))
    assert got[0] == "AssertionError" and got == want


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("n", [5, 16, 37, 1000])
def test_lerp_bitwise_as_torch(dtype, n):
    real = pytest.importorskip("torch")
    rng = np.random.default_rng(n)
    a, b, w = rng.standard_normal(n), rng.standard_normal(n) * 3, rng.uniform(-1, 2, n)
    for weight in (0.3, 0.5, 0.7, -0.4, 1.5, None):
        outs = []
        for m in (torch, real):
            ta, tb, tw = (m.tensor(v, dtype=getattr(m, dtype)) for v in (a, b, w))
            outs.append(m.lerp(ta, tb, tw if weight is None else weight).float().numpy())
        assert outs[0].tobytes() == outs[1].tobytes(), (dtype, n, weight)


def test_lerp_gradients_as_torch():
    real = pytest.importorskip("torch")
    grads = []
    for m in (torch, real):
        a = m.tensor([0.5, -1.0, 2.0], requires_grad=True)
        b = m.tensor([1.5, 3.0, -2.0], requires_grad=True)
        w = m.tensor([0.2, 0.8, 1.4], requires_grad=True)
        (m.lerp(a, b, w) * m.tensor([1., 2, 3])).sum().backward()
        (m.lerp(a, b, 0.7) * 2).sum().backward()
        grads.append([t.grad.tolist() for t in (a, b, w)])
    assert grads[0] == grads[1]


def test_misc_on_their_own_terms():
    a, b = torch.tensor([0.0, 10.0]), torch.tensor([10.0, 0.0])
    assert torch.lerp(a, b, 0.25).tolist() == [2.5, 7.5]
    assert torch.lerp(a, b, 0.75).tolist() == [7.5, 2.5]
    with pytest.raises(NotImplementedError, match="lerp_kernel_scalar"):
        torch.lerp(torch.tensor([1]), torch.tensor([2]), 0.5)
    with pytest.raises(NotImplementedError, match="lshift_cpu"):
        torch.tensor([True]) << torch.tensor([True])
    assert F.relu6(torch.tensor([9, -1])).dtype == torch.int64
    assert F.softshrink(torch.tensor([-0.2])).signbit().item()
    with pytest.raises(NotImplementedError):
        F.pad(torch.ones(4), (1, 1), mode="reflect")
    with pytest.raises(TypeError):
        torch.norm(torch.ones(2), keepdims=True)
    with pytest.raises(TypeError):
        torch.isin(torch.tensor([1]), "a")
    with pytest.raises(RuntimeError):
        torch.quantile(torch.ones(2), 0.5, interpolation="x")
    x = torch.ones(3)
    assert x.cumsum_(0) is x and x.tolist() == [1.0, 2.0, 3.0]
    torch.testing.assert_close(_bf(torch, [1.0]), _bf(torch, [1.005]))
    with pytest.raises(AssertionError):
        torch.testing.assert_close(_bf(torch, [1.0]), _bf(torch, [1.1]))


@pytest.mark.parametrize("capability", ["", "default", "avx2", "avx512"])
def test_cpu_capability_as_torch(capability):
    pytest.importorskip("torch")
    import os
    import subprocess
    import sys

    env = dict(os.environ, ATEN_CPU_CAPABILITY=capability)
    code = "import {0}; print({0}.backends.cpu.get_cpu_capability())"
    got, want = (subprocess.run([sys.executable, "-c", code.format(m)], env=env, text=True,
                                capture_output=True, timeout=120).stdout.strip()
                 for m in ("pytorchlite", "torch"))
    assert got in ("DEFAULT", "AVX2", "AVX512") and got == want


@pytest.mark.parametrize("n", [1, 5, 16, 17, 20, 33, 100, 32768, 40000, 70001])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softshrink_signed_zeros_where_aten_puts_them(n, dtype):
    # the vector blocks give +0 between the bounds, the scalar tail of each chunk x * 0
    real = pytest.importorskip("torch")
    x = np.random.default_rng(n).uniform(-0.6, 0.6, n)
    x[::7] = -0.0
    got = F.softshrink(torch.tensor(x, dtype=getattr(torch, dtype)), 0.3).numpy()
    want = real.nn.functional.softshrink(real.tensor(x, dtype=getattr(real, dtype)), 0.3).numpy()
    assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize("name", ["hardswish", "hardsigmoid"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_hard_activations_bitwise_with_torch(name, dtype):
    # hardswish: x * min(max(x + 3, 0), 6) / 6 (-0 below -3); hardsigmoid's backward
    # multiplies by float(1/6) for double too
    real = pytest.importorskip("torch")
    x = np.random.default_rng(7).standard_normal(5003) * 4
    x[:4] = [-3.0, 3.0, -0.0, -7.5]
    g = np.cos(x)
    outs = []
    for m in (torch, real):
        t = m.tensor(x, dtype=getattr(m, dtype), requires_grad=True)
        y = getattr(m.nn.functional, name)(t)
        y.backward(m.tensor(g, dtype=getattr(m, dtype)))
        outs.append((y.detach().numpy().tobytes(), t.grad.numpy().tobytes()))
    assert outs[0] == outs[1]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_normal_stream_as_torch(dtype):
    # whole 16-blocks from the stream, then 16 fresh uniforms for the last 16 places
    real = pytest.importorskip("torch")
    for n in (5, 16, 17, 20, 37, 1001, 40001):
        for mean, std in ((0.0, 1.0), (2.0, 0.5)):
            outs = []
            for m in (torch, real):
                m.manual_seed(3)
                t = m.empty(n, dtype=getattr(m, dtype)).normal_(mean, std)
                outs.append((t.float().numpy().tobytes(), m.rand(3).tolist()))
            assert outs[0] == outs[1], (n, mean, std)
