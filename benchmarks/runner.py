"""The workloads, and running them in fresh subprocesses, alternating the two sides by round."""
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Optional

from . import stats

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKLOAD_DIR = os.path.join(ROOT, "benchmarks", "workloads")
RESULT_PREFIX = "@@benchmark-result@@ "  # the line workloads/_common.py prints

# Scripts whose first run per framework is discarded: it only brings files into the page cache.
COLD_START_SCRIPTS = {"import_time"}


@dataclass(frozen=True)
class Row:
    """One line of the results table: a metric of one workload script and its target ratio."""
    name: str              # the key for --only
    title: str
    script: str            # benchmarks/workloads/<script>.py
    metric: str            # key of the script's result
    unit: str              # "s" (per unit of work) or "MiB"
    target: float          # the ratio subject/baseline must be at most this
    min_peak_percent: Optional[float] = None  # and the subject's GFLOP/s at least this % of peak


ROWS = (
    Row("import", "import time", "import_time", "seconds", "s", 0.05),
    Row("elementwise", "elementwise op, 16 floats (per op)", "elementwise", "seconds", "s", 0.15),
    Row("autograd", "relu(x @ W).mean().backward(), 8x8", "autograd_step", "seconds", "s", 0.15),
    Row("training", "guide's training loop (per epoch)", "training_loop", "seconds", "s", 0.10),
    Row("mnist", "MNIST MLP 784-256-10, batch 64 (per step)", "mnist_mlp", "seconds", "s", 0.5),
    Row("gemm_mlp", "MLP 1024-4096-4096-1024, batch 256 (per step)", "gemm_mlp", "seconds", "s",
        1.0),
    Row("matmul", "matmul 1024^3 float32", "matmul", "seconds", "s", 1.1, min_peak_percent=80.0),
    Row("memory", "peak RSS of the training loop", "training_loop", "max_rss_mib", "MiB", 0.3),
    Row("lstm_lm", "word LSTM LM 2x200, seq 35, batch 20 (per step)", "lstm_lm", "seconds", "s",
        1.0),
    Row("transformer", "Transformer encoder 2x128, batch 16, seq 64 (per step)", "transformer",
        "seconds", "s", 1.0),
    Row("lstm_infer", "LSTM 256 token loop, batch 1, no_grad (per token)", "lstm_infer",
        "seconds", "s", 0.3),
    Row("mnist_cnn", "MNIST example CNN, batch 64, Adam (per step)", "mnist_cnn", "seconds", "s",
        0.8),
    Row("resnet18_train", "ResNet-18 train step, batch 8x3x96x96, SGD (per step)",
        "resnet18_train", "seconds", "s", 1.0),
    Row("resnet18_infer", "ResNet-18 eval forward, 1x3x224x224, no_grad (per image)",
        "resnet18_infer", "seconds", "s", 1.0),
)


class ChildFailure(Exception):
    """A workload process exited without printing a result."""


def parse_result(stdout):
    """The dictionary from the last result line of a workload's output, or None."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    return None


def run_child(script, framework, quick=False, timeout=300):
    """Run one workload script under one framework in a fresh interpreter; return its result."""
    env = dict(os.environ)
    # Bytecode as an installed package has it (pip compiles it at install): a checkout writes
    # it on the warm-up import, instead of compiling every module in every timed run.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # The checkout's own package (built in place or installed editable) is the one measured.
    paths = (ROOT, env.get("PYTHONPATH"))
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    cmd = [sys.executable, os.path.join(WORKLOAD_DIR, script + ".py"), framework]
    if quick:
        cmd.append("--quick")
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ChildFailure(f"timed out after {timeout} s") from None
    result = parse_result(proc.stdout)
    if proc.returncode != 0 or result is None:
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        reason = lines[-1].strip() if lines else f"no result (exit status {proc.returncode})"
        raise ChildFailure(reason)
    return result


SIDES = ("subject", "baseline")


def run_all(rows, modules, rounds, quick=False, timeout=300, progress=None):
    """Run every script the rows need, `rounds` times per side, alternating which side goes first.

    `modules` maps each side ("subject", "baseline") to the framework module name it imports; the
    two may be the same module (a self-test). Returns (results, errors): results[script][side] is
    a list with one result dictionary (or None) per round; errors[script][side] is the first
    failure's message. A side that failed a script is not run on it again.
    """
    scripts = list(dict.fromkeys(row.script for row in rows))
    results = {script: {side: [] for side in SIDES} for script in scripts}
    errors = {script: {} for script in scripts}
    for script in scripts:
        if script in COLD_START_SCRIPTS:
            for module in dict.fromkeys(modules.values()):
                try:
                    run_child(script, module, quick, timeout)
                except ChildFailure:
                    pass  # the timed runs report it
    for rnd in range(rounds):
        order = SIDES if rnd % 2 == 0 else SIDES[::-1]
        for script in scripts:
            for side in order:
                result = None
                if side not in errors[script]:
                    try:
                        result = run_child(script, modules[side], quick, timeout)
                    except ChildFailure as exc:
                        errors[script][side] = str(exc)
                results[script][side].append(result)
                if progress:
                    progress(rnd, script, modules[side], result, errors[script].get(side))
    return results, errors


def summarize(rows, results, errors, peak_gflops=None):
    """One summary dictionary per row: medians over rounds, median ratio, target met."""
    summaries = []
    for row in rows:
        per_side = results[row.script]
        values = {side: [r.get(row.metric) if r else None for r in per_side[side]]
                  for side in SIDES}
        ratio = stats.median_ratio(values["subject"], values["baseline"])
        summary = {"number": ROWS.index(row) + 1, "name": row.name, "title": row.title,
                   "unit": row.unit, "target": row.target, "ratio": ratio,
                   "ratios": stats.paired_ratios(values["subject"], values["baseline"]),
                   "errors": dict(errors[row.script])}
        for side in SIDES:
            summary[side] = {"median": stats.median(values[side]), "values": values[side]}
        peak_percent = None
        if row.min_peak_percent is not None:
            summary["min_peak_percent"] = row.min_peak_percent
            for side in SIDES:
                gflops = stats.median([r.get("gflops") if r else None for r in per_side[side]])
                summary[side]["gflops"] = gflops
                if gflops is not None and peak_gflops:
                    summary[side]["peak_percent"] = 100.0 * gflops / peak_gflops
            peak_percent = summary["subject"].get("peak_percent")
        summary["met"] = stats.target_met(ratio, row.target, peak_percent, row.min_peak_percent)
        summaries.append(summary)
    return summaries
