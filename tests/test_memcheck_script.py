"""The memory-checker script runs cleanly as plain Python too (so it stays in step with the API)."""
import os
import runpy


def test_memcheck_script_runs():
    script = runpy.run_path(os.path.join(os.path.dirname(__file__), "memcheck_script.py"))
    script["main"]()
