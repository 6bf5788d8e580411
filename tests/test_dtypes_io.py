"""The new dtypes across boundaries: NumPy both ways (zero-copy), torch.save/torch.load in both
directions with PyTorch, safetensors, DLPack, and finfo/iinfo."""
import io

import numpy as np
import pytest

import pytorchlite as pl

NEW = ["uint8", "int8", "int16", "int32", "float16", "bfloat16"]
NUMPY_OF = {"uint8": np.uint8, "int8": np.int8, "int16": np.int16, "int32": np.int32,
            "float16": np.float16}
ALL = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
       "float64"]


def sample(name):
    """A 2x3 pytorchlite tensor of dtype name with values exact in every dtype."""
    return pl.tensor([[0, 1, 2], [3, 100, 7]]).to(getattr(pl, name))


@pytest.mark.parametrize("name", list(NUMPY_OF))
def test_numpy_both_ways_share_memory(name):
    arr = np.arange(6, dtype=NUMPY_OF[name]).reshape(2, 3)
    t = pl.from_numpy(arr)
    assert t.dtype is getattr(pl, name) and t.tolist() == arr.tolist()
    arr[0, 1] = 9
    assert t[0, 1].item() == 9  # a view, not a copy
    n = t.numpy()
    assert n.dtype == arr.dtype
    n[1, 2] = 4
    assert arr[1, 2] == 4
    assert np.asarray(t).dtype == arr.dtype
    assert pl.as_tensor(arr).dtype is t.dtype
    strided = pl.from_numpy(arr[:, ::2])
    assert strided.tolist() == arr[:, ::2].tolist()
    assert pl.tensor(arr).dtype is t.dtype  # tensor(ndarray) copies, keeping the dtype
    scalar = NUMPY_OF[name](3)
    assert pl.tensor(scalar).dtype is t.dtype and pl.tensor([scalar, scalar]).dtype is t.dtype


def test_vision_tutorial_line():
    img = np.random.default_rng(0).integers(0, 256, (4, 5, 3), dtype=np.uint8)
    x = pl.from_numpy(img).permute(2, 0, 1).float() / 255
    assert x.shape == (3, 4, 5) and x.dtype is pl.float32
    np.testing.assert_array_equal(x.numpy(), img.transpose(2, 0, 1).astype(np.float32) / 255)


def test_bfloat16_numpy_raises_as_pytorch():
    torch = pytest.importorskip("torch")
    for mod in (pl, torch):
        with pytest.raises(TypeError, match="Got unsupported ScalarType BFloat16"):
            mod.ones(2, dtype=mod.bfloat16).numpy()


def test_numpy_scalars_against_pytorch():
    torch = pytest.importorskip("torch")
    for v in (np.float16(1.5), np.uint8(3), np.int8(-3), np.int16(7), np.int32(9)):
        assert repr(pl.tensor(v).dtype) == repr(torch.tensor(v).dtype)
        assert repr(pl.tensor([v, 1.5]).dtype) == repr(torch.tensor([v, 1.5]).dtype)
        assert repr(pl.tensor([v, 2]).dtype) == repr(torch.tensor([v, 2]).dtype)


# ---------------------------------------------------------------------------- save / load

@pytest.mark.parametrize("name", ALL)
def test_save_load_round_trip(name):
    t = sample(name)
    buf = io.BytesIO()
    pl.save({"t": t, "view": t[:, 1:], "dtype": t.dtype}, buf)
    buf.seek(0)
    r = pl.load(buf)
    assert r["t"].dtype is t.dtype and r["t"].tolist() == t.tolist()
    assert r["view"].tolist() == t[:, 1:].tolist() and r["dtype"] is t.dtype


@pytest.mark.parametrize("name", ALL)
def test_save_load_with_pytorch_both_directions(name):
    torch = pytest.importorskip("torch")
    t = sample(name)
    buf = io.BytesIO()
    pl.save({"t": t, "v": t[1]}, buf)
    buf.seek(0)
    theirs = torch.load(buf)
    assert theirs["t"].dtype is getattr(torch, name)
    assert theirs["t"].tolist() == t.tolist() and theirs["v"].tolist() == t[1].tolist()
    buf = io.BytesIO()
    tt = torch.tensor([[5, 0, 1], [2, 3, 4]]).to(getattr(torch, name))
    torch.save({"t": tt, "v": tt[:, ::2]}, buf)
    buf.seek(0)
    mine = pl.load(buf)
    assert mine["t"].dtype is getattr(pl, name)
    assert mine["t"].tolist() == tt.tolist() and mine["v"].tolist() == tt[:, ::2].tolist()


def test_half_module_state_dict_loads_in_pytorch():
    torch = pytest.importorskip("torch")
    m = pl.nn.Linear(3, 2).half()
    buf = io.BytesIO()
    pl.save(m.state_dict(), buf)
    buf.seek(0)
    tm = torch.nn.Linear(3, 2).half()
    tm.load_state_dict(torch.load(buf))
    assert tm.weight.dtype is torch.float16
    assert tm.weight.tolist() == m.weight.tolist()


# ---------------------------------------------------------------------------- safetensors

@pytest.mark.parametrize("name", NEW)
def test_safetensors_round_trip_and_reference(name, tmp_path):
    from pytorchlite import safetensors as st

    t = sample(name)
    data = st.save({"a": t})
    assert st.load(data)["a"].dtype is t.dtype and st.load(data)["a"].tolist() == t.tolist()
    ref = pytest.importorskip("safetensors.torch")
    torch = pytest.importorskip("torch")
    tt = torch.tensor(t.float().tolist()).to(getattr(torch, name))
    assert ref.save({"a": tt}) == data  # byte for byte the reference's file
    st.save_file({"a": t}, str(tmp_path / "a.safetensors"))
    back = ref.load_file(str(tmp_path / "a.safetensors"))["a"]
    assert back.dtype is getattr(torch, name) and back.tolist() == t.tolist()


# ---------------------------------------------------------------------------- DLPack

@pytest.mark.parametrize("name", NEW)
def test_dlpack_both_ways_with_pytorch(name):
    torch = pytest.importorskip("torch")
    t = sample(name)
    theirs = torch.from_dlpack(t)
    assert theirs.dtype is getattr(torch, name) and theirs.tolist() == t.tolist()
    theirs[0, 0] = 1
    assert t[0, 0].item() == 1  # shared memory
    tt = torch.tensor([[1, 2], [3, 4]]).to(getattr(torch, name))
    mine = pl.from_dlpack(tt)
    assert mine.dtype is getattr(pl, name) and mine.tolist() == tt.tolist()


# ---------------------------------------------------------------------------- finfo / iinfo

@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64"])
def test_finfo_against_pytorch(name):
    torch = pytest.importorskip("torch")
    mine, theirs = pl.finfo(getattr(pl, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(mine, field) == getattr(theirs, field), field
    assert repr(mine) == repr(theirs) and str(mine) == str(theirs)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_against_pytorch(name):
    torch = pytest.importorskip("torch")
    mine, theirs = pl.iinfo(getattr(pl, name)), torch.iinfo(getattr(torch, name))
    for field in ("bits", "max", "min", "dtype"):
        assert getattr(mine, field) == getattr(theirs, field), field
    assert repr(mine) == repr(theirs)


def test_finfo_iinfo_errors_and_default():
    torch = pytest.importorskip("torch")
    assert repr(pl.finfo()) == repr(torch.finfo())
    for call in (lambda m: m.finfo(m.int32), lambda m: m.iinfo(m.float32),
                 lambda m: m.iinfo(m.bool)):
        with pytest.raises(TypeError) as mine:
            call(pl)
        with pytest.raises(TypeError) as theirs:
            call(torch)
        assert str(mine.value) == str(theirs.value)


def test_finfo_from_first_principles():
    # independent of PyTorch: the IEEE formats' limits
    assert pl.finfo(pl.float16).max == 65504.0 and pl.finfo(pl.float16).eps == 2 ** -10
    assert pl.finfo(pl.bfloat16).eps == 2 ** -7 and pl.finfo(pl.float32).eps == np.finfo(np.float32).eps
    assert pl.finfo(pl.float64).max == np.finfo(np.float64).max
    assert pl.iinfo(pl.uint8).max == 255 and pl.iinfo(pl.int32).min == -2 ** 31


def test_numpy_ufunc_bool_results_become_uint8_as_pytorch():
    torch = pytest.importorskip("torch")
    import warnings

    for mod in (pl, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # torch's own __array_wrap__
            r = np.greater(mod.tensor([1.0, -2.0]), 0)
        assert repr(r.dtype) == "torch.uint8" and r.tolist() == [1, 0]
