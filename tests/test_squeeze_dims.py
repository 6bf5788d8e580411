"""squeeze over a list of dims (one SqueezeBackward2 node; SqueezeBackward5 in place), and the
in-place checks' wording for leaves and views of leaves, against torch."""
import pytest

import pytorchlite as pl

torch = pytest.importorskip("torch")

ARGS = [(), (0,), ((0, 2),), ([4, 0],), ((),), ((1,),), (-1,), ((0, -1),), (0, 2)]


def _run(m, args, inplace):
    x = m.arange(6.0).reshape(1, 3, 1, 2, 1).requires_grad_()
    y = x.clone()
    y = y.squeeze_(*args) if inplace else y.squeeze(*args)
    (y * m.arange(1.0, 1.0 + y.numel()).reshape(y.shape)).sum().backward()
    return tuple(y.shape), y.grad_fn.name(), x.grad.tolist()


@pytest.mark.parametrize("inplace", [False, True])
@pytest.mark.parametrize("args", ARGS, ids=repr)
def test_squeeze_forms(args, inplace):
    assert _run(pl, args, inplace) == _run(torch, args, inplace)


def _error(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the type and message are compared
        return type(exc).__name__, str(exc)
    return None


@pytest.mark.parametrize("op", ["t_()", "squeeze_()", "squeeze_((0,))", "squeeze_((0, -5))",
                                "unsqueeze_(0)", "add_(1)", "mul_(2)"])
@pytest.mark.parametrize("make", ["m.ones(1, 3, requires_grad=True)",
                                  "m.arange(3.0).reshape(1, 3).requires_grad_()",
                                  "m.ones(2, 1, 3, requires_grad=True)[0]"])
def test_inplace_errors_on_leaves_and_views(make, op):
    got = [_error(lambda: eval(f"({make}).{op}", {"m": m})) for m in (torch, pl)]  # noqa: S307
    assert got[0] == got[1]
    assert got[0] is None or got[0][0] == "RuntimeError"


def test_is_view():
    for m in (torch, pl):
        x = m.ones(2, 3)
        assert [x._is_view(), x[0]._is_view(), x.t()._is_view(), x.clone()._is_view(),
                x.view(6)._is_view()] == [False, True, True, False, True]
