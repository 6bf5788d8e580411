"""Runs PyTorch scripts one after another in this interpreter and prints, as JSON, each one's
exit status, standard output and standard error. ``--lite`` makes ``import torch`` (and every
``torch.*`` submodule) resolve to pytorchlite, as ``python -m pytorchlite run`` does.

Between scripts the print options and default dtype go back to their defaults, so one script's
settings do not leak into the next (the same reset on both sides).
Usage: python twin_runner.py [--lite] SCRIPT.py...
"""
import contextlib
import io
import json
import os
import runpy
import sys
import traceback


def run_one(path):
    out, err = io.StringIO(), io.StringIO()
    rc = 0
    old_argv, old_cwd = sys.argv, os.getcwd()
    sys.argv = [path]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            runpy.run_path(path, run_name="__main__")
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException:  # the script's own failure is its result
            traceback.print_exc()
            rc = 1
    sys.argv = old_argv
    os.chdir(old_cwd)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_printoptions(profile="default")
        torch.set_default_dtype(torch.float32)
    return rc, out.getvalue(), err.getvalue()


def main(argv):
    if argv and argv[0] == "--lite":
        argv = argv[1:]
        from pytorchlite.__main__ import _TorchAlias

        sys.meta_path.insert(0, _TorchAlias())
    results = {os.path.basename(p): run_one(p) for p in argv}
    sys.stdout.write(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1:])
