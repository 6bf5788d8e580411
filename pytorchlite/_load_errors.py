"""What ``load`` says when it refuses a file, in PyTorch's words.

``torch.load`` wraps every pickle.UnpicklingError raised under ``weights_only`` in a long
explanation, and reads any file that is not a zip archive as its legacy (pre-1.6) format,
whose first pickle must be a magic number. ``load`` gives the same errors: this module holds
that wording and a reader for the first pickle of a non-zip file that resolves no global.
"""
import pickle
import struct
import warnings

_BLOCKED_MODULES = ("sys", "os", "posix", "nt")  # refused under weights_only, even if allowed
_UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in "
    "`torch.load` from `False` to `True`. Re-running `torch.load` with `weights_only` set to "
    "`False` will likely succeed, but it can result in arbitrary code execution. Do it only if "
    "you got the file from a trusted source.")
_DOCS_MESSAGE = (
    "\n\nCheck the documentation of torch.load to learn more about types accepted by default "
    "with weights_only https://pytorch.org/docs/stable/generated/torch.load.html.")


def _unsupported_global(module, name):
    path = name if module == "builtins" else f"{module}.{name}"
    return (f"Unsupported global: GLOBAL {path} was not an allowed global by default. Please use "
            f"`torch.serialization.add_safe_globals([{path}])` or the "
            f"`torch.serialization.safe_globals([{path}])` context manager to allowlist this "
            "global if you trust this class/function.")


def _weights_only_message(message):
    """The text torch.load wraps around an UnpicklingError raised under weights_only."""
    if " was not an allowed global by default." in message:
        return ("Weights only load failed. This file can still be loaded, to do so you have two "
                "options, \033[1mdo those steps only if you trust the source of the "
                f"checkpoint\033[0m. \n\t(1) {_UNSAFE_MESSAGE}\n\t(2) Alternatively, to load "
                "with `weights_only=True` please check the recommended steps in the following "
                "error message.\n\tWeightsUnpickler error: " + message + _DOCS_MESSAGE)
    text = f"Weights only load failed. {_UNSAFE_MESSAGE}\n"
    if " is blocked." not in message:
        text += ("Please file an issue with the following so that we can make "
                 "`weights_only=True` compatible with your use case: WeightsUnpickler error: ")
    return text + "\n\n" + message + _DOCS_MESSAGE


_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # the first pickle of a pre-1.6 torch.save file


def _refuse_legacy(fp, weights_only, pickle_load_args):
    """Reads the first pickle of a non-zip file as PyTorch's legacy loader does and raises.

    PyTorch reads such a file as its legacy format: the first pickle must be the legacy magic
    number, so garbage fails there with the error PyTorch's unpickler gives (EOFError for an
    empty file, pickle.UnpicklingError for most bytes, RuntimeError "Invalid magic number" for
    a pickle of anything else). pytorchlite raises the same errors, resolving no global on the
    way, and then refuses a genuine legacy file, which it does not read.
    """
    def next_pickle():
        if not weights_only:
            return _NoGlobalsUnpickler(fp, **pickle_load_args).load()
        try:
            return _HeaderReader(fp, pickle_load_args.get("encoding", "utf-8")).load()
        except pickle.UnpicklingError as e:
            raise pickle.UnpicklingError(_weights_only_message(str(e))) from None

    if next_pickle() != _LEGACY_MAGIC:
        raise RuntimeError("Invalid magic number; corrupt file?")
    version = next_pickle()
    if version != 1001:
        raise RuntimeError(f"Invalid protocol version: {version}")
    next_pickle()  # the saving machine's sys_info
    raise pickle.UnpicklingError(
        "pytorchlite.load reads PyTorch's zip format (torch.save since PyTorch 1.6); this file "
        "is in the legacy format (save it again with a recent torch.save)")


class _NoGlobalsUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"pytorchlite does not read legacy torch.save files; "
                                     f"the file names the global {module}.{name}")


class _HeaderReader:
    """The opcodes of PyTorch's weights_only unpickler that build plain values (no globals).

    Reads one pickle and fails as that unpickler does: EOFError at the end of the input,
    IndexError / struct.error inside a cut argument, KeyError for an unknown memo index and
    pickle.UnpicklingError for any other opcode.
    """

    def __init__(self, fp, encoding):
        self.read = fp.read
        self.encoding = encoding

    def load(self):
        stack, marks, memo = [], [], {}
        read = self.read
        while True:
            key = read(1)
            if not key:
                raise EOFError
            op = key[0]
            if op == 0x80:  # PROTO
                proto = read(1)[0]
                if proto != 2:
                    warnings.warn(f"Detected pickle protocol {proto} in the checkpoint, which "
                                  "was not the default pickle protocol used by `torch.load` "
                                  "(2). The weights_only Unpickler might not support all "
                                  "instructions implemented by this protocol, please file an "
                                  "issue for adding support if you encounter this.",
                                  stacklevel=2)
            elif op == 0x2E:  # STOP
                return stack.pop()
            elif op == 0x8A:  # LONG1
                n = read(1)[0]
                stack.append(int.from_bytes(read(n), "little", signed=True))
            elif op == 0x4B:  # BININT1
                stack.append(read(1)[0])
            elif op == 0x4D:  # BININT2
                stack.append(struct.unpack("<H", read(2))[0])
            elif op == 0x4A:  # BININT
                stack.append(struct.unpack("<i", read(4))[0])
            elif op == 0x47:  # BINFLOAT
                stack.append(struct.unpack(">d", read(8))[0])
            elif op == 0x58:  # BINUNICODE
                n = struct.unpack("<I", read(4))[0]
                stack.append(str(read(n), "utf-8", "surrogatepass"))
            elif op == 0x55:  # SHORT_BINSTRING
                data = read(read(1)[0])
                stack.append(data if self.encoding == "bytes" else data.decode(self.encoding))
            elif op in (0x4E, 0x88, 0x89):  # NONE, NEWTRUE, NEWFALSE
                stack.append({0x4E: None, 0x88: True, 0x89: False}[op])
            elif op in (0x29, 0x5D, 0x7D):  # EMPTY_TUPLE, EMPTY_LIST, EMPTY_DICT
                stack.append(() if op == 0x29 else [] if op == 0x5D else {})
            elif op == 0x28:  # MARK
                marks.append(stack)
                stack = []
            elif op == 0x74:  # TUPLE
                items, stack = stack, marks.pop()
                stack.append(tuple(items))
            elif op in (0x85, 0x86, 0x87):  # TUPLE1..3
                n = op - 0x84
                items = stack[-n:]
                del stack[-n:]
                stack.append(tuple(items))
            elif op in (0x73, 0x75):  # SETITEM, SETITEMS
                if op == 0x75:
                    items, stack = stack, marks.pop()
                else:
                    items = stack[-2:]
                    del stack[-2:]
                if type(stack[-1]) is not dict:
                    opname = "SETITEM" if op == 0x73 else "SETITEMS"
                    raise pickle.UnpicklingError(f"Can only {opname} for dict, "
                                                 "collections.OrderedDict, collections.Counter, "
                                                 f"but got {type(stack[-1])}")
                for k in range(0, len(items) - 1, 2):
                    stack[-1][items[k]] = items[k + 1]
            elif op in (0x61, 0x65):  # APPEND, APPENDS
                if op == 0x65:
                    items, stack = stack, marks.pop()
                else:
                    items = [stack.pop()]
                if type(stack[-1]) is not list:
                    raise pickle.UnpicklingError(f"Can only append to lists, but got "
                                                 f"{type(stack[-1])}")
                stack[-1].extend(items)
            elif op in (0x68, 0x6A):  # BINGET, LONG_BINGET
                idx = read(1)[0] if op == 0x68 else struct.unpack("<I", read(4))[0]
                stack.append(memo[idx])
            elif op in (0x71, 0x72):  # BINPUT, LONG_BINPUT
                idx = read(1)[0] if op == 0x71 else struct.unpack("<I", read(4))[0]
                memo[idx] = stack[-1]
            elif op == 0x63:  # GLOBAL: nothing is resolved before the magic number
                module = _read_line(read)
                name = _read_line(read)
                if module in _BLOCKED_MODULES:
                    raise pickle.UnpicklingError(f"Trying to load unsupported GLOBAL "
                                                 f"{module}.{name} whose module {module} is "
                                                 "blocked.")
                raise pickle.UnpicklingError(_unsupported_global(module, name))
            else:
                raise pickle.UnpicklingError(f"Unsupported operand {op}")


def _read_line(read):
    """One newline-terminated ASCII line of a GLOBAL opcode (without the newline)."""
    out = bytearray()
    while True:
        c = read(1)
        if not c or c == b"\n":
            return out.decode("utf-8")
        out += c
