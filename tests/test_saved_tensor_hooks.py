"""Saved tensors: torch.autograd.graph.saved_tensors_hooks / save_on_cpu /
disable_saved_tensors_hooks, grad_fn._saved_* and _raw_saved_* (SavedTensor.register_hooks),
the errors after the graph is freed, register_multi_grad_hook, the lifetime of a custom
Function's grad_fn, and the grad_fn names of split/unbind/chunk/fill_diagonal_. Each scenario
runs on pytorchlite and on torch (when importable) and the outcomes are compared."""
import gc
import weakref

import pytest

import pytorchlite as torch
import pytorchlite.nn.functional as F


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the type and message are what is compared
        return type(e).__name__, str(e)
    return None


def _real():
    return pytest.importorskip("torch")


def _shapes(log):
    return [(kind, tuple(t.shape) if hasattr(t, "shape") else t, *rest) for kind, t, *rest in log]


# ---- saved_tensors_hooks ----

def _pack_unpack_scenario(lib):
    x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
    w = lib.tensor([1.5, 0.25, -0.5], requires_grad=True)
    log = []

    def pack(t):
        log.append(("pack", t, t.requires_grad, t.grad_fn is not None, repr(t)))
        return t

    def unpack(t):
        log.append(("unpack", t))
        return t

    with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = (x * w).tanh().sum()
    packed = len(log)
    y.backward()
    return packed, _shapes(log), x.grad.tolist(), w.grad.tolist()


def test_hooks_see_every_saved_tensor_and_backward_unpacks_them():
    packed, log, gx, gw = _pack_unpack_scenario(torch)
    # mul saves both inputs, tanh its result (which already has its grad_fn); each unpacked once
    assert packed == 3
    assert [e[0] for e in log] == ["pack"] * 3 + ["unpack"] * 3
    assert [e[3] for e in log[:3]] == [False, False, True]
    assert gx == pytest.approx([(1 - __import__("math").tanh(a * b) ** 2) * b
                                for a, b in zip([0.5, -1.0, 2.0], [1.5, 0.25, -0.5])])


def test_hooks_match_torch():
    real = _real()
    assert _pack_unpack_scenario(torch) == _pack_unpack_scenario(real)


def _replacing_scenario(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = lib.tensor([4.0, 5.0, 6.0], requires_grad=True)
    with lib.autograd.graph.saved_tensors_hooks(lambda t: 42, lambda v: lib.ones(3) * v):
        y = x * w
    seen = repr(y.grad_fn._saved_self)
    y.sum().backward()
    return seen, x.grad.tolist(), w.grad.tolist()


def test_unpack_hook_decides_what_backward_uses():
    seen, gx, gw = _replacing_scenario(torch)
    assert gx == [42.0] * 3 and gw == [42.0] * 3  # both saved inputs came back as 42s
    assert "42." in seen


def test_unpack_hook_replacement_matches_torch():
    assert _replacing_scenario(torch) == _replacing_scenario(_real())


def _hook_errors(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    graph = lib.autograd.graph
    out = []
    with graph.saved_tensors_hooks(lambda t: None, lambda v: "not a tensor"):
        y = x * x
    out.append(_err(lambda: y.sum().backward()))

    def bad_pack(t):
        raise ValueError("pack failed")

    with graph.saved_tensors_hooks(bad_pack, lambda v: v):
        out.append(_err(lambda: x * x))
    with graph.disable_saved_tensors_hooks("hooks are off here"):
        out.append(_err(lambda: graph.saved_tensors_hooks(lambda t: t, lambda t: t).__enter__()))
        out.append(_err(lambda: graph.save_on_cpu().__enter__()))
        with graph.disable_saved_tensors_hooks("inner"):
            pass
        out.append(_err(lambda: graph.saved_tensors_hooks(lambda t: t, lambda t: t).__enter__()))
    with graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        try:
            with graph.disable_saved_tensors_hooks("not while hooks are on"):
                out.append("entered")
        except RuntimeError as e:
            out.append(("RuntimeError", str(e)))
    return out


def test_hook_errors_match_torch():
    mine = _hook_errors(torch)
    assert mine[0][0] == "TypeError" and "unpack_hook" in mine[0][1]
    assert mine[1] == ("ValueError", "pack failed")
    assert mine[2:5] == [("RuntimeError", "hooks are off here")] * 3
    assert mine[5] == ("RuntimeError", "not while hooks are on")
    assert mine == _hook_errors(_real())


def _no_version_check_under_hooks(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    w = lib.tensor([3.0, 4.0], requires_grad=True)
    a = x * 1
    b = a * w
    with lib.no_grad():
        a.add_(1)
    plain = _err(lambda: b.sum().backward())
    with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        a = x * 1
        b = a * w
    with lib.no_grad():
        a.add_(1)
    hooked = _err(lambda: b.sum().backward())
    return plain[0] if plain else None, hooked, w.grad.tolist()


def test_packed_tensors_skip_the_version_check_as_torch():
    mine = _no_version_check_under_hooks(torch)
    assert mine[0] == "RuntimeError" and mine[1] is None
    assert mine == _no_version_check_under_hooks(_real())


def _save_on_cpu_scenario(lib, pin):
    x = lib.tensor([0.5, 1.5, -2.0], requires_grad=True)
    with lib.autograd.graph.save_on_cpu(pin_memory=pin):
        y = (x * x).exp().sum()
    y.backward()
    return x.grad.tolist()


@pytest.mark.parametrize("pin", [False, True])
def test_save_on_cpu_matches_torch(pin):
    assert _save_on_cpu_scenario(torch, pin) == _save_on_cpu_scenario(_real(), pin)


def _function_scenario(lib):
    log = []

    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            out = a * a
            ctx.save_for_backward(a, out)
            return out

        @staticmethod
        def backward(ctx, g):
            a, out = ctx.saved_tensors
            return g * 2 * a

    def pack(t):
        log.append(("pack", t.grad_fn is not None))
        return t.detach()

    def unpack(t):
        log.append(("unpack",))
        return t

    x = lib.tensor([1.0, -3.0], requires_grad=True)
    with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = Square.apply(x)
    y.sum().backward()
    return log, x.grad.tolist()


def test_save_for_backward_goes_through_the_hooks():
    log, grad = _function_scenario(torch)
    assert log == [("pack", False), ("pack", True), ("unpack",), ("unpack",)]
    assert grad == [2.0, -6.0]
    assert _function_scenario(torch) == _function_scenario(_real())


# ---- grad_fn._saved_* ----

def _saved_attrs(lib):
    x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
    w = lib.tensor([1.5, 0.25, -0.5], requires_grad=True)
    m = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    out = {}
    y = x * w
    out["mul"] = (y.grad_fn._saved_self is x, y.grad_fn._saved_other is w)
    for name, t, fields in [
        ("exp", x.exp(), ["result"]), ("tanh", x.tanh(), ["result"]),
        ("sigmoid", x.sigmoid(), ["result"]), ("sin", x.sin(), ["self"]),
        ("pow", x ** 3, ["self", "exponent"]), ("powt", x ** w, ["self", "exponent"]),
        ("mm", m.mm(m), ["self", "mat2"]), ("div", x / w, ["self", "other"]),
        ("add", x + w, ["alpha"]), ("mv", m.mv(m[0]), ["self", "vec"]),
    ]:
        vals = []
        for f in fields:
            v = getattr(t.grad_fn, "_saved_" + f)
            vals.append(repr(v) if isinstance(v, lib.Tensor) else v)
        out[name] = (type(t.grad_fn).__name__, vals)
    sizes = {}
    for name, t, fields in [("sum", m.sum(), ["self_sym_sizes"]),
                            ("sumdim", m.sum(1), ["self_sym_sizes"]),
                            ("mean", m.mean(), ["self_sym_sizes", "self_sym_numel"]),
                            ("view", m.view(4), ["self_sym_sizes"]),
                            ("expand", x.expand(2, 3), ["self_sym_sizes"]),
                            ("mm", m.mm(m[:, :1]), ["self_sym_sizes", "mat2_sym_sizes"])]:
        sizes[name] = (type(t.grad_fn).__name__,
                       [getattr(t.grad_fn, "_saved_" + f) for f in fields])
    out["sizes"] = sizes
    z = (x * 2).exp()
    out["result_history"] = type(z.grad_fn._saved_result.grad_fn).__name__
    out["missing"] = _err(lambda: x.exp().grad_fn._saved_self)
    return out


def test_saved_attributes_match_torch():
    mine = _saved_attrs(torch)
    assert mine["mul"] == (True, True)
    assert mine["exp"][1][0].endswith("grad_fn=<ExpBackward0>)")
    assert mine["missing"][0] == "AttributeError"
    assert mine == _saved_attrs(_real())


def test_saved_field_names_exist_in_torch():
    """Every field the table names is one torch's node has (the table is checked, not trusted)."""
    real = _real()
    from pytorchlite.autograd import _saved

    x = real.randn(3, requires_grad=True)
    m = real.randn(2, 2, requires_grad=True)
    made = {"ExpBackward0": x.exp(), "TanhBackward0": x.tanh(), "SigmoidBackward0": x.sigmoid(),
            "SqrtBackward0": x.abs().sqrt(), "ReluBackward0": x.relu(), "SinBackward0": x.sin(),
            "CosBackward0": x.cos(), "LogBackward0": x.abs().log(), "MulBackward0": x * x,
            "DivBackward0": x / x, "PowBackward0": x ** 2, "PowBackward1": x ** x,
            "MmBackward0": m.mm(m), "MvBackward0": m.mv(m[0]), "DotBackward0": x.dot(x),
            "AddmmBackward0": real.addmm(m, m, m), "BmmBackward0": m[None].bmm(m[None]),
            "AddBackward0": x + x, "SubBackward0": x - x}
    for name, t in made.items():
        assert type(t.grad_fn).__name__ == name
        fields = dict(_saved._SAVED.get(name, {}), **_saved._SCALARS.get(name, {}))
        for f in fields:
            assert hasattr(t.grad_fn, "_saved_" + f), (name, f)


def _freed(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    raw = y.grad_fn._raw_saved_self
    y.sum().backward()
    return (_err(lambda: y.grad_fn._saved_self),
            _err(lambda: raw.register_hooks(lambda t: t, lambda t: t)),
            _err(lambda: y.sum().backward()))


def test_saved_access_after_backward_raises_as_torch():
    mine = _freed(torch)
    assert all(e[0] == "RuntimeError" for e in mine)
    assert mine[0][1].startswith("Trying to backward through the graph a second time")
    assert mine == _freed(_real())


def _raw_hooks(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = lib.tensor([0.5, 0.5, 0.5], requires_grad=True)
    log = []
    y = x * w
    raw = y.grad_fn._raw_saved_self
    first_line = _err(lambda: raw.register_hooks(lambda t: t))[1].splitlines()[0]
    raw.register_hooks(lambda t: log.append("pack") or t, lambda t: log.append("unpack") or t * 10)
    again = _err(lambda: raw.register_hooks(lambda t: t, lambda t: t))
    seen = y.grad_fn._saved_self.tolist()
    y.sum().backward()
    return type(raw).__name__, first_line, again, seen, log, w.grad.tolist()


def test_raw_saved_register_hooks_matches_torch():
    mine = _raw_hooks(torch)
    assert mine[0] == "SavedTensor"
    assert mine[3] == [10.0, 20.0, 30.0] and mine[5] == [10.0, 20.0, 30.0]
    assert mine == _raw_hooks(_real())


# ---- register_multi_grad_hook ----

def _multi_grad(lib, mode):
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    b = lib.tensor([3.0, 4.0], requires_grad=True)
    c = a * b
    d = a * b
    calls = []
    if mode == "all":
        fn = lambda grads: calls.append([None if g is None else g.tolist() for g in grads])  # noqa: E731
    else:
        fn = lambda grad: calls.append(grad.tolist())  # noqa: E731
    handle = lib.autograd.graph.register_multi_grad_hook((a, b, c, d), fn, mode=mode)
    c.sum().backward(retain_graph=True)
    c.sum().backward(inputs=(a,), retain_graph=True)
    # "all" asks whether leaves run, which torch refuses inside autograd.grad
    calls.append(_err(lambda: lib.autograd.grad((c * d).sum(), (a,), retain_graph=True)))
    handle.remove()
    c.sum().backward(retain_graph=True)
    return calls, type(handle).__name__


@pytest.mark.parametrize("mode", ["all", "any"])
def test_multi_grad_hook_matches_torch(mode):
    calls, handle = _multi_grad(torch, mode)
    # once per backward call (the grad call's outcome appended after), none after remove()
    assert len(calls) == (3 if mode == "all" else 4)
    if mode == "all":
        assert calls[0] == [[3.0, 4.0], [1.0, 2.0], [1.0, 1.0], None]
        assert calls[1] == [[3.0, 4.0], None, [1.0, 1.0], None]
        assert calls[2][0] == "RuntimeError"
    assert (calls, handle) == _multi_grad(_real(), mode)


def test_multi_grad_hook_rejects_a_bad_mode():
    x = torch.ones(1, requires_grad=True)
    mine = _err(lambda: torch.autograd.graph.register_multi_grad_hook((x,), print, mode="some"))
    real = _real()
    y = real.ones(1, requires_grad=True)
    assert mine == _err(lambda: real.autograd.graph.register_multi_grad_hook((y,), print,
                                                                             mode="some"))


# ---- composite nodes: lifetime and names ----

def test_temporary_composite_grad_fn_is_alive():
    name = F.hardshrink(torch.randn(3, requires_grad=True)).grad_fn.name()
    real = _real()
    assert name == real.nn.functional.hardshrink(real.randn(3, requires_grad=True)).grad_fn.name()


def test_custom_function_grad_fn_keeps_its_state_and_dies_with_the_graph():
    class Double(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.note = "kept"
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = torch.ones(2, requires_grad=True)
    fn = Double.apply(x).grad_fn  # the output is gone, the grad_fn object keeps the node
    assert fn.name() == "DoubleBackward" and fn.note == "kept"
    assert fn.next_functions[0][0] is not None
    y = Double.apply(x)
    ref = weakref.ref(y.grad_fn)
    assert ref() is None or ref().note == "kept"  # the ctx object may go; its state stays
    assert y.grad_fn.note == "kept"
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    ref = weakref.ref(y.grad_fn)
    del y, fn
    gc.collect()
    assert ref() is None


def test_custom_function_state_is_freed_by_reference_counting():
    class Marker:
        pass

    class Keep(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.marker = Marker()
            return a * 1

        @staticmethod
        def backward(ctx, g):
            return g

    x = torch.ones(2, requires_grad=True)
    gc.disable()
    try:
        y = Keep.apply(x)
        ref = weakref.ref(y.grad_fn.marker)
        assert ref() is not None  # the node keeps its ctx's state after the ctx object died
        del y
        assert ref() is None  # no cycle: the graph's last owner frees it
    finally:
        gc.enable()


def _piece_names(lib):
    a = lib.arange(6.0, requires_grad=True)
    b = lib.zeros(3, 3, requires_grad=True).clone()
    b.fill_diagonal_(1.0)
    out = {}
    for name, pieces in [("split", a.split(2)), ("split_list", a.split([2, 4])),
                         ("torch_split", lib.split(a, 3)), ("unbind", a.unbind()),
                         ("torch_unbind", lib.unbind(a)), ("chunk", a.chunk(4)),
                         ("torch_chunk", lib.chunk(a, 2)),
                         ("split_with_sizes", a.split_with_sizes([1, 5]))]:
        out[name] = [type(p.grad_fn).__name__ for p in pieces]
    out["fill_diagonal_"] = (b.grad_fn.name(), type(b.grad_fn.next_functions[0][0]).__name__)
    return out


def test_piece_names_match_torch():
    assert _piece_names(torch) == _piece_names(_real())


def _fill_diagonal(lib):
    out = []
    for shape, wrap in [((3, 3), False), ((7, 3), True), ((7, 3), False), ((2, 5), True),
                        ((3, 3, 3), False)]:
        t = lib.zeros(shape)
        t.fill_diagonal_(5, wrap=wrap)
        out.append(t.nonzero().tolist())
        nc = lib.zeros(shape[::-1]).transpose(0, 1) if len(shape) == 2 else \
            lib.zeros(shape).permute(2, 0, 1)
        nc.fill_diagonal_(5, wrap=wrap)
        out.append(nc.nonzero().tolist())
    q = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    r = q * 1
    r.fill_diagonal_(0.0)
    (r * r).sum().backward()
    out.append(q.grad.tolist())
    return out


def test_fill_diagonal_values_and_gradient_match_torch():
    assert _fill_diagonal(torch) == _fill_diagonal(_real())


def _double_backward_under_hooks(lib):
    x = lib.tensor([0.3, -0.8, 1.1], requires_grad=True)
    calls = []
    with lib.autograd.graph.saved_tensors_hooks(lambda t: calls.append(1) or t, lambda t: t):
        y = (x.tanh() * x.exp() + x.sigmoid() ** 2).sum()
    g, = lib.autograd.grad(y, x, create_graph=True)  # the saved outputs keep their history
    gg, = lib.autograd.grad(g.sum(), x)
    return len(calls), g.tolist(), gg.tolist()


def test_double_backward_through_packed_outputs_matches_torch():
    n, g, gg = _double_backward_under_hooks(torch)
    n_t, g_t, gg_t = _double_backward_under_hooks(_real())
    assert n == n_t
    assert g == pytest.approx(g_t, rel=1e-6) and gg == pytest.approx(gg_t, rel=1e-5)


def _linear_model_under_hooks(lib):
    lib.manual_seed(0)
    nn = lib.nn
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    x = lib.randn(3, 4)
    unpacked = []
    with lib.autograd.graph.saved_tensors_hooks(lambda t: t.detach().clone(),
                                                lambda t: unpacked.append(tuple(t.shape)) or t):
        loss = model(x).pow(2).mean()
    loss.backward()
    return [p.grad.reshape(-1).tolist() for p in model.parameters()], sorted(set(unpacked))


def test_linear_layers_backward_through_packed_tensors_as_torch():
    """addmm's backward reads its saved operands directly: they are unpacked before it runs."""
    grads, shapes = _linear_model_under_hooks(torch)
    grads_t, shapes_t = _linear_model_under_hooks(_real())
    for g, gt in zip(grads, grads_t):
        assert g == pytest.approx(gt, rel=1e-5, abs=1e-7)
    # pytorchlite's addmm also keeps the weight of the first layer (PyTorch skips it: x does
    # not require grad), so it unpacks a superset of PyTorch's shapes
    assert set(shapes_t) <= set(shapes)


def test_identity_pack_of_an_output_is_collected():
    """exp saves its output; an identity pack hook makes output -> node -> packed -> output a
    cycle, which the GC must see through the node."""
    class Marker:
        pass

    x = torch.ones(3, requires_grad=True)
    marker_refs = []
    with torch.autograd.graph.saved_tensors_hooks(
            lambda t: marker_refs.append(weakref.ref(m := Marker())) or (t, m),
            lambda p: p[0]):
        z = x.exp()
    gc.disable()
    try:
        del z
        assert marker_refs[0]() is not None  # a cycle: reference counting alone keeps it
    finally:
        gc.enable()
    gc.collect()
    assert marker_refs[0]() is None


def test_hooks_are_per_thread():
    import threading

    seen = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: seen.append("main") or t, lambda t: t):
        def other():
            x = torch.ones(2, requires_grad=True)
            (x * x).sum()  # no hooks installed in this thread

        th = threading.Thread(target=other)
        th.start()
        th.join()
        assert seen == []
        x = torch.ones(2, requires_grad=True)
        x.exp()
    assert seen == ["main"]


def _pack_order(lib):
    x = lib.tensor([[0.5, -1.0, 1.5], [2.0, 0.25, -0.75]], requires_grad=True)
    w = lib.tensor([[1.0, 2.0], [-0.5, 0.5], [0.25, -1.5]], requires_grad=True)
    v = lib.tensor([0.3, -0.2, 0.9], requires_grad=True)
    out = {}
    for name, f in [("mm", lambda: x.mm(w)), ("mv", lambda: x.mv(v)),
                    ("dot", lambda: v.dot(v * 2)), ("div", lambda: x / x.exp()),
                    ("mul", lambda: x * x.exp()),
                    ("addmm", lambda: lib.addmm(lib.zeros(2, 2), x, w)),
                    ("mul_number", lambda: x * 3), ("atan2", lambda: lib.atan2(x, x.exp())),
                    ("maximum", lambda: lib.maximum(x, x.exp())), ("sub", lambda: x - x.exp())]:
        log = []

        def pack(t):
            log.append((tuple(t.shape), type(t.grad_fn).__name__ if t.grad_fn else "leaf"))
            return t

        with lib.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            f()
        out[name] = log
    return out


def test_pack_order_and_count_match_torch():
    """Inputs packed in the alphabetical order of PyTorch's names for them (other before self,
    self before vec), outputs after, and no pack for a Python number's tensor."""
    mine = _pack_order(torch)
    assert mine["mul_number"] == []
    assert mine == _pack_order(_real())
