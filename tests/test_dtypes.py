"""The dtypes beyond float32/float64/int64/bool (uint8, int8, int16, int32, float16, bfloat16):
promotion, casts and their edge values, each op family, creation, printing and autograd,
checked against PyTorch (these tests skip without it)."""
import numpy as np
import pytest

import pytorchlite as pl

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
         "float64"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]
FLOATS = ["float16", "bfloat16", "float32", "float64"]
NEW = ["uint8", "int8", "int16", "int32", "float16", "bfloat16"]


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def both(torch, name):
    return getattr(pl, name), getattr(torch, name)


def outcome(fn):
    """("ok", value) or ("err", exception type name, message)."""
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001 - the type is compared
        return ("err", type(e).__name__, str(e))


def same(mine, theirs):
    """Same dtype (by name), shape and values (nan equal to nan) of a pytorchlite and a torch
    tensor."""
    assert repr(mine.dtype) == repr(theirs.dtype), (mine.dtype, theirs.dtype)
    assert tuple(mine.shape) == tuple(theirs.shape)
    a, b = mine.tolist(), theirs.tolist()
    if mine.dtype.is_floating_point:
        np.testing.assert_array_equal(np.array(a, dtype=np.float64), np.array(b, dtype=np.float64))
    else:
        assert a == b


def same_outcome(fn_pl, fn_torch):
    """Both raise the same exception type, or both give the same tensor or number."""
    a, b = outcome(fn_pl), outcome(fn_torch)
    assert a[0] == b[0], (a, b)
    if a[0] == "err":
        assert a[1] == b[1], (a, b)
        return
    if hasattr(a[1], "dtype"):
        same(a[1], b[1])
    else:
        assert a[1] == b[1] or (a[1] != a[1] and b[1] != b[1]), (a, b)


# ---------------------------------------------------------------------------- promotion

@pytest.mark.parametrize("a", NAMES)
def test_promote_types_and_can_cast_for_every_pair(torch, a):
    for b in NAMES:
        pa, ta = both(torch, a)
        pb, tb = both(torch, b)
        assert repr(pl.promote_types(pa, pb)) == repr(torch.promote_types(ta, tb)), (a, b)
        assert pl.can_cast(pa, pb) == torch.can_cast(ta, tb), (a, b)


SCALARS = [True, 3, -2, 2.5]


@pytest.mark.parametrize("a", NAMES)
def test_result_type_of_tensors_zero_dim_tensors_and_numbers(torch, a):
    pa, ta = both(torch, a)
    x_pl, x_t = pl.ones(2, dtype=pa), torch.ones(2, dtype=ta)
    for s in SCALARS:
        assert repr(pl.result_type(x_pl, s)) == repr(torch.result_type(x_t, s)), (a, s)
        assert repr((x_pl + s).dtype) == repr((x_t + s).dtype), (a, s)
    for b in NAMES:
        pb, tb = both(torch, b)
        z_pl, z_t = pl.ones((), dtype=pb), torch.ones((), dtype=tb)
        assert repr(pl.result_type(x_pl, z_pl)) == repr(torch.result_type(x_t, z_t)), (a, b)
        assert repr((x_pl * z_pl).dtype) == repr((x_t * z_t).dtype), (a, b)
        y_pl, y_t = pl.ones(2, dtype=pb), torch.ones(2, dtype=tb)
        assert repr(pl.result_type(x_pl, y_pl)) == repr(torch.result_type(x_t, y_t)), (a, b)


# ---------------------------------------------------------------------------- casts

EDGE = [float("nan"), float("inf"), -float("inf"), 1e10, -1e10, 3e9, -3e9, 300.7, -1.5, -200.5,
        70000.2, -129.9, 2.0 ** 31, -2.0 ** 31 - 1, 255.9, 256.0, -0.9, 0.5, 65519.0, 65520.0,
        1e-8, -6e-8, 1e39]


@pytest.mark.parametrize("src", FLOATS)
def test_float_to_every_dtype_edge_values(torch, src):
    ps, ts = both(torch, src)
    a_pl = pl.tensor(EDGE, dtype=pl.float64).to(ps)
    a_t = torch.tensor(EDGE, dtype=torch.float64).to(ts)
    same(a_pl, a_t)
    for dst in NAMES:
        pd, td = both(torch, dst)
        same(a_pl.to(pd), a_t.to(td))
        same(a_pl[::2].to(pd), a_t[::2].to(td))  # strided source


@pytest.mark.parametrize("src", INTS + ["bool"])
def test_integer_to_every_dtype_wraps_and_rounds(torch, src):
    vals = [0, 1, -1, 127, 128, -129, 255, 256, 300, -200, 70000, 65519, 65520, 2 ** 31 + 5,
            -2 ** 31 - 7, 2 ** 40 + 5, 2 ** 53 + 1, 2 ** 62 + 12345]
    base_pl = pl.tensor(vals, dtype=pl.int64)
    base_t = torch.tensor(vals, dtype=torch.int64)
    ps, ts = both(torch, src)
    a_pl, a_t = base_pl.to(ps), base_t.to(ts)
    same(a_pl, a_t)
    for dst in NAMES:
        pd, td = both(torch, dst)
        same(a_pl.to(pd), a_t.to(td))


def test_float32_to_half_and_bfloat16_round_to_nearest_even_everywhere(torch):
    # every float16 value, the midpoints between neighbours (ties) and a hair beside them,
    # subnormals, and random float32 bits
    h = np.arange(0, 65536, dtype=np.uint32).astype(np.uint16).view(np.float16)
    f = h.astype(np.float32)
    f = f[np.isfinite(f)]
    mids = (f[:-1].astype(np.float64) + f[1:].astype(np.float64)) / 2
    pos = np.sort(f[f >= 0]).astype(np.float64)
    mids = (pos[:-1] + pos[1:]) / 2
    rnd = np.random.default_rng(0).integers(0, 2 ** 32, 20000, dtype=np.uint64).astype(np.uint32)
    cases = np.concatenate([f, mids.astype(np.float32), -mids.astype(np.float32),
                            np.nextafter(mids.astype(np.float32), np.float32(np.inf)),
                            np.nextafter(mids.astype(np.float32), np.float32(0)),
                            rnd.view(np.float32)]).astype(np.float32)
    x_pl, x_t = pl.from_numpy(cases), torch.from_numpy(cases)
    for name in ("float16", "bfloat16"):
        p, t = both(torch, name)
        mine = x_pl.to(p).view(pl.int16).numpy()
        theirs = x_t.to(t).view(torch.int16).numpy()
        nan = np.isnan(cases)
        np.testing.assert_array_equal(mine[~nan], theirs[~nan])
        assert np.isnan(x_pl.to(p).float().numpy()[nan]).all()
    # NumPy's float16 conversion rounds to nearest even too
    with np.errstate(over="ignore"):
        np_half = cases.astype(np.float16)
    np.testing.assert_array_equal(x_pl.half().numpy().view(np.uint16)[~np.isnan(cases)],
                                  np_half.view(np.uint16)[~np.isnan(cases)])
    # and back: every float16/bfloat16 bit pattern widens exactly
    bits = np.arange(0, 65536, dtype=np.int64).astype(np.int16)
    for name in ("float16", "bfloat16"):
        p, t = both(torch, name)
        w_pl = pl.from_numpy(bits.copy()).view(p).float().numpy()
        w_t = torch.from_numpy(bits.copy()).view(t).float().numpy()
        np.testing.assert_array_equal(w_pl, w_t)


def test_double_to_half_rounds_through_float32_as_pytorch(torch):
    vals = [1 + 2 ** -11 + 2 ** -40, 1 + 2 ** -11, 65504.0, 65519.99, 5.960464477539063e-08,
            2.9802322387695312e-08, 2.98023224e-08]
    for name in ("float16", "bfloat16"):
        p, t = both(torch, name)
        same(pl.tensor(vals, dtype=pl.float64).to(p), torch.tensor(vals, dtype=torch.float64).to(t))


# ---------------------------------------------------------------------------- creation

@pytest.mark.parametrize("name", NEW)
def test_factories_take_every_dtype(torch, name):
    p, t = both(torch, name)
    same(pl.zeros(2, 3, dtype=p), torch.zeros(2, 3, dtype=t))
    same(pl.ones(4, dtype=p), torch.ones(4, dtype=t))
    same(pl.full((2,), 7, dtype=p), torch.full((2,), 7, dtype=t))
    same(pl.arange(0, 10, 3, dtype=p), torch.arange(0, 10, 3, dtype=t))
    same(pl.tensor([[1, 2], [3, 4]], dtype=p), torch.tensor([[1, 2], [3, 4]], dtype=t))
    assert repr(pl.empty(3, dtype=p).dtype) == repr(torch.empty(3, dtype=t).dtype)
    x_pl, x_t = pl.ones(2, 2), torch.ones(2, 2)
    for fn in ("zeros_like", "ones_like", "empty_like"):
        assert repr(getattr(pl, fn)(x_pl, dtype=p).dtype) == repr(getattr(torch, fn)(x_t, dtype=t).dtype)
    same(pl.full_like(x_pl, 5, dtype=p), torch.full_like(x_t, 5, dtype=t))
    same(pl.zeros(3, dtype=p).fill_(2), torch.zeros(3, dtype=t).fill_(2))
    same(pl.zeros(4, dtype=p)[::2].fill_(3), torch.zeros(4, dtype=t)[::2].fill_(3))


@pytest.mark.parametrize("name", NEW)
def test_out_of_range_numbers_raise_as_pytorch(torch, name):
    p, t = both(torch, name)
    for v in (300, -1, -129, -300, 1e6, 1e40, float("nan"), 2 ** 31, 2 ** 40, 70000):
        for make_pl, make_t in [(lambda d: pl.full((2,), v, dtype=d), lambda d: torch.full((2,), v, dtype=d)),
                                (lambda d: pl.tensor([v], dtype=d), lambda d: torch.tensor([v], dtype=d)),
                                (lambda d: pl.zeros(2, dtype=d).fill_(v), lambda d: torch.zeros(2, dtype=d).fill_(v))]:
            a, b = outcome(lambda: make_pl(p)), outcome(lambda: make_t(t))
            assert a[0] == b[0], (name, v, a, b)
            if a[0] == "err":
                assert a[1:] == b[1:], (name, v)
            else:
                same(a[1], b[1])


@pytest.mark.parametrize("name", NEW)
def test_conversion_methods_and_sizes(torch, name):
    p, t = both(torch, name)
    x_pl, x_t = pl.tensor([1.5, -2.25, 3.0]).to(p), torch.tensor([1.5, -2.25, 3.0]).to(t)
    same(x_pl, x_t)
    for m in ("half", "bfloat16", "int", "short", "char", "byte", "float", "double", "long", "bool"):
        same(getattr(x_pl, m)(), getattr(x_t, m)())
    assert x_pl.type() == x_t.type()
    same(x_pl.type(pl.int32), x_t.type(torch.int32))
    assert x_pl.element_size() == x_t.element_size() == x_pl.itemsize == x_t.itemsize
    assert x_pl.nbytes == x_t.nbytes
    assert p.itemsize == t.itemsize and p.is_signed == t.is_signed
    assert p.is_floating_point == t.is_floating_point and repr(p) == repr(t)
    assert x_pl.is_floating_point() == x_t.is_floating_point()
    assert x_pl[0].item() == x_t[0].item() and type(x_pl[0].item()) is type(x_t[0].item())
    assert x_pl.tolist() == x_t.tolist()
    assert float(x_pl[1]) == float(x_t[1]) and int(x_pl[1]) == int(x_t[1])


def test_aliases_are_pytorchs(torch):
    for name in ("half", "int", "short", "long", "float", "double", "bfloat16", "uint8", "int8"):
        assert repr(getattr(pl, name)) == repr(getattr(torch, name))


def test_default_dtype_may_be_half(torch):
    try:
        for name in ("float16", "bfloat16"):
            p, t = both(torch, name)
            pl.set_default_dtype(p)
            torch.set_default_dtype(t)
            same(pl.tensor([1.5, 2]), torch.tensor([1.5, 2]))
            same(pl.zeros(2) + 1, torch.zeros(2) + 1)
            same(pl.arange(3) / 2, torch.arange(3) / 2)
        same_outcome(lambda: pl.set_default_dtype(pl.int32), lambda: torch.set_default_dtype(torch.int32))
    finally:
        pl.set_default_dtype(pl.float32)
        torch.set_default_dtype(torch.float32)


def test_fast_half_conversion_matches_the_reference_kernel():
    # contiguous float32 <-> float16 runs take the F16C instructions where the CPU has them;
    # strided ones take the scalar reference kernel: every bit pattern must agree (NaNs as NaNs)
    bits = np.arange(0, 65536, dtype=np.int64).astype(np.int16)
    pair = np.repeat(bits, 2)  # every value twice: [::2] is a strided view of the same values
    half = pl.from_numpy(pair.copy()).view(pl.float16)
    fast, ref = half[::2].contiguous().float().numpy(), half[::2].float().numpy()
    np.testing.assert_array_equal(fast, ref)
    rnd = np.random.default_rng(3).integers(0, 2 ** 32, 100000, dtype=np.uint64).astype(np.uint32)
    f = np.concatenate([rnd.view(np.float32), fast])
    x = pl.from_numpy(np.repeat(f, 2))
    fast_h = x[::2].contiguous().half().float().numpy()
    ref_h = x[::2].half().float().numpy()
    nan = np.isnan(f)
    np.testing.assert_array_equal(fast_h[~nan], ref_h[~nan])
    assert np.isnan(fast_h[nan]).all() and np.isnan(ref_h[nan]).all()
