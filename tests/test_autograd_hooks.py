"""Tensor hooks, Node hooks, Module backward hooks, torch.autograd.grad / backward(inputs=),
and the GC of hooks that capture their own tensors. Hand-derived values, and torch's when it is
importable (values, grad_fn names, exception types and messages)."""
import gc
import warnings
import weakref

import pytest

import pytorchlite as torch
import pytorchlite.nn as nn
from conftest import measures_rss, rss_bytes


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return type(e).__name__, str(e)
    return None


# ---- Tensor.register_hook ----

def _hook_scenario(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    log = []
    h1 = x.register_hook(lambda g: log.append(("h1", g.tolist())) or g * 2)
    x.register_hook(lambda g: log.append(("h2", g.tolist())))
    x.register_post_accumulate_grad_hook(lambda t: log.append(("post", t.grad.tolist())))
    (x * x).sum().backward()
    first = (list(log), x.grad.tolist())
    h1.remove()
    log.clear()
    x.grad = None
    (x * x).sum().backward()
    return first, (list(log), x.grad.tolist())


def test_leaf_hooks_order_replacement_and_removal():
    first, second = _hook_scenario(torch)
    # d(x*x)/dx = 2x; h1 doubles it before h2 sees it, post sees the accumulated value
    assert first == ([("h1", [2., 4., 6.]), ("h2", [4., 8., 12.]), ("post", [4., 8., 12.])],
                     [4., 8., 12.])
    assert second == ([("h2", [2., 4., 6.]), ("post", [2., 4., 6.])], [2., 4., 6.])


def test_leaf_hooks_match_torch():
    real = pytest.importorskip("torch")
    assert _hook_scenario(torch) == _hook_scenario(real)


def _nonleaf_scenario(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    y = x * 3
    y.retain_grad()
    y.register_hook(lambda g: g + 1)
    (y * y).sum().backward()
    return y.grad.tolist(), x.grad.tolist()


def test_nonleaf_hook_runs_before_retain_grad():
    yg, xg = _nonleaf_scenario(torch)
    # dL/dy = 2y = [6, 12, 18], +1 by the hook; retained .grad is the value after the hook
    assert yg == [7., 13., 19.]
    assert xg == [21., 39., 57.]
    real = pytest.importorskip("torch")
    assert _nonleaf_scenario(real) == (yg, xg)


def test_hook_on_dead_nonleaf_still_runs():
    x = torch.ones(2, requires_grad=True)
    seen = []

    def build():
        h = x * 2
        h.register_hook(lambda g: seen.append(g.tolist()))
        return (h * 5).sum()

    build().backward()
    assert seen == [[5., 5.]]


def test_hook_errors_match_torch():
    def cases(lib):
        x = lib.tensor([1., 2.], requires_grad=True)
        out = [_err(lambda: x.detach().register_hook(lambda g: g)),
               _err(lambda: (x * 2).register_post_accumulate_grad_hook(lambda t: t)),
               _err(lambda: x.detach().register_post_accumulate_grad_hook(lambda t: t))]
        for bad in (lambda g: lib.ones(3), lambda g: g.double(), lambda g: 3):
            z = lib.tensor([1., 2.], requires_grad=True)
            z.register_hook(bad)
            out.append(_err(lambda: (z * 2).sum().backward()))
        return out

    got = cases(torch)
    assert got[0] == ("RuntimeError", "cannot register a hook on a tensor that doesn't require "
                                      "gradient")
    assert got[1] == ("RuntimeError", "post accumulate grad hooks cannot be registered on "
                                      "non-leaf tensors")
    assert got[3] == ("RuntimeError", "hook '<lambda>' has changed the size of value")
    assert got[5][0] == "TypeError"
    real = pytest.importorskip("torch")
    assert got == cases(real)


def test_exception_in_hook_propagates_unchanged():
    class Boom(Exception):
        pass

    x = torch.ones(2, requires_grad=True)
    err = Boom("from the hook")
    x.register_hook(lambda g: (_ for _ in ()).throw(err))
    with pytest.raises(Boom) as info:
        (x * 2).sum().backward()
    assert info.value is err
    assert x.grad is None  # the hook ran before accumulation and stopped it
    y = torch.ones(2, requires_grad=True)
    (y * 2).sum().backward()  # the engine is usable afterwards
    assert y.grad.tolist() == [2., 2.]


def _node_hook_scenario(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    y = x * x
    seen = []
    y.grad_fn.register_prehook(lambda go: (go[0] * 10,))
    y.grad_fn.register_hook(lambda gi, go: seen.append(([g.tolist() for g in gi], go[0].tolist())))
    y.sum().backward()
    return seen, x.grad.tolist()


def test_node_hooks():
    seen, xg = _node_hook_scenario(torch)
    # MulBackward0 has one edge per operand: each gets 10 * x; x.grad is their sum
    assert seen == [([[10., 20.], [10., 20.]], [10., 10.])]
    assert xg == [20., 40.]
    real = pytest.importorskip("torch")
    assert _node_hook_scenario(real) == (seen, xg)


# ---- torch.autograd.grad / backward(inputs=) ----

def test_grad_returns_only_requested_and_touches_no_grad():
    a = torch.tensor([1., 2.], requires_grad=True)
    b = torch.tensor([3., 4.], requires_grad=True)
    out = (a * b).sum()
    (ga,) = torch.autograd.grad(out, [a], retain_graph=True)
    assert ga.tolist() == [3., 4.] and a.grad is None and b.grad is None
    out.backward(inputs=[b])
    assert a.grad is None and b.grad.tolist() == [1., 2.]
    m = a * 2
    gm, ga = torch.autograd.grad(m.exp().sum(), [m, a])
    assert gm.tolist() == pytest.approx([2.718281828 ** 2, 2.718281828 ** 4], rel=1e-6)
    assert ga.tolist() == pytest.approx([2 * v for v in gm.tolist()], rel=1e-6)


def test_grad_skips_hooks_off_the_path():
    a = torch.ones(2, requires_grad=True)
    b = torch.ones(2, requires_grad=True)
    ran = []
    b.register_hook(lambda g: ran.append("b"))
    torch.autograd.grad((a * b).sum(), [a])
    assert ran == []


def test_grad_errors_and_options_match_torch():
    def cases(lib):
        a = lib.tensor([1., 2.], requires_grad=True)
        c = lib.ones(2, requires_grad=True)
        out = [_err(lambda: lib.autograd.grad((a * 2).sum(), [a, c])),
               lib.autograd.grad((a * 2).sum(), [a, c], allow_unused=True)[1],
               lib.autograd.grad((a * 2).sum(), [a, c], materialize_grads=True)[1].tolist(),
               _err(lambda: lib.autograd.grad((a * 2).sum(), [a, c], materialize_grads=True,
                                              allow_unused=False)),
               _err(lambda: lib.autograd.grad(a * 2, [a])),
               _err(lambda: lib.autograd.grad((a * 2).sum(), [a.detach()])),
               _err(lambda: lib.autograd.grad(a.detach().sum(), [a])),
               lib.autograd.grad(a * 2, [a], lib.ones(2))[0].tolist(),
               lib.autograd.grad([(a * 2).sum(), (a * a).sum()], [a])[0].tolist(),
               _err(lambda: (a * 2).sum().backward(inputs=[])),
               _err(lambda: lib.autograd.backward([(a * 2).sum(), a * 3], [None]))]
        y = a * 3
        (y * y).sum().backward(inputs=[y])
        out.append((y.grad.tolist(), a.grad))
        return out

    got = cases(torch)
    assert got[0] == ("RuntimeError", "The differentiated Tensor at index 1 appears to not have "
                      "been used in the graph. Set allow_unused=True if this is the desired "
                      "behavior.")
    assert got[4] == ("RuntimeError", "grad can be implicitly created only for scalar outputs")
    assert got[5] == ("RuntimeError", "One of the differentiated Tensors does not require grad")
    assert got[8] == [2. + 2., 2. + 4.]
    assert got[11] == ([6., 12.], None)  # 2y with y = 3a
    real = pytest.importorskip("torch")
    assert got == cases(real)


def test_create_graph_gives_gradients_with_history():
    a = torch.ones(2, requires_grad=True)
    g, = torch.autograd.grad((a * a * 3).sum(), [a], create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    with pytest.warns(UserWarning, match="reference cycle"):
        (a * a).sum().backward(create_graph=True)
    assert a.grad.grad_fn.name() == "torch::autograd::CopyBackwards"


def test_backward_from_a_hook_into_the_running_graph_is_an_error():
    x = torch.ones(2, requires_grad=True)
    y = x * 2
    z = y * 3
    y.register_hook(lambda g: z.sum().backward(retain_graph=True))
    with pytest.raises(RuntimeError):
        z.sum().backward(retain_graph=True)


# ---- Module hooks ----

def _module_scenario(lib):
    lib.manual_seed(0)
    lin = lib.nn.Linear(3, 2)
    log = []
    lin.register_full_backward_pre_hook(lambda m, go: log.append(("pre", [g.tolist() for g in go])))
    lin.register_full_backward_hook(
        lambda m, gi, go: log.append(("full", [None if g is None else g.shape == (1, 3) for g in gi],
                                      [g.tolist() for g in go])))
    x = lib.ones(1, 3, requires_grad=True)
    y = lin(x)
    (y * lib.tensor([[1., 2.]])).sum().backward()
    return type(y.grad_fn).__name__, log, x.grad.tolist(), lin.weight.grad.tolist()


def test_full_backward_hooks():
    name, log, xg, wg = _module_scenario(torch)
    assert name == "BackwardHookFunctionBackward"
    assert log == [("pre", [[[1., 2.]]]), ("full", [True], [[[1., 2.]]])]
    assert wg == [[1., 1., 1.], [2., 2., 2.]]
    real = pytest.importorskip("torch")
    other = _module_scenario(real)
    assert (name, log) == other[:2]
    assert xg[0] == pytest.approx(other[2][0], rel=1e-6) and wg == other[3]


def test_full_backward_hook_replaces_grad_input_and_handle_removes():
    torch.manual_seed(1)
    seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    h = seq.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0,))
    x = torch.ones(2, 3, requires_grad=True)
    seq(x).sum().backward()
    assert x.grad.tolist() == [[0.] * 3] * 2
    h.remove()
    x.grad = None
    seq(x).sum().backward()
    assert x.grad.abs().sum().item() > 0


def test_legacy_backward_hook_and_warning():
    def run(lib):
        lib.manual_seed(0)
        m = lib.nn.Linear(3, 1)
        got = []
        m.register_backward_hook(lambda mod, gi, go: got.append([tuple(g.shape) for g in gi]))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m(lib.ones(2, 3, requires_grad=True)).sum().backward()
        err = _err(lambda: m.register_full_backward_hook(lambda *a: None))
        return got, [(x.category.__name__, str(x.message)) for x in w], err

    got, warned, err = run(torch)
    assert got == [[(1,), (2, 3), (3, 1)]]  # AddmmBackward0's inputs: bias, input, weight.T
    assert warned and warned[0][0] == "FutureWarning"
    assert "the forward contains multiple autograd Nodes" in warned[0][1]
    assert err == ("RuntimeError", "Cannot use both regular backward hooks and full backward "
                                   "hooks on a single Module. Please use only one of them.")
    real = pytest.importorskip("torch")
    assert run(real) == (got, warned, err)


def test_clip_grad_norm_with_hooks():
    torch.manual_seed(0)
    p = nn.Linear(3, 3)
    p.register_full_backward_hook(lambda m, gi, go: None)
    p(torch.ones(4, 3, requires_grad=True)).pow(2).sum().backward()
    total = (p.weight.grad.pow(2).sum() + p.bias.grad.pow(2).sum()).sqrt().item()
    norm = nn.utils.clip_grad_norm_(p.parameters(), 1.0)
    assert float(norm) == pytest.approx(total, rel=1e-5)
    after = (p.weight.grad.pow(2).sum() + p.bias.grad.pow(2).sum()).sqrt().item()
    assert after == pytest.approx(1.0, rel=1e-4)


# ---- GC of hooks that capture their tensors ----

def _make_cycles():
    x = torch.ones(3, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g * y.sum())  # y -> grad_fn -> hooks -> lambda -> y
    x.register_hook(lambda g: g + x)        # x -> hooks -> lambda -> x
    return weakref.ref(x), weakref.ref(y)


def test_hook_cycles_are_collected():
    rx, ry = _make_cycles()
    assert rx() is not None and ry() is not None  # only the cycles keep them
    gc.collect()
    assert ry() is None
    gc.collect()  # x's cycle is free once y's graph (which holds x) is gone
    assert rx() is None


@measures_rss
def test_hook_cycles_do_not_leak_over_training_steps():
    """Each step makes a leaf and a non-leaf of 16 KiB whose hooks hold them; leaking one of
    them per step would grow the process by about 50 MiB over the run. The leaf's cycle is
    only collectable once the graph holding the leaf is gone (the non-leaf's cycle owns it),
    so, as with PyTorch, it takes a second collection: the loop runs a full one now and then,
    as the interpreter's older generations eventually do."""
    w = torch.zeros(64, 64, requires_grad=True)

    def step():
        x = torch.zeros(64, 64, requires_grad=True)
        x.register_hook(lambda g: g + x * 0)
        h = (x * w).tanh()
        h.register_hook(lambda g: g * (h.sum() * 0 + 1))
        handle = w.register_hook(lambda g: g)
        h.sum().backward()
        handle.remove()
        w.grad = None

    for _ in range(50):
        step()
    gc.collect()
    gc.freeze()  # the test session's own objects stay out of the collections below
    try:
        before = rss_bytes()
        for i in range(3000):
            step()
            if i % 100 == 99:
                gc.collect()
        gc.collect()
        grown = rss_bytes() - before
    finally:
        gc.unfreeze()
    assert grown < 8 * 2 ** 20


def _pre_hook_then_backward_hook(lib):
    lib.manual_seed(0)
    m = lib.nn.Linear(2, 1)
    seen = []
    m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
    m.register_full_backward_hook(lambda mod, gi, go: seen.append([g.tolist() for g in gi]))
    x = lib.ones(1, 2, requires_grad=True)
    m(x).sum().backward()
    return seen, x.grad.tolist(), m.weight.grad.tolist()


def test_forward_pre_hook_runs_before_backward_hooks_wrap_inputs():
    seen, xg, wg = _pre_hook_then_backward_hook(torch)
    assert wg == [[2., 2.]]  # the layer saw 2 * x
    # grad_input is w.r.t. the replaced input 2x: half of x's gradient
    assert seen[0][0][0] == pytest.approx([v / 2 for v in xg[0]], rel=1e-6)
    real = pytest.importorskip("torch")
    other = _pre_hook_then_backward_hook(real)
    assert seen[0][0][0] == pytest.approx(other[0][0][0][0], rel=1e-6) and wg == other[2]


def test_prehook_that_drops_the_gradient_skips_the_node():
    def run(lib):
        x = lib.ones(2, requires_grad=True)
        y = x.exp()
        y.grad_fn.register_prehook(lambda go: (None,))
        (y * 2).sum().backward()
        return x.grad

    assert run(torch) is None  # ExpBackward0 must not run on a missing gradient
    real = pytest.importorskip("torch")
    assert run(real) is None


def test_user_code_failures_and_gc_inside_backward_leave_the_engine_usable():
    class Boom(Exception):
        pass

    def boom(*args):
        raise Boom()

    def fresh():
        x = torch.ones(2, requires_grad=True)
        return x, (x * 2).exp()

    x, y = fresh()
    x.register_post_accumulate_grad_hook(boom)
    with pytest.raises(Boom):
        y.sum().backward()
    x, y = fresh()
    y.grad_fn.register_hook(boom)
    with pytest.raises(Boom):
        y.sum().backward()

    class Fails(torch.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 1

        @staticmethod
        def backward(ctx, g):
            raise Boom()

    x, y = fresh()
    with pytest.raises(Boom):
        Fails.apply(y).sum().backward()
    # a full collection from inside a hook, with cycles of hooks around
    for _ in range(3):
        _make_cycles()
    x, y = fresh()
    y.register_hook(lambda g: gc.collect() and None)
    y.sum().backward()
    assert x.grad.tolist() == pytest.approx([2 * 7.389056] * 2, rel=1e-6)


def _retain_then_prehook(lib):
    x = lib.ones(2, requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.grad_fn.register_prehook(lambda go: (go[0] * 10,))
    y.register_hook(lambda g: g + 1)
    y.sum().backward()
    return y.grad.tolist(), x.grad.tolist()


def test_retain_grad_sees_tensor_hooks_but_not_node_prehooks():
    got = _retain_then_prehook(torch)
    assert got == ([2., 2.], [40., 40.])  # (1 + 1) retained; (1 + 1) * 10 * 2 reaches x
    real = pytest.importorskip("torch")
    assert _retain_then_prehook(real) == got
