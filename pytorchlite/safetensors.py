"""The safetensors file format, read and written by pytorchlite itself (no package needed).

``pytorchlite.safetensors`` has the API of ``safetensors.torch`` plus ``safe_open``::

    from pytorchlite.safetensors import save_file, load_file, safe_open
    save_file(model.state_dict(), "model.safetensors", metadata={"epoch": "3"})
    model.load_state_dict(load_file("model.safetensors"))
    with safe_open("model.safetensors", framework="pt") as f:
        first_rows = f.get_slice("layer1.weight")[:4]

The format: 8 bytes (little-endian u64 ``n``), ``n`` bytes of a JSON object
``{"__metadata__": {str: str}, name: {"dtype": "F32", "shape": [..], "data_offsets": [b, e]}}``
padded with spaces to a multiple of 8, then the tensors' bytes (little-endian, C order). Reading
applies the reference implementation's rules, with its error texts: a header of at most
100,000,000 bytes that lies inside the file, valid UTF-8 holding a JSON object; each entry with
a known dtype, a shape of non-negative integers and two offsets; taken in offset order the
tensors start at 0 and follow each other with neither hole nor overlap, each ``e - b`` equal to
``prod(shape) * itemsize`` (with overflow checked), and the last one ending exactly at the end
of the file. Writing orders tensors by dtype alignment (descending) and then by name, as the
reference does, so files are byte for byte the ones ``safetensors.torch.save`` writes.

Note:
    The reference raises ``safetensors_rust.SafetensorError``; pytorchlite cannot name that type
    without the package, so it raises :class:`SafetensorError` (an ``Exception``) with the same
    messages. Argument mistakes raise the reference's ``TypeError``/``ValueError``/
    ``RuntimeError``/``FileNotFoundError``.

    pytorchlite's tensors are F32, F64, F16, BF16, I64, I32, I16, I8, U8 and BOOL. A file may
    hold any dtype of the format; ``get_tensor`` of another dtype (U16, F8_E4M3, C64, ...) raises
    :class:`SafetensorError` naming it, while ``framework="np"`` returns it as a NumPy array when
    NumPy has that type. ``_DTYPES`` is the one table to extend when pytorchlite gains dtypes.

    Files are memory-mapped copy-on-write (``mmap.ACCESS_COPY``): a loaded tensor is a view of
    the mapping (its bytes are read from disk once, when first touched), writing to it never
    changes the file, and the mapping lives as long as any tensor made from it. A tensor whose
    offset in the file is not aligned to its item size is copied instead. ``save_file`` writes a
    temporary file beside the target and renames it over the target, so tensors still mapped
    from the old file keep their bytes; truncating a mapped file by other means is unsafe, as
    with the reference.
"""
import json
import math
import mmap
import os
import struct
import sys
import tempfile

import numpy as np

__all__ = ["SafetensorError", "save", "save_file", "load", "load_file", "safe_open"]

MAX_HEADER_SIZE = 100_000_000
_N_LEN = 8


class SafetensorError(Exception):
    """A malformed safetensors file or an impossible request (the reference's
    ``safetensors_rust.SafetensorError``, with the same messages)."""


# name -> (rank in the reference's Dtype enum (the write order), bits, NumPy type or None,
#          pytorchlite dtype name or None). Adding a dtype to pytorchlite is one entry here.
_DTYPES = {
    "BOOL": (0, 8, np.bool_, "bool"),
    "F4": (1, 4, None, None),
    "F6_E2M3": (2, 6, None, None),
    "F6_E3M2": (3, 6, None, None),
    "U8": (4, 8, np.uint8, "uint8"),
    "I8": (5, 8, np.int8, "int8"),
    "F8_E5M2": (6, 8, None, None),
    "F8_E4M3": (7, 8, None, None),
    "F8_E8M0": (8, 8, None, None),
    "F8_E4M3FNUZ": (9, 8, None, None),
    "F8_E5M2FNUZ": (10, 8, None, None),
    "I16": (11, 16, np.int16, "int16"),
    "U16": (12, 16, np.uint16, None),
    "F16": (13, 16, np.float16, "float16"),
    "BF16": (14, 16, None, "bfloat16"),  # no NumPy type: its bytes travel as int16
    "I32": (15, 32, np.int32, "int32"),
    "U32": (16, 32, np.uint32, None),
    "F32": (17, 32, np.float32, "float32"),
    "C64": (18, 64, np.complex64, None),
    "F64": (19, 64, np.float64, "float64"),
    "I64": (20, 64, np.int64, "int64"),
    "U64": (21, 64, np.uint64, None),
}
_BY_TORCH_NAME = {v[3]: k for k, v in _DTYPES.items() if v[3]}


def _torch():
    import pytorchlite
    return pytorchlite


# ------------------------------------------------------------------------------ reading

def _parse_header(buffer, size):
    """Validates the header of a file of ``size`` bytes whose start is ``buffer`` (bytes-like
    holding at least the header). Returns (data start, metadata or None, {name: (dtype, shape,
    begin, end)} in offset order). Raises SafetensorError with the reference's texts."""
    if size < _N_LEN or len(buffer) < _N_LEN:
        raise SafetensorError("header too small")
    (n,) = struct.unpack("<Q", bytes(buffer[:_N_LEN]))
    if n > MAX_HEADER_SIZE:
        raise SafetensorError("header too large")
    stop = _N_LEN + n
    if stop > size or stop > len(buffer):
        raise SafetensorError("invalid header length")
    try:
        text = bytes(buffer[_N_LEN:stop]).decode("utf-8")
    except UnicodeDecodeError as e:
        raise SafetensorError(f"invalid UTF-8 in header: {e}") from None
    try:
        header = json.loads(text, object_pairs_hook=_JsonObject, parse_constant=_no_constant,
                            parse_int=_json_int)
        _check_strings(header)
    except ValueError as e:
        raise SafetensorError(f"invalid JSON in header: {e}") from None
    if not isinstance(header, dict):
        raise SafetensorError(f"invalid JSON in header: invalid type: {type(header).__name__}, "
                              "expected struct HashMetadata")
    if "__metadata__" in header.duplicates:
        raise SafetensorError("invalid JSON in header: duplicate field `__metadata__`")
    metadata = header.pop("__metadata__", None)
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(
                isinstance(v, str) for v in metadata.values()):
            raise SafetensorError("invalid JSON in header: __metadata__ must map strings to "
                                  "strings")
    entries = []
    for name, info in header.items():
        entries.append((_tensor_info(name, info), name))
    entries.sort(key=lambda e: (e[0][2], e[0][3]))  # by data_offsets, as the reference
    start = 0
    tensors = {}
    for (dtype, shape, begin, end), name in entries:
        if begin != start or end < begin:
            raise SafetensorError(f"invalid offset for tensor `{name}`")
        start = end
        nbits = math.prod(shape) * _DTYPES[dtype][1]
        if math.prod(shape) >= 2 ** 64 or nbits >= 2 ** 64:  # the reference's usize
            raise SafetensorError("overflow computing buffer size from shape and/or element type")
        if nbits % 8:
            raise SafetensorError("The slice is slicing for subbytes dtypes, and the slice does "
                                  "not end up at a byte boundary, this is invalid.")
        if end - begin != nbits // 8:
            raise SafetensorError("invalid shape, data type, or offset for tensor")
        tensors[name] = (dtype, shape, begin, end)
    if start + stop != size:
        raise SafetensorError("incomplete metadata, file not fully covered")
    return stop, metadata, tensors


class _JsonObject(dict):
    """A JSON object that remembers its repeated keys (the last value wins, as in the
    reference's maps; its structs refuse a repeated field)."""

    def __init__(self, pairs):
        super().__init__()
        self.duplicates = set()
        for k, v in pairs:
            if k in self:
                self.duplicates.add(k)
            self[k] = v


def _no_constant(name):
    raise ValueError(f"expected value, got {name}")  # NaN and Infinity are not JSON


def _json_int(text):
    return float(text) if text == "-0" else int(text)  # the reference reads -0 as a float


def _check_strings(value):
    """Refuses strings holding lone surrogates (``"\\ud800"``), as the reference does."""
    items = value.items() if isinstance(value, dict) else (
        enumerate(value) if isinstance(value, list) else ())
    for k, v in items:
        for text in (k, v):
            if isinstance(text, str):
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    raise ValueError("lone surrogate in a string escape") from None
        if isinstance(v, (dict, list)):
            _check_strings(v)


def _tensor_info(name, info):
    if not isinstance(info, dict):
        raise SafetensorError(f"invalid JSON in header: invalid type for `{name}`, expected "
                              "struct TensorInfo")
    for field in ("dtype", "shape", "data_offsets"):
        if field in info.duplicates:
            raise SafetensorError(f"invalid JSON in header: duplicate field `{field}`")
    for field in ("dtype", "shape", "data_offsets"):
        if field not in info:
            raise SafetensorError(f"invalid JSON in header: missing field `{field}`")
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if dtype not in _DTYPES:
        raise SafetensorError(f"invalid JSON in header: unknown variant `{dtype}`, expected one "
                              "of " + ", ".join(f"`{d}`" for d in _DTYPES))

    def usize(v):
        return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2 ** 64

    if not isinstance(shape, list) or not all(usize(d) for d in shape):
        raise SafetensorError(f"invalid JSON in header: invalid shape {shape!r} for `{name}`, "
                              "expected a list of usize")
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(usize(o) for o in offsets):
        raise SafetensorError(f"invalid JSON in header: invalid data_offsets {offsets!r} for "
                              f"`{name}`, expected a tuple of size 2")
    return dtype, tuple(shape), offsets[0], offsets[1]


def _array(buffer, data_start, name, info):
    """A NumPy view (or an aligned copy) of one tensor's bytes, or None for a dtype NumPy lacks.
    The view keeps ``buffer`` alive."""
    dtype, shape, begin, end = info
    np_type = _DTYPES[dtype][2] or (np.int16 if dtype == "BF16" else None)
    if np_type is None:
        return None
    np_dtype = np.dtype(np_type).newbyteorder("<")
    if end == begin:
        return np.zeros(shape, dtype=np_type)
    offset = data_start + begin
    arr = np.frombuffer(buffer, dtype=np_dtype, count=(end - begin) // np_dtype.itemsize,
                        offset=offset).reshape(shape)
    if not np_dtype.isnative:
        arr = arr.astype(np_dtype.newbyteorder("="))
    elif offset % np_dtype.itemsize:  # the core reads items at aligned addresses only
        arr = arr.copy()
    return arr


def _unsupported(name, dtype):
    supported = ", ".join(sorted(_BY_TORCH_NAME.values()))
    return SafetensorError(f"tensor `{name}` has dtype {dtype}, which pytorchlite does not "
                           f"support yet (supported: {supported})")


def _to_framework(arr, name, dtype, framework):
    if framework == "numpy":
        if arr is None or _DTYPES[dtype][2] is None:
            raise SafetensorError(f"tensor `{name}` has dtype {dtype}, which NumPy cannot hold")
        return arr
    if _DTYPES[dtype][3] is None or arr is None:
        raise _unsupported(name, dtype)
    t = _torch().from_numpy(arr)
    return t.view(_torch().bfloat16) if dtype == "BF16" else t


_FRAMEWORKS = {"pt": "pytorch", "torch": "pytorch", "pytorch": "pytorch", "np": "numpy",
               "numpy": "numpy"}


def _framework(name):
    if not isinstance(name, str):
        raise TypeError(f"argument 'framework': '{type(name).__name__}' object is not an "
                        "instance of 'str'")
    if name not in _FRAMEWORKS:
        raise SafetensorError(f"framework {name} is invalid")
    return _FRAMEWORKS[name]


def _check_device(device):
    if str(device) != "cpu":
        raise SafetensorError(f"Device {device} is not supported: pytorchlite runs on the CPU "
                              "only")


class safe_open:  # noqa: N801 (the reference's name)
    """Opens a safetensors file lazily: tensors are made when asked for.

    Use it as a context manager; after ``with`` the handle is closed (tensors already taken
    stay valid). ``framework`` is "pt" (pytorchlite tensors) or "np" (NumPy arrays).

    Example::

        with safe_open("model.safetensors", framework="pt") as f:
            print(f.keys(), f.metadata())
            w = f.get_tensor("fc1.weight")
            half = f.get_slice("fc1.weight")[:, :2]
    """

    def __init__(self, filename, framework, device="cpu"):
        self._framework = _framework(framework)
        _check_device(device)
        path = os.fspath(filename)
        try:
            f = open(path, "rb")
        except FileNotFoundError:
            raise FileNotFoundError(f"No such file or directory: {path}") from None
        with f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(_N_LEN)
            try:
                if size < _N_LEN:
                    _parse_header(head, size)
                self._buffer = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
                self._data_start, self._metadata, self._tensors = _parse_header(
                    self._buffer, size)
            except SafetensorError as e:
                self._buffer = None
                raise SafetensorError(f"Error while deserializing header: {e}") from None
        self._open = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        # Dropping the reference, not mmap.close(): tensors still viewing the mapping keep it.
        self._open = False
        self._buffer = None

    def _check(self):
        if not self._open:
            raise SafetensorError("File is closed")

    def metadata(self):
        """The ``__metadata__`` dict of the header, or None."""
        self._check()
        return None if self._metadata is None else dict(self._metadata)

    def keys(self):
        """The tensor names, sorted."""
        self._check()
        return sorted(self._tensors)

    def offset_keys(self):
        """The tensor names in the order of their bytes in the file."""
        self._check()
        return list(self._tensors)

    def _info(self, name):
        self._check()
        if name not in self._tensors:
            raise SafetensorError(f"File does not contain tensor {name}")
        return self._tensors[name]

    def get_tensor(self, name):
        """The whole tensor ``name``."""
        info = self._info(name)
        arr = _array(self._buffer, self._data_start, name, info)
        return _to_framework(arr, name, info[0], self._framework)

    def get_tensors(self):
        """Every tensor, in offset order, as a dict."""
        return {name: self.get_tensor(name) for name in self.offset_keys()}

    def get_slice(self, name):
        """A lazy handle on tensor ``name``: ``get_shape()``, ``get_dtype()``, and indexing
        (``[...]``, ``[a:b]``, ``[:, 1:3]``, ints) that copies only the part asked for."""
        info = self._info(name)
        return _SafeSlice(self._buffer, self._data_start, name, info, self._framework)


class _SafeSlice:
    """The reference's ``PySafeSlice``: a tensor of the file, indexed before it is copied."""

    def __init__(self, buffer, data_start, name, info, framework):
        self._buffer, self._data_start, self._name = buffer, data_start, name
        self._info, self._framework = info, framework

    def get_shape(self):
        return list(self._info[1])

    def get_dtype(self):
        return self._info[0]

    def __getitem__(self, index):
        arr = _array(self._buffer, self._data_start, self._name, self._info)
        whole = _to_framework(arr, self._name, self._info[0], self._framework)
        if isinstance(index, list):  # the reference: [] is an empty slice of dim 0
            if index:
                raise SafetensorError("Non empty lists are not implemented")
            index = slice(0, 0)
        part = whole[index]
        return part.copy() if self._framework == "numpy" else part.clone()


def load(data):
    """Loads tensors from the bytes of a safetensors file (``safetensors.torch.load``).

    The tensors are copies: they do not keep ``data`` alive.
    """
    view = memoryview(data).cast("B")
    try:
        start, _, tensors = _parse_header(view, len(view))
    except SafetensorError as e:
        raise SafetensorError(f"Error while deserializing: {e}") from None
    result = {}
    for name, info in tensors.items():
        arr = _array(view, start, name, info)
        result[name] = _to_framework(None if arr is None else arr.copy(), name, info[0],
                                     "pytorch")
    return result


def load_file(filename, device="cpu"):
    """Loads every tensor of a safetensors file into a dict (``safetensors.torch.load_file``).

    The tensors view the file's copy-on-write mapping (see the module's Note).
    """
    with safe_open(filename, framework="pt", device=device) as f:
        return f.get_tensors()


# ------------------------------------------------------------------------------ writing

def _extent(t):
    """The byte range [start, stop) the tensor's elements occupy, or None when empty."""
    if t.numel() == 0:
        return None
    span = sum((s - 1) * abs(st) for s, st in zip(t.shape, t.stride())) + 1
    low = sum((s - 1) * st for s, st in zip(t.shape, t.stride()) if st < 0)
    start = t.data_ptr() + low * t.element_size()
    return start, start + span * t.element_size()


def _shared_groups(tensors):
    """Groups of names whose memory overlaps (the reference's ``_find_shared_tensors``, with
    byte ranges standing for storages: pytorchlite has no ``untyped_storage``)."""
    areas = sorted((ext[0], ext[1], name) for name, t in tensors.items()
                   if (ext := _extent(t)) is not None)
    groups = []
    last_stop = None
    for start, stop, name in areas:
        if last_stop is not None and start < last_stop:
            groups[-1].add(name)
        else:
            groups.append({name})
        last_stop = stop if last_stop is None else max(last_stop, stop)
    return groups


def _check_tensors(tensors):
    Tensor = _torch().Tensor
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, torch.Tensor] but received {type(tensors)}")
    for k, v in tensors.items():
        if not isinstance(v, Tensor):
            raise ValueError(f"Key `{k}` is invalid, expected torch.Tensor but received "
                             f"{type(v)}")
    failing = [names for names in _shared_groups(tensors) if len(names) > 1]
    if failing:
        raise RuntimeError(
            f"""
            Some tensors share memory, this will lead to duplicate memory on disk and potential differences when loading them again: {failing}.
            A potential way to correctly save your model is to use `save_model`.
            More information at https://huggingface.co/docs/safetensors/torch_shared_tensors
            """)
    for k, v in tensors.items():
        if not v.is_contiguous():
            raise ValueError(
                f"You are trying to save a non contiguous tensor: `{k}` which is not allowed. It "
                "either means you are trying to save tensors which are reference of each other "
                "in which case it's recommended to save only the full tensors, and reslice at "
                "load time, or simply call `.contiguous()` on your tensor to pack it before "
                "saving.")


def _check_metadata(metadata):
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise TypeError(f"argument 'metadata': '{type(metadata).__name__}' object is not an "
                        "instance of 'dict'")
    for k, v in metadata.items():
        for item in (k, v):
            if not isinstance(item, str):
                raise TypeError(f"argument 'metadata': '{type(item).__name__}' object is not an "
                                "instance of 'str'")
    return metadata


def _prepare(tensors, metadata):
    """(header bytes including the 8-byte length, [array per tensor in file order])."""
    _check_tensors(tensors)
    metadata = _check_metadata(metadata)
    for k in tensors:
        if not isinstance(k, str):
            raise TypeError(f"argument 'tensor_dict': '{type(k).__name__}' object is not an "
                            "instance of 'str'")
    items = []
    for name, t in tensors.items():
        dtype = _BY_TORCH_NAME[str(t.dtype).split(".")[-1]]
        items.append((-_DTYPES[dtype][0], name, dtype, t))
    items.sort(key=lambda e: (e[0], e[1]))  # alignment descending, then name
    header = {} if metadata is None else {"__metadata__": metadata}
    arrays, offset = [], 0
    for _, name, dtype, t in items:
        t = t.detach()
        arr = (t.view(_torch().int16) if dtype == "BF16" else t).numpy()
        if sys.byteorder == "big":
            arr = arr.astype(arr.dtype.newbyteorder("<"))
        n = arr.nbytes
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset,
                                                                                 offset + n]}
        offset += n
        arrays.append(arr)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % _N_LEN)
    if len(text) > MAX_HEADER_SIZE:
        raise SafetensorError("Error while serializing: header too large")
    return struct.pack("<Q", len(text)) + text, arrays


def save(tensors, metadata=None):
    """The bytes of a safetensors file holding ``tensors`` (``safetensors.torch.save``).

    Tensors must be contiguous and must not share memory (the reference's rules and errors).
    """
    header, arrays = _prepare(tensors, metadata)
    return b"".join([header] + [a.tobytes() for a in arrays])


def save_file(tensors, filename, metadata=None):
    """Writes ``tensors`` to ``filename`` in safetensors format (``safetensors.torch.save_file``).

    The file is written beside the target under a temporary name and renamed over it, so a
    failure leaves any previous file whole and tensors still mapped from it valid.
    """
    header, arrays = _prepare(tensors, metadata)
    path = os.fspath(filename)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)),
                               prefix=".tmp-", suffix=".safetensors")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(header)
            for a in arrays:
                f.write(np.ascontiguousarray(a).reshape(-1).view(np.uint8).data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
