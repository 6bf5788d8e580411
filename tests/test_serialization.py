"""pytorchlite.save / pytorchlite.load on their own (no torch needed): round trips, the zip
container and pickle stream that PyTorch's loader expects, the weights_only allowlist,
map_location, and pickling / deep-copying tensors. Checks against real torch live in
tests/parity/test_serialization_parity.py."""
import copy
import fractions
import io
import pathlib
import pickle
import pickletools
import struct
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import pytorchlite as torch


def _roundtrip(obj, **load_kw):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return torch.load(buf, **load_kw)


def _same(a, b):
    assert type(a) is type(b)
    assert a.dtype == b.dtype
    assert tuple(a.shape) == tuple(b.shape)
    assert a.requires_grad == b.requires_grad
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def _rewrite(data, change):
    """A copy of zip `data` whose records pass through change(name, bytes) -> (name, bytes)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for name in src.namelist():
            new = change(name, src.read(name))
            if new is not None:
                dst.writestr(*new)
    return out.getvalue()


def _saved(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


# ---- round trips ----

@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64, torch.bool])
def test_dtypes_roundtrip(dtype, rng):
    a = rng.standard_normal((3, 5)) * 10
    t = torch.tensor(a).to(dtype)
    _same(t, _roundtrip(t))
    _same(t[1], _roundtrip(t[1]))
    _same(t[0, 0], _roundtrip(t[0, 0]))  # 0-dim


def test_special_values_and_extremes():
    t = torch.tensor([float("nan"), float("inf"), -float("inf"), -0.0, 1e-45, 3.4e38])
    r = _roundtrip(t)
    assert np.array_equal(t.numpy().view(np.uint32), r.numpy().view(np.uint32))
    big = torch.tensor([2 ** 63 - 1, -2 ** 63, 0])
    _same(big, _roundtrip(big))


def test_empty_tensors():
    for t in (torch.empty(0), torch.empty(0, 3), torch.zeros(2, 0, dtype=torch.int64)):
        _same(t, _roundtrip(t))


def test_views_keep_strides_and_share_memory():
    x = torch.arange(24.).reshape(4, 6)
    obj = {"x": x, "t": x.t(), "part": x[1:, 2:5], "row": x[2], "col": x[:, 3],
           "wide": x.unsqueeze(0).expand(3, 4, 6)}
    r = _roundtrip(obj)
    for k, v in obj.items():
        _same(v, r[k])
        assert r[k].stride() == v.stride(), k
    # one storage: a write through one view shows in the others
    r["x"][2, 3] = -1.0
    assert r["t"][3, 2].item() == -1.0
    assert r["part"][1, 1].item() == -1.0
    assert r["row"][3].item() == -1.0
    assert r["col"][2].item() == -1.0
    assert r["wide"][2, 2, 3].item() == -1.0
    # only one storage record was written
    names = zipfile.ZipFile(io.BytesIO(_saved(obj))).namelist()
    assert [n for n in names if "/data/" in n] == ["archive/data/0"]


def test_separate_tensors_stay_separate():
    a, b = torch.zeros(3), torch.zeros(3)
    r = _roundtrip([a, b])
    r[0][0] = 5.0
    assert r[1][0].item() == 0.0


def test_same_object_loads_as_same_object():
    t = torch.ones(2)
    lst = [1, 2]
    r = _roundtrip({"a": t, "b": t, "l1": lst, "l2": lst})
    assert r["a"] is r["b"]
    assert r["l1"] is r["l2"]


def test_parameters_and_requires_grad():
    p = torch.nn.Parameter(torch.arange(4.))
    q = torch.nn.Parameter(torch.ones(2), requires_grad=False)
    leaf = torch.ones(3, requires_grad=True)
    r = _roundtrip({"p": p, "q": q, "leaf": leaf, "nonleaf": leaf * 2})
    _same(p, r["p"])
    _same(q, r["q"])
    _same(leaf, r["leaf"])
    assert r["nonleaf"].requires_grad and r["nonleaf"].is_leaf  # as torch.save does
    assert isinstance(r["p"], torch.nn.Parameter) and not isinstance(r["leaf"],
                                                                     torch.nn.Parameter)


def test_parameter_attributes_kept():
    p = torch.nn.Parameter(torch.ones(2))
    p.note = "kept"
    r = _roundtrip(p)
    assert isinstance(r, torch.nn.Parameter) and r.note == "kept"


class _Tagged(torch.Tensor):
    pass


def test_tensor_subclass_needs_weights_only_false():
    t = torch.Tensor._make_subclass(_Tagged, torch.arange(3.), False)
    t.tag = "x"
    data = _saved({"t": t})
    with pytest.raises(pickle.UnpicklingError, match="_Tagged"):
        torch.load(io.BytesIO(data))
    r = torch.load(io.BytesIO(data), weights_only=False)["t"]
    assert type(r) is _Tagged and r.tag == "x"
    np.testing.assert_array_equal(r.numpy(), [0.0, 1.0, 2.0])


def test_state_dict_roundtrip_and_metadata():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    sd = model.state_dict()
    r = _roundtrip(sd)
    assert type(r) is OrderedDict and list(r) == list(sd)
    assert r._metadata == sd._metadata
    for k in sd:
        _same(sd[k], r[k])
    other = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    other.load_state_dict(r)
    x = torch.randn(5, 4)
    assert torch.equal(model(x), other(x))


def test_python_values():
    obj = {"none": None, "t": True, "f": False, "ints": [0, 255, 256, 65535, 65536, -1, -129,
           2 ** 31 - 1, -2 ** 31, 2 ** 31, 2 ** 64, -2 ** 100, 10 ** 700],
           "float": [0.1, -2.5e300, float("inf")], "str": ["", "héllo ∑", "a" * 300],
           "bytes": [b"", b"\x00\xffab"], "tuple": [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)],
           "nested": {"a": [{"b": (1, [2])}]}, 7: "int key", (1, 2): "tuple key",
           "set": {1, 2}, "complex": 1 - 2j, "bytearray": bytearray(b"xy"),
           "counter": __import__("collections").Counter("aab"),
           "dtype": [torch.float32, torch.float64, torch.int64, torch.bool],
           "size": torch.Size([2, 3]), "device": torch.device("cpu"),
           "long list": list(range(2500)), "long dict": {i: i for i in range(2500)}}
    r = _roundtrip(obj)
    assert r == obj
    assert type(r["size"]) is torch.Size
    assert r["dtype"][0] is torch.float32


def test_paths_pathlike_and_file_objects(tmp_path):
    t = torch.arange(5)
    torch.save(t, str(tmp_path / "a.pt"))
    torch.save(t, tmp_path / "b.pt")
    with open(tmp_path / "c.pt", "wb") as f:
        torch.save(t, f)
    for name in ("a.pt", "b.pt", "c.pt"):
        _same(t, torch.load(str(tmp_path / name)))
        _same(t, torch.load(pathlib.Path(tmp_path / name)))
        with open(tmp_path / name, "rb") as f:
            _same(t, torch.load(f))
    assert zipfile.ZipFile(tmp_path / "a.pt").namelist()[0] == "a/data.pkl"
    assert zipfile.ZipFile(tmp_path / "c.pt").namelist()[0] == "archive/data.pkl"


def test_load_from_unseekable_stream():
    data = _saved({"x": torch.ones(3)})

    class Stream(io.RawIOBase):
        def __init__(self):
            self.inner = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            chunk = self.inner.read(len(b))
            b[:len(chunk)] = chunk
            return len(chunk)

    _same(torch.ones(3), torch.load(Stream())["x"])


def test_save_into_middle_of_buffer():
    buf = io.BytesIO()
    buf.write(b"header")
    torch.save(torch.ones(2), buf)
    buf.seek(6)
    _same(torch.ones(2), torch.load(buf))


# ---- the container and the pickle stream ----

def test_records_are_stored_aligned_and_complete():
    x = torch.arange(10.)
    data = _saved({"a": x, "b": torch.ones(3, dtype=torch.int64), "c": torch.tensor(True)})
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = zf.namelist()
    assert names[0] == "archive/data.pkl" and names[-1] == "archive/version"
    assert zf.read("archive/version") == b"3\n"
    assert zf.read("archive/byteorder") == b"little"
    assert ".format_version" not in " ".join(names)
    for info in zf.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        local = data[info.header_offset:info.header_offset + 30]
        assert local[:4] == b"PK\x03\x04"
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        assert (info.header_offset + 30 + name_len + extra_len) % 64 == 0, info.filename
    assert zf.read("archive/data/0") == x.numpy().tobytes()
    assert zf.read("archive/data/1") == np.ones(3, np.int64).tobytes()
    assert zf.read("archive/data/2") == b"\x01"


# The opcodes PyTorch's weights_only unpickler accepts.
_ALLOWED_OPS = {"PROTO", "GLOBAL", "BINPUT", "LONG_BINPUT", "BINGET", "LONG_BINGET", "MARK",
                "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3", "EMPTY_TUPLE", "EMPTY_DICT", "SETITEM",
                "SETITEMS", "EMPTY_LIST", "APPEND", "APPENDS", "BINUNICODE", "BININT1",
                "BININT2", "BININT", "LONG1", "BINFLOAT", "NEWTRUE", "NEWFALSE", "NONE",
                "BINPERSID", "REDUCE", "BUILD", "STOP", "NEWOBJ", "EMPTY_SET"}


def test_pickle_uses_only_torch_opcodes_and_names():
    model = torch.nn.Linear(3, 2)
    obj = {"sd": model.state_dict(), "p": torch.nn.Parameter(torch.ones(2)), "b": b"x",
           "ints": [1, 300, 70000, -3, 2 ** 40], "f": 0.5, "s": {1}, "dt": torch.float64,
           "size": torch.Size([1]), "many": list(range(300))}
    pkl = zipfile.ZipFile(io.BytesIO(_saved(obj))).read("archive/data.pkl")
    ops = {op.name for op, _, _ in pickletools.genops(pkl)}
    assert ops <= _ALLOWED_OPS, ops - _ALLOWED_OPS
    globals_ = {arg for op, arg, _ in pickletools.genops(pkl) if op.name == "GLOBAL"}
    assert globals_ <= {"collections OrderedDict", "torch._utils _rebuild_tensor_v2",
                        "torch._utils _rebuild_parameter", "torch FloatStorage",
                        "_codecs encode", "builtins set", "torch float64", "torch Size"}
    assert "torch._utils _rebuild_tensor_v2" in globals_


def test_persistent_id_layout():
    x = torch.arange(6.).reshape(2, 3)
    pkl = zipfile.ZipFile(io.BytesIO(_saved(x[:, 1:]))).read("archive/data.pkl")

    class Reader(pickle.Unpickler):
        def find_class(self, module, name):
            def call(*args):
                return module, name, args

            call.qualified = (module, name)
            return call

        def persistent_load(self, pid):
            return pid

    module, name, args = Reader(io.BytesIO(pkl)).load()
    assert (module, name) == ("torch._utils", "_rebuild_tensor_v2")
    pid, offset, size, stride, requires_grad, hooks = args
    assert pid[0] == "storage" and pid[2:] == ("0", "cpu", 6)
    assert pid[1].qualified == ("torch", "FloatStorage")
    assert (offset, size, stride, requires_grad) == (1, (2, 2), (3, 1), False)


# ---- weights_only, errors ----

def test_weights_only_rejects_other_globals():
    data = _saved({"frac": fractions.Fraction(1, 3)})
    with pytest.raises(pickle.UnpicklingError, match="fractions.Fraction"):
        torch.load(io.BytesIO(data))
    assert torch.load(io.BytesIO(data), weights_only=False) == {"frac": fractions.Fraction(1, 3)}


def test_safe_globals_allow_a_class():
    data = _saved([fractions.Fraction(2, 3)])
    with torch.serialization.safe_globals([fractions.Fraction]):
        assert torch.load(io.BytesIO(data)) == [fractions.Fraction(2, 3)]
    with pytest.raises(pickle.UnpicklingError):
        torch.load(io.BytesIO(data))
    try:
        torch.serialization.add_safe_globals([(fractions.Fraction, "fractions.Fraction")])
        assert torch.serialization.get_safe_globals() == [(fractions.Fraction,
                                                           "fractions.Fraction")]
        assert torch.load(io.BytesIO(data)) == [fractions.Fraction(2, 3)]
    finally:
        torch.serialization.clear_safe_globals()
    assert torch.serialization.get_safe_globals() == []


def test_weights_only_never_imports_modules():
    # a hand-made pickle calling os.system must be refused before anything runs
    pkl = b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R."
    data = _rewrite(_saved(1), lambda n, b: (n, pkl if n.endswith("data.pkl") else b))
    with pytest.raises(pickle.UnpicklingError, match="os.system"):
        torch.load(io.BytesIO(data))


def test_unsupported_dtype_names_it():
    def to_complex(name, b):
        if name.endswith("data.pkl"):
            b = b.replace(b"torch\nFloatStorage\n", b"torch\nComplexFloatStorage\n")
        return name, b

    data = _rewrite(_saved(torch.ones(2)), to_complex)
    with pytest.raises(TypeError, match="torch.complex64"):
        torch.load(io.BytesIO(data))
    with pytest.raises(TypeError, match="torch.complex64"):
        torch.load(io.BytesIO(data), weights_only=False)


def test_storage_too_small_is_refused():
    def shrink(name, b):
        if name.endswith("data/0"):
            return name, b[:4]
        if name.endswith("data.pkl"):
            b = b.replace(b"\x8a\x08" + (4).to_bytes(8, "little"),
                          b"\x8a\x08" + (1).to_bytes(8, "little"))
        return name, b

    data = _rewrite(_saved(torch.ones(4)), shrink)
    with pytest.raises(RuntimeError, match="Trying to resize storage that is not resizable"):
        torch.load(io.BytesIO(data))


def test_not_a_zip():
    # read as PyTorch's legacy format, whose first pickle must be its magic number
    with pytest.raises(RuntimeError, match="Invalid magic number"):
        torch.load(io.BytesIO(pickle.dumps({"a": 1}, protocol=2)))


def test_big_endian_file_is_swapped():
    x = torch.tensor([1.5, -2.0, 3.25])
    i = torch.tensor([1, -2, 2 ** 40])

    def to_big(name, b):
        if name.endswith("byteorder"):
            return name, b"big"
        if name.endswith("data/0"):
            return name, np.frombuffer(b, "<f4").astype(">f4").tobytes()
        if name.endswith("data/1"):
            return name, np.frombuffer(b, "<i8").astype(">i8").tobytes()
        return name, b

    r = torch.load(io.BytesIO(_rewrite(_saved([x, i]), to_big)))
    _same(x, r[0])
    _same(i, r[1])


def test_save_argument_checks(tmp_path):
    with pytest.raises(RuntimeError, match="Parent directory"):
        torch.save(1, tmp_path / "missing" / "a.pt")
    with pytest.raises(NotImplementedError):
        torch.save(1, io.BytesIO(), _use_new_zipfile_serialization=False)
    with pytest.raises(NotImplementedError):
        torch.save(1, io.BytesIO(), pickle_protocol=4)
    with pytest.raises(pickle.PicklingError):
        torch.save({"f": lambda: 1}, io.BytesIO())


# ---- map_location ----

def _cuda_file():
    def to_cuda(name, b):
        if name.endswith("data.pkl"):
            b = b.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
        return name, b

    return _rewrite(_saved({"w": torch.arange(3.)}), to_cuda)


@pytest.mark.parametrize("where", ["cpu", torch.device("cpu"), {"cuda:0": "cpu"},
                                   lambda storage, loc: storage])
def test_map_location_to_cpu(where):
    r = torch.load(io.BytesIO(_cuda_file()), map_location=where)
    _same(torch.arange(3.), r["w"])


def test_cuda_file_without_map_location():
    with pytest.raises(RuntimeError, match="map_location"):
        torch.load(io.BytesIO(_cuda_file()))


def test_map_location_other_device():
    with pytest.raises(RuntimeError, match="CPU only"):
        torch.load(io.BytesIO(_saved(torch.ones(1))), map_location="cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        torch.load(io.BytesIO(_saved(torch.ones(1))), map_location={"cpu": "cuda:0"})


# ---- Python pickle and deepcopy ----

@pytest.mark.parametrize("proto", [2, pickle.HIGHEST_PROTOCOL])
def test_pickle_tensors_and_parameters(proto):
    x = torch.arange(6.).reshape(2, 3)
    for t in (x, x.t(), torch.tensor([True, False]), torch.tensor(7),
              torch.ones(2, requires_grad=True), torch.nn.Parameter(torch.ones(3))):
        r = pickle.loads(pickle.dumps(t, protocol=proto))
        _same(t, r)
        assert r.stride() == t.stride()
    r = pickle.loads(pickle.dumps(x.t()))
    r.add_(1)  # the rebuilt tensor owns writable memory
    assert r[0, 1].item() == 4.0


def test_pickle_module_state():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    r = pickle.loads(pickle.dumps(model))
    x = torch.randn(4, 3)
    assert torch.equal(model(x), r(x))
    assert isinstance(r.weight, torch.nn.Parameter)


def test_deepcopy():
    x = torch.ones(2, requires_grad=True)
    x.grad = torch.full((2,), 3.0)
    y = copy.deepcopy(x)
    _same(x, y)
    _same(x.grad, y.grad)
    y.detach().add_(1)
    assert x[0].item() == 1.0
    p = torch.nn.Parameter(torch.ones(2))
    q = copy.deepcopy(p)
    assert isinstance(q, torch.nn.Parameter) and q is not p
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)
