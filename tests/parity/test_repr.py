"""Tensor printing parity with PyTorch: repr/str/format compared live against real torch.

Every case is a factory that builds the same tensor in a given library (torch or pytorchlite)
from plain Python values and public ops, plus the print options to apply.  Two variants run:

- "impl": pytorchlite's printing functions applied to the torch tensor, against repr(torch).
  This needs only torch and exercises the printing logic on its own.
- "pytorchlite": repr() of the pytorchlite tensor against repr() of the torch tensor.  It runs
  when pytorchlite's core is importable and is skipped otherwise.
"""

import math
import random

import pytest

torch = pytest.importorskip("torch")

from pytorchlite import _tensor_str as pl_str  # noqa: E402

try:
    import pytorchlite
    HAVE_PL = hasattr(pytorchlite, "tensor") and hasattr(pytorchlite, "Tensor")
except ImportError:  # pragma: no cover - depends on the build
    pytorchlite = None
    HAVE_PL = False

NAN = float("nan")
INF = float("inf")


# ---------------------------------------------------------------------------------------------
# Helpers building values and tensors the same way in both libraries.

def gauss(n, seed, scale=1.0):
    rng = random.Random(seed)
    return [rng.gauss(0.0, 1.0) * scale for _ in range(n)]


def nest(flat, shape):
    """Reshape a flat Python list into nested lists of the given shape."""
    if len(shape) <= 1:
        return list(flat)
    step = len(flat) // shape[0]
    return [nest(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def dtype_of(lib, name):
    return getattr(lib, name)


def T(values, dtype="float32", requires_grad=False):
    """Factory for lib.tensor(values, dtype=...)."""
    def build(lib):
        t = lib.tensor(values, dtype=dtype_of(lib, dtype))
        if requires_grad:
            t.requires_grad_()
        return t
    return build


def G(shape, seed, dtype="float32", scale=1.0):
    """Factory for a tensor of pseudo-random normal values with the given shape."""
    n = math.prod(shape)
    return T(nest(gauss(n, seed, scale), shape) if shape else gauss(1, seed, scale)[0], dtype)


def A(n, dtype="float32", shape=None, scale=None, offset=None):
    """Factory for arange(n) (optionally scaled, shifted, reshaped); cheap for huge n."""
    def build(lib):
        t = lib.arange(n, dtype=dtype_of(lib, dtype))
        if scale is not None:
            t = t * scale
        if offset is not None:
            t = t + offset
        if shape is not None:
            t = t.reshape(*shape)
        return t
    return build


def Z(shape, dtype="float32"):
    def build(lib):
        return lib.zeros(*shape, dtype=dtype_of(lib, dtype))
    return build


def grad_of(op, values):
    """A non-leaf produced by an op on a leaf that requires grad."""
    def build(lib):
        x = lib.tensor(values, dtype=lib.float32, requires_grad=True)
        return op(x)
    return build


def param(values, requires_grad=True):
    def build(lib):
        nn = getattr(lib, "nn", None)
        if nn is None or not hasattr(nn, "Parameter"):
            pytest.skip("nn.Parameter not available")
        return nn.Parameter(lib.tensor(values, dtype=lib.float32), requires_grad=requires_grad)
    return build


def subclass(values):
    def build(lib):
        cls = type("MyTensor", (lib.Tensor,), {})
        return lib.Tensor._make_subclass(cls, lib.tensor(values, dtype=lib.float32))
    return build


# ---------------------------------------------------------------------------------------------
# The catalogue: (id, factory, print options).

CASES = [
    # float32, 1-D: integer, fixed and scientific modes
    ("f_ints", T([1.0, 2.0, 3.0]), {}),
    ("f_fixed", T([1.5, 2.25]), {}),
    ("f_neg_int", T([-1.0, 2.0]), {}),
    ("f_zero_ten", T([0.0, 10.0]), {}),
    ("f_neg_fixed", T([-0.5, 2.0]), {}),
    ("f_tenths", T([0.1, 0.2, 0.3]), {}),
    ("f_small_sci", T([1e-5, 1.0]), {}),
    ("f_small_sci_neg", T([1e-5, -1.0]), {}),
    ("f_big_int_sci", T([1.0, 1e9]), {}),
    ("f_ratio_sci", T([0.001, 1000.0]), {}),
    ("f_ratio_1000_exact", T([1.0, 1000.0]), {}),
    ("f_ratio_1001", T([1.0, 1001.0]), {}),
    ("f_amin_1e-4", T([1e-4, 0.5]), {}),
    ("f_1e8", T([1e8, 3.0]), {}),
    ("f_above_1e8", T([2e8, 3.0]), {}),
    ("f_large_fixed", T([123456.789]), {}),
    ("f_nan", T([NAN, 1.0]), {}),
    ("f_inf", T([1.0, INF, -INF]), {}),
    ("f_nan_fixed", T([NAN, 1.25, -INF]), {}),
    ("f_nan_sci", T([NAN, 1e-7, INF]), {}),
    ("f_only_nan_inf", T([NAN, INF, -INF]), {}),
    ("f_zeros", T([0.0, 0.0]), {}),
    ("f_negzero_int", T([-0.0, 1.0]), {}),
    ("f_negzero_fixed", T([-0.0, 1.5]), {}),
    ("f_negzero_sci", T([-0.0, 1e-6]), {}),
    ("f_negzero_only", T([-0.0, 0.0]), {}),
    ("f_gauss", G([10], 1), {}),
    ("f_gauss_small", G([6], 2, scale=1e-3), {}),
    ("f_gauss_large", G([6], 3, scale=1e6), {}),
    # 0-dim
    ("s_fixed", T(3.5), {}),
    ("s_int", T(3.0), {}),
    ("s_nan", T(NAN), {}),
    ("s_neginf", T(-INF), {}),
    ("s_negzero", T(-0.0), {}),
    ("s_tiny", T(1e-7), {}),
    ("s_huge", T(1e10), {}),
    ("s_f64", T(2.5, "float64"), {}),
    ("s_int64", T(-7, "int64"), {}),
    ("s_bool", T(True, "bool"), {}),
    # 2-D, 3-D, 4-D
    ("m_2x2", T([[1.0, 2.0], [3.0, 4.0]]), {}),
    ("m_gauss_3x4", G([3, 4], 4), {}),
    ("m_wide_4x50", G([4, 50], 5), {}),
    ("m_3d_zeros", Z([2, 1, 1]), {}),
    ("m_3d_gauss", G([2, 3, 4], 6), {}),
    ("m_4d_gauss", G([2, 2, 2, 3], 7), {}),
    ("m_4d_sci", G([2, 2, 1, 3], 8, scale=1e-6), {}),
    # float64
    ("d_fixed", T([1.5, 2.0], "float64"), {}),
    ("d_arange_half", A(10, "float64", offset=0.5), {}),
    ("d_gauss_3x3", G([3, 3], 9, "float64"), {}),
    ("d_sci", T([1e-300, 1.0, 1e300], "float64"), {}),
    # int64
    ("i_vec", T([1, -20, 300], "int64"), {}),
    ("i_2d", T([[1, 22], [-333, 4]], "int64"), {}),
    ("i_3d", A(24, "int64", shape=(2, 3, 4)), {}),
    ("i_big", T([2**62, -5], "int64"), {}),
    ("i_arange_100", A(100, "int64"), {}),
    # bool
    ("b_vec", T([True, False, True], "bool"), {}),
    ("b_2d", T([[True, False], [False, False]], "bool"), {}),
    ("b_all_true", T([True, True], "bool"), {}),
    # empty
    ("e_1d", T([]), {}),
    ("e_0x3", Z([0, 3]), {}),
    ("e_2x0x4_f64", Z([2, 0, 4], "float64"), {}),
    ("e_int64", T([], "int64"), {}),
    ("e_bool", T([], "bool"), {}),
    ("e_requires_grad", T([], requires_grad=True), {}),
    # wrapping
    ("w_arange30", A(30), {}),
    ("w_gauss200", G([200], 10), {}),
    ("w_sci_40", G([40], 11, scale=1e-5), {}),
    # summarised (> threshold)
    ("sum_int64_2000", A(2000, "int64"), {}),
    ("sum_zeros_1001x2", Z([1001, 2]), {}),
    ("sum_f_1001", A(1001, scale=0.25), {}),
    ("sum_5x300", A(1500, shape=(5, 300), scale=0.5, offset=-3.0), {}),
    ("sum_3d_100", A(10 ** 6, shape=(100, 100, 100), scale=1e-3), {}),
    ("sum_4d", A(4 * 5 * 7 * 11, shape=(4, 5, 7, 11), scale=1.5), {}),
    ("sum_1e7", A(10 ** 7, scale=0.5), {}),
    ("sum_bool_2000", grad_of(lambda x: x > 0, [float(i % 3 - 1) for i in range(2000)]), {}),
    # autograd suffixes
    ("g_leaf", T([1.0, 2.0], requires_grad=True), {}),
    ("g_leaf_scalar", T(2.0, requires_grad=True), {}),
    ("g_leaf_f64", T([1.0, 2.0], "float64", requires_grad=True), {}),
    ("g_mul", grad_of(lambda x: x * 2, [1.0, 2.0]), {}),
    ("g_add", grad_of(lambda x: x + 1, [[1.0, 2.0], [3.0, 4.0]]), {}),
    ("g_sum", grad_of(lambda x: x.sum(), [1.0, 2.0, 3.5]), {}),
    ("g_wrap_suffix", grad_of(lambda x: x * 3, gauss(9, 12)), {}),
    ("g_detach", grad_of(lambda x: (x * 2).detach(), [1.0, 2.0]), {}),
    # Parameters and subclasses
    ("p_matrix", param(nest(gauss(6, 13), [2, 3])), {}),
    ("p_scalar", param(0.5), {}),
    ("p_no_grad", param([1.0, 2.0], requires_grad=False), {}),
    ("sub_vec", subclass([1.0, 2.5]), {}),
    # non-default print options
    ("o_precision2", G([5], 14), {"precision": 2}),
    ("o_precision0", T([1.5, 2.5, -0.49]), {"precision": 0}),
    ("o_precision10", G([3], 15, "float64"), {"precision": 10}),
    ("o_precision2_sci", T([1e-5, 1.0]), {"precision": 2}),
    ("o_linewidth40", G([20], 16), {"linewidth": 40}),
    ("o_linewidth120", A(60), {"linewidth": 120}),
    ("o_linewidth5", G([2, 3], 17), {"linewidth": 5}),
    ("o_linewidth_suffix", T(gauss(5, 18), "float64", requires_grad=True), {"linewidth": 50}),
    ("o_sci_true", T([1.0, 2.5]), {"sci_mode": True}),
    ("o_sci_true_int", T([1.0, 20.0]), {"sci_mode": True}),
    ("o_sci_true_zeros", T([0.0, -0.0]), {"sci_mode": True}),
    ("o_sci_false_small", T([1e-5, 1.0]), {"sci_mode": False}),
    ("o_sci_false_big", T([1e10, 1.0]), {"sci_mode": False}),
    ("o_sci_int64", T([1, 2], "int64"), {"sci_mode": True}),
    ("o_threshold5", A(10), {"threshold": 5}),
    ("o_threshold5_edge1", A(12, shape=(3, 4)), {"threshold": 5, "edgeitems": 1}),
    ("o_threshold0_scalar", T(3.0), {"threshold": 0}),
    ("o_edgeitems0", A(5), {"edgeitems": 0}),
    ("o_edgeitems0_summarised", A(12, shape=(3, 4)), {"edgeitems": 0, "threshold": 4}),
    ("o_edgeitems0_vec_summarised", A(9), {"edgeitems": 0, "threshold": 4}),
    ("o_edgeitems1", A(2000, "int64", shape=(2, 10, 100)), {"edgeitems": 1}),
    ("o_suffix_edge_wraps", T([1.0, 2.0], requires_grad=True), {"linewidth": 36}),
    ("o_suffix_edge_fits", T([1.0, 2.0], requires_grad=True), {"linewidth": 37}),
    ("o_suffix_multiline_wraps", grad_of(lambda x: x + 1, [[1.0, 2.0], [3.0, 4.0]]),
     {"linewidth": 42}),
    ("o_suffix_multiline_fits", grad_of(lambda x: x + 1, [[1.0, 2.0], [3.0, 4.0]]),
     {"linewidth": 43}),
    ("o_two_suffixes", T([1.0, 2.0], "float64", requires_grad=True), {"linewidth": 60}),
    ("o_profile_short", G([3, 3], 19), {"profile": "short"}),
    ("o_profile_short_sum", A(3000, scale=0.1), {"profile": "short"}),
    ("o_profile_full", A(1200, "int64"), {"profile": "full"}),
    ("o_profile_default", G([4], 20), {"profile": "default", "precision": 6}),
]

IDS = [case[0] for case in CASES]
assert len(set(IDS)) == len(IDS)


def torch_repr_with(opts, t):
    with torch._tensor_str.printoptions(**opts):
        return repr(t)


def is_parameter(t):
    return isinstance(t, torch.nn.Parameter)


@pytest.mark.parametrize("name,build,opts", CASES, ids=IDS)
def test_impl_matches_torch(name, build, opts):
    t = build(torch)
    expected = torch_repr_with(opts, t)
    with pl_str.printoptions(**opts):
        if is_parameter(t):
            got = pl_str.parameter_repr(t)
        else:
            got = pl_str.tensor_repr(t)
    assert got == expected


@pytest.mark.skipif(not HAVE_PL, reason="pytorchlite core not importable")
@pytest.mark.parametrize("name,build,opts", CASES, ids=IDS)
def test_pytorchlite_matches_torch(name, build, opts):
    t = build(torch)
    p = build(pytorchlite)
    with torch._tensor_str.printoptions(**opts), pl_str.printoptions(**opts):
        expected = repr(t)
        assert repr(p) == expected
        assert str(p) == expected
        assert format(p, "") == format(t, "")


# ---------------------------------------------------------------------------------------------
# Tensor.__format__

FORMAT_CASES = [
    ("fmt_float_2f", T(3.14159), ".2f"),
    ("fmt_float_empty", T(3.14159), ""),
    ("fmt_float_e", T(12345.678, "float64"), ".3e"),
    ("fmt_int_03d", T(7, "int64"), "03d"),
    ("fmt_int_x", T(255, "int64"), "x"),
    ("fmt_bool", T(True, "bool"), ""),
    ("fmt_requires_grad", T(2.0, requires_grad=True), ".1f"),
    ("fmt_vector_empty_spec", T([1.0, 2.0]), ""),
    ("fmt_vector_spec", T([1.0, 2.0]), ".2f"),
    ("fmt_param_scalar_spec", param(1.0), ".2f"),
    ("fmt_param_scalar_empty", param(1.0), ""),
    ("fmt_param_vector_spec", param([1.0]), "f"),
]


def outcome(fn):
    try:
        return ("ok", fn())
    except Exception as exc:  # noqa: BLE001 - the exception type and text are compared
        return (type(exc).__name__, str(exc))


@pytest.mark.parametrize("name,build,spec", FORMAT_CASES, ids=[c[0] for c in FORMAT_CASES])
def test_format_impl_matches_torch(name, build, spec):
    t = build(torch)
    assert outcome(lambda: pl_str.tensor_format(t, spec)) == outcome(lambda: format(t, spec))


@pytest.mark.skipif(not HAVE_PL, reason="pytorchlite core not importable")
@pytest.mark.parametrize("name,build,spec", FORMAT_CASES, ids=[c[0] for c in FORMAT_CASES])
def test_format_pytorchlite_matches_torch(name, build, spec):
    t = build(torch)
    p = build(pytorchlite)
    assert outcome(lambda: format(p, spec)) == outcome(lambda: format(t, spec))


# ---------------------------------------------------------------------------------------------
# Print options: same state transitions as torch's.

OPTION_SEQUENCES = [
    [{"precision": 2}],
    [{"sci_mode": True}, {"precision": 3}],
    [{"profile": "short"}],
    [{"profile": "full"}],
    [{"profile": "full"}, {"profile": "default"}],
    [{"profile": "short", "edgeitems": 5, "sci_mode": False}],
    [{"linewidth": 100, "threshold": 10}, {"profile": "no-such-profile"}],
]


@pytest.mark.parametrize("sequence", OPTION_SEQUENCES)
def test_printoptions_state_matches_torch(sequence):
    torch_saved = torch._tensor_str.get_printoptions()
    saved = pl_str.get_printoptions()
    try:
        for kwargs in sequence:
            torch.set_printoptions(**kwargs)
            pl_str.set_printoptions(**kwargs)
            assert pl_str.get_printoptions() == torch._tensor_str.get_printoptions()
            t = torch.tensor([1e-5, 0.5, 2000.0] * 400)
            assert pl_str.tensor_repr(t) == repr(t)
    finally:
        torch.set_printoptions(**torch_saved)
        pl_str.set_printoptions(**saved)


def test_printoptions_context_matches_torch():
    with torch._tensor_str.printoptions(precision=2), pl_str.printoptions(precision=2):
        inner_torch = torch._tensor_str.get_printoptions()
        inner = pl_str.get_printoptions()
    assert inner == inner_torch
    assert pl_str.get_printoptions() == torch._tensor_str.get_printoptions()


@pytest.mark.parametrize("name,build,opts", [c for c in CASES if c[0] in (
    "f_ints", "e_0x3", "e_int64", "g_leaf", "g_mul", "o_linewidth_suffix")])
def test_custom_contents_impl_matches_torch(name, build, opts):
    t = build(torch)
    with torch._tensor_str.printoptions(**opts), pl_str.printoptions(**opts):
        expected = torch._tensor_str._str(t, tensor_contents="[custom]")
        assert pl_str._str(t, tensor_contents="[custom]") == expected


# ---------------------------------------------------------------------------------------------
# Seeded random sweep over shapes, value ranges, dtypes and print options (impl variant).

SWEEP_OPTIONS = [
    {}, {"precision": 2}, {"precision": 0}, {"precision": 8}, {"linewidth": 40},
    {"linewidth": 120}, {"threshold": 10}, {"threshold": 10, "edgeitems": 1},
    {"threshold": 5, "edgeitems": 0}, {"sci_mode": True}, {"sci_mode": False},
    {"profile": "short"}, {"profile": "full"}, {"threshold": 0}, {"linewidth": 5},
]


def sweep_tensor(rng):
    ndim = rng.randint(0, 4)
    shape = [rng.choice([1, 2, 3, 5, 7, 9, 15, 40]) for _ in range(ndim)]
    while math.prod(shape) > 5000:  # keep the sweep quick; summaries start at 1001
        shape[shape.index(max(shape))] //= 2
    n = math.prod(shape)
    kind = rng.randint(0, 5)
    scale = 10.0 ** rng.uniform(-12, 12)
    values = []
    for _ in range(n):
        if kind == 0:
            v = rng.gauss(0.0, 1.0)
        elif kind == 1:
            v = float(rng.randint(-1000, 1000))
        elif kind == 2:
            v = rng.gauss(0.0, 1.0) * scale
        elif kind == 3:
            v = rng.randint(-3, 3) * 10.0 ** rng.randint(-6, 10)
        elif kind == 4:
            v = round(rng.gauss(0.0, 1.0), rng.randint(0, 3))
        else:
            v = math.exp(rng.gauss(0.0, 1.0) * rng.uniform(0, 20))
        if rng.random() < 0.05:
            v = rng.choice([NAN, INF, -INF, -0.0, 0.0])
        values.append(v)
    dtype = rng.choice(["float32", "float64", "int64", "bool"])
    if dtype == "int64":
        values = [int(max(-2**62, min(2**62, v))) if math.isfinite(v) else 7 for v in values]
    elif dtype == "bool":
        values = [v > 0 for v in values]
    data = nest(values, shape) if shape else values[0]
    t = torch.tensor(data, dtype=getattr(torch, dtype))
    if dtype.startswith("float") and rng.random() < 0.2:
        t = t.requires_grad_() * 1
    return t


@pytest.mark.parametrize("seed", range(20))
def test_random_sweep_impl_matches_torch(seed):
    rng = random.Random(seed)
    for _ in range(15):
        t = sweep_tensor(rng)
        opts = rng.choice(SWEEP_OPTIONS)
        expected = torch_repr_with(opts, t)
        with pl_str.printoptions(**opts):
            assert pl_str.tensor_repr(t) == expected, (opts, t.dtype, tuple(t.shape))
