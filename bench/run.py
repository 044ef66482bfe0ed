#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""pysample's overhead benchmark: every workload under every sampler, side
by side, interleaved, N rounds; prints medians and ratios as a Markdown
table.

    python3 bench/run.py [--rounds 5] [--python PATH] [--workloads split,deep]
                         [--variants floor,pysample-9999]

Each workload does a fixed amount of work and reports its own elapsed time
("elapsed S"), so a sampler's cost shows as the ratio of that time to the
same workload run alone in the same round.  Samplers: the floor (a minimal
stopping sampler, bench/floor.c: stop, read registers, resume), pysample at
9999 and 999 Hz and --nonblocking at 9999 Hz (and at 50000 Hz on split),
and perf record
--call-graph dwarf at 9999 Hz (plus -X perf on 3.12+) where perf works.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
PYSAMPLE = os.environ.get("PYSAMPLE", os.path.join(TOP, "pysample"))
WORK = os.path.join(TOP, "bench", "workloads")


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def build(tmp, python):
    floor = os.path.join(tmp, "floor")
    r = sh(["cc", "-O2", "-o", floor, os.path.join(TOP, "bench", "floor.c")])
    if r.returncode:
        sys.exit("cannot build bench/floor.c:\n" + r.stderr)
    inc = sh([python, "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"]).stdout.strip()
    ext = os.path.join(tmp, "ext")
    os.makedirs(ext, exist_ok=True)
    r = sh(["cc", "-O2", "-g", "-shared", "-fPIC", "-I", inc, "-o", os.path.join(ext, "cext.so"),
            os.path.join(TOP, "tests", "targets", "cext.c")])
    if r.returncode:
        sys.exit("cannot build the C extension:\n" + r.stderr)
    return floor, ext


def perf_works():
    if not shutil.which("perf"):
        return False
    r = sh(["perf", "record", "-e", "cpu-clock", "-o", "/dev/null", "--", "true"])
    return r.returncode == 0


# What bench/ reads of a run, by pysample's --stats key.
STATS_KEYS = {"samples": "samples", "rate": "hz_achieved", "sps": "samples_per_second",
              "missed": "ticks_missed", "stop_med": "stop_median_us", "stop_p99": "stop_p99_us",
              "cpu": "cpu_us_per_sample", "rss": "peak_rss_mib", "frames": "native_frames_mean",
              "unwind": "unwind_us_mean", "symb": "symbolize_merge_us_mean",
              "unwind_med": "unwind_symbolize_us_median", "torn": "failed_torn"}


def run_results(stderr, stats_path):
    """A run's numbers: from its --stats file; from the summary's wording
    only for a pysample older than --stats (bench/compare.py's baseline)."""
    out = {}
    try:
        with open(stats_path) as f:
            stats = dict(line.rstrip("\n").partition("=")[::2] for line in f)
        for ours, key in STATS_KEYS.items():
            if key in stats:
                out[ours] = float(stats[key])
        os.unlink(stats_path)
        return out
    except (OSError, ValueError):
        return parse_summary(stderr)


def supports_stats(binary):
    return "--stats" in sh([binary, "--help"]).stdout


def parse_summary(err):
    out = {}
    m = re.search(r"(\d+) samples from .* achieved ([\d.]+) Hz \(([\d.]+) samples/s\), (\d+) ticks missed", err)
    if m:
        out["samples"] = int(m.group(1))
        out["rate"] = float(m.group(2))
        out["sps"] = float(m.group(3))
        out["missed"] = int(m.group(4))
    m = re.search(r"stopped median ([\d.]+) us, p99 ([\d.]+) us", err)
    if m:
        out["stop_med"], out["stop_p99"] = float(m.group(1)), float(m.group(2))
    m = re.search(r"pysample CPU ([\d.]+) us per sample, peak RSS ([\d.]+) MiB", err)
    if m:
        out["cpu"], out["rss"] = float(m.group(1)), float(m.group(2))
    m = re.search(r"([\d.]+) frames, ([\d.]+) us unwind \+ ([\d.]+) us symbolize", err)
    if m:
        out["frames"], out["unwind"], out["symb"] = float(m.group(1)), float(m.group(2)), float(m.group(3))
    m = re.search(r"median of both ([\d.]+) us", err)
    if m:
        out["unwind_med"] = float(m.group(1))
    m = re.search(r"(\d+) torn", err)
    if m:
        out["torn"] = int(m.group(1))
    return out


def hot_share(path):
    hot = cold = 0
    record = []
    with open(path, errors="replace") as f:
        for line in f:
            if line.strip():
                record.append(line)
                continue
            text = "".join(record)
            if "py::hot:" in text:
                hot += 1
            elif "py::cold:" in text:
                cold += 1
            record = []
    return hot / (hot + cold) if hot + cold else None


def run_floor(floor, hz, target, env=None):
    """The workload under the floor at hz: its standard output, and the
    floor's samples, stop times and CPU per sample."""
    p = subprocess.Popen(target, stdout=subprocess.PIPE, text=True, env=env)
    fl = subprocess.Popen([floor, str(hz), str(p.pid)], stdout=subprocess.PIPE, text=True)
    stdout = p.communicate()[0]
    fl_out = fl.communicate()[0]
    res = {}
    m = re.search(r"(\d+) samples; stopped median (\d+) us, p99 (\d+) us; CPU ([\d.]+) us", fl_out)
    if m:
        res["samples"] = int(m.group(1))
        res["stop_med"], res["stop_p99"] = float(m.group(2)), float(m.group(3))
        res["cpu"] = float(m.group(4))
    return stdout, res


def run_variant(variant, python, workload, tmp, floor, ext):
    env = dict(os.environ, CEXT_DIR=ext)
    target = [python] + (["-X", "perf"] if variant == "perf-dwarf-Xperf" else []) + \
        [os.path.join(WORK, workload + ".py")]
    out = os.path.join(tmp, "out.perf")
    res = {}
    if variant == "floor":
        stdout, res = run_floor(floor, 9999, target, env)
    elif variant.startswith("pysample"):
        args = {"pysample-9999": ["-F", "9999"], "pysample-999": ["-F", "999"],
                "pysample-nonblocking-9999": ["--nonblocking", "-F", "9999"],
                "pysample-nonblocking-50000": ["--nonblocking", "-F", "50000"]}[variant]
        p = sh([PYSAMPLE] + args + ["-o", out, "--stats", out + ".stats", "--"] + target, env=env)
        stdout = p.stdout
        res.update(run_results(p.stderr, out + ".stats"))
        if workload == "split":
            res["share"] = hot_share(out)
    elif variant.startswith("perf"):
        data = os.path.join(tmp, "perf.data")
        p = sh(["perf", "record", "-e", "cpu-clock", "-F", "9999", "--call-graph", "dwarf",
                "-o", data, "--"] + target, env=env)
        stdout = p.stdout
        m = re.search(r"\(([\d]+) samples\)", p.stderr)
        res["samples"] = int(m.group(1)) if m else None
    else:
        stdout = sh(target, env=env).stdout
    m = re.search(r"elapsed ([\d.]+)", stdout)
    res["elapsed"] = float(m.group(1)) if m else None
    m = re.search(r"hot-share ([\d.]+)", stdout)
    res["truth"] = float(m.group(1)) if m else None
    return res


# Variants measured on some workloads only: the 50 kHz goal is stated for
# the single-threaded one.
ONLY_ON = {"pysample-nonblocking-50000": ("split",)}


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def p(v, fmt):
    return fmt % v if v is not None else "-"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--python", default=os.path.expanduser("~/.pyenv/versions/3.12.1/bin/python"))
    ap.add_argument("--workloads", default="split,threads8,deep,cext,mixed50")
    ap.add_argument("--variants", help="only these samplers (comma-separated; alone is always run)")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="pysample-bench-")
    floor, ext = build(tmp, args.python)
    variants = ["alone", "floor", "pysample-9999", "pysample-999", "pysample-nonblocking-9999",
                "pysample-nonblocking-50000"]
    if perf_works():
        variants.append("perf-dwarf")
        if sh([args.python, "-c", "import sys; sys.exit(sys.version_info < (3, 12))"]).returncode == 0:
            variants.append("perf-dwarf-Xperf")
    if args.variants:
        keep = set(args.variants.split(",")) | {"alone"}
        unknown = keep - set(variants)
        if unknown:
            sys.exit("unknown variants: %s (known: %s)" % (", ".join(sorted(unknown)), ", ".join(variants)))
        variants = [v for v in variants if v in keep]
    workloads = args.workloads.split(",")
    results = {(w, v): [] for w in workloads for v in variants}
    for r in range(args.rounds):
        for w in workloads:
            for v in variants:
                if v in ONLY_ON and w not in ONLY_ON[v]:
                    continue
                results[(w, v)].append(run_variant(v, args.python, w, tmp, floor, ext))
        print("round %d/%d done" % (r + 1, args.rounds), file=sys.stderr)
    uname = os.uname()
    print("Machine: %s %s, %d CPUs; %s; %s; %d rounds, interleaved; medians.\n"
          % (uname.nodename.split(".")[0] and "this VM", uname.release, os.cpu_count(), args.python,
             time.strftime("%Y-%m-%d"), args.rounds))
    for w in workloads:
        alone = med(x["elapsed"] for x in results[(w, "alone")])
        floor_ratio = None
        print("### %s\n" % w)
        print("| sampler | elapsed s | slowdown | vs floor | samples/s | missed ticks | hot share (truth) "
              "| stop med/p99 us | unwind+sym median us (frames) | CPU us/sample | RSS MiB |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for v in variants:
            rs = results[(w, v)]
            if not rs:
                continue
            el = med(x["elapsed"] for x in rs)
            ratio = el / alone if el and alone else None
            if v == "floor":
                floor_ratio = ratio
            sps = med(x.get("sps") for x in rs)
            if sps is None and el:
                n = med(x.get("samples") for x in rs)
                sps = n / el if n else None
            share = med(x.get("share") for x in rs)
            truth = med(x.get("truth") for x in rs)
            stop = "%s / %s" % (p(med(x.get("stop_med") for x in rs), "%.1f"),
                                p(med(x.get("stop_p99") for x in rs), "%.1f"))
            unw = med(x.get("unwind_med") for x in rs)
            frames = med(x.get("frames") for x in rs)
            print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                v, p(el, "%.3f"), p(ratio, "%.2fx"),
                p(ratio / floor_ratio if ratio and floor_ratio and v != "alone" else None, "%.2fx"),
                p(sps, "%.0f"), p(med(x.get("missed") for x in rs), "%.0f"),
                "%s (%s)" % (p(share * 100 if share else None, "%.1f%%"), p(truth * 100 if truth else None, "%.1f%%")),
                stop, "%s (%s)" % (p(unw, "%.1f"), p(frames, "%.0f")) if unw is not None else "-",
                p(med(x.get("cpu") for x in rs), "%.1f"),
                p(med(x.get("rss") for x in rs), "%.1f")))
        print()


if __name__ == "__main__":
    main()
