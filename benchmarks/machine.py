"""What machine the benchmark runs on: CPU model, cores, clock, SIMD flags and fp32 peak GFLOP/s.

The peak is cores x clock x fp32 FLOP per cycle per core, where FLOP per cycle per core is
FMA pipes x SIMD lanes x 2 (an FMA is two FLOP). The clock is the highest `cpu MHz` in
/proc/cpuinfo (the nominal clock under a hypervisor; boost clocks are not counted).
"""
import os
import platform

SIMD_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_bf16")


def parse_cpuinfo(text):
    """List of per-processor dicts from the text of /proc/cpuinfo."""
    processors = []
    for block in text.strip().split("\n\n"):
        entry = {}
        for line in block.splitlines():
            key, sep, value = line.partition(":")
            if sep:
                entry[key.strip()] = value.strip()
        if entry:
            processors.append(entry)
    return processors


def fp32_flops_per_cycle(vendor, family, flags):
    """(FLOP per cycle per core, explanation) for fp32 FMA, from vendor, CPU family and flags.

    AMD family 25 (Zen 3/Zen 4) has 2 FMA pipes of 256 bits even where it runs AVX-512;
    family 26 (Zen 5) and Intel AVX-512 server cores are taken as 2 pipes of 512 bits.
    """
    if vendor == "AuthenticAMD" and family == 25:
        pipes, bits = 2, 256
    elif "avx512f" in flags:
        pipes, bits = 2, 512
    elif "fma" in flags and "avx2" in flags:
        pipes, bits = 2, 256
    else:
        return 8, "no FMA: 4-lane SSE add + mul per cycle = 8 FLOP/cycle/core"
    lanes = bits // 32
    flop = pipes * lanes * 2
    return flop, (f"{pipes} FMA pipes x {bits}-bit ({lanes} fp32 lanes) x 2 FLOP per FMA"
                  f" = {flop} FLOP/cycle/core")


def describe(cpuinfo_path="/proc/cpuinfo"):
    """Dictionary describing this machine, including the fp32 peak and how it was computed."""
    try:
        with open(cpuinfo_path) as f:
            processors = parse_cpuinfo(f.read())
    except OSError:
        processors = []
    first = processors[0] if processors else {}
    flags = set(first.get("flags", "").split())
    if processors and all("core id" in p for p in processors):
        n_cores = len({(p.get("physical id"), p["core id"]) for p in processors})
    else:
        n_cores = os.cpu_count()
    mhz = max((float(p["cpu MHz"]) for p in processors if "cpu MHz" in p), default=None)
    vendor = first.get("vendor_id", platform.processor())
    family = int(first["cpu family"]) if "cpu family" in first else None
    flop, how = fp32_flops_per_cycle(vendor, family, flags)
    info = {
        "cpu": first.get("model name", platform.processor() or "unknown"),
        "vendor": vendor,
        "family": family,
        "model": int(first["model"]) if "model" in first else None,
        "cores": n_cores,
        "logical_cpus": os.cpu_count(),
        "mhz": mhz,
        "flags": [f for f in SIMD_FLAGS if f in flags],
        "flop_per_cycle_per_core": flop,
        "peak_gflops": None,
        "peak_formula": how,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }
    if mhz:
        info["peak_gflops"] = n_cores * mhz / 1000.0 * flop
        info["peak_formula"] = (f"{n_cores} cores x {mhz / 1000.0:.3f} GHz x {flop} FLOP/cycle/core"
                                f" = {info['peak_gflops']:.1f} GFLOP/s ({how})")
    return info
