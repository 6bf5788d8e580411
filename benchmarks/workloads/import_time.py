"""Workload: wall time of `import FRAMEWORK` in a fresh interpreter, nothing subtracted."""
import importlib
import time

import _common

name, _quick = _common.parse_args()
start = time.perf_counter()
framework = importlib.import_module(name)
elapsed = time.perf_counter() - start
_common.emit(framework, samples=[elapsed])
