"""DLPack: zero-copy exchange with NumPy and torch both ways, versioned and legacy capsules,
lifetimes, deleters called exactly once, consumed capsules, read-only producers, strides and
byte offsets, 0-dim and empty tensors, unsupported dtypes and devices.

Capsules built by hand (ctypes) stand for a foreign producer whose deleter calls we count."""
import ctypes
import gc
import sys

import numpy as np
import pytest

import pytorchlite as torch
from pytorchlite.utils.dlpack import DLDeviceType, from_dlpack, to_dlpack

DTYPES = [(torch.float32, np.float32), (torch.float64, np.float64), (torch.int64, np.int64),
          (torch.bool, np.bool_)]


def capsule_name(cap):
    return repr(cap).split('"')[1]


# ---- a hand-made producer: the DLPack structs in ctypes ----

class _Device(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _Device), ("ndim", ctypes.c_int32),
                ("dtype", _DType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


class _Managed(ctypes.Structure):
    pass


class _Version(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32)]


class _ManagedVersioned(ctypes.Structure):
    pass


_DELETER = ctypes.CFUNCTYPE(None, ctypes.POINTER(_Managed))
_DELETER_V = ctypes.CFUNCTYPE(None, ctypes.POINTER(_ManagedVersioned))
_Managed._fields_ = [("dl_tensor", _DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", _DELETER)]
_ManagedVersioned._fields_ = [("version", _Version), ("manager_ctx", ctypes.c_void_p),
                              ("deleter", _DELETER_V), ("flags", ctypes.c_uint64), ("dl_tensor", _DLTensor)]

_capsule_new = ctypes.pythonapi.PyCapsule_New
_capsule_new.restype = ctypes.py_object
_capsule_new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]


# A real producer's managed tensor and deleter live until the deleter has run. These are Python
# objects, so every Producer is kept here for the whole run: a tensor made from its capsule may
# be freed, and call the deleter, after the test's own references are gone (a skipped test's
# frame is collected in any order).
_PRODUCERS = []


class Producer:
    """Owns a NumPy buffer and hands out one capsule describing (shape, strides, byte_offset)
    over it; counts deleter calls."""

    def __init__(self, buf, shape, strides, byte_offset=0, versioned=False, code=2, bits=64,
                 device=1, major=1, flags=0):
        _PRODUCERS.append(self)
        self.buf = buf
        self.calls = 0
        n = len(shape)
        self.shape = (ctypes.c_int64 * max(n, 1))(*shape)
        self.strides = (ctypes.c_int64 * max(n, 1))(*strides) if strides is not None else None
        dl = _DLTensor(buf.ctypes.data, _Device(device, 0), n, _DType(code, bits, 1), self.shape,
                       self.strides, byte_offset)
        if versioned:
            self.deleter = _DELETER_V(self._count)
            self.managed = _ManagedVersioned(_Version(major, 0), None, self.deleter, flags, dl)
            self.name = b"dltensor_versioned"
        else:
            self.deleter = _DELETER(self._count)
            self.managed = _Managed(dl, None, self.deleter)
            self.name = b"dltensor"
        self.capsule = _capsule_new(ctypes.addressof(self.managed), self.name, None)

    def _count(self, _ptr):
        self.calls += 1


# ---- NumPy ----

@pytest.mark.parametrize("dt,npdt", DTYPES)
def test_numpy_round_trip_shares_memory_both_ways(dt, npdt):
    t = torch.tensor([[1, 0, 1], [0, 1, 1]], dtype=dt)
    a = np.from_dlpack(t)
    assert a.dtype == npdt and a.shape == (2, 3) and a.flags.writeable
    np.testing.assert_array_equal(a, t.numpy())
    a[0, 1] = 1
    assert bool(t[0, 1])  # the write through NumPy shows in the tensor
    b = np.array([[0, 1], [1, 0]], dtype=npdt)
    u = torch.from_dlpack(b)
    assert u.dtype == dt
    u[1, 1] = 1
    assert b[1, 1] == 1  # and a write through the tensor shows in the array


def test_numpy_strided_views_and_offsets():
    t = torch.arange(24.0).reshape(4, 6)
    for v in (t[1:, 2:], t.t(), t[::2, 1::3], t[2], t[:, 4]):
        a = np.from_dlpack(v)
        np.testing.assert_array_equal(a, v.numpy())
        assert a.strides == tuple(s * 4 for s in v.stride())
    base = np.arange(30.0).reshape(5, 6)
    for view in (base[1:, 2:], base.T, base[::2, 1::3], base[3]):
        u = torch.from_dlpack(view)
        assert u.stride() == tuple(s // 8 for s in view.strides)
        np.testing.assert_array_equal(u.numpy(), view)
        u.zero_()
        assert not view.any()  # same memory, offset honoured
        view[...] = 1


def test_zero_dim_and_empty():
    for t in (torch.tensor(2.5), torch.zeros(0, 3), torch.zeros(2, 0, dtype=torch.int64)):
        a = np.from_dlpack(t)
        assert a.shape == tuple(t.shape)
        np.testing.assert_array_equal(a, t.numpy())
    for a in (np.array(3.5), np.zeros((0, 4)), np.zeros((3, 0), np.int64)):
        t = torch.from_dlpack(a)
        assert tuple(t.shape) == a.shape and t.numel() == a.size
    assert torch.from_dlpack(np.array(3.5)).item() == 3.5


def test_lifetime_producer_dies_first():
    a = np.arange(1000.0)
    t = torch.from_dlpack(a)
    del a
    gc.collect()
    assert t.sum().item() == sum(range(1000))
    t = torch.arange(1000.0)
    a = np.from_dlpack(t[10:])
    del t
    gc.collect()
    assert a[0] == 10.0 and a.sum() == sum(range(10, 1000))


def test_numpy_producer_released_exactly_once():
    base = np.arange(6.0)
    before = sys.getrefcount(base)
    t = torch.from_dlpack(base[1:])
    assert sys.getrefcount(base) > before  # the view (kept by the capsule's owner) holds it
    del t
    gc.collect()
    assert sys.getrefcount(base) == before


def test_our_capsule_released_exactly_once():
    arr = np.arange(4.0)
    before = sys.getrefcount(arr)
    t = torch.from_numpy(arr)  # the storage holds arr: its count shows the storage's life
    cap = t.__dlpack__()
    del cap  # never consumed: the capsule's destructor releases the storage
    assert sys.getrefcount(arr) == before + 1
    for consume in (np.from_dlpack, torch.from_dlpack):
        u = consume(t)
        del u
        gc.collect()
        assert sys.getrefcount(arr) == before + 1
    cap = t.__dlpack__(max_version=(1, 0))
    u = torch.from_dlpack(cap)
    del t, cap
    assert sys.getrefcount(arr) == before + 1  # u keeps the storage
    del u
    gc.collect()
    assert sys.getrefcount(arr) == before


# ---- capsules ----

def test_versioned_and_legacy_capsules():
    t = torch.arange(3)
    assert capsule_name(t.__dlpack__()) == "dltensor"
    assert capsule_name(t.__dlpack__(max_version=(0, 8))) == "dltensor"
    assert capsule_name(to_dlpack(t)) == "dltensor"
    for cap in (t.__dlpack__(max_version=(1, 0)), t.__dlpack__(max_version=(1, 3))):
        assert capsule_name(cap) == "dltensor_versioned"
        u = torch.from_dlpack(cap)
        assert capsule_name(cap) == "used_dltensor_versioned"
        assert u.tolist() == [0, 1, 2]
    cap = to_dlpack(t)
    torch.from_dlpack(cap)
    assert capsule_name(cap) == "used_dltensor"


def test_dlpack_device_is_torch_shaped():
    dev = torch.zeros(1).__dlpack_device__()
    assert type(dev) is tuple and dev == (1, 0)
    assert type(dev[0]) is DLDeviceType and dev[0] is DLDeviceType.kDLCPU
    assert torch.utils.dlpack.DLDeviceType is DLDeviceType


def test_consumed_capsule_refused():
    cap = to_dlpack(torch.ones(2))
    torch.from_dlpack(cap)
    with pytest.raises(RuntimeError, match="can be consumed only once") as info:
        torch.from_dlpack(cap)
    with pytest.raises(RuntimeError) as not_capsule:
        torch.from_dlpack(5)
    assert str(not_capsule.value) == str(info.value)
    real = pytest.importorskip("torch")
    rcap = real.utils.dlpack.to_dlpack(real.ones(2))
    real.from_dlpack(rcap)
    with pytest.raises(RuntimeError) as theirs:
        real.from_dlpack(rcap)
    assert str(info.value) == str(theirs.value)


def test_foreign_capsule_deleter_called_once_with_byte_offset():
    buf = np.arange(12.0)
    for versioned in (False, True):
        # a (2, 3) view starting at element 2, column stride 2 (in elements), offset in bytes
        p = Producer(buf, (2, 3), (5, 1), byte_offset=16, versioned=versioned)
        t = torch.from_dlpack(p.capsule)
        assert p.calls == 0
        assert capsule_name(p.capsule).startswith("used_")
        assert t.tolist() == [[2.0, 3.0, 4.0], [7.0, 8.0, 9.0]]
        u = t[1]
        del t
        gc.collect()
        assert p.calls == 0  # the view keeps the memory
        del u
        gc.collect()
        assert p.calls == 1
    p = Producer(buf, (3, 2), None)  # no strides: compact row-major
    t = torch.from_dlpack(p.capsule)
    assert t.stride() == (2, 1) and t.tolist() == [[0, 1], [2, 3], [4, 5]]


def test_foreign_capsule_refusals_leave_it_to_its_owner():
    buf = np.zeros(4)
    for kwargs, exc, text in [({"code": 1, "bits": 16}, TypeError, "uint16"),
                              ({"code": 2, "bits": 8}, TypeError, "float8"),
                              ({"code": 5, "bits": 64}, TypeError, "complex64"),
                              ({"device": 2}, BufferError, "CPU")]:
        p = Producer(buf, (4,), (1,), **kwargs)
        with pytest.raises(exc, match=text):
            torch.from_dlpack(p.capsule)
        assert capsule_name(p.capsule) == "dltensor" and p.calls == 0  # not consumed
    p = Producer(buf, (4,), (1,), versioned=True, major=2)
    with pytest.raises(BufferError, match="version 2.0"):
        torch.from_dlpack(p.capsule)
    assert p.calls == 1  # another ABI: the consumer must call the deleter and touch nothing else
    p = Producer(buf, (4,), (-1,))
    with pytest.raises(ValueError, match="negative strides"):
        torch.from_dlpack(p.capsule)


def test_read_only_producer_is_shared_as_torch_does():
    base = np.arange(3.0)
    ro = base.view()
    ro.flags.writeable = False
    t = torch.from_dlpack(ro)
    base[0] = 5.0
    assert t[0].item() == 5.0  # shared, not copied (PyTorch 2.13 shares it too)
    p = Producer(base, (3,), (1,), versioned=True, flags=1)  # DLPACK_FLAG_BITMASK_READ_ONLY
    u = torch.from_dlpack(p.capsule)
    base[1] = 6.0
    assert u[1].item() == 6.0
    real = pytest.importorskip("torch")
    r = real.from_dlpack(ro)
    base[2] = 7.0
    assert r[2].item() == t[2].item() == 7.0


def test_copy_argument():
    t = torch.zeros(3)
    a = np.from_dlpack(t, copy=True)
    a[0] = 1
    assert t[0].item() == 0.0
    cap = t.__dlpack__(max_version=(1, 0), copy=True)
    u = torch.from_dlpack(cap)
    u[1] = 1
    assert t[1].item() == 0.0
    src = np.zeros(2)
    v = torch.from_dlpack(src, copy=True)
    v[0] = 1
    assert src[0] == 0
    with pytest.raises(AssertionError, match="not supported when ext_tensor is already"):
        torch.from_dlpack(to_dlpack(t), copy=True)


def test_export_errors():
    w = torch.ones(2, requires_grad=True)
    with pytest.raises(BufferError, match=r"Can't export tensors that require gradient, use tensor.detach\(\)"):
        w.__dlpack__()
    with pytest.raises(BufferError):
        to_dlpack(w)
    assert np.from_dlpack(w.detach()).tolist() == [1.0, 1.0]
    t = torch.ones(2)
    with pytest.raises(AssertionError, match="stream should be None on cpu."):
        t.__dlpack__(stream=1)
    with pytest.raises(TypeError, match="stream must be"):
        t.__dlpack__(stream="s")
    assert capsule_name(t.__dlpack__(stream=None)) == capsule_name(t.__dlpack__(stream=-1))
    with pytest.raises(BufferError, match="CPU"):
        t.__dlpack__(dl_device=(2, 0))
    assert capsule_name(t.__dlpack__(dl_device=(DLDeviceType.kDLCPU, 0))) == "dltensor"
    with pytest.raises(TypeError):
        t.__dlpack__(None)  # keyword-only, as in torch and the array API
    with pytest.raises(TypeError):
        t.__dlpack__(bogus=1)


# ---- torch ----

@pytest.mark.parametrize("dt,npdt", DTYPES)
def test_torch_round_trip_shares_memory_both_ways(dt, npdt):
    real = pytest.importorskip("torch")
    t = torch.tensor([[1, 0, 1], [0, 1, 1]], dtype=dt)
    r = real.from_dlpack(t)
    assert str(r.dtype) == str(dt) and tuple(r.shape) == (2, 3)
    assert r.tolist() == t.tolist()
    r[0, 1] = 1
    assert bool(t[0, 1])
    rt = real.tensor([[0, 1], [1, 0]], dtype=getattr(real, str(dt).split(".")[1]))
    u = torch.from_dlpack(rt)
    assert u.dtype == dt
    u[1, 1] = 1
    assert bool(rt[1, 1])
    assert torch.from_dlpack(real.utils.dlpack.to_dlpack(rt)).tolist() == rt.tolist()
    assert real.from_dlpack(to_dlpack(t)).tolist() == t.tolist()


def test_torch_views_lifetimes_and_device():
    real = pytest.importorskip("torch")
    t = torch.arange(24.0).reshape(4, 6)
    for v in (t[1:, 2:], t.t(), t[::2, 1::3], torch.tensor(1.5), torch.zeros(0, 2)):
        r = real.from_dlpack(v)
        assert r.stride() == v.stride() or r.numel() <= 1
        assert r.tolist() == v.tolist()
    rb = real.arange(30.0).reshape(5, 6)
    for view in (rb[1:, 2:], rb.t(), rb[::2, 1::3]):
        u = torch.from_dlpack(view)
        assert u.stride() == view.stride() and u.tolist() == view.tolist()
    r = real.arange(100.0)
    u = torch.from_dlpack(r[50:])
    del r, view, rb
    gc.collect()
    assert u[0].item() == 50.0 and u.sum().item() == sum(range(50, 100))
    x = torch.arange(100.0)
    r = real.from_dlpack(x[25:])
    del x
    gc.collect()
    assert r[0].item() == 25.0 and r.sum().item() == sum(range(25, 100))
    assert torch.ones(1).__dlpack_device__() == real.ones(1).__dlpack_device__()
    with pytest.raises(BufferError) as ours:
        torch.ones(1, requires_grad=True).__dlpack__()
    with pytest.raises(BufferError) as theirs:
        real.ones(1, requires_grad=True).__dlpack__()
    assert str(ours.value) == str(theirs.value)
