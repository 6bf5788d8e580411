"""pytorchlite.safetensors: round trips, exchange with the safetensors package and torch, the
format's validation rules on malformed files, slicing, and the memory-mapped tensors' lifetime."""
import json
import struct

import numpy as np
import pytest

import pytorchlite as torch
import pytorchlite.nn as nn
from pytorchlite.safetensors import (SafetensorError, load, load_file, safe_open, save,
                                     save_file)


def sample():
    torch.manual_seed(0)
    return {
        "w": torch.randn(3, 4),
        "b": torch.arange(4, dtype=torch.float64) / 3,
        "idx": torch.tensor([-(2 ** 62), 7, 2 ** 40]),
        "mask": torch.tensor([True, False, True]),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
    }


def assert_same(a, b):
    assert set(a) == set(b)
    for k in a:
        assert a[k].dtype == b[k].dtype, k
        assert tuple(a[k].shape) == tuple(b[k].shape), k
        np.testing.assert_array_equal(a[k].numpy(), b[k].numpy())


def raw(header, data=b"", pad=True):
    """A file from a header dict (or raw header bytes) and data bytes."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


# --------------------------------------------------------------------------- round trips

def test_bytes_round_trip_keeps_values_dtypes_shapes():
    tensors = sample()
    assert_same(load(save(tensors)), tensors)


def test_file_round_trip_with_metadata(tmp_path):
    path = tmp_path / "m.safetensors"
    tensors = sample()
    save_file(tensors, path, metadata={"epoch": "3", "note": "héllo"})
    assert_same(load_file(path), tensors)
    with safe_open(path, framework="pt") as f:
        assert f.metadata() == {"epoch": "3", "note": "héllo"}
        assert f.keys() == sorted(tensors)


def test_layout_header_padding_and_order():
    data = save({"b": torch.zeros(1, dtype=torch.bool), "a": torch.zeros(1),
                 "c": torch.zeros(1, dtype=torch.int64), "d": torch.zeros(2)})
    (n,) = struct.unpack("<Q", data[:8])
    assert n % 8 == 0
    header = data[8:8 + n]
    text = header.rstrip(b" ")
    assert n == len(text) + (-len(text) % 8)  # padded with spaces to the next multiple of 8
    names = list(json.loads(header))
    # I64 before F32 before BOOL (descending alignment), then by name
    assert names == ["c", "a", "d", "b"]
    assert len(data) == 8 + n + 8 + 4 + 8 + 1


def test_parameters_requiring_grad_are_saved_and_state_dict_loads(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    path = tmp_path / "model.safetensors"
    save_file(model.state_dict(), path)
    other = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    result = other.load_state_dict(load_file(path))
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    x = torch.randn(5, 3)
    np.testing.assert_array_equal(model(x).detach().numpy(), other(x).detach().numpy())


# --------------------------------------------------------------------------- exchange

def test_exchange_with_the_safetensors_package(tmp_path):
    st_np = pytest.importorskip("safetensors.numpy")
    tensors = sample()
    arrays = {k: v.numpy() for k, v in tensors.items()}
    assert save(tensors, metadata={"k": "v"}) == st_np.save(arrays, metadata={"k": "v"})
    ours, theirs = tmp_path / "ours.safetensors", tmp_path / "theirs.safetensors"
    save_file(tensors, ours)
    back = st_np.load_file(str(ours))
    for k in tensors:
        np.testing.assert_array_equal(back[k], arrays[k])
        assert back[k].dtype == arrays[k].dtype
    st_np.save_file(arrays, str(theirs), metadata={"from": "numpy"})
    assert_same(load_file(theirs), tensors)
    with safe_open(theirs, "pt") as f:
        assert f.metadata() == {"from": "numpy"}


def test_exchange_with_torch(tmp_path):
    real = pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    tensors = sample()
    as_torch = {k: real.from_numpy(v.numpy().copy()) for k, v in tensors.items()}
    assert save(tensors) == st.save(as_torch)
    path = tmp_path / "x.safetensors"
    save_file(tensors, path)
    for k, v in st.load_file(str(path)).items():
        assert str(v.dtype) == str(tensors[k].dtype)
        np.testing.assert_array_equal(v.numpy(), tensors[k].numpy())
    st.save_file(as_torch, str(path))
    assert_same(load_file(path), tensors)
    assert_same(load(st.save(as_torch)), tensors)


def test_other_dtypes_are_refused_by_name_and_readable_as_numpy(tmp_path):
    st_np = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "u16.safetensors"
    st_np.save_file({"h": np.arange(4, dtype=np.uint16), "f": np.ones(2, np.float32)},
                    str(path))
    with pytest.raises(SafetensorError, match="`h` has dtype U16"):
        load_file(path)
    with safe_open(path, framework="np") as f:
        np.testing.assert_array_equal(f.get_tensor("h"), np.arange(4, dtype=np.uint16))
    with safe_open(path, framework="pt") as f:
        assert f.get_tensor("f").tolist() == [1.0, 1.0]


# --------------------------------------------------------------------------- writing rules

def test_shared_tensors_are_refused_like_the_reference():
    w = torch.zeros(4, 4)
    with pytest.raises(RuntimeError, match="Some tensors share memory") as info:
        save({"a": w, "b": w})
    assert "{'a', 'b'}" in str(info.value) or "{'b', 'a'}" in str(info.value)
    with pytest.raises(RuntimeError, match="share memory"):
        save({"a": w[1:3], "b": w[2]})  # overlapping views
    data = save({"a": w[:2], "b": w[2:]})  # disjoint views of one storage are fine
    assert set(load(data)) == {"a", "b"}


def test_non_contiguous_and_non_tensor_values_raise_the_reference_errors():
    with pytest.raises(ValueError, match="non contiguous tensor: `t`"):
        save({"t": torch.zeros(3, 2).t()})
    with pytest.raises(ValueError, match="Key `x` is invalid, expected torch.Tensor"):
        save({"x": 3})
    with pytest.raises(ValueError, match="Expected a dict"):
        save([torch.zeros(1)])
    with pytest.raises(TypeError, match="'int' object is not an instance of 'str'"):
        save({"x": torch.zeros(1)}, metadata={"a": 1})


def test_writing_errors_match_the_package_with_torch():
    real = pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    for ours, theirs in [({"t": torch.zeros(3, 2).t()}, {"t": real.zeros(3, 2).t()}),
                         ({"x": 3}, {"x": 3})]:
        with pytest.raises(ValueError) as a:
            save(ours)
        with pytest.raises(ValueError) as b:
            st.save(theirs)
        assert str(a.value) == str(b.value)


# --------------------------------------------------------------------------- malformed files

F32x2 = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
MALFORMED = {
    "too_small": (b"\x01\x00", "header too small"),
    "absurd_header_size": (struct.pack("<Q", 10 ** 12) + b"{}", "header too large"),
    "header_past_end": (struct.pack("<Q", 100) + b"{}", "invalid header length"),
    "bad_json": (struct.pack("<Q", 5) + b"{abc}", "invalid JSON in header"),
    "not_an_object": (raw([]), "invalid JSON in header"),
    "bad_utf8": (struct.pack("<Q", 4) + b'{\xff} ', "invalid UTF-8 in header"),
    "truncated": (raw({"a": F32x2}, b"1234"), "incomplete metadata, file not fully covered"),
    "trailing_bytes": (raw({"a": F32x2}, b"x" * 12), "incomplete metadata"),
    "overlap": (raw({"a": F32x2, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}},
                    b"x" * 12), "invalid offset for tensor `b`"),
    "hole": (raw({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                  "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}, b"x" * 12),
             "invalid offset for tensor `b`"),
    "reversed_offsets": (raw({"a": {"dtype": "F32", "shape": [0], "data_offsets": [4, 0]}},
                             b"x" * 4), "invalid offset for tensor `a`"),
    "wrong_byte_count": (raw({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}},
                             b"x" * 8), "invalid shape, data type, or offset for tensor"),
    "overflow": (raw({"a": {"dtype": "F32", "shape": [2 ** 62, 8], "data_offsets": [0, 4]}},
                     b"x" * 4), "overflow computing buffer size"),
    "unknown_dtype": (raw({"a": {"dtype": "F33", "shape": [1], "data_offsets": [0, 4]}},
                          b"x" * 4), "invalid JSON in header: unknown variant `F33`"),
    "negative_dim": (raw({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}},
                         b"x" * 4), "invalid JSON in header"),
    "missing_field": (raw({"a": {"dtype": "F32", "shape": [1]}}, b"x" * 4),
                      "invalid JSON in header: missing field `data_offsets`"),
    "metadata_not_str": (raw({"__metadata__": {"a": 1}}), "invalid JSON in header"),
    "tensor_not_object": (raw({"a": 3}), "invalid JSON in header"),
    "lone_surrogate": (raw(b'{"__metadata__":{"a":"\\ud800"}}'), "invalid JSON in header"),
    "repeated_metadata": (raw(b'{"__metadata__":{},"__metadata__":{}}'),
                          "invalid JSON in header: duplicate field `__metadata__`"),
    "repeated_field": (raw(b'{"a":{"dtype":"F32","dtype":"F32","shape":[1],'
                           b'"data_offsets":[0,4]}}', b"x" * 4),
                       "invalid JSON in header: duplicate field `dtype`"),
    "nan_constant": (raw(b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"z":NaN}}',
                         b"x" * 4), "invalid JSON in header"),
    "negative_zero_dim": (raw(b'{"a":{"dtype":"F32","shape":[-0],"data_offsets":[0,0]}}'),
                          "invalid JSON in header: invalid shape"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_raise_clean_errors(case, tmp_path):
    data, message = MALFORMED[case]
    with pytest.raises(SafetensorError, match="Error while deserializing: " + message):
        load(data)
    path = tmp_path / "bad.safetensors"
    path.write_bytes(data)
    with pytest.raises(SafetensorError, match="Error while deserializing header: " + message):
        load_file(path)
    with pytest.raises(SafetensorError):
        safe_open(path, "np")


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_the_package_refuses_the_same_files(case):
    st_np = pytest.importorskip("safetensors.numpy")
    with pytest.raises(Exception) as info:
        st_np.load(MALFORMED[case][0])
    assert type(info.value).__name__ == "SafetensorError"


def test_lenient_cases_the_reference_accepts():
    # unknown fields are ignored, a null __metadata__ is none, whitespace may lead the JSON
    entry = {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "extra": 1}
    data = raw({"a": entry, "__metadata__": None}, struct.pack("<f", 1.5))
    assert load(data)["a"].tolist() == [1.5]
    assert load(struct.pack("<Q", 3) + b" {}") == {}
    # a repeated tensor name or metadata key: the last one wins; surrogate pairs are text
    two = raw(b'{"__metadata__":{"k":"a","k":"\\ud83d\\ude00"},'
              b'"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},'
              b'"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', struct.pack("<f", 2.0))
    assert load(two)["a"].tolist() == [2.0]


def test_offsets_not_aligned_to_the_item_size_still_load(tmp_path):
    header = {"m": {"dtype": "BOOL", "shape": [1], "data_offsets": [0, 1]},
              "x": {"dtype": "F64", "shape": [2], "data_offsets": [1, 17]}}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    data = struct.pack("<Q", len(text)) + text + b"\x01" + struct.pack("<2d", 0.25, -3.0)
    path = tmp_path / "odd.safetensors"
    path.write_bytes(data)
    assert load_file(path)["x"].tolist() == [0.25, -3.0]
    assert load(data)["m"].tolist() == [True]


# --------------------------------------------------------------------------- safe_open

def test_safe_open_errors(tmp_path):
    path = tmp_path / "x.safetensors"
    save_file({"a": torch.zeros(2)}, path)
    with pytest.raises(FileNotFoundError, match="No such file or directory"):
        safe_open(tmp_path / "missing", "pt")
    with pytest.raises(SafetensorError, match="framework foo is invalid"):
        safe_open(path, "foo")
    with safe_open(path, "pt") as f:
        with pytest.raises(SafetensorError, match="File does not contain tensor zz"):
            f.get_tensor("zz")
        with pytest.raises(SafetensorError, match="File does not contain tensor zz"):
            f.get_slice("zz")
    with pytest.raises(SafetensorError, match="File is closed"):
        f.keys()


SLICES = ["...", "0", "-1", "slice(1, 3)", "(slice(None), slice(1, 3))", "(0, 1)",
          "(Ellipsis, 1)", "slice(-1, None)", "slice(5, 9)", "(slice(None), slice(2, 1))", "[]"]


@pytest.mark.parametrize("index", SLICES)
def test_get_slice_matches_the_package_with_torch(index, tmp_path):
    pytest.importorskip("torch")
    safetensors = pytest.importorskip("safetensors")

    path = tmp_path / "s.safetensors"
    save_file({"a": torch.arange(24.0).reshape(2, 3, 4)}, path)
    with safe_open(path, "pt") as f, safetensors.safe_open(str(path), "pt") as g:
        mine, ref = f.get_slice("a"), g.get_slice("a")
        assert mine.get_shape() == ref.get_shape() == [2, 3, 4]
        assert mine.get_dtype() == ref.get_dtype() == "F32"
        got, want = mine[eval(index)], ref[eval(index)]
        assert tuple(got.shape) == tuple(want.shape)
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_get_slice_copies_only_and_indexing_errors_are_pytorchs(tmp_path):
    path = tmp_path / "s.safetensors"
    save_file({"a": torch.arange(6.0).reshape(2, 3)}, path)
    with safe_open(path, "pt") as f:
        s = f.get_slice("a")
        part = s[:, 1:3]
        assert part.tolist() == [[1.0, 2.0], [4.0, 5.0]] and part.is_contiguous()
        with pytest.raises(IndexError):
            s[5]
        with pytest.raises(SafetensorError, match="Non empty lists"):
            s[[0]]


# --------------------------------------------------------------------------- the mapping

def test_tensors_outlive_the_handle_and_an_overwrite_of_their_file(tmp_path):
    path = tmp_path / "x.safetensors"
    save_file({"a": torch.arange(1000.0)}, path)
    with safe_open(path, "pt") as f:
        a = f.get_tensor("a")
    loaded = load_file(path)["a"]
    save_file({"a": torch.zeros(1000)}, path)  # renamed over the mapped file
    assert a.sum().item() == loaded.sum().item() == sum(range(1000))
    assert load_file(path)["a"].sum().item() == 0.0


def test_writes_to_a_loaded_tensor_do_not_reach_the_file(tmp_path):
    path = tmp_path / "x.safetensors"
    save_file({"a": torch.ones(4)}, path)
    before = path.read_bytes()
    t = load_file(path)["a"]
    t.mul_(5)
    assert t.tolist() == [5.0] * 4
    assert path.read_bytes() == before
    assert load_file(path)["a"].tolist() == [1.0] * 4
