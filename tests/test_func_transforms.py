"""torch.func transforms (grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, vmap and the
torch.vmap alias): each scenario runs on pytorchlite and on torch (when importable) with the same
inputs, and the printed results (values, signs of zeros, shapes, structures) and the errors are
compared."""
import pytest

import pytorchlite as torch


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the type and message are what is compared
        return type(e).__name__, str(e)
    return None


def _real():
    return pytest.importorskip("torch")


def _show(tree):
    """Printed form of a nested result (what a user script would print)."""
    return repr(tree)


X = [0.7, -1.3, 2.1]
A = [[0.5, -1.0, 1.5], [2.0, 0.25, -0.75], [-1.25, 1.0, 0.1], [0.3, -0.6, 0.9]]


def _grad_cases(lib):
    from_ = lib.func
    x = lib.tensor(X)
    out = [
        from_.grad(lambda x: (x ** 3).sum())(x),
        from_.grad(lambda x, y: (x * y).sum(), argnums=(0, 1))(x, x * 2),
        from_.grad(lambda x: ((x ** 2).sum(), x.mean()), has_aux=True)(x),
        from_.grad_and_value(lambda x: x.sin().sum())(x),
        from_.grad_and_value(lambda x: (x.exp().sum(), x * 2), has_aux=True)(x),
        from_.grad(from_.grad(lambda x: x.sin()))(lib.tensor(1.0)),
        from_.grad(lambda d: (d["w"] * d["b"]).sum())({"w": x, "b": x * 3}),
        # the inner grad differentiates y only: d/dx sum(x * x) = 2x
        from_.grad(lambda x: (x * from_.grad(lambda y: (x * y).sum())(x)).sum())(x),
        from_.grad(lambda x, y: (x * 2).sum())(x, x),  # y unused: x's gradient only
        from_.grad(lambda x, y: (x * 2).sum(), argnums=1)(x, x),  # unused input: zeros
    ]
    return _show(out)


def test_grad_matches_torch():
    assert _grad_cases(torch) == _grad_cases(_real())


def _grad_errors(lib):
    g = lib.func.grad
    x = lib.tensor(X)
    return [_err(lambda: g(lambda x: x * 2)(x)),
            _err(lambda: g(lambda x: (x, x))(x)),
            _err(lambda: g(lambda x: x.sum(), has_aux=True)(x)),
            _err(lambda: g(lambda x: x.sum(), argnums=2)(x)),
            _err(lambda: g(lambda x: 3.0)(x)),
            _err(lambda: g(lambda x: x.sum(), argnums=(0, 0))(x)),
            _err(lambda: g(lambda x: x.sum(), argnums=1.0)(x)),
            _err(lambda: g(lambda x: x.sum())(3.0)),
            _err(lambda: g(lambda x: x.sum())(lib.tensor([1, 2])))]


def test_grad_errors_match_torch():
    mine = _grad_errors(torch)
    assert all(e is not None for e in mine)
    assert mine == _grad_errors(_real())


def test_grad_of_an_input_that_requires_grad_keeps_the_graph():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        g = lib.func.grad(lambda y: (y ** 3).sum())(x)
        g.sum().backward()  # differentiable: d/dx sum(3x^2) = 6x
        return g.requires_grad, g.tolist(), x.grad.tolist()

    mine = run(torch)
    assert mine == (True, [3.0, 12.0], [6.0, 12.0])
    assert mine == run(_real())


def _vjp_cases(lib):
    x = lib.tensor(X)
    out, fn = lib.func.vjp(lambda x: x.exp(), x)
    first = (out, fn(lib.ones(3)), fn(lib.tensor([1.0, 0.0, 2.0])))
    out2, fn2, aux = lib.func.vjp(lambda x, y: (x * y, x.sum()), x, x * 2, has_aux=True)
    second = (out2, fn2(lib.ones(3)), aux)
    out3, fn3 = lib.func.vjp(lambda x: (x.sin(), x.cos()), x)
    third = (out3, fn3((lib.ones(3), lib.ones(3) * 2)))
    return _show([first, second, third])


def test_vjp_matches_torch():
    assert _vjp_cases(torch) == _vjp_cases(_real())


def _jac_cases(lib):
    f = lib.func
    x = lib.tensor(X)
    return _show([
        f.jacrev(lambda x: x.sin())(x),  # zeros carry the sign reverse mode gives them
        f.jacfwd(lambda x: x.sin())(x),  # ... and forward mode's
        f.jacfwd(lambda x: x.sin() * x.sum())(x),
        f.jacrev(lambda x, y: x * y, argnums=(0, 1))(x, x),
        f.jacrev(lambda x: (x.sin(), x.cos().sum()))(x),
        f.jacrev(f.jacrev(lambda x: (x ** 3).sum()))(x),
        f.hessian(lambda x: (x ** 3).sum())(lib.tensor([1.0, 2.0])),
        f.jvp(lambda x: x.sin(), (x,), (lib.ones(3),)),
    ]), f.jacrev(lambda m: m @ x)(lib.tensor(A)).tolist()
    # (the matrix product's own backward gives its zeros other signs: compared as values, where
    # -0.0 == 0.0)


def test_jacobians_match_torch():
    assert _jac_cases(torch) == _jac_cases(_real())


def _vmap_cases(lib):
    v = lib.func.vmap
    a = lib.tensor(A)
    x = lib.tensor(X)
    return _show([
        v(lib.dot)(a, a),
        v(lambda r: r.sum(), in_dims=1)(a),
        v(lambda r, y: r * y, in_dims=(0, None))(a, x),
        v(lambda r: r * 2, out_dims=1)(a),
        v(v(lambda s: s * s))(a),
        v(lambda r: (r.sum(), r * 2))(a),
        v(lambda d: d["a"] * 2)({"a": a}),
        v(lambda r: r.sum(0), in_dims=-1)(a),
        v(lambda r: r, out_dims=-1)(a),
        v(lib.func.grad(lambda r: (r ** 2).sum()))(a),
        v(lambda r: r, in_dims=0)(lib.zeros(0, 3)).shape,
        v(lib.add, in_dims=(0, None))(a, 1.0),
        lib.vmap is v,
    ])


def test_vmap_matches_torch():
    assert _vmap_cases(torch) == _vmap_cases(_real())


def _vmap_errors(lib):
    v = lib.vmap
    a = lib.tensor(A)
    return [_err(lambda: v(lambda r: r)(None)),
            _err(lambda: v(lambda r, s: r, in_dims=(0,))(a, a)),
            _err(lambda: v(lambda r: 3.0)(a)),
            _err(lambda: v(lambda r: (r, r), out_dims=(0, 1, 2))(a)),
            _err(lambda: v(lambda r: r, out_dims=None)(a)),
            _err(lambda: v(lambda r: r, randomness="bogus")(a)),
            _err(lambda: v(lambda r: r, in_dims=0.5)(a)),
            _err(lambda: v(lambda r: r, in_dims=2)(a)),
            _err(lambda: v(lambda r: r)(5)),
            _err(lambda: v(lambda r, s: r + s)(lib.zeros(2, 3), lib.zeros(3, 3)))]


def test_vmap_errors_match_torch():
    mine = _vmap_errors(torch)
    assert all(e is not None for e in mine)
    assert mine == _vmap_errors(_real())


def _vmap_randomness(lib):
    lib.manual_seed(0)
    v = lib.vmap
    err = _err(lambda: v(lambda r: r + lib.randn(3))(lib.zeros(2, 3)))
    same = v(lambda r: r + lib.rand(3), randomness="same")(lib.zeros(2, 3))
    after = lib.rand(2)  # the generator moved on by one draw, as in torch
    return err, same.tolist(), after.tolist()


def test_vmap_randomness_matches_torch():
    mine = _vmap_randomness(torch)
    assert mine[0][0] == "RuntimeError"
    assert mine[1][0] == mine[1][1]
    assert mine == _vmap_randomness(_real())


def test_vmap_randomness_different_draws_per_element():
    torch.manual_seed(0)
    out = torch.vmap(lambda r: r + torch.rand(3), randomness="different")(torch.zeros(2, 3))
    assert out[0].tolist() != out[1].tolist()
