"""The benchmark harness's statistics, ratio, peak and parsing helpers (no timings are asserted)."""
import json
import os
import sys

import pytest

# benchmarks/ is a development tool beside the package, not installed with it: reach it from
# the repository root (appended, so an installed pytorchlite keeps precedence).
sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import machine, runner, stats  # noqa: E402
from benchmarks.__main__ import side_labels  # noqa: E402
from benchmarks.workloads import _common  # noqa: E402

CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 17
model name\t: AMD EPYC
cpu MHz\t\t: 2500.000
physical id\t: 0
core id\t\t: 0
flags\t\t: fpu sse4_2 avx avx2 fma avx512f

processor\t: 1
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 17
model name\t: AMD EPYC
cpu MHz\t\t: 2500.000
physical id\t: 0
core id\t\t: 1
flags\t\t: fpu sse4_2 avx avx2 fma avx512f
"""


def test_median_ignores_missing_values():
    assert stats.median([3.0, None, 1.0, 2.0]) == 2.0
    assert stats.median([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert stats.median([None, None]) is None
    assert stats.median([]) is None


def test_ratios_are_paired_by_round():
    subject = [1.0, 2.0, None, 9.0]
    baseline = [2.0, 8.0, 5.0, 3.0]
    assert stats.paired_ratios(subject, baseline) == [0.5, 0.25, 3.0]
    assert stats.median_ratio(subject, baseline) == 0.5
    # The median of ratios, not the ratio of medians (which would be 2.0 / 4.0 here).
    assert stats.median_ratio([1.0, 2.0, 9.0], [10.0, 1.0, 4.0]) == 2.0
    assert stats.median_ratio([None], [1.0]) is None


def test_target_met():
    assert stats.target_met(0.05, 0.05) is True
    assert stats.target_met(0.06, 0.05) is False
    assert stats.target_met(None, 0.05) is None
    assert stats.target_met(1.0, 1.1, peak_percent=85.0, min_peak_percent=80.0) is True
    assert stats.target_met(1.0, 1.1, peak_percent=79.9, min_peak_percent=80.0) is False
    assert stats.target_met(1.0, 1.1, peak_percent=None, min_peak_percent=80.0) is False
    assert stats.target_met(1.2, 1.1, peak_percent=95.0, min_peak_percent=80.0) is False


@pytest.mark.parametrize("value, unit, text", [
    (2.5e-7, "s", "250 ns"), (1.234e-5, "s", "12.3 us"), (0.9997e-3, "s", "1 ms"),
    (0.25, "s", "250 ms"), (3.0, "s", "3 s"), (301.4, "MiB", "301 MiB"), (None, "s", "-"),
])
def test_format_value(value, unit, text):
    assert stats.format_value(value, unit) == text


def test_flops_per_cycle():
    zen4 = {"avx2", "fma", "avx512f"}
    assert machine.fp32_flops_per_cycle("AuthenticAMD", 25, zen4)[0] == 2 * 8 * 2
    assert machine.fp32_flops_per_cycle("GenuineIntel", 6, zen4)[0] == 2 * 16 * 2
    assert machine.fp32_flops_per_cycle("GenuineIntel", 6, {"avx2", "fma"})[0] == 32
    assert machine.fp32_flops_per_cycle("GenuineIntel", 6, {"sse4_2"})[0] == 8


def test_describe_computes_peak_from_cpuinfo(tmp_path):
    path = tmp_path / "cpuinfo"
    path.write_text(CPUINFO)
    info = machine.describe(str(path))
    assert info["cores"] == 2 and info["mhz"] == 2500.0
    assert info["flags"] == ["sse4_2", "avx", "avx2", "fma", "avx512f"]
    assert info["peak_gflops"] == pytest.approx(2 * 2.5 * 32)
    assert "2 cores x 2.500 GHz x 32 FLOP/cycle/core" in info["peak_formula"]


def test_parse_result_takes_the_last_result_line():
    out = "noise\n" + runner.RESULT_PREFIX + json.dumps({"seconds": 1}) + "\nmore\n"
    out += runner.RESULT_PREFIX + json.dumps({"seconds": 2}) + "\n"
    assert runner.parse_result(out) == {"seconds": 2}
    assert runner.parse_result("no result here\n") is None


def test_summarize_matmul_row():
    row = next(r for r in runner.ROWS if r.name == "matmul")
    results = {"matmul": {
        "subject": [{"seconds": 2.0, "gflops": 150.0}, {"seconds": 3.0, "gflops": 140.0}, None],
        "baseline": [{"seconds": 2.0, "gflops": 100.0}, {"seconds": 2.0, "gflops": 110.0},
                     {"seconds": 1.0, "gflops": 120.0}],
    }}
    errors = {"matmul": {"subject": "boom"}}
    (summary,) = runner.summarize([row], results, errors, peak_gflops=200.0)
    assert summary["number"] == 7
    assert summary["ratios"] == [1.0, 1.5]
    assert summary["ratio"] == 1.25
    assert summary["subject"]["median"] == 2.5 and summary["baseline"]["median"] == 2.0
    assert summary["subject"]["peak_percent"] == pytest.approx(72.5)
    assert summary["met"] is False  # ratio too high and below 80 % of peak
    assert summary["errors"] == {"subject": "boom"}


def test_every_row_names_an_existing_script():
    for row in runner.ROWS:
        assert os.path.isfile(os.path.join(runner.WORKLOAD_DIR, row.script + ".py")), row.script


def test_side_labels():
    assert side_labels({"subject": "pytorchlite", "baseline": "torch"}) == {
        "subject": "pytorchlite", "baseline": "torch"}
    assert side_labels({"subject": "torch", "baseline": "torch"}) == {
        "subject": "torch (A)", "baseline": "torch (B)"}


def test_time_per_unit_counts_calls_and_respects_the_budget():
    calls = []
    samples = _common.time_per_unit(lambda: calls.append(1), units=4, repeats=5, warmup=2,
                                    budget=1e9)
    assert len(calls) == 7 and len(samples) == 5
    assert all(s >= 0 for s in samples)
    calls.clear()
    samples = _common.time_per_unit(lambda: calls.append(1), units=4, repeats=5, warmup=2,
                                    budget=0.0)
    assert len(calls) == 2 and len(samples) == 1  # one warm-up, one timed call
