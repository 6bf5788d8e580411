"""``python -m pytorchlite run script.py``: an unmodified PyTorch script, run on pytorchlite.

``import torch`` and every ``torch.x.y`` import resolve to ``pytorchlite`` and
``pytorchlite.x.y``, in the script and in the processes it starts (forked, spawned or
from a forkserver, such as DataLoader workers). When the script reaches something
pytorchlite does not have (a module such as ``torch.fft``, a layer such as
``torch.nn.Conv3d``, a Tensor method) and does not catch the error itself, the run ends
with one line on stderr, ``pytorchlite does not support torch.fft yet``, and exit code 1.
Any other uncaught exception prints the traceback Python would print for
``python script.py``: the script's frames and those below them, without the runner's own.
"""
import importlib
import importlib.abc
import importlib.util
import os
import re
import runpy
import sys
import traceback


class _TorchAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves ``torch`` and ``torch.x.y`` to ``pytorchlite`` and ``pytorchlite.x.y``; a
    submodule pytorchlite lacks is not found (``ModuleNotFoundError: No module named
    'torch.fft'``, as for a torch build without it)."""

    def find_spec(self, name, path, target=None):
        if name == "torch" or name.startswith("torch."):
            real = "pytorchlite" + name[len("torch"):]
            try:
                if importlib.util.find_spec(real) is None:
                    return None
            except ImportError:  # its parent is missing too
                return None
            return importlib.util.spec_from_loader(name, self, is_package=True)
        return None

    def create_module(self, spec):
        return importlib.import_module("pytorchlite" + spec.name[len("torch"):])

    def exec_module(self, module):
        sys.modules[module.__spec__.name] = module


_MODULE_ATTR = re.compile(r"^module '(pytorchlite|torch)((?:\.\w+)*)' has no attribute '(\w+)'")
_OBJECT_ATTR = re.compile(r"^'(\w+)' object has no attribute '(\w+)'")
_IMPORT_NAME = re.compile(r"^cannot import name '(\w+)' from '(pytorchlite|torch)((?:\.\w+)*)'")
_PUBLIC_TYPES = {"Tensor": "torch.Tensor", "Parameter": "torch.nn.Parameter",
                 "Size": "torch.Size", "dtype": "torch.dtype", "device": "torch.device",
                 "Generator": "torch.Generator"}


def unsupported_name(exc):
    """The ``torch.*`` name an exception says pytorchlite lacks, or None when the exception
    is about something else."""
    if isinstance(exc, ModuleNotFoundError):
        name = exc.name or ""
        if name == "torch" or name.startswith(("torch.", "pytorchlite.")):
            return "torch" + name[name.index("."):] if "." in name else None
        return None
    if isinstance(exc, ImportError):
        m = _IMPORT_NAME.match(str(exc))
        return f"torch{m.group(3)}.{m.group(1)}" if m else None
    if isinstance(exc, AttributeError):
        text = str(exc)
        m = _MODULE_ATTR.match(text)
        if m:
            return f"torch{m.group(2)}.{m.group(3)}"
        m = _OBJECT_ATTR.match(text)
        if m and m.group(1) in _PUBLIC_TYPES:
            obj = getattr(exc, "obj", None)
            module = getattr(type(obj), "__module__", "") or ""
            if obj is None or module.startswith("pytorchlite"):
                return f"{_PUBLIC_TYPES[m.group(1)]}.{m.group(2)}"
    return None


def _print_script_traceback(exc, path):
    """Prints the traceback from the script's first frame on (as ``python script.py`` would)."""
    tb = exc.__traceback__
    script = os.path.abspath(path)
    first = tb
    while first is not None and os.path.abspath(first.tb_frame.f_code.co_filename) != script:
        first = first.tb_next
    lines = traceback.format_exception(type(exc), exc, first if first is not None else tb)
    sys.stderr.write("".join(lines))


def _install_torch_alias():
    """Puts the torch alias first on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, _TorchAlias) for f in sys.meta_path):
        sys.meta_path.insert(0, _TorchAlias())


class _AliasInChild:
    """Unpickled by a 'spawn' or 'forkserver' child before it imports the script again as
    ``__mp_main__``: installs the torch alias there too."""

    def __reduce__(self):
        return (_install_torch_alias, ())


def _alias_in_spawned_children():
    """A process started with 'spawn' (or a forkserver) re-imports the script, without the
    runner: multiprocessing's preparation data, which such a child unpickles first, then
    carries an object that installs the alias (fork children inherit it)."""
    import multiprocessing.spawn as spawn

    original = spawn.get_preparation_data
    if getattr(original, "_pytorchlite_alias", False):
        return

    def get_preparation_data(name):
        data = original(name)
        data["pytorchlite_torch_alias"] = _AliasInChild()
        return data

    get_preparation_data._pytorchlite_alias = True
    spawn.get_preparation_data = get_preparation_data


def run_script(path, argv):
    """Runs the script at ``path`` as ``__main__`` with torch aliased to pytorchlite; returns
    the exit code (a ``SystemExit`` raised by the script propagates as it would)."""
    if not os.path.isfile(path):
        print(f"python -m pytorchlite run: can't open file {os.path.abspath(path)!r}: "
              "[Errno 2] No such file or directory", file=sys.stderr)
        return 2
    _install_torch_alias()
    _alias_in_spawned_children()
    sys.argv = [path] + list(argv)
    script_dir = os.path.dirname(os.path.abspath(path))
    sys.path.insert(0, script_dir)  # as `python script.py` puts the script's folder first
    try:
        runpy.run_path(path, run_name="__main__")
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as e:  # noqa: BLE001 (reported, as the interpreter would)
        name = unsupported_name(e)
        if name is not None:
            print(f"pytorchlite does not support {name} yet", file=sys.stderr)
        else:
            _print_script_traceback(e, path)
        return 1
    return 0
