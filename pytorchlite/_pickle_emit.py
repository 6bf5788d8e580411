"""The protocol-2 pickle emitter behind ``save``: writes objects as the opcodes and global
names that ``torch.load`` (weights_only=True) accepts, without importing torch.

Python's own Pickler checks that every global it writes can be imported, and the names PyTorch
expects (``torch._utils._rebuild_tensor_v2``, ``torch FloatStorage``...) live in ``torch``,
which pytorchlite never imports; hence this small writer. Tensors become ``_rebuild_tensor_v2``
calls whose storage argument is a persistent id; tensors viewing the same memory share one
storage record, whose element count is filled in once every view of it has been seen.
"""
import collections
import copyreg
import pickle
import struct
import sys
import types

from . import _dtype as _dt
from ._size import Size
from ._tensor import Tensor

_STORAGE_OF = {_dt.float32: "FloatStorage", _dt.float64: "DoubleStorage",
               _dt.int64: "LongStorage", _dt.bool: "BoolStorage", _dt.float16: "HalfStorage",
               _dt.bfloat16: "BFloat16Storage", _dt.int32: "IntStorage",
               _dt.int16: "ShortStorage", _dt.int8: "CharStorage", _dt.uint8: "ByteStorage"}


def _device_type():
    from . import device

    return device


# ---- writing: a protocol-2 pickle emitter ------------------------------------------------

_BATCH = 1000  # items per APPENDS / SETITEMS, as Python's pickler


def _encode_long(value):
    """Two's-complement little-endian bytes of an int, as the LONG1 opcode wants them."""
    if value == 0:
        return b""
    data = value.to_bytes(value.bit_length() // 8 + 1, "little", signed=True)
    if value < 0 and len(data) > 1 and data[-1] == 0xFF and data[-2] & 0x80:
        data = data[:-1]
    return data


class _StorageOut:
    """One storage to write: its record key, dtype, base address and the elements in use."""

    __slots__ = ("key", "dtype", "address", "numel", "patches", "tensors")

    def __init__(self, key, dtype, address):
        self.key = key
        self.dtype = dtype
        self.address = address
        self.numel = 0
        self.patches = []  # offsets in the pickle of the 8-byte numel fields to fill in
        self.tensors = []  # keeps the tensors (and so their memory) alive until written


class _Emitter:
    """Writes an object as protocol-2 pickle opcodes that ``torch.load`` accepts.

    Tensors become ``torch._utils._rebuild_tensor_v2`` calls whose storages are persistent
    ids; tensors viewing the same memory share one storage record. Objects of other types go
    through their ``__reduce_ex__(2)`` like Python's pickler does.
    """

    def __init__(self):
        self.out = bytearray(b"\x80\x02")  # PROTO 2
        self.memo = {}        # id(obj) -> memo index
        self.next_index = 0
        self.kept = []        # memoized objects, kept alive so that their ids stay unique
        self.global_memo = {}  # (module, name) -> memo index
        self.busy = set()     # ids of tuples / reduce arguments being written (cycle check)
        self.storages = {}    # (address, dtype) -> _StorageOut
        self.storage_list = []

    # -- opcodes --
    def _put(self, obj):
        index = self.next_index
        self.next_index += 1
        if obj is not None:
            self.memo[id(obj)] = index
            self.kept.append(obj)
        if index < 256:
            self.out += b"q" + bytes([index])            # BINPUT
        else:
            self.out += b"r" + struct.pack("<I", index)  # LONG_BINPUT
        return index

    def _get(self, index):
        if index < 256:
            self.out += b"h" + bytes([index])            # BINGET
        else:
            self.out += b"j" + struct.pack("<I", index)  # LONG_BINGET

    def _global(self, module, name):
        index = self.global_memo.get((module, name))
        if index is not None:
            self._get(index)
            return
        self.out += b"c" + module.encode("ascii") + b"\n" + name.encode("ascii") + b"\n"
        self.global_memo[(module, name)] = self._put(None)

    def _int(self, value):
        if 0 <= value < 256:
            self.out += b"K" + bytes([value])                    # BININT1
        elif 0 <= value < 65536:
            self.out += b"M" + struct.pack("<H", value)          # BININT2
        elif -2 ** 31 <= value < 2 ** 31:
            self.out += b"J" + struct.pack("<i", value)          # BININT
        else:
            data = _encode_long(value)
            if len(data) < 256:
                self.out += b"\x8a" + bytes([len(data)]) + data  # LONG1
            else:
                self.out += b"\x8b" + struct.pack("<i", len(data)) + data  # LONG4

    def _str(self, value):
        data = value.encode("utf-8", "surrogatepass")
        self.out += b"X" + struct.pack("<I", len(data)) + data  # BINUNICODE
        self._put(value)

    def _call(self, module, name, args):
        """GLOBAL module.name, then the argument tuple, then REDUCE."""
        self._global(module, name)
        self._tuple(tuple(args))
        self.out += b"R"

    def _tuple(self, value):
        if not value:
            self.out += b")"                                     # EMPTY_TUPLE
            return
        if id(value) in self.busy:
            raise pickle.PicklingError("cannot save a tuple that contains itself")
        self.busy.add(id(value))
        if len(value) > 3:
            self.out += b"("                                     # MARK
        for item in value:
            self.save(item)
        self.busy.discard(id(value))
        self.out += b"t" if len(value) > 3 else b"\x85\x86\x87"[len(value) - 1:len(value)]
        self._put(value)

    def _items(self, pairs, single, many):
        batch = []
        for item in pairs:
            batch.append(item)
            if len(batch) == _BATCH:
                self._batch(batch, single, many)
                batch = []
        if batch:
            self._batch(batch, single, many)

    def _batch(self, batch, single, many):
        if len(batch) > 1:
            self.out += b"("
        for item in batch:
            if single == b"s":
                self.save(item[0])
                self.save(item[1])
            else:
                self.save(item)
        self.out += many if len(batch) > 1 else single

    # -- objects --
    def save(self, obj):
        index = self.memo.get(id(obj))
        if index is not None:
            self._get(index)
            return
        kind = type(obj)
        if obj is None:
            self.out += b"N"
        elif kind is bool:
            self.out += b"\x88" if obj else b"\x89"              # NEWTRUE / NEWFALSE
        elif kind is int:
            self._int(obj)
        elif kind is float:
            self.out += b"G" + struct.pack(">d", obj)            # BINFLOAT
        elif kind is str:
            self._str(obj)
        elif kind is tuple:
            self._tuple(obj)
        elif kind is list:
            self.out += b"]"                                     # EMPTY_LIST
            self._put(obj)
            self._items(obj, b"a", b"e")                         # APPEND / APPENDS
        elif kind is dict:
            self.out += b"}"                                     # EMPTY_DICT
            self._put(obj)
            self._items(obj.items(), b"s", b"u")                 # SETITEM / SETITEMS
        elif kind is collections.OrderedDict:
            self._global("collections", "OrderedDict")
            self.out += b")R"
            self._put(obj)
            self._items(obj.items(), b"s", b"u")
            state = getattr(obj, "__dict__", None)
            if state:
                self.save(dict(state))
                self.out += b"b"                                 # BUILD
        elif kind is collections.Counter:
            self._call("collections", "Counter", (dict(obj),))
            self._put(obj)
        elif kind in (bytes, bytearray):
            text = bytes(obj).decode("latin1")
            if kind is bytes:
                self._call("_codecs", "encode", (text, "latin1"))
            else:
                self._global("builtins", "bytearray")
                self._call("_codecs", "encode", (text, "latin1"))
                self.out += b"\x85R"
            self._put(obj)
        elif kind is set:
            self._call("builtins", "set", (list(obj),))
            self._put(obj)
        elif kind is complex:
            self._call("builtins", "complex", (obj.real, obj.imag))
        elif isinstance(obj, Tensor):
            self._tensor(obj)
        elif kind is _dt.dtype:
            self._global("torch", repr(obj)[len("torch."):])
        elif kind is Size:
            self._call("torch", "Size", (tuple(obj),))
            self._put(obj)
        elif kind is _device_type():
            self._call("torch", "device", (obj.type,) if obj.index is None else
                       (obj.type, obj.index))
            self._put(obj)
        elif isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType)):
            self._global_object(obj, getattr(obj, "__qualname__", obj.__name__))
        else:
            self._reduce(obj)

    def _global_object(self, obj, name):
        module = getattr(obj, "__module__", None)
        if module is None and isinstance(obj, types.BuiltinFunctionType):
            module = getattr(obj.__self__, "__name__", None)
        target = sys.modules.get(module) if module else None
        if target is None or "." in name or getattr(target, name, None) is not obj:
            raise pickle.PicklingError(f"Can't pickle {obj!r}: it's not found as "
                                       f"{module}.{name}")
        self._global(module, name)
        self._put(obj)

    def _reduce(self, obj):
        reducer = copyreg.dispatch_table.get(type(obj))
        rv = reducer(obj) if reducer is not None else obj.__reduce_ex__(2)
        if isinstance(rv, str):
            self._global_object(obj, rv)
            return
        if not isinstance(rv, tuple) or not 2 <= len(rv) <= 5:
            raise pickle.PicklingError(f"{type(obj).__name__}.__reduce_ex__ must return a "
                                       "string or a tuple of 2 to 5 items")
        func, args = rv[0], rv[1]
        state, listitems, dictitems = (tuple(rv[2:]) + (None, None, None))[:3]
        if id(obj) in self.busy:
            raise pickle.PicklingError(f"cannot save a {type(obj).__name__} whose constructor "
                                       "arguments contain itself")
        self.busy.add(id(obj))
        if getattr(func, "__name__", "") == "__newobj__" and args and \
                isinstance(args[0], type):
            self.save(args[0])
            self._tuple(tuple(args[1:]))
            self.out += b"\x81"                                  # NEWOBJ
        else:
            self.save(func)
            self._tuple(tuple(args))
            self.out += b"R"                                     # REDUCE
        self.busy.discard(id(obj))
        self._put(obj)
        if listitems is not None:
            self._items(listitems, b"a", b"e")
        if dictitems is not None:
            self._items(dictitems, b"s", b"u")
        if state is not None:
            self.save(state)
            self.out += b"b"                                     # BUILD

    # -- tensors --
    def _tensor(self, t):
        from .nn.parameter import Parameter

        if isinstance(t, Parameter):
            state = dict(getattr(t, "__dict__", None) or {})
            data = t.detach()
            if state:
                self._global("torch._utils", "_rebuild_parameter_with_state")
                self._parameter_args(data, t.requires_grad, state)
            else:
                self._global("torch._utils", "_rebuild_parameter")
                self._parameter_args(data, t.requires_grad)
            self.out += b"R"
        elif type(t) is Tensor:
            self._plain_tensor(t)
        else:  # another Tensor subclass
            self._global("torch._tensor", "_rebuild_from_type_v2")
            self.out += b"("
            self._global("torch._utils", "_rebuild_tensor_v2")
            self.save(type(t))
            self.out += b"("
            self._tensor_args(t)
            self.out += b"t"
            self.save(dict(getattr(t, "__dict__", None) or {}))
            self.out += b"tR"
        self._put(t)

    def _parameter_args(self, data, requires_grad, state=None):
        """(data, requires_grad, OrderedDict()[, state]): the Parameter rebuilds' arguments."""
        self.out += b"("
        self._plain_tensor(data)
        self.save(bool(requires_grad))
        self._global("collections", "OrderedDict")
        self.out += b")R"
        if state is not None:
            self.save(state)
        self.out += b"t"

    def _plain_tensor(self, t):
        self._global("torch._utils", "_rebuild_tensor_v2")
        self.out += b"("
        self._tensor_args(t)
        self.out += b"tR"

    def _tensor_args(self, t):
        """storage, storage_offset, size, stride, requires_grad, backward_hooks."""
        storage, offset = self._storage_of(t)
        self.out += b"("
        self._str("storage")
        self._global("torch", _STORAGE_OF[t.dtype])
        self._str(storage.key)
        self._str("cpu")
        storage.patches.append(len(self.out) + 2)
        self.out += b"\x8a\x08" + bytes(8)  # LONG1 numel, filled in once every view is known
        self.out += b"tQ"                    # TUPLE, BINPERSID
        self._int(offset)
        self._tuple(tuple(t.shape))
        self._tuple(tuple(t.stride()))
        self.save(bool(t.requires_grad))
        self._global("collections", "OrderedDict")
        self.out += b")R"

    def _storage_of(self, t):
        """The storage record for t and t's offset in it, in elements."""
        numel = t.numel()
        itemsize = t.element_size()
        if numel == 0:  # no bytes to share: an empty record of its own
            storage = self._new_storage(t.dtype, None)
            return storage, 0
        offset = t.storage_offset()
        address = t.data_ptr() - offset * itemsize
        storage = self.storages.get((address, t.dtype))
        if storage is None:
            storage = self._new_storage(t.dtype, address)
            self.storages[(address, t.dtype)] = storage
        extent = offset + 1 + sum((n - 1) * s for n, s in zip(t.shape, t.stride()))
        storage.numel = max(storage.numel, extent)
        storage.tensors.append(t)
        return storage, offset

    def _new_storage(self, dtype, address):
        storage = _StorageOut(str(len(self.storage_list)), dtype, address)
        self.storage_list.append(storage)
        return storage

    def finish(self):
        """The pickle bytes (with every storage's element count filled in)."""
        self.out += b"."                                         # STOP
        for storage in self.storage_list:
            for at in storage.patches:
                self.out[at:at + 8] = storage.numel.to_bytes(8, "little", signed=True)
        return bytes(self.out)
