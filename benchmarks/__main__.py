"""Command line: `python -m benchmarks --against torch [--rounds N] [--quick] [--only NAME] ...`.

Prints a table of medians and median ratios (subject/baseline, lower is better) against targets,
and optionally writes JSON and a Markdown table (see BENCHMARKS.md for the method).
"""
import argparse
import datetime
import json
import os
import sys

from . import machine, runner, stats

MD_BEGIN = "<!-- benchmark-results:begin -->"
MD_END = "<!-- benchmark-results:end -->"


def parse_args(argv):
    names = [row.name for row in runner.ROWS]
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    p.add_argument("--against", default="torch", metavar="MODULE",
                   help="baseline framework module (default: torch)")
    p.add_argument("--subject", default="pytorchlite", metavar="MODULE",
                   help="framework under test (default: pytorchlite)")
    p.add_argument("--self-test", action="store_true",
                   help="run the baseline against itself (ratios should come out near 1)")
    p.add_argument("--rounds", type=int, default=None, help="rounds per side (default 5, quick 1)")
    p.add_argument("--quick", action="store_true", help="one round and fewer repeats per process")
    p.add_argument("--only", action="append", metavar="NAME",
                   help="run only these workloads (repeatable or comma-separated): "
                   + ", ".join(names))
    p.add_argument("--timeout", type=float, default=300, help="seconds per process (default 300)")
    p.add_argument("--json", metavar="PATH", help="write the results as JSON to PATH")
    p.add_argument("--markdown", action="store_true", help="also print a Markdown results table")
    p.add_argument("--update-md", metavar="PATH",
                   help=f"replace the block between {MD_BEGIN} and {MD_END} in PATH with the table")
    args = p.parse_args(argv)
    if args.self_test:
        args.subject = args.against
    if args.rounds is None:
        args.rounds = 1 if args.quick else 5
    if args.rounds < 1:
        p.error("--rounds must be at least 1")
    wanted = [n for item in (args.only or []) for n in item.split(",") if n]
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        p.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(names)}")
    args.rows = [row for row in runner.ROWS if not wanted or row.name in wanted]
    return args


def side_labels(modules):
    """Column labels for the two sides; the same module twice is told apart as (A) and (B)."""
    if modules["subject"] == modules["baseline"]:
        return {"subject": modules["subject"] + " (A)", "baseline": modules["baseline"] + " (B)"}
    return dict(modules)


def target_text(summary):
    text = f"<= {summary['target']:g}"
    if "min_peak_percent" in summary:
        text += f", >= {summary['min_peak_percent']:g}% peak"
    return text


def table_rows(summaries):
    for s in summaries:
        yield [f"{s['number']}. {s['title']}",
               stats.format_value(s["subject"]["median"], s["unit"]),
               stats.format_value(s["baseline"]["median"], s["unit"]),
               stats.format_ratio(s["ratio"]), target_text(s), stats.format_met(s["met"])]


def plain_table(summaries, labels):
    header = ["workload", labels["subject"], labels["baseline"], "ratio", "target", "met"]
    rows = [header] + list(table_rows(summaries))
    widths = [max(len(r[c]) for r in rows) for c in range(len(header))]
    lines = []
    for r in rows:
        cells = [r[0].ljust(widths[0])] + [r[c].rjust(widths[c]) for c in range(1, len(r))]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def markdown_table(summaries, labels):
    header = ["workload", labels["subject"], labels["baseline"], "ratio", "target", "met"]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * 4 + ":---:|"]
    for r in table_rows(summaries):
        r[3] = f"**{r[3]}**"
        lines.append("| " + " | ".join(c.replace(" us", " µs") for c in r) + " |")
    return "\n".join(lines)


def run_info(results, side):
    """(version, threads) reported by the first successful process of a side."""
    for per_side in results.values():
        for r in per_side[side]:
            if r:
                return r.get("version"), r.get("threads")
    return None, None


def notes(summaries, results, labels, info):
    lines = []
    for s in summaries:
        if "min_peak_percent" in s:
            parts = []
            for side in runner.SIDES:
                g, pct = s[side].get("gflops"), s[side].get("peak_percent")
                if g is not None:
                    parts.append(f"{labels[side]} {g:.1f} GFLOP/s"
                                 + (f" ({pct:.0f}% of peak)" if pct is not None else ""))
            lines.append(f"{s['name']}: " + (", ".join(parts) or "no result"))
    if "mnist_mlp" in results:
        losses = {labels[side]: next((r["loss"] for r in results["mnist_mlp"][side] if r), None)
                  for side in runner.SIDES}
        ran = {loss for loss in losses.values() if loss}
        lines.append("mnist loss: " + ", ".join(f"{k} {v}" for k, v in losses.items())
                     + ("  (DIFFERENT: not like for like)" if len(ran) > 1 else ""))
    lines.append(f"peak: {info['peak_formula']}")
    failures = {}  # one line per failure, naming every row it empties
    for s in summaries:
        for side, message in s["errors"].items():
            failures.setdefault((side, message), []).append(s["name"])
    for (side, message), names in failures.items():
        lines.append(f"FAILED {', '.join(names)} under {labels[side]}: {message}")
    return lines


def header_lines(args, labels, results, info, load):
    clock = f"{info['mhz']:.0f} MHz" if info["mhz"] else "clock unknown"
    cpu = (f"{info['cpu']} (family {info['family']}, model {info['model']}), {info['cores']} cores,"
           f" {clock}, flags: {' '.join(info['flags'])}")
    lines = [f"{labels['subject']} vs {labels['baseline']}: {args.rounds} round(s)"
             f"{' (quick)' if args.quick else ''}, each run in a fresh interpreter;"
             " ratio = median over rounds of subject/baseline, lower is better",
             f"machine: {cpu}; Python {info['python']}",
             "load average (1 min) before / after: " + " / ".join(
                 f"{x:.2f}" if x is not None else "?" for x in load)]
    for side in runner.SIDES:
        version, threads = run_info(results, side)
        lines.append(f"{labels[side]}: version {version}, threads {threads}")
    return lines


def load_average():
    """The one-minute load average (other work on the machine skews timings), or None."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def update_markdown(path, block):
    with open(path) as f:
        text = f.read()
    begin, end = text.find(MD_BEGIN), text.find(MD_END)
    if begin < 0 or end < begin:
        raise SystemExit(f"{path}: markers {MD_BEGIN} ... {MD_END} not found")
    text = text[:begin + len(MD_BEGIN)] + "\n" + block + "\n" + text[end:]
    with open(path, "w") as f:
        f.write(text)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    modules = {"subject": args.subject, "baseline": args.against}
    labels = side_labels(modules)
    info = machine.describe()

    def progress(rnd, script, module, result, error):
        shown = error and f"FAILED: {error}" or stats.format_value(result.get("seconds"), "s")
        print(f"[round {rnd + 1}/{args.rounds}] {script:<14} {module:<12} {shown}",
              file=sys.stderr, flush=True)

    load = [load_average()]
    results, errors = runner.run_all(args.rows, modules, args.rounds, args.quick, args.timeout,
                                     progress)
    load.append(load_average())
    summaries = runner.summarize(args.rows, results, errors, info["peak_gflops"])
    head = header_lines(args, labels, results, info, load)
    tail = notes(summaries, results, labels, info)
    print("\n".join(head + ["", plain_table(summaries, labels), ""] + tail))

    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    command = "python -m benchmarks " + " ".join(sys.argv[1:] if argv is None else argv)
    block = "\n".join([f"Command: `{command}` ({stamp})", ""] + [f"- {line}" for line in head[1:]]
                      + ["", markdown_table(summaries, labels), ""]
                      + [f"- {line}" for line in tail])
    if args.markdown:
        print("\n" + block)
    if args.update_md:
        update_markdown(args.update_md, block)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"command": command, "date": stamp, "modules": modules, "labels": labels,
                       "rounds": args.rounds, "quick": args.quick, "machine": info,
                       "load_average": {"before": load[0], "after": load[1]},
                       "versions": {side: run_info(results, side)[0] for side in runner.SIDES},
                       "threads": {side: run_info(results, side)[1] for side in runner.SIDES},
                       "rows": summaries}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
