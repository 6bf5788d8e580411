"""Statistics and formatting helpers for the benchmark: pure functions, no I/O."""
import statistics


def median(values):
    """Median of the values that are not None; None when there are none."""
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def paired_ratios(subject, baseline):
    """Per-round ratios subject/baseline, skipping rounds where either side has no value."""
    return [s / b for s, b in zip(subject, baseline)
            if s is not None and b is not None and b > 0]


def median_ratio(subject, baseline):
    """Median of the per-round ratios (rounds ran both sides back to back, so pairs share load)."""
    return median(paired_ratios(subject, baseline))


def target_met(ratio, target, peak_percent=None, min_peak_percent=None):
    """True when ratio <= target (and the peak share is high enough, if one is required).

    None when there is no ratio to judge.
    """
    if ratio is None:
        return None
    if min_peak_percent is not None:
        if peak_percent is None or peak_percent < min_peak_percent:
            return False
    return ratio <= target


def format_value(value, unit):
    """Human-readable value with three significant digits: seconds scaled to ns/us/ms/s."""
    if value is None:
        return "-"
    if unit == "s":
        value = float(f"{value:.3g}")  # round first, so 999.7e-6 prints as 1 ms
        for below, multiplier, suffix in ((1e-6, 1e9, "ns"), (1e-3, 1e6, "us"), (1.0, 1e3, "ms")):
            if value < below:
                return f"{value * multiplier:.3g} {suffix}"
        return f"{value:.3g} s"
    return f"{value:.3g} {unit}"


def format_ratio(ratio):
    return "-" if ratio is None else f"{ratio:.3f}"


def format_met(met):
    return {True: "yes", False: "no", None: "n/a"}[met]
