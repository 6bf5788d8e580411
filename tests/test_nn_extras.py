"""Containers, Bilinear, Unflatten, the lazy layers, state_dict hooks, parametrizations,
weight/spectral norm, functional_call and conv-bn fusion: against torch (init streams bit
for bit, reprs, state_dict names) and against their definitions."""
import warnings

import numpy as np
import pytest

import pytorchlite as torch
import pytorchlite.nn as nn
import pytorchlite.nn.functional as F
from pytorchlite.nn.utils import parametrize
from conftest import fd_check


def _torch():
    return pytest.importorskip("torch")


def _np(t):
    return t.detach().numpy()


# ------------------------------------------------------------------------- containers
def test_parameter_list_and_dict_reprs_match_torch():
    th = _torch()
    outs = []
    for lib in (torch, th):
        lib.manual_seed(0)
        pl = lib.nn.ParameterList([lib.nn.Parameter(lib.randn(2, 3)),
                                   lib.nn.Parameter(lib.randn(3).double()), lib.zeros(2)])
        pd = lib.nn.ParameterDict({"b": lib.nn.Parameter(lib.randn(2)), "a": lib.randn(3, 3)})

        class M(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.p = lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2))])
                self.l = lib.nn.Linear(2, 2)
        outs.append((repr(pl), repr(pd), repr(lib.nn.ParameterList()),
                     repr(lib.nn.ParameterDict()), repr(M()), list(pd.keys()),
                     [type(v).__name__ for v in pl], [p.requires_grad for p in pl],
                     list(M().state_dict().keys())))
    assert outs[0] == outs[1]


def test_parameter_list_behaviour():
    pl = nn.ParameterList([nn.Parameter(torch.ones(2))])
    pl.append(torch.zeros(3))
    pl += [nn.Parameter(torch.ones(1))]
    assert len(pl) == 3 and isinstance(pl[1], nn.Parameter)
    assert [p.shape[0] for p in pl] == [2, 3, 1]
    assert len(list(pl.parameters())) == 3
    assert len(pl[1:]) == 2 and pl[-1] is pl[2]
    pl[0] = torch.full((4,), 2.0)
    assert pl[0].tolist() == [2.0] * 4
    with pytest.raises(IndexError):
        pl[5]
    pd = nn.ParameterDict()
    pd["w"] = torch.ones(2)
    pd.update({"z": nn.Parameter(torch.zeros(1)), "y": nn.Parameter(torch.zeros(1))})
    assert list(pd.keys()) == ["w", "y", "z"]  # a plain dict is added in sorted order
    assert "w" in pd and len(pd) == 3
    assert pd.pop("w").tolist() == [1.0, 1.0] and "w" not in pd
    assert [n for n, _ in pd.named_parameters()] == ["y", "z"]
    assert pd.get("nope") is None


# -------------------------------------------------------------------- Bilinear, lazy
def test_bilinear_stream_values_and_grads():
    th = _torch()
    x1 = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    x2 = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    res = []
    for lib in (torch, th):
        lib.manual_seed(7)
        m = lib.nn.Bilinear(3, 4, 2)
        a, b = lib.tensor(x1, requires_grad=True), lib.tensor(x2, requires_grad=True)
        y = m(a, b)
        y.pow(2).sum().backward()
        res.append((_np(m.weight), _np(m.bias), _np(y), _np(a.grad), _np(m.weight.grad),
                    repr(m)))
    np.testing.assert_array_equal(res[0][0], res[1][0])
    np.testing.assert_array_equal(res[0][1], res[1][1])
    for k in (2, 3, 4):
        np.testing.assert_allclose(res[0][k], res[1][k], rtol=1e-5, atol=1e-6)
    assert res[0][5] == res[1][5]


def test_bilinear_definition_and_fd():
    w = torch.randn(2, 3, 4, dtype=torch.float64, requires_grad=True)
    a = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(5, 4, dtype=torch.float64, requires_grad=True)
    expected = np.einsum("ni,oij,nj->no", _np(a), _np(w), _np(b))
    np.testing.assert_allclose(_np(F.bilinear(a, b, w)), expected, rtol=1e-12)
    fd_check([w, a, b], lambda: F.bilinear(a, b, w).pow(2).sum())


def test_lazy_linear_stream_and_becomes_linear():
    th = _torch()
    res = []
    for lib in (torch, th):
        lib.manual_seed(3)
        m = lib.nn.LazyLinear(4)
        before = (repr(m), repr(m.weight), m.has_uninitialized_params(),
                  list(m.state_dict().keys()))
        y = m(lib.ones(2, 5))
        res.append((before, repr(m), type(m).__name__, _np(m.weight), _np(m.bias), _np(y),
                    lib.rand(2).tolist()))
    assert res[0][:3] == res[1][:3]
    for k in (3, 4):
        np.testing.assert_array_equal(res[0][k], res[1][k])
    np.testing.assert_allclose(res[0][5], res[1][5], rtol=1e-6)
    assert res[0][6] == res[1][6]


def test_lazy_linear_load_state_dict_materializes():
    src = nn.Linear(3, 2)
    m = nn.LazyLinear(2)
    m.load_state_dict(src.state_dict())
    assert tuple(m.weight.shape) == (2, 3)
    np.testing.assert_array_equal(_np(m.weight), _np(src.weight))
    np.testing.assert_array_equal(_np(m(torch.ones(1, 3))), _np(src(torch.ones(1, 3))))


def test_unflatten():
    th = _torch()
    m = nn.Unflatten(1, (2, 3))
    assert repr(m) == repr(th.nn.Unflatten(1, (2, 3)))
    assert tuple(m(torch.zeros(4, 6)).shape) == (4, 2, 3)
    with pytest.raises(TypeError, match="found element of type float at pos 0"):
        nn.Unflatten(1, (2.0, 3))


# ------------------------------------------------------------------- state_dict hooks
def test_state_dict_and_load_hooks_order():
    calls = []
    m = nn.Sequential(nn.Linear(2, 2))
    m.register_state_dict_pre_hook(lambda mod, prefix, keep: calls.append(("pre", prefix)))
    m[0].register_state_dict_pre_hook(lambda mod, prefix, keep: calls.append(("pre", prefix)))
    sd = m.state_dict()
    assert calls == [("pre", ""), ("pre", "0.")]

    def rename(state_dict, prefix, *rest):
        if prefix + "w" in state_dict:
            state_dict[prefix + "weight"] = state_dict.pop(prefix + "w")
    m[0]._register_load_state_dict_pre_hook(rename)
    seen = []
    m[0].register_load_state_dict_pre_hook(lambda mod, sd_, prefix, *rest: seen.append(
        (type(mod).__name__, prefix)))
    renamed = {"0.w": sd["0.weight"] * 2, "0.bias": sd["0.bias"]}
    m.load_state_dict(renamed)
    assert seen == [("Linear", "0.")]
    np.testing.assert_array_equal(_np(m[0].weight), _np(sd["0.weight"]))

    def post(mod, state_dict, prefix, meta):
        return {"only": 1}
    h = m._register_state_dict_hook(post)
    assert m.state_dict() == {"only": 1}
    h.remove()
    m.register_state_dict_post_hook(lambda *a: {"x": 1})
    with pytest.raises(RuntimeError, match="state_dict post-hook must return None"):
        m.state_dict()


def test_module_type_and_share_memory():
    m = nn.Linear(2, 2)
    assert m.type(torch.float64) is m and m.weight.dtype == torch.float64
    assert m.share_memory() is m
    assert m.half().weight.dtype == torch.float16
    assert m.bfloat16().weight.dtype == torch.bfloat16


# ------------------------------------------------------------------- parametrizations
class _Symmetric(nn.Module):
    def forward(self, x):
        return (x + x.t()) / 2


def test_register_parametrization_names_and_grads():
    th = _torch()

    TSym = type("_Symmetric", (th.nn.Module,), {"forward": _Symmetric.forward})
    res = []
    for lib, sym in ((torch, _Symmetric), (th, TSym)):
        lib.manual_seed(0)
        m = lib.nn.Linear(3, 3)
        lib.nn.utils.parametrize.register_parametrization(m, "weight", sym())
        y = m(lib.ones(2, 3))
        y.pow(2).sum().backward()
        res.append((repr(m), list(m.state_dict().keys()), _np(m.weight),
                    _np(m.parametrizations.weight.original.grad),
                    lib.nn.utils.parametrize.is_parametrized(m),
                    lib.nn.utils.parametrize.is_parametrized(m, "bias")))
        lib.nn.utils.parametrize.remove_parametrizations(m, "weight")
        res[-1] += (repr(m), type(m).__name__, list(m.state_dict().keys()), _np(m.weight))
    a, b = res
    assert a[0] == b[0] and a[1] == b[1] and a[4:6] == b[4:6]
    np.testing.assert_allclose(a[2], b[2], rtol=1e-6)
    np.testing.assert_allclose(a[3], b[3], rtol=1e-5)
    assert a[6:9] == b[6:9]
    np.testing.assert_allclose(a[9], b[9], rtol=1e-6)


def test_parametrization_cached_and_errors():
    m = nn.Linear(3, 3)
    parametrize.register_parametrization(m, "weight", _Symmetric())
    import copy
    twin = copy.deepcopy(m)
    assert type(twin).__name__ == "ParametrizedLinear"
    np.testing.assert_array_equal(_np(twin.weight), _np(m.weight))
    with parametrize.cached():
        assert m.weight is m.weight
    assert m.weight is not m.weight
    with pytest.raises(ValueError, match="does not have a parameter, a buffer"):
        parametrize.register_parametrization(m, "nope", _Symmetric())

    class Shrink(nn.Module):
        def forward(self, x):
            return x[0]
    with pytest.raises(ValueError, match="may not change the shape"):
        parametrize.register_parametrization(nn.Linear(2, 2), "weight", Shrink())
    with pytest.raises(ValueError, match="does not have a parametrization on bias"):
        parametrize.remove_parametrizations(m, "bias")


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_parametrization_against_torch(dim):
    th = _torch()
    res = []
    for lib in (torch, th):
        lib.manual_seed(1)
        m = lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(4, 3), dim=dim)
        y = m(lib.ones(2, 4))
        y.pow(2).sum().backward()
        p = m.parametrizations.weight
        res.append((list(m.state_dict().keys()), _np(p.original0), _np(p.original1),
                    _np(y), _np(p.original0.grad), _np(p.original1.grad)))
    assert res[0][0] == res[1][0]
    for k in range(1, 6):
        np.testing.assert_allclose(res[0][k], res[1][k], rtol=1e-5, atol=1e-7)


def test_legacy_weight_norm_against_torch():
    th = _torch()
    res = []
    for lib in (torch, th):
        lib.manual_seed(2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = lib.nn.utils.weight_norm(lib.nn.Linear(4, 3))
        y = m(lib.ones(2, 4))
        y.sum().backward()
        res.append((list(m.state_dict().keys()), _np(m.weight_g), _np(m.weight_g.grad),
                    _np(m.weight_v.grad)))
        lib.nn.utils.remove_weight_norm(m)
        res[-1] += (list(m.state_dict().keys()),)
    assert res[0][0] == res[1][0] and res[0][4] == res[1][4]
    for k in (1, 2, 3):
        np.testing.assert_allclose(res[0][k], res[1][k], rtol=1e-5, atol=1e-7)
    with pytest.warns(FutureWarning, match="deprecated in favor of"):
        nn.utils.weight_norm(nn.Linear(2, 2))


def test_weight_norm_definition_fd():
    m = nn.utils.parametrizations.weight_norm(nn.Linear(3, 2).double())
    p = m.parametrizations.weight
    v, g = _np(p.original1), _np(p.original0)
    np.testing.assert_allclose(_np(m.weight), g * v / np.linalg.norm(v, axis=1, keepdims=True))
    x = torch.randn(4, 3, dtype=torch.float64)
    fd_check([p.original0, p.original1], lambda: m(x).pow(2).sum())


@pytest.mark.parametrize("legacy", [False, True])
def test_spectral_norm_stream_against_torch(legacy):
    th = _torch()
    res = []
    for lib in (torch, th):
        lib.manual_seed(4)
        lin = lib.nn.Linear(5, 3)
        if legacy:
            m = lib.nn.utils.spectral_norm(lin)
            u = m.weight_u
        else:
            m = lib.nn.utils.parametrizations.spectral_norm(lin)
            u = m.parametrizations.weight[0]._u
        u0 = _np(u).copy()
        y = m(lib.ones(2, 5))
        y.sum().backward()
        grad = m.weight_orig.grad if legacy else m.parametrizations.weight.original.grad
        m.eval()
        y2 = m(lib.ones(1, 5))
        res.append((list(m.state_dict().keys()), u0, _np(y), _np(grad), _np(y2),
                    lib.rand(2).tolist()))
    assert res[0][0] == res[1][0]
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-5, atol=1e-6)
    for k in (2, 3, 4):
        np.testing.assert_allclose(res[0][k], res[1][k], rtol=1e-4, atol=1e-6)
    assert res[0][5] == res[1][5]  # the same number of draws


def test_spectral_norm_divides_by_largest_singular_value():
    torch.manual_seed(0)
    m = nn.utils.parametrizations.spectral_norm(nn.Linear(6, 4).double())
    for _ in range(30):
        m(torch.ones(1, 6, dtype=torch.float64))
    assert np.linalg.svd(_np(m.weight), compute_uv=False)[0] == pytest.approx(1.0, rel=1e-6)


# ------------------------------------------------------------- functional_call, fusion
def test_functional_call():
    m = nn.Linear(3, 2)
    w = torch.ones(2, 3)
    out = torch.func.functional_call(m, {"weight": w}, (torch.ones(1, 3),))
    np.testing.assert_allclose(_np(out), 3 + _np(m.bias)[None], rtol=1e-6)
    assert not np.allclose(_np(m.weight), 1.0)  # restored
    out2 = torch.func.functional_call(m, ({"weight": w}, {"bias": torch.zeros(2)}),
                                      torch.ones(1, 3))
    np.testing.assert_allclose(_np(out2), [[3.0, 3.0]])
    with pytest.warns(FutureWarning):
        nn.utils.stateless.functional_call(m, {}, torch.ones(3))
    with pytest.raises(RuntimeError, match="Missing key"):
        torch.func.functional_call(m, {"weight": w}, torch.ones(3), strict=True)
    # gradients flow to the substituted tensors
    wg = torch.ones(2, 3, requires_grad=True)
    torch.func.functional_call(m, {"weight": wg}, torch.ones(1, 3)).sum().backward()
    assert wg.grad.tolist() == [[1.0] * 3] * 2 and m.weight.grad is None


def test_fuse_conv_bn_eval():
    torch.manual_seed(0)
    conv = nn.Conv2d(2, 3, 3).eval()
    bn = nn.BatchNorm2d(3).eval()
    with torch.no_grad():
        bn.running_mean.copy_(torch.randn(3))
        bn.running_var.copy_(torch.rand(3) + 0.5)
        bn.weight.copy_(torch.randn(3))
        bn.bias.copy_(torch.randn(3))
    x = torch.randn(1, 2, 5, 5)
    fused = nn.utils.fusion.fuse_conv_bn_eval(conv, bn)
    np.testing.assert_allclose(_np(fused(x)), _np(bn(conv(x))), rtol=1e-5, atol=1e-5)
    with pytest.raises(AssertionError, match="Fusion only for eval"):
        nn.utils.fusion.fuse_conv_bn_eval(conv.train(), bn)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
@pytest.mark.parametrize("omap", [None, "householder", "matrix_exp", "cayley"])
def test_orthogonal_against_torch_through_training(shape, omap):
    th = _torch()
    res = []
    for lib in (torch, th):
        lib.manual_seed(0)
        m = lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(shape[1], shape[0]),
                                                      orthogonal_map=omap)
        opt = lib.optim.SGD(m.parameters(), lr=0.1)
        x = lib.tensor(np.random.default_rng(0).standard_normal((6, shape[1]))
                       .astype(np.float32))
        for _ in range(3):
            opt.zero_grad()
            (m(x) ** 2).sum().backward()
            opt.step()
        res.append((_np(m.weight), list(m.state_dict().keys()), repr(m), lib.rand(2).tolist()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-4, atol=1e-5)
    assert res[0][1:] == res[1][1:]
    w = res[0][0]
    gram = w @ w.T if shape[0] <= shape[1] else w.T @ w
    np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-5)


def test_orthogonal_errors():
    with pytest.raises(ValueError, match="Expected a matrix or batch of matrices"):
        nn.utils.parametrizations.orthogonal(nn.PReLU(3))
    with pytest.raises(ValueError, match="orthogonal_map has to be one of"):
        nn.utils.parametrizations.orthogonal(nn.Linear(2, 2), orthogonal_map="qr")


def test_assigning_a_parametrized_tensor_runs_right_inverse():
    th = _torch()
    res = []
    for lib in (torch, th):
        lib.manual_seed(5)
        m = lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(3, 2))
        m.weight = lib.tensor([[3.0, 0.0, 4.0], [1.0, 2.0, 2.0]])
        p = m.parametrizations.weight
        res.append((_np(p.original0), _np(p.original1), _np(m.weight)))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(res[0][0].ravel(), [5.0, 3.0], rtol=1e-6)


def test_uninitialized_parameter_refuses_use_and_pickles():
    m = nn.LazyLinear(3)
    with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter"):
        m.weight.numel()
    with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter"):
        m.weight + 1
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized"):
        m.weight.shape
    import pickle
    twin = pickle.loads(pickle.dumps(m))
    assert repr(twin.weight) == "<UninitializedParameter>"
    assert type(twin(torch.ones(2, 4))).__name__ == "Tensor"
    assert type(twin).__name__ == "Linear" and not twin._forward_pre_hooks
