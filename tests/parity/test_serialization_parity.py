"""Checkpoints cross between PyTorch and pytorchlite both ways: files written by torch.save
load in pytorchlite.load with the same values, dtypes, shapes, strides and sharing, and files
written by pytorchlite.save load in torch.load (weights_only True and False, and mmap)."""
import io
from collections import OrderedDict

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import pytorchlite as pl  # noqa: E402

_DTYPES = [(torch.float32, pl.float32), (torch.float64, pl.float64),
           (torch.int64, pl.int64), (torch.bool, pl.bool)]
_DTYPE_MAP = dict(_DTYPES)


def _torch_to_pl_buffer(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return buf


def _pl_to_torch_buffer(obj):
    buf = io.BytesIO()
    pl.save(obj, buf)
    buf.seek(0)
    return buf


def _check_pair(t, p):
    """t (torch) and p (pytorchlite) hold the same tensor."""
    assert _DTYPE_MAP[t.dtype] is p.dtype
    assert tuple(t.shape) == tuple(p.shape)
    assert t.stride() == p.stride()
    assert t.requires_grad == p.requires_grad
    assert isinstance(t, torch.nn.Parameter) == isinstance(p, pl.nn.Parameter)
    np.testing.assert_array_equal(t.detach().numpy(), p.detach().numpy())


def _check_tree(t, p):
    """Walks a torch-side object and the pytorchlite one loaded from the same file."""
    if isinstance(t, torch.Tensor):
        _check_pair(t, p)
    elif isinstance(t, dict):
        assert type(t) is type(p) and list(t) == list(p)
        assert getattr(t, "_metadata", None) == getattr(p, "_metadata", None)
        for k in t:
            _check_tree(t[k], p[k])
    elif isinstance(t, (list, tuple)):
        assert type(t) is type(p) or (type(t) is torch.Size and type(p) is pl.Size)
        assert len(t) == len(p)
        for a, b in zip(t, p):
            _check_tree(a, b)
    elif isinstance(t, torch.dtype):
        assert p is _DTYPE_MAP[t]
    elif isinstance(t, torch.device):
        assert str(t) == str(p)
    else:
        assert type(t) is type(p) and t == p


def _sample(lib):
    """The same nested object built with torch (lib=torch) or pytorchlite (lib=pl)."""
    x = lib.arange(24.).reshape(4, 6)
    obj = {
        "plain": x, "t": x.t(), "slice": x[1:, 2:5], "row": x[2], "col": x[:, 3],
        "expand": x[0].unsqueeze(0).expand(3, 6), "scalar": lib.tensor(2.5),
        "empty": lib.empty(0, 3), "param": lib.nn.Parameter(lib.arange(3.)),
        "frozen": lib.nn.Parameter(lib.ones(2), requires_grad=False),
        "leaf": lib.ones(2, requires_grad=True),
        "dtypes": [lib.float32, lib.float64, lib.int64, lib.bool],
        "values": [None, True, 3, -7, 2 ** 70, 0.25, "text", b"\x00b", (1, (2, 3)), {4, 5}],
        "size": lib.Size([2, 3]), "device": lib.device("cpu"),
        "big": lib.arange(3000.).reshape(30, 100),
        "nested": {"a": [x, {"b": (x[1], lib.tensor([True, False]))}]},
        "ints": lib.tensor([[1, -2], [2 ** 40, 0]]),
        "f64": lib.tensor([1.5, -0.1], dtype=lib.float64),
    }
    return obj


# ---- torch.save -> pytorchlite.load ----

def test_torch_objects_load_in_pytorchlite():
    obj = _sample(torch)
    r = pl.load(_torch_to_pl_buffer(obj))
    _check_tree(obj, r)


def test_torch_sharing_is_kept():
    x = torch.arange(24.).reshape(4, 6)
    obj = {"x": x, "t": x.t(), "part": x[1:, 2:5], "again": x}
    r = pl.load(_torch_to_pl_buffer(obj))
    assert r["again"] is r["x"]
    r["x"][2, 3] = -1.0
    assert r["t"][3, 2].item() == -1.0 and r["part"][1, 1].item() == -1.0


def test_torch_state_dict_loads_into_pytorchlite_module(tmp_path):
    torch.manual_seed(3)
    tm = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    torch.save(tm.state_dict(), tmp_path / "model.pt")
    sd = pl.load(tmp_path / "model.pt")
    _check_tree(tm.state_dict(), sd)
    pm = pl.nn.Sequential(pl.nn.Linear(5, 4), pl.nn.ReLU(), pl.nn.Linear(4, 2))
    assert str(pm.load_state_dict(sd)) == str(tm.load_state_dict(tm.state_dict()))
    x = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    np.testing.assert_allclose(pm(pl.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("opt", ["SGD", "Adam"])
def test_torch_optimizer_state_dict(opt):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    kw = {"lr": 0.1, "momentum": 0.9} if opt == "SGD" else {"lr": 0.01}
    o = getattr(torch.optim, opt)(model.parameters(), **kw)
    model(torch.randn(4, 3)).sum().backward()
    o.step()
    sd = o.state_dict()
    r = pl.load(_torch_to_pl_buffer(sd))
    _check_tree(sd, r)


def test_torch_parameter_with_attributes():
    p = torch.nn.Parameter(torch.ones(2))
    p.tag = "x"
    r = pl.load(_torch_to_pl_buffer(p))
    assert isinstance(r, pl.nn.Parameter) and r.tag == "x"


@pytest.mark.parametrize("dtype", [torch.complex64, torch.uint16])
def test_torch_unsupported_dtypes_named(dtype):
    buf = _torch_to_pl_buffer({"w": torch.zeros(2, dtype=dtype)})
    with pytest.raises(TypeError, match=str(dtype).replace(".", r"\.") + r"\b"):
        pl.load(buf)


def test_torch_whole_module_needs_weights_only_false():
    torch.manual_seed(1)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU())
    buf = _torch_to_pl_buffer(tm)
    with pytest.raises(Exception, match="weights_only"):
        pl.load(buf)
    buf.seek(0)
    pm = pl.load(buf, weights_only=False)
    assert isinstance(pm, pl.nn.Sequential)
    x = np.ones((1, 3), np.float32)
    np.testing.assert_allclose(pm(pl.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-6)


def test_torch_legacy_format_is_refused_clearly():
    buf = io.BytesIO()
    torch.save(torch.ones(2), buf, _use_new_zipfile_serialization=False)
    buf.seek(0)
    with pytest.raises(Exception, match="zip"):
        pl.load(buf)


# ---- pytorchlite.save -> torch.load ----

@pytest.mark.parametrize("weights_only", [True, False])
def test_pytorchlite_objects_load_in_torch(weights_only):
    obj = _sample(pl)
    r = torch.load(_pl_to_torch_buffer(obj), weights_only=weights_only)
    _check_tree(r, obj)


def test_pytorchlite_sharing_seen_by_torch():
    x = pl.arange(24.).reshape(4, 6)
    r = torch.load(_pl_to_torch_buffer({"x": x, "t": x.t(), "part": x[1:, 2:5], "again": x}))
    assert r["again"] is r["x"]
    assert r["part"].storage_offset() == 8
    assert r["x"].untyped_storage().data_ptr() == r["t"].untyped_storage().data_ptr() == \
        r["part"].untyped_storage().data_ptr()


def test_pytorchlite_file_on_disk_with_mmap(tmp_path):
    obj = _sample(pl)
    path = tmp_path / "ckpt.pt"
    pl.save(obj, path)
    _check_tree(torch.load(path, mmap=True), obj)
    _check_tree(torch.load(str(path), map_location="cpu"), obj)


def test_pytorchlite_state_dict_loads_into_torch_module():
    pl.manual_seed(5)
    pm = pl.nn.Sequential(pl.nn.Linear(5, 4), pl.nn.ReLU(), pl.nn.Linear(4, 2))
    sd = torch.load(_pl_to_torch_buffer(pm.state_dict()))
    assert type(sd) is OrderedDict and sd._metadata == pm.state_dict()._metadata
    tm = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    tm.load_state_dict(sd)
    x = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    np.testing.assert_allclose(pm(pl.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-6)


def test_pytorchlite_optimizer_state_dict_loads_in_torch():
    pl.manual_seed(0)
    model = pl.nn.Linear(3, 2)
    o = pl.optim.Adam(model.parameters(), lr=0.01)
    model(pl.randn(4, 3)).sum().backward()
    o.step()
    sd = o.state_dict()
    _check_tree(torch.load(_pl_to_torch_buffer(sd)), sd)


def test_round_trip_through_both():
    torch.manual_seed(2)
    obj = {"w": torch.randn(3, 4).t(), "n": torch.arange(5), "m": torch.tensor([True])}
    again = torch.load(_pl_to_torch_buffer(pl.load(_torch_to_pl_buffer(obj))))
    assert list(again) == list(obj)
    for k, t in obj.items():
        assert again[k].dtype == t.dtype and again[k].stride() == t.stride()
        assert torch.equal(again[k], t)
