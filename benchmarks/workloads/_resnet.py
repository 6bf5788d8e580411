"""examples/resnet.py loaded with `torch` resolving to the framework a workload measures."""
import importlib.util
import os
import sys

EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))), "examples", "resnet.py")


def load(torch, nn):
    """The example module, its `torch` and `torch.nn` bound to the given framework modules."""
    saved = {k: sys.modules.get(k) for k in ("torch", "torch.nn")}
    sys.modules.update({"torch": torch, "torch.nn": nn})
    try:
        spec = importlib.util.spec_from_file_location("resnet_example", EXAMPLE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    return module
