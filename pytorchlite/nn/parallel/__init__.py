"""torch.nn.parallel as PyTorch's CPU-only build behaves: DataParallel finds no accelerator,
keeps no device ids and runs its module as is (its state_dict keys gain the ``module.``
prefix, as in PyTorch); data_parallel cannot determine a device type; DistributedDataParallel
needs a process group, which a CPU-only pytorchlite never has."""
from ..modules.module import Module

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]


class DataParallel(Module):
    """module, run on the CPU as PyTorch runs DataParallel without accelerators."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids = []

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0,
                  module_kwargs=None):
    """PyTorch's functional form, which needs an accelerator to pick a device type."""
    raise RuntimeError("device type could not be determined")


class DistributedDataParallel(Module):
    """Needs torch.distributed's default process group (never initialised here)."""

    def __init__(self, module, *args, **kwargs):
        raise ValueError("Default process group has not been initialized, please make sure to "
                         "call init_process_group.")
