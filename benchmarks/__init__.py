"""Side-by-side benchmark of pytorchlite against real PyTorch.

Run from the repository root: `python -m benchmarks --against torch` (see BENCHMARKS.md). Every
workload in benchmarks/workloads/ is plain PyTorch code that imports the framework whose module name
it is given, so both frameworks run the identical script, each run in a fresh interpreter.
"""
