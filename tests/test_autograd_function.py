"""torch.autograd.Function (ctx API, errors, ordering in the engine), Variable, inference_mode,
anomaly detection and gradcheck. Hand-derived values, and torch's when it is importable."""
import re
import warnings

import pytest

import pytorchlite as torch
from pytorchlite.autograd.gradcheck import GradcheckError


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return type(e).__name__, str(e)
    return None


def _functions(lib):
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            return x ** 3 * k

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x * x * g * ctx.k, None

    class Two(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y, x * y

        @staticmethod
        def backward(ctx, ga, gb):
            return ga + gb * 2, ga + gb * 3

    class Wrong(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    class BadShape(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return lib.ones(3), None

    class NotNone(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g, 3

    class Dirty(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class SaveOut(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

    return Cube, Two, Wrong, BadShape, NotNone, Dirty, SaveOut


def _scenario(lib):
    Cube, Two, Wrong, BadShape, NotNone, Dirty, SaveOut = _functions(lib)
    out = []
    x = lib.tensor([1., 2.], requires_grad=True)
    y = Cube.apply(x, 2.0)
    out.append((y.tolist(), type(y.grad_fn).__name__, y.grad_fn.name(),
                repr(y.grad_fn).split(" object at ")[0], str(y).split("grad_fn=")[1],
                type(y.grad_fn.next_functions[0][0]).__name__, y.grad_fn.needs_input_grad))
    (y * 2).sum().backward()
    out.append(x.grad.tolist())
    out.append(_err(lambda: y.sum().backward()))
    p, q = Two.apply(x, lib.ones(2))
    out.append((p.grad_fn is q.grad_fn, p.output_nr, q.output_nr))
    x.grad = None
    q.sum().backward()  # ga materialized as zeros: grad = 0 + 1 * 2
    out.append(x.grad.tolist())
    out.append(_err(lambda: Wrong.apply(x, x).sum().backward()))
    out.append(_err(lambda: BadShape.apply(x, 2.0).sum().backward()))
    out.append(_err(lambda: NotNone.apply(x, 2.0).sum().backward()))
    out.append(_err(lambda: Dirty.apply(x)))
    base = x * 1
    d = Dirty.apply(base)
    out.append((d is base, type(d.grad_fn).__name__))
    x.grad = None
    d.sum().backward()
    out.append(x.grad.tolist())
    s = SaveOut.apply(x)
    with lib.no_grad():
        s.add_(1)
    out.append(_err(lambda: s.sum().backward()))
    c = Cube.apply(x, 1.0)
    with lib.no_grad():
        x.mul_(1)
    out.append(_err(lambda: c.sum().backward()))
    with lib.no_grad():
        r = Cube.apply(x, 1.0)
    out.append((r.requires_grad, r.grad_fn))
    return out


def test_function_values_and_errors():
    got = _scenario(torch)
    assert got[0] == ([2., 16.], "CubeBackward", "CubeBackward",
                      "<torch.autograd.function.CubeBackward", "<CubeBackward>)",
                      "AccumulateGrad", (True, False))
    assert got[1] == [12., 48.]  # d(2 * 2x^3)/dx = 12x^2
    assert got[2][1].startswith("Trying to backward through the graph a second time")
    assert got[3] == (True, 0, 1)
    assert got[4] == [2., 2.]
    assert got[5] == ("RuntimeError", "function WrongBackward returned an incorrect number of "
                                      "gradients (expected 2, got 1)")
    assert got[6] == ("RuntimeError", "Function BadShapeBackward returned an invalid gradient at "
                                      "index 0 - got [3] but expected shape compatible with [2]")
    assert got[7] == ("RuntimeError", "function NotNoneBackward returned a gradient different "
                                      "than None at position 2, but the corresponding forward "
                                      "input was not a Variable")
    assert got[8] == ("RuntimeError", "a leaf Variable that requires grad has been used in an "
                                      "in-place operation.")
    assert got[9] == (True, "DirtyBackward")
    assert got[10] == [2., 2.]
    assert "which is output 0 of SaveOut, is at version 1; expected version 0" in got[11][1]
    assert re.search(r"modified by an inplace operation: \[torch.FloatTensor \[2\]\] is at "
                     r"version (\d+); expected version \d+ instead", got[12][1])
    assert got[13] == (False, None)


def test_function_matches_torch():
    real = pytest.importorskip("torch")
    assert _scenario(torch) == _scenario(real)


def test_bad_shape_message():
    class BadShape(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return torch.ones(2)

    x = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Function BadShapeBackward returned an invalid "
                       r"gradient at index 0 - got \[2\] but expected shape compatible with \[3\]"):
        BadShape.apply(x).sum().backward()


def test_setup_context_once_differentiable_non_differentiable_and_materialize():
    class Scale(torch.autograd.Function):
        @staticmethod
        def forward(x, k):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[1]

        @staticmethod
        @torch.autograd.function.once_differentiable
        def backward(ctx, g):
            assert not torch.is_grad_enabled()
            return g * ctx.k, None

    class SortVals(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            v, i = x.sort()
            ctx.mark_non_differentiable(i)
            ctx.save_for_backward(i)
            return v, i, "tag"

        @staticmethod
        def backward(ctx, gv, gi, gtag):
            ctx.seen = (gi, gtag)
            (i,) = ctx.saved_tensors
            out = torch.zeros(gv.shape)
            for k, j in enumerate(i.tolist()):
                out[j] = gv[k]
            return out

    x = torch.tensor([3., 1., 2.], requires_grad=True)
    Scale.apply(x, 5.0).sum().backward()
    assert x.grad.tolist() == [5., 5., 5.]
    v, i, tag = SortVals.apply(x)
    assert (v.requires_grad, i.requires_grad, tag) == (True, False, "tag")
    ctx = v.grad_fn
    x.grad = None
    (v * torch.tensor([1., 10., 100.])).sum().backward()
    assert ctx.seen == (None, None)
    assert x.grad.tolist() == [100., 1., 10.]


def test_custom_function_runs_in_order_with_other_nodes():
    order = []

    class Tag(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, name):
            ctx.name = name
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            order.append(ctx.name)
            return g, None

    x = torch.ones(2, requires_grad=True)
    a = Tag.apply(x, "a")
    b = Tag.apply(a * 2, "b")
    c = Tag.apply(a.exp(), "c")
    (b + c).sum().backward()
    assert order == ["c", "b", "a"]  # newest first, a only once both paths reached it
    assert x.grad.tolist() == pytest.approx([2 + 2.718281828] * 2, rel=1e-6)


def test_function_apply_with_grad_and_hooks_in_grad():
    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = torch.tensor([3.], requires_grad=True)
    (g,) = torch.autograd.grad(Square.apply(x).sum(), x)
    assert g.tolist() == [6.] and x.grad is None


def test_function_ctx_cycles_are_freed():
    import gc
    import weakref

    class KeepOut(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = torch.ones(2, requires_grad=True)
    y = KeepOut.apply(x)
    y.grad_fn.out = y  # ctx -> y -> node -> ctx
    ref = weakref.ref(y)
    del y
    gc.collect()
    assert ref() is None


# ---- Variable, inference_mode, anomaly mode, gradcheck ----

def test_variable():
    v = torch.autograd.Variable(torch.ones(2), requires_grad=True)
    assert type(v) is torch.Tensor and v.requires_grad and v.is_leaf
    assert isinstance(torch.ones(1), torch.autograd.Variable)
    assert torch.autograd.Variable(torch.ones(2)).requires_grad is False
    with pytest.raises(TypeError):
        torch.autograd.Variable([1.0])


def test_inference_mode():
    w = torch.ones(2, requires_grad=True)
    with torch.inference_mode():
        t = torch.ones(2) * 3
        assert torch.is_inference_mode_enabled() and not torch.is_grad_enabled()
    assert t.is_inference() and not torch.ones(1).is_inference()
    assert not torch.is_inference_mode_enabled() and torch.is_grad_enabled()
    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward. "
                       "Please do not use Tensors created in inference mode"):
        t * w
    (t + w).sum().backward()  # add saves nothing: allowed, as in PyTorch
    assert w.grad.tolist() == [1., 1.]

    for ask in (lambda: t.requires_grad_(), lambda: setattr(t, "requires_grad", True)):
        with pytest.raises(RuntimeError, match="Setting requires_grad=True on inference tensor "
                           "outside InferenceMode is not allowed."):
            ask()
    for write in (lambda: t.add_(1), lambda: t.__setitem__(0, 1.0), lambda: t.zero_(),
                  lambda: t[1:].mul_(2)):
        with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside "
                           "InferenceMode is not allowed."):
            write()
    assert t.tolist() == [3., 3.] and t.clone().add_(1).tolist() == [4., 4.]
    with torch.inference_mode():
        t.add_(1)  # allowed inside
        assert t.requires_grad_().requires_grad

    @torch.inference_mode()
    def made_inside():
        return torch.ones(1)

    assert made_inside().is_inference()
    with torch.inference_mode(False):
        assert not torch.ones(1).is_inference()


def _inference_views(lib):
    n = lib.ones(3)
    with lib.inference_mode():
        t = lib.ones(3)
        v = n[1:]
        c = n.clone()
    return (t.is_inference(), v.is_inference(), c.is_inference(), t[1:].is_inference(),
            t.view(3, 1).is_inference(), t.detach().is_inference(), t.data.is_inference(),
            t.clone().is_inference())


def test_inference_tensors_and_their_views():
    got = _inference_views(torch)
    # made inside: inference; a view of a normal tensor made inside: not; views of an
    # inference tensor (detach, .data) made outside: inference; a clone made outside: not
    assert got == (True, False, True, True, True, True, True, False)
    real = pytest.importorskip("torch")
    assert _inference_views(real) == got


def test_inference_tensor_saved_by_custom_function():
    class Save(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(y)
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g, None

    with torch.inference_mode():
        t = torch.ones(2)
    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved"):
        Save.apply(torch.ones(2, requires_grad=True), t)


def test_detect_anomaly():
    s = torch.tensor([0.0], requires_grad=True)
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        mode = torch.autograd.detect_anomaly()
    with mode:
        assert torch.is_anomaly_enabled()
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with pytest.raises(RuntimeError, match="Function 'SqrtBackward0' returned nan values "
                               "in its 0th output."):
                (s.sqrt() * 0).sum().backward()  # the forward line the warning quotes
        msg = [str(x.message) for x in w if "Error detected" in str(x.message)]
        assert msg and msg[0].startswith("Error detected in SqrtBackward0. Traceback of forward "
                                         "call that caused the error:\n")
        assert "(s.sqrt() * 0).sum().backward()  # the forward line" in msg[0]
        assert "test_autograd_function.py" in msg[0]
    assert not torch.is_anomaly_enabled()
    (s.sqrt() * 0).sum().backward()  # off again: NaN gradients pass silently
    with torch.autograd.set_detect_anomaly(True, check_nan=False):
        (s.sqrt() * 0).sum().backward()


def test_gradcheck():
    torch.manual_seed(0)
    a = torch.randn(3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: (a * b).sin(), (a, b))

    class Wrong(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    assert torch.autograd.gradcheck(Wrong.apply, (a,), raise_exception=False) is False
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to "
                       "input 0") as info:
        torch.autograd.gradcheck(Wrong.apply, (a,))
    assert isinstance(info.value, RuntimeError)
    with pytest.raises(ValueError, match="gradcheck expects at least one input tensor to require "
                       "gradient"):
        torch.autograd.gradcheck(lambda x: x, (a.detach(),))
    assert torch.autograd.gradgradcheck(lambda x: x * x, (a.detach().double().requires_grad_(),))


def test_gradcheck_matches_torch_verdicts():
    real = pytest.importorskip("torch")
    for lib in (torch, real):
        lib.manual_seed(0)
        a = lib.randn(2, 2, dtype=lib.float64, requires_grad=True)
        assert lib.autograd.gradcheck(lambda x: (x @ x).exp().sum(1), (a,))
        assert not lib.autograd.gradcheck(lambda x: x.detach() * x, (a,), raise_exception=False)


def test_function_with_more_inputs_than_one_node_holds():
    class Weighted(torch.autograd.Function):
        @staticmethod
        def forward(ctx, *xs):
            return sum(x * (i + 1) for i, x in enumerate(xs))

        @staticmethod
        def backward(ctx, g):
            return tuple(g * (i + 1) for i in range(len(ctx.needs_input_grad)))

    xs = [torch.ones(2, requires_grad=True) for _ in range(9)]
    xs[4] = torch.ones(2)  # one input without grad in the middle
    Weighted.apply(*xs).sum().backward()
    assert [None if x.grad is None else x.grad.tolist() for x in xs] == \
        [[float(i + 1)] * 2 if i != 4 else None for i in range(9)]
    g8, g0 = torch.autograd.grad(Weighted.apply(*xs).sum(), [xs[8], xs[0]])
    assert (g8.tolist(), g0.tolist()) == ([9., 9.], [1., 1.])


def test_saved_tensors_are_freed_by_backward():
    import weakref

    refs = []

    class Keep(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            t = x * 2
            refs.append(weakref.ref(t))
            ctx.save_for_backward(t)
            return x * 3

        @staticmethod
        def backward(ctx, g):
            (t,) = ctx.saved_tensors
            return g * t

    x = torch.ones(2, requires_grad=True)
    y = Keep.apply(x)
    y.sum().backward(retain_graph=True)
    assert refs[0]() is not None  # retained for a second backward
    y.sum().backward()
    assert refs[0]() is None and y.grad_fn is not None  # freed while the graph lives on
    assert x.grad.tolist() == [4., 4.]
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.sum().backward()


def _retain_two_outputs(lib):
    class Two(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            return ga * 2 + gb * 3

    x = lib.ones(2, requires_grad=True)
    p, q = Two.apply(x)
    q.retain_grad()
    p.retain_grad()
    (p * 5 + q * 7).sum().backward()
    return p.grad.tolist(), q.grad.tolist(), x.grad.tolist(), q.retains_grad


def test_retain_grad_on_each_output_of_a_function():
    got = _retain_two_outputs(torch)
    assert got == ([5., 5.], [7., 7.], [31., 31.], True)  # 5 * 2 + 7 * 3
    real = pytest.importorskip("torch")
    assert _retain_two_outputs(real) == got


def test_setup_context_sees_defaults_by_position():
    seen = []

    class Scale(torch.autograd.Function):
        @staticmethod
        def forward(x, k=2.0):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            seen.append(inputs[1:])
            ctx.k = inputs[1]

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    x = torch.ones(1, requires_grad=True)
    Scale.apply(x).sum().backward()
    Scale.apply(x, k=3.0).sum().backward()
    assert seen == [(2.0,), (3.0,)] and x.grad.tolist() == [5.]


def test_private_switches_refuse_stray_arguments():
    from pytorchlite import _C

    t = torch.ones(2)
    for fn, args in ((_C._set_inference_mode, ("x",)), (_C._set_inference_mode, (t,)),
                     (_C._set_detect_anomaly, (t, t)), (_C._set_detect_anomaly, (1, 1)),
                     (_C._set_trace_factory, (t,)), (_C._set_trace_factory, (object(),))):
        with pytest.raises(TypeError):
            fn(*args)
    assert not torch.is_inference_mode_enabled() and not torch.is_anomaly_enabled()
    s = torch.tensor([0.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.autograd.detect_anomaly(check_nan=1):
            with pytest.raises(RuntimeError, match="returned nan values"):
                (s.sqrt() * 0).sum().backward()
