"""Devices as a CPU-only PyTorch build sees them, and the runtime switches scripts set.

``device`` constructs every device PyTorch knows (``device('cuda:0')``, ``'mps'``, ``'meta'``);
only the CPU holds tensors, and asking for another raises what CPU-only torch raises
(``AssertionError: Torch not compiled with CUDA enabled`` for CUDA). Also here:
set/get_default_device (a non-CPU default fails at the first factory call, as in PyTorch),
the device queries installed on Tensor (pin_memory, is_pinned, share_memory_, is_shared,
get_device, is_mps, is_xpu), the deprecated ``torch.has_cuda`` flags, compile (a no-op),
use_deterministic_algorithms, set/get_float32_matmul_precision, set/get_num_interop_threads.
"""
import builtins
import functools
import importlib
import os
import sys
import warnings
import weakref

__all__ = ["device", "check_device", "set_default_device", "get_default_device", "compile",
           "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
           "is_deterministic_algorithms_warn_only_enabled", "set_float32_matmul_precision",
           "get_float32_matmul_precision", "set_num_interop_threads", "get_num_interop_threads"]

_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
          "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")
_NO_ACCELERATOR = "Cannot access accelerator device when none is available."
_NO_CUDA = "Torch not compiled with CUDA enabled"


def _parse(text):
    """(type, index) from 'cuda', 'cuda:1' ..., with PyTorch's errors."""
    if not text:
        raise RuntimeError("Device string must not be empty")
    name, sep, idx = text.partition(":")
    if name not in _TYPES:
        raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of device "
                           f"string: {text}")
    if not sep:
        return name, None
    if not idx.isdigit() or len(idx) > 1 and idx[0] == "0":
        raise RuntimeError(f"Invalid device string: '{text}'")
    return name, builtins.int(idx)


def _bad_args(arg):
    return TypeError(f"device() received an invalid combination of arguments - got "
                     f"({type(arg).__name__}), but expected one of:\n * (torch.device device)\n"
                     f" * (str type, int index = -1)\n")


class device:
    """A device: ``device('cpu')``, ``device('cuda', 0)``, ``device('cuda:1')``.

    Note:
        pytorchlite holds tensors on the CPU only; other devices can be named and compared,
        and using one raises what a CPU-only PyTorch raises.
    """

    __slots__ = ("type", "index")

    def __init__(self, type=None, index=None):  # noqa: A002 - torch's argument name
        if isinstance(type, device):
            if index is not None:
                raise _bad_args(type)
            name, idx = type.type, type.index
        elif isinstance(type, builtins.int) and not isinstance(type, builtins.bool):
            raise RuntimeError(_NO_ACCELERATOR)
        elif isinstance(type, str):
            name, idx = _parse(type)
            if index is not None:
                if idx is not None:
                    raise RuntimeError(f"type (string) must not include an index because index "
                                       f"was passed explicitly: {type}")
                if not isinstance(index, builtins.int) or isinstance(index, builtins.bool):
                    raise _bad_args(index)
                if index < 0:
                    raise RuntimeError("Device index must not be negative")
                idx = index
        else:
            raise _bad_args(type)
        self.type = name
        self.index = idx

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __enter__(self):
        """``with torch.device('cpu'):`` makes it the factories' default inside the block."""
        previous = _default_device
        set_default_device(self)
        _entered.append(previous)
        return self

    def __exit__(self, *exc):
        set_default_device(_entered.pop())
        return False

    def __reduce__(self):
        return (device, (self.type,) if self.index is None else (self.type, self.index))


def check_device(where, moving=False):
    """Nothing for the CPU (or None); else the exception CPU-only PyTorch raises for a tensor
    made on (moving=False) or moved to (moving=True) that device."""
    if where is None:
        return
    if isinstance(where, builtins.int) and not isinstance(where, builtins.bool):
        raise RuntimeError(_NO_ACCELERATOR)
    name = where.type if isinstance(where, device) else _parse(str(where))[0]
    if name == "cpu":
        return
    if name == "cuda":
        raise AssertionError(_NO_CUDA)
    if name == "xpu":
        raise AssertionError("Torch not compiled with XPU enabled")
    if name == "mtia":
        raise AssertionError("Torch not compiled with MTIA enabled. Ensure you have `import "
                             "mtia.host_runtime.torch_mtia.dynamic_library` in your python src "
                             "file and include `//mtia/host_runtime/torch_mtia:torch_mtia` as "
                             "your target dependency!")
    if name in ("hpu", "privateuseone"):  # PyTorch looks for the backend's module first
        raise ModuleNotFoundError(f"No module named 'torch.{name}'")
    if moving and name != "meta":
        raise RuntimeError(f"PyTorch is not linked with support for {name} devices")
    if name in _BACKEND_NAMES:
        raise NotImplementedError(
            f"Could not run 'aten::empty.memory_format' with arguments from the "
            f"'{_BACKEND_NAMES[name]}' backend. This could be because the operator doesn't exist "
            "for this backend, or was omitted during the selective/custom build process (if "
            "using custom build). pytorchlite runs on the CPU only.")
    raise NotImplementedError(f"pytorchlite runs on the CPU only; device '{where}' is not "
                              "available")


# the dispatch keys PyTorch names in its error for a factory on a backend it was built without
_BACKEND_NAMES = {"mps": "MPS", "ipu": "IPU", "hip": "HIP", "xla": "XLA", "vulkan": "Vulkan",
                  "ve": "VE", "maia": "MAIA", "lazy": "Lazy", "fpga": "FPGA"}


_default_device = device("cpu")
_entered = []  # the defaults that the open ``with device(...)`` blocks replaced


# the factories a default device applies to (PyTorch's list, as far as pytorchlite has them)
_FACTORIES = ("arange", "as_tensor", "asarray", "bartlett_window", "blackman_window", "empty",
              "empty_permuted", "empty_strided", "eye", "full", "hamming_window", "hann_window",
              "kaiser_window", "linspace", "logspace", "ones", "rand", "randint", "randn",
              "randperm", "scalar_tensor", "tensor", "tril_indices", "triu_indices", "zeros")
_COPIES = ("tensor", "as_tensor", "asarray")  # made on the CPU, then moved to the device
_plain = {}  # factory name -> the function a non-CPU default device replaced in pytorchlite


def _on_default_device(factory, moving):
    """factory, but a call without device= raises what making (or, if moving, moving) a tensor
    on the default device raises (nothing while the default is the CPU)."""
    @functools.wraps(factory)
    def call(*args, **kwargs):
        if kwargs.get("device") is None:
            check_device(_default_device, moving)
        return factory(*args, **kwargs)

    return call


def set_default_device(device_):
    """Sets the device factories (``torch.zeros``, ``torch.tensor`` ...) use when called
    without ``device=``; None restores the CPU.

    Any device PyTorch knows is accepted; as on a CPU-only PyTorch build, a non-CPU default
    fails later, at the first factory call that uses it (``'cuda'`` raises
    ``AssertionError: Torch not compiled with CUDA enabled``), while ``device='cpu'`` given
    explicitly still works.

    Note:
        pytorchlite applies the default by replacing those factories in the ``pytorchlite``
        namespace while it is not the CPU; a factory imported by name beforehand
        (``from torch import zeros``) keeps making CPU tensors.
    """
    global _default_device
    new = device("cpu") if device_ is None else \
        device_ if isinstance(device_, device) else device(device_)
    _default_device = new
    namespace = sys.modules[__package__].__dict__
    if new.type == "cpu":
        namespace.update(_plain)
        _plain.clear()
        return
    for name in _FACTORIES:
        if name not in _plain and name in namespace:
            _plain[name] = namespace[name]
            namespace[name] = _on_default_device(_plain[name], name in _COPIES)


def get_default_device():
    """The device factories use (``device(type='cpu')`` unless set).

    A non-CPU default without an index is resolved by making a tensor there, so on this
    CPU-only build it raises what that raises (as PyTorch does).
    """
    if _default_device.index is None:
        check_device(_default_device, moving=True)
    return _default_device


DEPRECATED_FLAGS = {"has_cuda": "torch.backends.cuda.is_built()",
                    "has_cudnn": "torch.backends.cudnn.is_available()",
                    "has_mps": "torch.backends.mps.is_built()",
                    "has_mkldnn": "torch.backends.mkldnn.is_available()"}


def deprecated_flag(name):
    """``torch.has_cuda`` and the like: the answer of the call that replaced it, with
    PyTorch's deprecation warning."""
    replacement = DEPRECATED_FLAGS[name]
    warnings.warn(f"'{name}' is deprecated, please use '{replacement}'", UserWarning,
                  stacklevel=3)
    module, _, function = replacement[len("torch."):-len("()")].rpartition(".")
    return getattr(importlib.import_module(f"{__package__}.{module}"), function)()


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor",  # noqa: A001
            mode=None, options=None, disable=False):
    """Returns model (a module or function) unchanged; without model, a decorator that does.

    Note:
        pytorchlite has no graph compiler: ``torch.compile`` is a no-op, so compiled code runs
        as written (eagerly) with the same results.
    """
    _check_compile_options(backend, mode, options)
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    return model


class InvalidBackend(RuntimeError):
    """PyTorch's error for a torch.compile backend name it does not know."""


_COMPILE_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs",
                  "max-autotune")
# the backend names PyTorch 2.13 registers (torch._dynamo.list_backends(exclude_tags=()))
_COMPILE_BACKENDS = frozenset((
    "aot_eager", "aot_eager_decomp_partition", "aot_eager_decomp_partition_crossref",
    "aot_eager_decomp_partition_with_mode", "aot_eager_default_partitioner", "aot_ts",
    "cudagraphs", "eager", "eager_debug", "eager_noexcept", "inductor", "invoke_subgraph",
    "openxla", "openxla_eval", "pre_dispatch_eager", "ts", "tvm"))


def _check_compile_options(backend, mode, options):
    """torch.compile's argument errors, raised when it is called, as PyTorch raises them."""
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be "
                           "specified at the same time.")
    if backend == "inductor":
        if mode is not None and mode not in _COMPILE_MODES:
            raise RuntimeError(f"Unrecognized mode={mode}, should be one of: "
                               f"{', '.join(_COMPILE_MODES)}")
    elif isinstance(backend, str) and backend not in _COMPILE_BACKENDS:
        raise InvalidBackend(f"Invalid backend: {backend!r}, see "
                             "`torch._dynamo.list_backends()` for available backends.")


_deterministic = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Records the setting. pytorchlite's CPU kernels give the same results run after run, so
    nothing else changes."""
    if not isinstance(mode, builtins.bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) must be "
                        f"bool, not {type(mode).__name__}")
    if not isinstance(warn_only, builtins.bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'warn_only' must be bool, not "
                        f"{type(warn_only).__name__}")
    _deterministic.update(mode=mode, warn_only=warn_only)


def are_deterministic_algorithms_enabled():
    """Whether ``use_deterministic_algorithms(True)`` is on."""
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled():
    """Whether ``use_deterministic_algorithms(True, warn_only=True)`` is on."""
    return _deterministic["mode"] and _deterministic["warn_only"]


_precision = ["highest"]


def set_float32_matmul_precision(precision):
    """Records 'highest', 'high' or 'medium'. pytorchlite's float32 matrix products always use
    full float32 precision (as 'highest')."""
    if not isinstance(precision, str):
        raise RuntimeError(f"set_float32_matmul_precision expects a str, but got "
                           f"{type(precision).__name__}")
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _precision[0] = precision


def get_float32_matmul_precision():
    """The last precision given to ``set_float32_matmul_precision`` ('highest' at first)."""
    return _precision[0]


_interop = [os.cpu_count() or 1]


def set_num_interop_threads(num):
    """Records the number of inter-op threads (pytorchlite runs one op at a time)."""
    if isinstance(num, builtins.bool) or not isinstance(num, builtins.int):
        raise RuntimeError(f"set_num_interop_threads expects an int, but got "
                           f"{type(num).__name__}")
    if num <= 0:
        raise RuntimeError("set_num_interop_threads expects a positive integer")
    _interop[0] = num


def get_num_interop_threads():
    """The number of inter-op threads (the machine's cores unless set)."""
    return _interop[0]


_NOT_LINKED_PIN = {
    "cuda": "Cannot initialize CUDA without ATen_cuda library. PyTorch splits its backend into "
            "two shared libraries: a CPU library and a CUDA library; this error has occurred "
            "because you are trying to use some CUDA functionality, but the CUDA library has not "
            "been loaded by the dynamic linker for some reason.  The CUDA library MUST be "
            "loaded, EVEN IF you don't directly use any symbols from the CUDA library! One "
            "common culprit is a lack of -Wl,--no-as-needed in your link arguments; many dynamic "
            "linkers will delete dynamic library dependencies if you don't depend on any of their "
            "symbols.  You can check if this has occurred by using ldd on your binary to see if "
            "there is a dependency on *_cuda.so library.",
    "xpu": "Cannot initialize XPU without ATen_xpu library.",
    "mps": "Cannot execute init() without MPS backend.",
}


def _pin_device(method, where):
    """The accelerator a pin_memory/is_pinned device argument names, with PyTorch's warning
    (the argument is deprecated); an index alone raises as there is no accelerator."""
    if isinstance(where, builtins.int) and not isinstance(where, builtins.bool):
        raise RuntimeError(_NO_ACCELERATOR)
    warnings.warn(f"The argument 'device' of Tensor.{method}() is deprecated. Please do not "
                  "pass this argument.", DeprecationWarning, stacklevel=3)
    return where if isinstance(where, device) else device(where)


def _pin_memory(self, device=None):
    """Raises: pinned memory needs an accelerator, and this CPU-only build has none (PyTorch's
    RuntimeError)."""
    if device is None:
        raise RuntimeError(_NO_ACCELERATOR)
    name = _pin_device("pin_memory", device).type
    _pin_device("is_pinned", device)  # PyTorch asks is_pinned(device) first, and warns again
    raise RuntimeError(_NOT_LINKED_PIN.get(name, f"{name.upper()} device type not an "
                                                 "accelerator."))


def _is_pinned(self, device=None):
    """False: without an accelerator no memory is pinned."""
    if device is not None:
        _pin_device("is_pinned", device)
    return False


# Storages moved to shared memory, by address. A storage has no Python object here, so a
# tensor stands for it: an address counts while a tensor known to use it is alive (it keeps
# the storage, and so the address, from being reused).
_shared = {}


def _storage_address(t):
    return t.data_ptr() - t.storage_offset() * t.element_size()


def _known_users(address):
    """The live weak references to tensors known to use the shared storage at address."""
    users = [ref for ref in _shared.get(address, ()) if ref() is not None]
    if users:
        _shared[address] = users
    else:
        _shared.pop(address, None)
    return users


def _share_memory_(self):
    """Marks the tensor's storage as shared between processes; returns self.

    Note:
        pytorchlite's CPU memory is already visible to the processes ``multiprocessing`` forks,
        so nothing moves: ``is_shared()`` then answers True for this tensor and every view of
        its storage, as PyTorch's does.
    """
    address = _storage_address(self)
    users = _known_users(address)
    if not any(ref() is self for ref in users):
        _shared.setdefault(address, []).append(weakref.ref(self))
    return self


def _is_shared(self):
    """Whether the tensor's storage was moved to shared memory (``share_memory_``), by this
    tensor or any other using the same storage."""
    users = _known_users(_storage_address(self))
    if users and not any(ref() is self for ref in users):
        users.append(weakref.ref(self))
    return builtins.bool(users)


def _get_device(self):
    """-1: the device index of a CPU tensor."""
    return -1


def install_tensor_methods(tensor_class):
    """Adds the device queries written here to Tensor: pin_memory, is_pinned, share_memory_,
    is_shared, get_device, is_mps and is_xpu."""
    tensor_class.pin_memory = _pin_memory
    tensor_class.is_pinned = _is_pinned
    tensor_class.share_memory_ = _share_memory_
    tensor_class.is_shared = _is_shared
    tensor_class.get_device = _get_device
    tensor_class.is_mps = property(lambda self: False, doc="False: no tensor is on an MPS device.")
    tensor_class.is_xpu = property(lambda self: False, doc="False: no tensor is on an XPU.")
    for method in (_pin_memory, _is_pinned, _share_memory_, _is_shared, _get_device):
        method.__name__ = method.__name__.lstrip("_")
        method.__qualname__ = f"{tensor_class.__name__}.{method.__name__}"
