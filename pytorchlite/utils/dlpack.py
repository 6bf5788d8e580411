"""pytorchlite.utils.dlpack: exchanging tensors with other array libraries through DLPack.

DLPack is the array API's zero-copy protocol: ``np.from_dlpack(t)``, ``torch.from_dlpack(t)``
and ``pytorchlite.from_dlpack(array)`` share memory instead of copying, so a write through one
side shows through the other, and the memory stays alive as long as either side needs it.

    >>> import numpy as np, pytorchlite as torch
    >>> a = np.arange(3.0)
    >>> t = torch.from_dlpack(a)
    >>> t[0] = 7.0
    >>> a
    array([7., 1., 2.])

Note: pytorchlite reads float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8
and bool tensors; other DLPack dtypes raise a
TypeError naming the dtype. As in PyTorch, a read-only producer (a NumPy array with
``writeable=False``) is shared all the same: do not write through the tensor.
"""
import enum

from .. import _C

__all__ = ["DLDeviceType", "from_dlpack", "to_dlpack"]


class DLDeviceType(enum.IntEnum):
    """Device types as in the DLPack specification (the values PyTorch's enum has)."""
    kDLCPU = 1
    kDLCUDA = 2
    kDLCUDAHost = 3
    kDLOpenCL = 4
    kDLVulkan = 7
    kDLMetal = 8
    kDLVPI = 9
    kDLROCM = 10
    kDLROCMHost = 11
    kDLExtDev = 12
    kDLCUDAManaged = 13
    kDLOneAPI = 14
    kDLWebGPU = 15
    kDLHexagon = 16
    kDLMAIA = 17


def to_dlpack(tensor):
    """to_dlpack(tensor) -> PyCapsule

    A legacy ``"dltensor"`` capsule sharing the tensor's memory, for ``from_dlpack`` of any
    DLPack library. A capsule can be consumed once.

        >>> cap = torch.utils.dlpack.to_dlpack(torch.arange(3))
        >>> torch.from_dlpack(cap)
        tensor([0, 1, 2])
    """
    return _C._to_dlpack(tensor)


def _is_cpu(device):
    name = getattr(device, "type", device)
    return name == "cpu" or (isinstance(name, str) and name.startswith("cpu:"))


def from_dlpack(ext_tensor, *, device=None, copy=None):
    """from_dlpack(ext_tensor, *, device=None, copy=None) -> Tensor

    A tensor sharing the memory of ``ext_tensor``: an object with ``__dlpack__`` (a NumPy
    array, a torch tensor, ...) or a DLPack capsule (consumed: a second use raises). With
    ``copy=True`` the result owns a copy.

        >>> a = np.zeros(2)
        >>> t = torch.from_dlpack(a)
        >>> t += 1
        >>> a
        array([1., 1.])
    """
    if hasattr(ext_tensor, "__dlpack__"):
        if device is not None and not _is_cpu(device):
            raise RuntimeError(f"pytorchlite tensors live on the CPU, not on {device}")
        ext_device = ext_tensor.__dlpack_device__()
        if int(ext_device[0]) != DLDeviceType.kDLCPU:
            raise BufferError(f"from_dlpack: pytorchlite tensors live on the CPU; this tensor is "
                              f"on DLPack device {tuple(ext_device)}")
        kwargs = {"max_version": (1, 0)}
        if copy is not None:
            kwargs["copy"] = copy
        if device is not None:
            kwargs["dl_device"] = (DLDeviceType.kDLCPU, 0)
        producer_copied = True
        capsule = None
        # Producers that predate some keywords raise TypeError: retry without them, in
        # PyTorch's order.
        for drop in (None, "max_version", "copy", "dl_device"):
            if drop is not None:
                kwargs.pop(drop, None)
                producer_copied = "copy" in kwargs
            try:
                capsule = ext_tensor.__dlpack__(**kwargs)
                break
            except TypeError:
                if drop == "dl_device":
                    raise
        tensor = _C._from_dlpack(capsule)
        if copy is True and not producer_copied:
            tensor = tensor.clone()
        return tensor
    if device is not None or copy is not None:
        raise AssertionError(
            "device and copy kwargs not supported when ext_tensor is already a DLPack capsule.")
    return _C._from_dlpack(ext_tensor)
