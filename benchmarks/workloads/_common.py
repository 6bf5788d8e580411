"""Child-side helpers shared by the workload scripts.

A workload script runs as `python SCRIPT.py FRAMEWORK [--quick]` in a fresh interpreter, imports the
framework under the given name, times itself and prints one result line that the parent parses.
This module imports only the standard library, so it adds the same small cost to either framework.
"""
import json
import resource
import statistics
import sys
import time

RESULT_PREFIX = "@@benchmark-result@@ "


def parse_args():
    """Return (framework module name, quick flag) from the command line."""
    if len(sys.argv) < 2:
        raise SystemExit(f"usage: {sys.argv[0]} FRAMEWORK [--quick]")
    return sys.argv[1], "--quick" in sys.argv[2:]


def repeats(full, quick):
    """How many timed samples to take: fewer with --quick, but never fewer than three."""
    return max(3, full // 3) if quick else full


def time_per_unit(fn, units, repeats, warmup=1, budget=5.0):
    """Call fn() `warmup` times untimed, then up to `repeats` times timed; fn does `units` units.

    Warm-up and timed calls each stop early once they have used `budget` seconds (the first of
    each is always made), so a slow framework cannot stretch a run much past 2 x budget.
    Returns the list of seconds per unit, one entry per timed call.
    """
    start = time.perf_counter()
    for i in range(warmup):
        if i and time.perf_counter() - start >= budget:
            break
        fn()
    samples = []
    spent = 0.0
    while len(samples) < repeats and (not samples or spent < budget):
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        spent += elapsed
        samples.append(elapsed / units)
    return samples


def max_rss_mib():
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def emit(framework, samples=None, **metrics):
    """Print the result line: the median of `samples` as `seconds`, plus any other metrics."""
    result = {"framework": framework.__name__,
              "version": getattr(framework, "__version__", None)}
    get_threads = getattr(framework, "get_num_threads", None)
    result["threads"] = get_threads() if callable(get_threads) else None
    if samples is not None:
        result["seconds"] = statistics.median(samples)
        result["samples"] = samples
    # Involuntary context switches: a large count means other work competed for the cores.
    result["involuntary_switches"] = resource.getrusage(resource.RUSAGE_SELF).ru_nivcsw
    result.update(metrics)
    print(RESULT_PREFIX + json.dumps(result), flush=True)
