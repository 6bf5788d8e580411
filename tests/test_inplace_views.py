"""Writes into tensors that are part of a graph: in-place ops through views (the base takes a
CopySlices node, views regenerate an AsStridedBackward0), index assignment with history
(IndexPutBackward0), and PyTorch's errors for leaves and for values a backward needs.
Gradients are checked by hand and, when torch is importable, against torch."""
import numpy as np
import pytest

import pytorchlite as torch


def _scenarios(lib):
    """Each returns (printed grad_fn names, gradient arrays)."""
    out = []

    a = lib.tensor(np.linspace(-1, 1, 12).reshape(3, 4).astype(np.float32), requires_grad=True)
    x = a.clone()
    x[:, 0] = 0
    names = [type(x.grad_fn).__name__]
    x[1] *= 2
    x[2, 1:3].add_(1)
    x.t()[1].sub_(0.5)
    y = x.view(-1)
    y[3:6].mul_(3)
    names += [x.grad_fn.name(), y.grad_fn.name()]
    (x * x).sum().backward()
    out.append((names, [a.grad.numpy().copy()]))

    w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    base = lib.zeros(2, 3)
    base[0] = w * 2
    base[1, :2] = w[:2] ** 2
    sib = base[1]
    base.mul_(3)
    names = [base.grad_fn.name(), sib.grad_fn.name(), str(sib.requires_grad)]
    (sib.sum() + base.sum()).backward()
    out.append((names, [w.grad.numpy().copy()]))

    m = lib.tensor((np.arange(12.0).reshape(4, 3) / 7).astype(np.float32), requires_grad=True)
    h = m * 1
    h[[0, 2], 1:] = lib.ones(2, 2) * 7
    h[h > 1] = 0.5
    h[lib.tensor([True, False, True, False])] *= 3
    v = lib.tensor([0.25, -1.0], requires_grad=True)
    h[lib.tensor([3, 1]), lib.tensor([0, 2])] = v * v
    names = [h.grad_fn.name()]
    (h * h).sum().backward()
    out.append((names, [m.grad.numpy().copy(), v.grad.numpy().copy()]))

    p = lib.tensor([0.5, -0.25, 1.0], requires_grad=True)
    q = p.clone()
    q[0].fill_(4.0)
    q[1:].exp_()
    r = q.unsqueeze(0).expand(2, 3).sum(0)
    r.backward(lib.tensor([1.0, 2.0, 3.0]))
    out.append(([q.grad_fn.name()], [p.grad.numpy().copy()]))

    s = lib.zeros(4)
    t = lib.tensor([1.5, -2.0], requires_grad=True)
    s[1:3].copy_(t)
    s[::3] = t.flip(0) if hasattr(t, "flip") else lib.stack([t[1], t[0]])
    (s * lib.arange(1.0, 5.0)).sum().backward()
    out.append(([s.grad_fn.name()], [t.grad.numpy().copy()]))
    return out


def test_writes_through_views_by_hand():
    got = _scenarios(torch)
    # base[0] = 2w, base[1, :2] = w[:2]^2, then *3; sib = base[1]: d/dw = 3*(2) + 3*2w (+ sib)
    names, (gw,) = got[1]
    assert names == ["MulBackward0", "AsStridedBackward0", "True"]
    np.testing.assert_allclose(gw, [6 + 2 * 3 * 2 * 1.0, 6 + 2 * 3 * 2 * 2.0, 6.0])
    # s[1:3] = t, s[0] = t[1], s[3] = t[0]; weights 1..4
    names, (gt,) = got[4]
    np.testing.assert_allclose(gt, [2 + 4, 3 + 1])
    assert names == ["torch::autograd::CopySlices"]


def test_writes_through_views_match_torch():
    real = pytest.importorskip("torch")
    for (n1, g1), (n2, g2) in zip(_scenarios(torch), _scenarios(real)):
        assert n1 == n2
        for a, b in zip(g1, g2):
            np.testing.assert_allclose(a, b, rtol=1e-6)


def test_leaf_errors():
    w = torch.ones(3, requires_grad=True)
    for key, msg in ((0, "a view of a leaf Variable"), (slice(1, 2), "a view of a leaf Variable"),
                     (torch.tensor([0, 1]), "a leaf Variable"), (..., "a leaf Variable")):
        with pytest.raises(RuntimeError, match=msg):
            w[key] = 2.0
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being "
                                           "used in an in-place operation."):
        w.view(3).mul_(2)
    with torch.no_grad():
        w[0] = 5.0  # allowed without grad mode
    assert w.tolist() == [5.0, 1.0, 1.0]


def test_modifying_a_saved_value_through_a_view_raises():
    p = torch.randn(3, requires_grad=True)
    e = p.exp()  # saves its output
    e[0] = 2.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        e.sum().backward()


def test_a_write_into_the_same_storage_after_a_saving_op_raises():
    # exp_ saved its result; any later write into the base bumps the shared version, as in
    # PyTorch (which raises with the same message)
    p = torch.tensor([0.5, -0.25, 1.0], requires_grad=True)
    q = p.clone()
    q[1:].exp_()
    q[0].fill_(4.0)
    with pytest.raises(RuntimeError, match=r"output 0 of Exp, is at version 2; expected version 1"):
        q.sum().backward()


def test_second_order_through_copy_slices():
    x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)

    def f(a):
        b = a * 1
        b[1:] = a[1:] ** 3
        return b

    assert torch.autograd.gradgradcheck(f, (x,))


def test_view_writes_leave_no_cycle():
    import gc
    import weakref

    a = torch.randn(4, requires_grad=True)
    x = a * 2
    x[1:3] = x[1:3] * 5
    ref = weakref.ref(x)
    del x
    gc.collect()
    assert ref() is None


def test_index_put_matches_setitem_and_torch():
    def run(lib):
        w = lib.tensor([1.0, -2.0], requires_grad=True)
        x = lib.zeros(2, 3)
        y = x.index_put((lib.tensor([0, 1]), lib.tensor([2, 0])), w * 3)
        x.index_put_((lib.tensor([1]),), lib.tensor(5.0))
        (y * lib.arange(6.0).reshape(2, 3)).sum().backward()
        return y.grad_fn.name(), y.detach().tolist(), x.tolist(), w.grad.tolist()

    got = run(torch)
    assert got == ("IndexPutBackward0", [[0.0, 0.0, 3.0], [-6.0, 0.0, 0.0]],
                   [[0.0, 0.0, 0.0], [5.0, 5.0, 5.0]], [6.0, 9.0])
    with pytest.raises(NotImplementedError, match="accumulate"):
        torch.zeros(3).index_put_((torch.tensor([0]),), torch.tensor(1.0), accumulate=True)
    real = pytest.importorskip("torch")
    assert run(real) == got


def test_index_add_with_history_by_hand():
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = torch.tensor([0.5, -1.0, 2.0, 4.0], requires_grad=True)
    y = b * 1
    y.index_add_(0, torch.tensor([1, 1, 3]), a, alpha=0.5)
    assert y.grad_fn.name() == "IndexAddBackward0"
    assert y.tolist() == [0.5, -1.0 + 0.5 + 1.0, 2.0, 4.0 + 1.5]
    (y * torch.arange(4.0)).sum().backward()
    assert a.grad.tolist() == [0.5, 0.5, 1.5] and b.grad.tolist() == [0.0, 1.0, 2.0, 3.0]
    z = torch.zeros(2, 4)
    z[1].index_add_(0, torch.tensor([0, 2, 2]), a)
    assert z.grad_fn.name() == "torch::autograd::CopySlices"
    assert z.tolist() == [[0.0] * 4, [1.0, 0.0, 5.0, 0.0]]
    g, = torch.autograd.grad((z ** 2).sum(), a, create_graph=True)
    assert g.tolist() == [2.0, 10.0, 10.0]
    with pytest.raises(RuntimeError, match="Number of indices"):
        torch.zeros(3).index_add_(0, torch.tensor([0, 1]), torch.ones(3))
