"""``save`` and ``load``: PyTorch's zip checkpoint format, read and written without PyTorch.

A checkpoint is a stored (uncompressed) zip archive whose entries sit under one folder:
``data.pkl`` (a protocol-2 pickle of the object), ``byteorder``, one ``data/<key>`` record per
storage (the storage's raw little-endian bytes) and ``version``. Tensors pickle as calls of
``torch._utils._rebuild_tensor_v2`` whose storage argument is a persistent id naming the record.

Writing goes through the small protocol-2 pickle emitter of ``_pickle_emit`` (Python's own
Pickler would need ``torch`` importable to write PyTorch's global names). Reading subclasses
``pickle.Unpickler`` and resolves every global through ``_Unpickler.find_class``: PyTorch's
names map to local stand-ins and, with the default ``weights_only=True``, nothing else is
allowed.
"""
import collections
import ctypes
import io
import os
import pickle
import re
import struct
import sys
import warnings
import zipfile

import numpy as np

from . import _C
from . import _dtype as _dt
from ._load_errors import (_BLOCKED_MODULES, _refuse_legacy, _unsupported_global,
                           _weights_only_message)
from ._pickle_emit import _STORAGE_OF, _Emitter
from ._size import Size
from ._tensor import Tensor

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals"]

# ---- dtypes and storage classes ----------------------------------------------------------

_DTYPE_OF_STORAGE = {v: k for k, v in _STORAGE_OF.items()}
# bfloat16 has no NumPy type: its bytes are read as int16 and viewed as bfloat16
_NUMPY_OF = {_dt.float32: np.float32, _dt.float64: np.float64, _dt.int64: np.int64,
             _dt.bool: np.bool_, _dt.float16: np.float16, _dt.bfloat16: np.int16,
             _dt.int32: np.int32, _dt.int16: np.int16, _dt.int8: np.int8, _dt.uint8: np.uint8}

# PyTorch storage classes and dtypes pytorchlite cannot hold, named by their dtype.
_FOREIGN_STORAGES = {
    "ComplexFloatStorage": "complex64", "ComplexDoubleStorage": "complex128",
    "QInt8Storage": "qint8", "QUInt8Storage": "quint8", "QInt32Storage": "qint32",
    "QUInt4x2Storage": "quint4x2", "QUInt2x4Storage": "quint2x4",
}
_FOREIGN_DTYPES = {
    "uint16", "uint32", "uint64", "complex32", "complex64", "complex128", "cfloat", "cdouble",
    "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz", "float8_e8m0fnu",
    "float4_e2m1fn_x2", "qint8", "quint8", "qint32", "quint4x2", "quint2x4", "bits1x8",
    "bits2x4", "bits4x2", "bits8", "bits16",
} | {f"{p}int{n}" for p in ("", "u") for n in range(1, 8)}


def _unsupported_dtype(name):
    return TypeError(f"pytorchlite cannot load tensors of dtype torch.{name}: it supports "
                     "torch.float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8 "
                     "and bool (convert the tensors in PyTorch first, e.g. with .float())")


# ---- the zip container -------------------------------------------------------------------

_ALIGNMENT = 64  # every record's payload starts at a multiple of this, as PyTorch's writer


def _archive_name(f):
    if isinstance(f, (str, os.PathLike)):
        base = os.path.basename(os.fsdecode(f))
        stem = base.rsplit(".", 1)[0] if "." in base else base
        if stem and stem.isascii() and "/" not in stem and "\\" not in stem:
            return stem
    return "archive"


def _write_record(zf, name, data):
    """Adds one stored record whose payload starts at a multiple of _ALIGNMENT bytes."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = len(data)
    zip64 = len(data) * 1.05 > zipfile.ZIP64_LIMIT  # when zipfile adds a ZIP64 local field
    header = 30 + len(name.encode("ascii")) + (20 if zip64 else 0)
    pad = -(zf.fp.tell() + header + 4) % _ALIGNMENT
    info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
    with zf.open(info, "w", force_zip64=zip64) as out:
        out.write(data)


def _storage_bytes(storage):
    """A buffer over the bytes of a storage's first `numel` elements (no copy)."""
    nbytes = storage.numel * storage.dtype.itemsize
    if nbytes == 0:
        return b""
    return memoryview((ctypes.c_ubyte * nbytes).from_address(storage.address)).cast("B")


def save(obj, f, pickle_module=pickle, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Saves an object to a file in PyTorch's zip format; ``torch.load`` reads it back.

    ``obj`` may hold tensors, Parameters, dtypes, Sizes, containers, numbers and strings (such
    files load with ``weights_only=True``) or any other picklable object. ``f`` is a path, a
    path-like object or a writable binary file object.

    Note:
        pytorchlite always writes pickle protocol 2 (PyTorch's default) with its own emitter,
        so ``pickle_module`` and ``pickle_protocol`` must keep their defaults; the legacy
        (non-zip) format is not written.
    """
    if pickle_module is not pickle and pickle_module is not None:
        raise NotImplementedError("pytorchlite.save writes with its own pickler; "
                                  "pickle_module must be the standard pickle module")
    if pickle_protocol != 2:
        raise NotImplementedError("pytorchlite.save writes pickle protocol 2 only")
    if not _use_new_zipfile_serialization:
        raise NotImplementedError("pytorchlite.save writes the zip format only "
                                  "(_use_new_zipfile_serialization=False is not supported)")
    emitter = _Emitter()
    emitter.save(obj)
    data = emitter.finish()
    name = _archive_name(f)
    if isinstance(f, (str, os.PathLike)):
        parent = os.path.dirname(os.path.abspath(os.fsdecode(f)))
        if not os.path.isdir(parent):
            raise RuntimeError(f"Parent directory {os.path.dirname(os.fsdecode(f))} does not "
                               "exist.")
        with open(f, "wb") as fp:
            _write_archive(fp, name, data, emitter.storage_list, _disable_byteorder_record)
    else:
        _write_archive(f, name, data, emitter.storage_list, _disable_byteorder_record)


def _write_archive(fp, name, data, storages, no_byteorder):
    with zipfile.ZipFile(fp, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        _write_record(zf, f"{name}/data.pkl", data)
        if not no_byteorder:
            _write_record(zf, f"{name}/byteorder", sys.byteorder.encode("ascii"))
        for storage in storages:
            _write_record(zf, f"{name}/data/{storage.key}", _storage_bytes(storage))
        _write_record(zf, f"{name}/version", b"3\n")


# ---- reading ------------------------------------------------------------------------------

class _StorageIn:
    """A storage read from a checkpoint: its bytes, once, shared by every view of it."""

    def __init__(self, raw, dtype, swap):
        self.raw = raw      # (nbytes,) uint8, writable
        self.dtype = dtype  # None for an untyped storage
        self.swap = swap    # byte order differs from this machine's
        self.typed = {}
        self.base_tensors = {}

    def array(self, dtype):
        """The bytes as a 1-D array of dtype (byte-swapped to native order once)."""
        arr = self.typed.get(dtype)
        if arr is None:
            itemsize = dtype.itemsize
            if self.raw.size % itemsize:
                raise RuntimeError(f"storage of {self.raw.size} bytes does not hold whole "
                                   f"{dtype} elements")
            arr = self.raw.view(_NUMPY_OF[dtype])
            if self.swap and itemsize > 1:
                if self.typed:
                    raise RuntimeError("pytorchlite cannot byte-swap a storage viewed with "
                                       "two dtypes")
                arr.byteswap(inplace=True)
            self.typed[dtype] = arr
        return arr

    def tensor(self, dtype):
        """The whole storage as one 1-D tensor (made once per dtype)."""
        t = self.base_tensors.get(dtype)
        if t is None:
            t = _C.from_numpy(self.array(dtype))
            if t.dtype is not dtype:  # bfloat16 read as int16
                t = t.view(dtype)
            self.base_tensors[dtype] = t
        return t

    # map_location callables receive this object and usually return it unchanged
    def cpu(self):
        return self

    @property
    def device(self):
        from . import device

        return device("cpu")


def _view(storage, dtype, offset, size, stride):
    """A tensor over storage elements offset + sum(i_k * stride_k) (shares the memory)."""
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape: {len(stride)} vs "
                           f"{len(size)}")
    if any(n == 0 for n in size):
        return _C.empty(size, dtype=dtype)
    base = storage.array(dtype)
    if any(n < 0 for n in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(size)}: "
                           f"{list(size)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    last = sum((n - 1) * s for n, s in zip(size, stride))
    if any(s < 0 for s in stride) or not 0 <= last * dtype.itemsize < 2 ** 63:
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(size)} and "
                           f"strides={list(stride)}")
    if offset + last >= base.size:
        raise RuntimeError("Trying to resize storage that is not resizable")
    if hasattr(Tensor, "as_strided"):  # one core storage for every view: offsets kept too
        return storage.tensor(dtype).as_strided(size, stride, offset)
    # Each view wraps the same memory (writes are seen by all), starting at its first element.
    itemsize = base.itemsize
    arr = np.lib.stride_tricks.as_strided(base[offset:], shape=size,
                                          strides=tuple(s * itemsize for s in stride))
    t = _C.from_numpy(arr)
    return t if t.dtype is dtype else t.view(dtype)  # bfloat16 read as int16


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    if storage.dtype is None:
        raise pickle.UnpicklingError("_rebuild_tensor_v2 received an untyped storage")
    return _finish(_view(storage, storage.dtype, storage_offset, size, stride), requires_grad,
                   metadata)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    return _finish(_view(storage, dtype, storage_offset, size, stride), requires_grad, metadata)


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _rebuild_tensor_v2(storage, storage_offset, size, stride)


def _finish(t, requires_grad, metadata):
    if metadata and metadata.get("neg"):
        t = -t  # a negative view is saved as its storage with the flag set
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks):
    from .nn.parameter import Parameter

    return Parameter(data, requires_grad)


def _set_obj_state(obj, state):
    if isinstance(state, tuple):
        if len(state) != 2:
            raise pickle.UnpicklingError(f"Invalid serialized state: {state!r}")
        state, slots = state
        for k, v in (slots or {}).items():
            setattr(obj, k, v)
    for k, v in (state or {}).items():
        setattr(obj, k, v)
    return obj


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    return _set_obj_state(_rebuild_parameter(data, requires_grad, backward_hooks), state)


def _rebuild_from_type_v2(func, new_type, args, state):
    ret = func(*args)
    if type(ret) is not new_type:
        if not (isinstance(new_type, type) and issubclass(new_type, Tensor)):
            raise pickle.UnpicklingError(f"cannot rebuild a tensor as {new_type!r}")
        ret = Tensor._make_subclass(new_type, ret, ret.requires_grad)
    return _set_obj_state(ret, state)


def _torch_device(type_name, index=None):
    from . import device

    if isinstance(type_name, str) and ":" in type_name and index is None:
        type_name, index = type_name.split(":")
        index = int(index)
    return device(type_name, index)


def _reject(name, why):
    def fail(*args, **kwargs):
        raise RuntimeError(f"pytorchlite cannot load {name}: {why}")

    return fail


def _torch_globals():
    """PyTorch's global names (module, name) -> pytorchlite stand-ins, allowed by default."""
    from .nn.parameter import Parameter

    table = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("collections", "Counter"): collections.Counter,
        ("_codecs", "encode"): __import__("codecs").encode,
        ("builtins", "bytearray"): bytearray,
        ("builtins", "set"): set,
        ("builtins", "complex"): complex,
        ("torch", "Size"): Size,
        ("torch", "Tensor"): Tensor,
        ("torch", "device"): _torch_device,
        ("torch.nn.parameter", "Parameter"): Parameter,
        ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
        ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter_with_state,
        ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
    }
    for kind in ("qtensor", "sparse_tensor", "nested_tensor", "wrapper_subclass",
                 "meta_tensor_no_storage", "device_tensor_from_numpy",
                 "device_tensor_from_cpu_tensor"):
        table[("torch._utils", "_rebuild_" + kind)] = _reject(
            kind.replace("_", " "), "pytorchlite has dense CPU tensors only")
    for d in _dt._ALL:
        table[("torch", repr(d)[len("torch."):])] = d
    for alias, d in (("float", _dt.float32), ("double", _dt.float64), ("long", _dt.int64),
                     ("half", _dt.float16), ("int", _dt.int32), ("short", _dt.int16)):
        table[("torch", alias)] = d
    for name, d in _DTYPE_OF_STORAGE.items():
        table[("torch", name)] = _StorageType(name, d)
        table[("torch.cuda", name)] = _StorageType(name, d)
    table[("torch.storage", "UntypedStorage")] = _StorageType("UntypedStorage", None)
    table[("torch", "UntypedStorage")] = _StorageType("UntypedStorage", None)
    return table


class _StorageType:
    """Stands in for a PyTorch storage class inside persistent ids."""

    def __init__(self, name, dtype):
        self.name = name
        self.dtype = dtype

    def __repr__(self):
        return f"torch.{self.name}"


_user_safe_globals = []  # what add_safe_globals was given, in order


def add_safe_globals(safe_globals):
    """Allows these classes / functions (or ``(obj, "module.name")`` pairs) in weights_only
    loads."""
    for g in safe_globals:
        if g not in _user_safe_globals:
            _user_safe_globals.append(g)


def get_safe_globals():
    """The globals added with ``add_safe_globals``."""
    return list(_user_safe_globals)


def clear_safe_globals():
    """Forgets every global added with ``add_safe_globals``."""
    _user_safe_globals.clear()


class safe_globals:
    """Context manager: ``add_safe_globals(globals)`` inside the block only."""

    def __init__(self, safe_globals):
        self.safe_globals = list(safe_globals)

    def __enter__(self):
        self.saved = list(_user_safe_globals)
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc):
        _user_safe_globals[:] = self.saved


def _user_allowed_globals():
    allowed = {}
    for g in _user_safe_globals:
        if isinstance(g, tuple):
            if len(g) != 2:
                raise ValueError("Expected tuple of length 2 (global, str of callable full "
                                 f"path), but got tuple of length: {len(g)}")
            if type(g[1]) is not str:
                raise TypeError("Expected second item in tuple to be str of callable full "
                                f"path, but got: {type(g[1])}")
            allowed[g[1]] = g[0]
        else:
            allowed[f"{g.__module__}.{g.__qualname__}"] = g
    return allowed


class _Unpickler(pickle.Unpickler):
    """Resolves globals through the stand-in table; with weights_only, nothing else."""

    def __init__(self, file, archive, map_location, weights_only, **kwargs):
        super().__init__(file, **kwargs)
        self.archive = archive
        self.map_location = map_location
        self.weights_only = weights_only
        self.table = _torch_globals()
        self.storages = {}

    def find_class(self, module, name):
        if module == "__builtin__":
            module = "builtins"
        if self.weights_only and module in _BLOCKED_MODULES:
            raise pickle.UnpicklingError(f"Trying to load unsupported GLOBAL {module}.{name} "
                                         f"whose module {module} is blocked.")
        target = self.table.get((module, name))
        if target is not None:
            return target
        target = _user_allowed_globals().get(f"{module}.{name}")
        if target is not None:
            return target
        root = module.split(".")[0]
        if root == "torch":
            if module in ("torch", "torch.cuda") and name in _FOREIGN_STORAGES:
                raise _unsupported_dtype(_FOREIGN_STORAGES[name])
            if module == "torch" and name in _FOREIGN_DTYPES:
                raise _unsupported_dtype(name)
        if self.weights_only:
            raise pickle.UnpicklingError(_unsupported_global(module, name))
        if root == "torch":
            return self._lite_equivalent(module, name)
        return super().find_class(module, name)

    @staticmethod
    def _lite_equivalent(module, name):
        """torch.a.b.Name -> pytorchlite.a.b.Name (or pytorchlite.a.Name) when it exists."""
        import importlib

        parts = module.split(".")
        for depth in range(len(parts), 0, -1):
            lite = ".".join(["pytorchlite"] + parts[1:depth])
            try:
                mod = importlib.import_module(lite)
            except ImportError:
                continue
            target = getattr(mod, name, None)
            if target is not None:
                return target
        raise pickle.UnpicklingError(f"pytorchlite has no equivalent of {module}.{name}")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"Unsupported persistent id: {pid!r}")
        _, storage_type, key, location, numel = pid
        if not isinstance(storage_type, _StorageType):
            raise pickle.UnpicklingError(f"Unsupported storage type in persistent id: "
                                         f"{storage_type!r}")
        key = str(key)
        storage = self.storages.get(key)
        if storage is None:
            itemsize = 1 if storage_type.dtype is None else storage_type.dtype.itemsize
            raw = self.archive.read_storage(key, int(numel), itemsize)
            storage = _StorageIn(raw, storage_type.dtype, self.archive.swap)
            self._check_location(storage, str(location))
            self.storages[key] = storage
        return storage

    def _check_location(self, storage, location):
        target = self.map_location
        if target is None:
            target = location
        elif isinstance(target, dict):
            target = target.get(location, location)
        elif callable(target) and not isinstance(target, str) and not hasattr(target, "type"):
            result = target(storage, location)
            if result is None:
                target = location
            elif result is storage:
                return
            else:
                raise RuntimeError("pytorchlite: a map_location function must return the "
                                   "storage it receives (storages stay on the CPU)")
        kind = getattr(target, "type", None) or str(target).split(":")[0]
        if kind == "cpu":
            return
        if kind == "cuda" and self.map_location is None:
            raise RuntimeError(
                "Attempting to deserialize object on a CUDA device but torch.cuda.is_available()"
                " is False. If you are running on a CPU-only machine, please use torch.load "
                "with map_location=torch.device('cpu') to map your storages to the CPU.")
        raise RuntimeError(f"pytorchlite runs on the CPU only; device '{target}' is not "
                           "available (use map_location='cpu')")


_MINIZ_HINT = (". This is an internal miniz error. If you are seeing this error, there is a "
               "high likelihood that your checkpoint file is corrupted. This can happen if the "
               "checkpoint was not saved properly, was transferred incorrectly, or the file was "
               "modified after saving.")


def _corrupt(what, why):
    return RuntimeError(f"PytorchStreamReader failed {what}: {why}{_MINIZ_HINT}")


class _ArchiveIn:
    """The records of a checkpoint zip, found under the folder its first entry names.

    Damaged archives fail with PyTorch's RuntimeError texts (never zipfile.BadZipFile), and
    stored records are read straight from the file, without a CRC check, as PyTorch does.
    """

    def __init__(self, fp):
        self.fp = fp
        start = fp.tell()
        size = fp.seek(0, io.SEEK_END) - start
        fp.seek(start)
        try:
            self.zf = zipfile.ZipFile(fp)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as e:
            why = ("not a ZIP archive" if size < 22 else
                   "failed finding central directory" if "not a zip file" in str(e) else
                   "invalid header or archive is corrupted")
            raise _corrupt("reading zip archive", why) from None
        names = self.zf.namelist()
        if not names:
            raise _corrupt("reading zip archive", "failed finding central directory")
        self.prefix = names[0].split("/")[0] + "/"
        self.names = set(names)
        self._check_version()
        if self.has("constants.pkl"):
            raise RuntimeError("pytorchlite cannot load TorchScript archives (torch.jit.save)")
        if not self.has("data.pkl"):
            raise _corrupt("locating file data.pkl", "file not found")
        order = self.read("byteorder").decode() if self.has("byteorder") else "little"
        if order not in ("little", "big"):
            raise ValueError("Unknown endianness type: " + order)
        self.swap = order != sys.byteorder

    def has(self, name):
        return self.prefix + name in self.names

    def _check_version(self):
        """PyTorch's reader requires a format version record, from 1 to 10."""
        name = ".data/version" if self.has(".data/version") else "version"
        if not self.has(name):
            raise RuntimeError('Expected hasRecord("version") to be true, but got false.  '
                               "(Could this error message be improved?  If so, please report "
                               "an enhancement request to PyTorch.)")
        text = self.read(name).decode("latin-1")
        number = re.match(r"\s*[-+]?\d+", text)
        if number is None:
            raise RuntimeError("[enforce fail at inline_container.cc:215] . Couldn't parse the "
                               f"version {text} as Long Long.")
        version = int(number.group())
        if version < 1:
            raise RuntimeError(
                "[enforce fail at inline_container.cc:219] . Attempted to read a PyTorch file "
                f"with version {version}, but the minimum supported version for reading is 1. "
                "Your PyTorch script module file is too old. Please regenerate it with latest "
                "version of PyTorch to mitigate this issue.")
        if version > 10:
            raise RuntimeError(
                "[enforce fail at inline_container.cc:230] . Attempted to read a PyTorch file "
                f"with version {version}, but the maximum supported version for reading is 10. "
                "The version of your PyTorch installation may be too old, please upgrade "
                "PyTorch to latest version to mitigate this issue.")

    def read(self, name):
        info = self.zf.getinfo(self.prefix + name)
        raw = bytearray(info.file_size)
        self._read_into(name, info, memoryview(raw))
        return bytes(raw)

    def _read_into(self, name, info, out):
        """Fills out (info.file_size bytes) with the record's payload."""
        what = f"reading file {name}"
        if info.compress_type != zipfile.ZIP_STORED:
            try:
                with self.zf.open(info) as src:
                    got = src.readinto(out)
            except (zipfile.BadZipFile, EOFError, OSError, ValueError) as e:
                raise _corrupt(what, str(e)) from None
        else:
            self.fp.seek(info.header_offset)
            header = self.fp.read(30)
            if len(header) < 30 or header[:4] != b"PK\x03\x04":
                raise _corrupt(what, "invalid header or archive is corrupted")
            name_len, extra_len = struct.unpack("<HH", header[26:30])
            self.fp.seek(info.header_offset + 30 + name_len + extra_len)
            got = 0
            while got < len(out):
                n = self.fp.readinto(out[got:])
                if not n:
                    break
                got += n
        if got != len(out):
            raise _corrupt(what, "file read failed")

    def read_storage(self, key, numel, itemsize):
        """The bytes of record data/<key>, which must hold numel elements of itemsize bytes."""
        name = self.prefix + "data/" + key
        if name not in self.names:
            raise _corrupt(f"locating file data/{key}", "file not found")
        if numel < 0:
            raise TypeError(f"get_storage_from_record(): incompatible function arguments "
                            f"(a storage of {numel} elements)")
        info = self.zf.getinfo(name)
        nbytes = numel * itemsize
        if info.file_size != nbytes:
            raise RuntimeError(f"record size ({info.file_size} bytes) does not match expected "
                               f"size ({nbytes} bytes = {nbytes} elements * 1 bytes/element) "
                               "for dtype Byte")
        raw = np.empty(nbytes, dtype=np.uint8)
        self._read_into(f"data/{key}", info, memoryview(raw))
        return raw


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Loads an object saved with ``torch.save`` or ``pytorchlite.save``.

    ``f`` is a path, a path-like object or a readable binary file object. ``map_location`` may
    be None, ``'cpu'``, a device, a dict of location names or a function
    ``(storage, location) -> storage``; every storage must end up on the CPU. With
    ``weights_only=True`` (the default, as in PyTorch 2.6+) only tensors, Parameters,
    containers, numbers, strings and PyTorch's allowlisted types are rebuilt; with
    ``weights_only=False`` any class is imported (PyTorch's names map to pytorchlite's, and
    ``torch`` itself is never imported): use it only for files you trust.

    Note:
        Tensors must have dtype float32, float64, int64 or bool. ``mmap=True`` is accepted but
        the storages are read into memory. The legacy (pre-1.6, non-zip) format and
        TorchScript archives are not supported.
    """
    weights_only = _resolve_weights_only(weights_only, pickle_module)
    if weights_only:
        if pickle_module is not None:
            raise RuntimeError("Can not safely load weights when explicit pickle_module is "
                               "specified")
    elif pickle_module is not None and pickle_module is not pickle:
        raise NotImplementedError("pytorchlite.load reads with the standard pickle module only")
    if pickle_load_args and weights_only:
        warnings.warn("pickle_load_args only works if `weights_only=False`.")
    unknown = set(pickle_load_args) - {"encoding", "errors", "fix_imports"}
    if unknown:
        raise TypeError(f"load() got an unexpected keyword argument '{sorted(unknown)[0]}'")
    pickle_load_args.setdefault("encoding", "utf-8")
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fp:
            return _load_file(fp, map_location, weights_only, pickle_load_args, mmap, f)
    if not (hasattr(f, "seek") and f.seekable()):
        f = io.BytesIO(f.read())
    return _load_file(f, map_location, weights_only, pickle_load_args, mmap, None)


_TRUE_VALUES = ("1", "y", "yes", "true")  # what torch.load reads as "set" (any case)


def _env_flag(name):
    return os.environ.get(name, "0").lower() in _TRUE_VALUES


def _resolve_weights_only(weights_only, pickle_module):
    """weights_only after the default and the two environment overrides, as torch.load.

    TORCH_FORCE_WEIGHTS_ONLY_LOAD forces True even over an explicit False;
    TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD gives False only when the caller passed nothing. Only
    "1", "y", "yes" and "true" (in any case) count as set; every other value is ignored.
    """
    not_set = weights_only is None
    if not_set:
        weights_only = pickle_module is None
    force = _env_flag("TORCH_FORCE_WEIGHTS_ONLY_LOAD")
    force_no = _env_flag("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD")
    if force and force_no:
        raise RuntimeError("Only one of `TORCH_FORCE_WEIGHTS_ONLY_LOAD` or "
                           "`TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` should be set, but both were set.")
    if force:
        return True
    if force_no and not_set:
        warnings.warn("Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected, since "
                      "the`weights_only` argument was not explicitly passed to `torch.load`, "
                      "forcing weights_only=False.", UserWarning, stacklevel=3)
        return False
    return bool(weights_only)


def _load_file(fp, map_location, weights_only, pickle_load_args, mmap, path):
    """Loads from the open binary file fp (path: the name it was opened by, or None)."""
    start = fp.tell()
    magic = fp.read(4)
    fp.seek(start)
    if magic != b"PK\x03\x04":
        if mmap:
            name = f"{path}, " if isinstance(path, str) else ""
            raise RuntimeError("mmap can only be used with files saved with `torch.save("
                               f"{name}_use_new_zipfile_serialization=True), please torch.save "
                               "your checkpoint with this option in order to use mmap.")
        _refuse_legacy(fp, weights_only, pickle_load_args)
    archive = _ArchiveIn(fp)
    if mmap and path is None:
        raise ValueError("f must be a file path in order to use the mmap argument")
    data = io.BytesIO(archive.read("data.pkl"))
    unpickler = _Unpickler(data, archive, map_location, weights_only, **pickle_load_args)
    if not weights_only:
        return unpickler.load()
    try:
        return unpickler.load()
    except pickle.UnpicklingError as e:
        raise pickle.UnpicklingError(_weights_only_message(str(e))) from None
