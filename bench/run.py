#!/usr/bin/env python3
"""Runs the benchmark suite (BENCHMARKS.md) and writes the report.

Every workload runs once per contender per repetition, contenders interleaved (and their order
rotated each repetition), so slow drifts of a shared machine hit all of them alike. Ratios are
taken per repetition between runs made side by side, then summarised by their median and range.

  bench/run.py --build build/release [--nojemalloc build/nojemalloc] [--smoke] [--out DIR]
  bench/run.py --build build/release [--nojemalloc ...] --instructions [--smoke] [--out DIR]

--instructions counts instructions under callgrind instead of timing (bench/instructions.py):
instructions.md and instructions.json in the output folder.

Contenders: stock SQLite on glibc malloc (the baseline, always 1.00); the same stock SQLite with
Debian's jemalloc (libjemalloc2) and mimalloc (libmimalloc2.0) preloaded (LD_PRELOAD), when
installed: what a user who only wants speed runs; duckcore; and, when --nojemalloc names a build
made with DUCKCORE_JEMALLOC=OFF, duckcore on glibc malloc.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

# Sizes: (full, smoke). The smoke run only proves every workload still runs and reports.
SIZES = {
    "reps": (5, 1),
    "p1_size": (100, 5),
    "p2_ops": (200000, 2000),
    "p3_rows": (20000, 500),
    "p4_cycles": (50000, 400),
    "p4_max_rows": (3000, 300),
    "p4_reps": (3, 1),
    # P2's throughput ratios sit near their target and a run takes about a second: more
    # repetitions narrow the median where it matters, for about 90 s more.
    "p2_reps": (11, 1),
    "p5_n": (20000, 200),
    "p6_pairs": (4000000, 20000),
    "p7_n": (500, 20),
    "p8_n": (20000, 50),
    "p9_scan_mb": (40, 4),
    "p9_tenants": (16, 4),
    "p9_mb_each": (8, 1),
    "p9_ops": (200000, 2000),
}
P9_LIMIT = "8 MiB"          # duckbench.c's P9_LIMIT_MB: the scans' limit
P9_CACHE_SIZES = ("-2000", "-65536", "100000")


WORKLOADS = ("p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9")

# The preloaded contenders: stock SQLite's program with an allocator under LD_PRELOAD.
PRELOADS = {"stock_jemalloc": "libjemalloc.so.2", "stock_mimalloc": "libmimalloc.so.2"}
LABELS = {"stock": "stock", "stock_jemalloc": "stock+jemalloc", "stock_mimalloc": "stock+mimalloc",
          "duckcore": "duckcore", "nojemalloc": "duckcore, no jemalloc"}


def preload_path(library):
    """The installed library's path (Debian: /usr/lib/<triplet>/), or None."""
    found = sorted(glob.glob(f"/usr/lib/*/{library}") + glob.glob(f"/usr/lib/{library}"))
    return found[0] if found else None


def is_stock(contender):
    return contender.startswith("stock")
MEMORY_LIMIT_P8 = "64 MiB"  # duckbench.c's P8_MEMORY_LIMIT


class Suite:
    def __init__(self, args):
        self.smoke = args.smoke
        self.out = args.out
        self.size = {k: v[1 if args.smoke else 0] for k, v in SIZES.items()}
        if args.reps:
            self.size["reps"] = self.size["p4_reps"] = self.size["p2_reps"] = args.reps
        self.threads = sorted({1, min(2, os.cpu_count() or 1)} | set(args.threads or []))
        self.contenders = {"stock": os.path.join(args.build, "bench")}
        self.preload = {}  # contender -> the library it preloads
        for contender, library in PRELOADS.items():
            path = preload_path(library)
            if path:
                self.contenders[contender] = self.contenders["stock"]
                self.preload[contender] = path
            else:
                print(f"run.py: {library} is not installed (scripts/bootstrap installs it): no "
                      f"{LABELS[contender]} column", file=sys.stderr)
        self.contenders["duckcore"] = os.path.join(args.build, "bench")
        if args.nojemalloc:
            self.contenders["nojemalloc"] = os.path.join(args.nojemalloc, "bench")
        self.results = []  # every JSON object the programs printed, tagged
        self.tmp = tempfile.mkdtemp(prefix="duckcore-bench-")

    # ---- running ------------------------------------------------------------------------------

    def binary(self, contender, base):
        """The program a contender runs (a preloaded contender runs stock's)."""
        suffix = "stock" if is_stock(contender) else "duckcore"
        path = os.path.join(self.contenders[contender], f"{base}_{suffix}")
        if not os.access(path, os.X_OK):
            sys.exit(f"run.py: {path} is missing: build the target duckcore_bench first")
        return path

    def env_of(self, contender):
        """The environment a contender's programs run in: LD_PRELOAD for a preloaded one."""
        env = dict(os.environ)
        if contender in self.preload:
            env["LD_PRELOAD"] = self.preload[contender]
        return env

    def program(self, contender, base):
        """What to run: the binary, or for a preloaded contender a script that runs it with the
        allocator preloaded (the programs time their own phases, so the exec costs nothing)."""
        path = self.binary(contender, base)
        if contender not in self.preload:
            return path
        script = os.path.join(self.tmp, f"{base}_{contender}.sh")
        if not os.path.exists(script):
            with open(script, "w") as f:
                f.write(f'#!/bin/sh\nLD_PRELOAD={self.preload[contender]} exec {path} "$@"\n')
            os.chmod(script, 0o755)
        return script

    def run(self, argv, env=None):
        started = time.monotonic()
        proc = subprocess.run(argv, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            sys.exit(f"run.py: {' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr}")
        return proc.stdout, time.monotonic() - started

    def order(self, rep):
        names = list(self.contenders)
        k = rep % len(names)
        return names[k:] + names[:k]

    def record(self, rep, contender, obj, **tags):
        obj = dict(obj, rep=rep, contender=contender, **tags)
        self.results.append(obj)
        return obj

    def each_rep(self, reps, fn):
        for rep in range(reps):
            for contender in self.order(rep):
                fn(rep, contender)

    def p1(self):
        """SQLite's speedtest1, in memory and on a file."""
        size = str(self.size["p1_size"])

        def one(rep, contender):
            for mode in ("memory", "file"):
                db = os.path.join(self.tmp, f"speedtest1-{contender}.db")
                argv = [self.program(contender, "speedtest1"), "--size", size]
                argv += ["--memdb"] if mode == "memory" else []
                argv += [db]
                out, _ = self.run(argv)
                m = re.search(r"TOTAL\.*\s+([0-9.]+)s", out)
                if not m:
                    sys.exit(f"run.py: no TOTAL line from {' '.join(argv)}:\n{out}")
                self.record(rep, contender, {"workload": "speedtest1", "seconds": float(m.group(1))},
                            mode=mode)
                for suffix in ("", "-journal", "-wal"):
                    if os.path.exists(db + suffix):
                        os.unlink(db + suffix)

        self.each_rep(self.size["reps"], one)

    def p2(self):
        ops = str(self.size["p2_ops"])

        def one(rep, contender):
            for threads in self.threads:
                for handles in (1, 32):
                    out, _ = self.run([self.program(contender, "duckbench"), "oltp", str(threads),
                                       str(handles), ops])
                    self.record(rep, contender, json.loads(out))

        self.each_rep(self.size["p2_reps"], one)

    def p3(self):
        def one(rep, contender):
            out, _ = self.run([self.program(contender, "duckbench"), "giveback", "8", "6",
                               str(self.size["p3_rows"])])
            self.record(rep, contender, json.loads(out))

        self.each_rep(self.size["reps"], one)

    def p4(self):
        def one(rep, contender):
            series = os.path.join(self.tmp, f"churn-{contender}-{rep}.csv")
            out, _ = self.run([self.program(contender, "duckbench"), "churn",
                               str(self.size["p4_cycles"]), "16", str(self.size["p4_max_rows"]),
                               series])
            obj = self.record(rep, contender, json.loads(out))
            with open(series) as f:
                rows = [line.strip().split(",") for line in f.readlines()[1:]]
            obj["series"] = [[int(c), float(s), int(r), int(l)] for c, s, r, l in rows]

        self.each_rep(self.size["p4_reps"], one)

    def p5(self):
        def one(rep, contender):
            out, _ = self.run([self.program(contender, "duckbench"), "openclose",
                               str(self.size["p5_n"])])
            self.record(rep, contender, json.loads(out))

        self.each_rep(self.size["reps"], one)

    def p6(self):
        path = os.path.join(self.contenders["duckcore"], "bench_alloc")
        out, _ = self.run([path, str(self.size["p6_pairs"]), str(self.size["reps"])])
        for line in out.splitlines():
            obj = json.loads(line)
            self.record(obj["rep"], obj["engine"], obj)

    def p7(self):
        def one(rep, contender):
            out, _ = self.run([self.program(contender, "duckbench"), "idle", str(self.size["p7_n"])])
            self.record(rep, contender, json.loads(out))

        self.each_rep(self.size["reps"], one)

    def p8(self):
        def one(rep, contender):
            out, _ = self.run([self.program(contender, "duckbench"), "handles",
                               str(self.size["p8_n"])])
            self.record(rep, contender, json.loads(out))

        self.each_rep(self.size["reps"], one)

    def p9(self):
        """Limits that manage memory: a scan under a limit with caches of every size, and file
        tenants whose working set is twice one process budget (stock: its soft heap limit)."""
        scan_db = os.path.join(self.tmp, "p9-scan.db")
        prefix = os.path.join(self.tmp, "p9-tenant")
        n, mb = self.size["p9_tenants"], self.size["p9_mb_each"]
        budget = n * mb // 2
        threads = min(2, n)

        def one(rep, contender):
            for cache in P9_CACHE_SIZES:
                for mode in (("hard", "soft") if is_stock(contender) else ("hard",)):
                    out, _ = self.run([self.program(contender, "duckbench"), "scanlimit", scan_db,
                                       str(self.size["p9_scan_mb"]), cache, mode])
                    self.record(rep, contender, json.loads(out))
            out, _ = self.run([self.program(contender, "duckbench"), "tenants", prefix, str(n),
                               str(mb), str(threads), str(self.size["p9_ops"]), str(budget)])
            self.record(rep, contender, json.loads(out))

        self.each_rep(self.size["reps"], one)

    # ---- summarising --------------------------------------------------------------------------

    def values(self, contender, metric, **where):
        """{rep: value} of one contender's metric over the runs matching where."""
        out = {}
        for r in self.results:
            if r["contender"] != contender:
                continue
            if all(r.get(k) == v for k, v in where.items()):
                out[r["rep"]] = metric(r)
        return out

    def ratio(self, contender, metric, base="stock", **where):
        """Median and range of the per-repetition ratio contender/base."""
        a, b = self.values(contender, metric, **where), self.values(base, metric, **where)
        ratios = [a[k] / b[k] for k in sorted(a) if k in b and b[k]]
        if not ratios:
            return None
        return statistics.median(ratios), min(ratios), max(ratios)

    def median(self, contender, metric, **where):
        v = list(self.values(contender, metric, **where).values())
        if not v:
            return None
        return statistics.median(v), min(v), max(v)


def fmt_ratio(r):
    if r is None:
        return "n/a"
    med, lo, hi = r
    return f"**{med:.2f}** ({lo:.2f}–{hi:.2f})" if lo != hi else f"**{med:.2f}**"


def fmt_value(v, unit="", scale=1.0, digits=1):
    if v is None:
        return "n/a"
    med, lo, hi = (x / scale for x in v)
    s = f"{med:.{digits}f}{unit}"
    return s if lo == hi else f"{s} ({lo:.{digits}f}–{hi:.{digits}f})"


def verdict(value, target, lower_is_better=True):
    if value is None:
        return "n/a"
    ok = value <= target if lower_is_better else value >= target
    return "met" if ok else "**missed**"


def machine():
    info = {"cores": os.cpu_count(), "kernel": platform.release()}
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"model name\s*:\s*(.*)", f.read())
            info["cpu"] = m.group(1).strip() if m else platform.processor()
        with open("/proc/meminfo") as f:
            kb = int(re.search(r"MemTotal:\s*(\d+)", f.read()).group(1))
            info["memory"] = f"{kb / 1048576:.1f} GiB"
    except OSError:
        pass
    try:
        info["compiler"] = subprocess.run(["cc", "--version"], capture_output=True,
                                          text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        info["compiler"] = "unknown"
    try:
        here = os.path.dirname(os.path.abspath(__file__))
        info["commit"] = subprocess.run(["git", "-C", here, "rev-parse", "--short", "HEAD"],
                                        capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", here, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        if dirty:
            info["commit"] += " (with uncommitted changes)"
    except OSError:
        pass
    return info


def report(s, info, seconds):
    others = [c for c in s.contenders if c != "stock"]
    rows = []  # (id, workload, measure, target, {contender: cell}, verdict)

    def add(pid, workload, measure, target, cells, status):
        rows.append((pid, workload, measure, target, cells, status))

    def add_ratio(pid, row, measure, metric, target, higher, unit="", scale=1.0, digits=1,
                  **where):
        """A row of per-repetition ratios to stock, with stock's own median for scale."""
        stock = s.median("stock", metric, **where)
        cells = {c: fmt_ratio(s.ratio(c, metric, **where)) for c in others}
        # duckcore against the better preloaded contender, repetition by repetition.
        versus = [s.ratio("duckcore", metric, base=c, **where) for c in s.preload]
        versus = [v for v in versus if v]
        if versus:
            pick = min if higher else max
            cells["best"] = fmt_ratio(pick(versus, key=lambda v: v[0]))
        r = s.ratio("duckcore", metric, **where)
        add(pid, row, f"{measure} (stock {fmt_value(stock, unit, scale, digits)})",
            f"{'≥' if higher else '≤'} {target:.2f}", cells, verdict(r and r[0], target, not higher))

    def add_value(pid, row, measure, metric, target, **where):
        """A row of each contender's own median (a ratio within one run), stock's beside it."""
        cells = {c: fmt_value(s.median(c, metric, **where), digits=2) for c in others}
        r = s.median("duckcore", metric, **where)
        add(pid, row,
            f"{measure} (stock {fmt_value(s.median('stock', metric, **where), digits=2)})",
            f"≤ {target:.2f}", cells, verdict(r and r[0], target))

    for mode in ("memory", "file"):
        add_ratio("P1", f"speedtest1 --size {s.size['p1_size']}, {mode}", "time ratio",
                  lambda r: r["seconds"], 1.00, False, " s", digits=3,
                  workload="speedtest1", mode=mode)
    for handles in (1, 32):
        t_target, m_target = (1.0, 1.10) if handles == 1 else (1.0, 1.25)
        for threads in s.threads:
            where = dict(workload="oltp", threads=threads, handles=handles)
            label = (f"OLTP, {threads} thread{'s' if threads > 1 else ''} × {handles} handle"
                     f"{'s' if handles > 1 else ''}")
            add_ratio("P2", label, "throughput ratio", lambda r: r["ops_per_s"], t_target, True,
                      " kops/s", 1000, 0, **where)
            add_ratio("P2", label, "peak resident ratio", lambda r: r["peak_growth"], m_target,
                      False, " MiB", 1048576, **where)
    add_value("P3", f"8 handles × {s.size['p3_rows']} rows, 6 closed",
              "resident after close ÷ live", lambda r: r["ratio"], 1.15, workload="giveback")
    for key, label, target in (("peak_ratio", "peak resident ÷ peak live", 1.25),
                               ("end_ratio", "resident at end ÷ (start + live)", 1.10)):
        add_value("P4", f"churn, {s.size['p4_cycles']} cycles, 16 alive", label,
                  lambda r, key=key: r[key], target, workload="churn")
    oc = lambda r: r["ns_per_pair"]
    cells = {c: fmt_ratio(s.ratio(c, oc, workload="openclose")) for c in others}
    add("P5", "open + close, in memory",
        f"time ratio (stock {fmt_value(s.median('stock', oc, workload='openclose'), ' µs', 1000)};"
        f" duckcore {fmt_value(s.median('duckcore', oc, workload='openclose'), ' µs', 1000)})",
        "report", cells, "reported")
    al = lambda r: r["ns_per_pair"]
    r = s.ratio("handle", al, base="jemalloc", workload="alloc")
    cells = {"duckcore": fmt_ratio(r)}
    add("P6", "malloc/free pairs, SQLite-like sizes, a handle with an arena of its own",
        f"ns per pair ratio to raw jemalloc on that path, mallocx/dallocx (handle "
        f"{fmt_value(s.median('handle', al), ' ns')}, jemalloc "
        f"{fmt_value(s.median('jemalloc', al), ' ns')}, glibc "
        f"{fmt_value(s.median('glibc', al), ' ns')})",
        "≤ 1.10", cells, verdict(r and r[0], 1.10))
    r = s.ratio("handle_small", al, base="jemalloc_fast", workload="alloc")
    cells = {"duckcore": fmt_ratio(r)}
    add("P6", "malloc/free pairs, SQLite-like sizes, a small handle (shared arena)",
        f"ns per pair ratio to raw jemalloc on that path, malloc/free (handle "
        f"{fmt_value(s.median('handle_small', al), ' ns')}, jemalloc "
        f"{fmt_value(s.median('jemalloc_fast', al), ' ns')})",
        "≤ 1.10", cells, verdict(r and r[0], 1.10))
    idle = lambda r: r["bytes_per_open"]
    used = lambda r: r["bytes_per_used"]
    cells = {c: fmt_value(s.median(c, idle, workload="idle"), " KiB", 1024) for c in others}
    r = s.median("duckcore", idle, workload="idle")
    add("P7", "idle in-memory handle, just opened",
        f"resident bytes per handle (stock {fmt_value(s.median('stock', idle, workload='idle'), ' KiB', 1024)})",
        "≤ 160 KiB", cells, verdict(r and r[0] / 1024, 160))
    cells = {c: fmt_value(s.median(c, used, workload="idle"), " KiB", 1024) for c in others}
    add("P7", "idle handle after a first use (1-row table)",
        f"resident bytes per handle (stock {fmt_value(s.median('stock', used, workload='idle'), ' KiB', 1024)})",
        "report", cells, "reported")
    n8 = s.size["p8_n"]
    p8 = dict(workload="handles")
    for measure, metric, unit, scale, digits in (
            ("open + work time per handle", lambda r: r["open_work_us"], " µs", 1, 1),
            ("close time per handle", lambda r: r["close_us"], " µs", 1, 1),
            ("fork() time, all open", lambda r: r["fork_us"], " ms", 1000, 2)):
        cells = {c: fmt_ratio(s.ratio(c, metric, **p8)) for c in others}
        add("P8", f"{n8} handles, {MEMORY_LIMIT_P8} limit each",
            f"{measure} ratio (stock {fmt_value(s.median('stock', metric, **p8), unit, scale, digits)};"
            f" duckcore {fmt_value(s.median('duckcore', metric, **p8), unit, scale, digits)})",
            "report", cells, "reported")
    for measure, metric, unit, scale in (
            ("resident bytes per handle, used", lambda r: r["bytes_per_handle"], " KiB", 1024),
            ("resident after closing all, over start", lambda r: r["closed_growth"], " MiB",
             1048576)):
        cells = {c: fmt_value(s.median(c, metric, **p8), unit, scale) for c in others}
        add("P8", f"{n8} handles, {MEMORY_LIMIT_P8} limit each",
            f"{measure} (stock {fmt_value(s.median('stock', metric, **p8), unit, scale)})",
            "report", cells, "reported")

    def scan_cell(c, cache, mode="hard"):
        runs = [r for r in s.results if r["contender"] == c and r.get("workload") == "scanlimit"
                and r["cache_size"] == cache and r["mode"] == mode]
        if not runs:
            return "n/a"
        refused = sum(1 for r in runs if not r["ok"])
        peak = max(r["engine_peak"] for r in runs) / 1048576
        return f"{refused} of {len(runs)} refused, peak {peak:.2f} MiB" if refused else \
            f"ok, peak {peak:.2f} MiB"
    for cache in P9_CACHE_SIZES:
        cells = {c: scan_cell(c, cache) for c in others}
        refused = sum(1 for r in s.results if r["contender"] == "duckcore"
                      and r.get("workload") == "scanlimit" and r["cache_size"] == cache
                      and not r["ok"])
        add("P9", f"full scan, {s.size['p9_scan_mb']} MB file, {P9_LIMIT} limit, "
            f"cache_size {cache}",
            f"outcome, engine peak (stock, hard heap limit: {scan_cell('stock', cache)}; "
            f"soft 6 MiB + hard: {scan_cell('stock', cache, 'soft')})",
            "ok, peak ≤ limit", cells, "met" if refused == 0 else "**missed**")
    tn = dict(workload="tenants")
    label = (f"{s.size['p9_tenants']} file tenants × {s.size['p9_mb_each']} MB, budget "
             f"{s.size['p9_tenants'] * s.size['p9_mb_each'] // 2} MB")
    add_ratio("P9", label, "throughput ratio vs stock's soft heap limit",
              lambda r: r["ops_per_s"], 1.00, True, " kops/s", 1000, 1, **tn)
    add_ratio("P9", label, "peak resident ratio", lambda r: r["peak_growth"], 1.00, False,
              " MiB", 1048576, **tn)
    refusals = lambda r: r["refused"]
    cells = {c: fmt_value(s.median(c, refusals, **tn), digits=0) for c in others}
    r = s.median("duckcore", refusals, **tn)
    add("P9", label, f"queries refused (stock {fmt_value(s.median('stock', refusals, **tn), digits=0)})",
        "0", cells, verdict(r and r[0], 0))

    rows = [r for r in rows if r[0].lower() in s.only]  # a partial run (--only) shows its own
    title = "Benchmark smoke run (tiny sizes: numbers mean nothing)" if s.smoke else \
        "duckcore benchmarks: latest results"
    lines = [f"# {title}", ""]
    lines.append(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, commit "
                 f"{info.get('commit', '?')}, {seconds / 60:.1f} minutes. Machine: "
                 f"{info.get('cpu', '?')}, {info.get('cores')} cores, {info.get('memory', '?')}, "
                 f"Linux {info.get('kernel')}, {info.get('compiler')}.")
    lines.append("")
    lines.append(f"Ratios are each contender ÷ stock SQLite (same SQLite {s.sqlite_version}, same "
                 "compile options, glibc malloc); stock+jemalloc and stock+mimalloc are that "
                 "stock SQLite with Debian's libjemalloc2 or libmimalloc2.0 preloaded, and the "
                 "last ratio column is duckcore ÷ the better of those two. Ratios are taken "
                 "per repetition of interleaved runs: median, then the "
                 f"range over {s.size['reps']} repetitions ({s.size['p2_reps']} for P2, "
                 f"{s.size['p4_reps']} for P4). Resident memory is the kernel's (/proc/self/statm, "
                 "VmHWM).")
    lines.append("")
    columns = others + (["best"] if s.preload else [])
    head = ["id", "workload", "measure", "target"] + [
        LABELS.get(c, "duckcore ÷ best preloaded") for c in columns] + ["duckcore vs target"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    for pid, workload, measure, target, cells, status in rows:
        lines.append("| " + " | ".join([pid, workload, measure, target] +
                                        [cells.get(c, "–") for c in columns] + [status]) + " |")
    lines.append("")
    if len(s.threads) < 3 and "p2" in s.only:
        lines.append(f"P2 ran at {', '.join(map(str, s.threads))} threads: this machine has "
                     f"{info.get('cores')} cores (16-thread runs need a 16-core machine: "
                     "`make bench BENCH_THREADS=1,4,16`).")
        lines.append("")
    if "p2" in s.only:
        lines.append("![P2 throughput by threads](p2_throughput.png)")
    if "p4" in s.only:
        lines.append("![P4 resident memory over time](p4_resident.png)")
    lines.append("")
    return "\n".join(lines)


def plots(s, out):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("run.py: python3-matplotlib is missing: no plots", file=sys.stderr)
        return
    colors = {"stock": "#555555", "stock_jemalloc": "#7570b3", "stock_mimalloc": "#e7298a",
              "duckcore": "#d95f02", "nojemalloc": "#1b9e77"}
    label = {"stock": "stock SQLite (glibc)", "stock_jemalloc": "stock SQLite + jemalloc",
             "stock_mimalloc": "stock SQLite + mimalloc", "duckcore": "duckcore (jemalloc)",
             "nojemalloc": "duckcore (glibc)"}

    # A partial run (--only) leaves the plots of the workloads it did not run as they are.
    if "p2" in s.only:
        plot_p2(s, out, plt, colors, label)
    if "p4" in s.only:
        plot_p4(s, out, plt, colors, label)


def plot_p2(s, out, plt, colors, label):
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for c in s.contenders:
        for handles, style in ((1, "-"), (32, "--")):
            xs, ys = [], []
            for t in s.threads:
                v = s.median(c, lambda r: r["ops_per_s"], workload="oltp", threads=t, handles=handles)
                if v:
                    xs.append(t)
                    ys.append(v[0] / 1000)
            ax.plot(xs, ys, style, marker="o", color=colors[c], label=f"{label[c]}, H={handles}")
    ax.set_xlabel("threads")
    ax.set_ylabel("thousand operations / s (median)")
    ax.set_xticks(s.threads)
    ax.set_title("P2: multi-tenant OLTP throughput")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "p2_throughput.png"), dpi=110)
    plt.close(fig)


def plot_p4(s, out, plt, colors, label):
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for c in s.contenders:
        runs = [r for r in s.results if r["contender"] == c and r["workload"] == "churn"]
        if not runs:
            continue
        run = sorted(runs, key=lambda r: r["peak_ratio"])[len(runs) // 2]  # the median run
        xs = [p[0] for p in run["series"]]
        ax.plot(xs, [p[2] / 1048576 for p in run["series"]], color=colors[c],
                label=f"{label[c]}: resident")
        ax.plot(xs, [p[3] / 1048576 for p in run["series"]], ":", color=colors[c],
                label=f"{label[c]}: live (engine's count)")
    ax.set_xlabel("open-work-close cycles")
    ax.set_ylabel("MiB")
    ax.set_title("P4: churn with 16 handles alive")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "p4_resident.png"), dpi=110)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--build", required=True, help="build folder with jemalloc (bench/ programs)")
    ap.add_argument("--nojemalloc", help="build folder made with DUCKCORE_JEMALLOC=OFF")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, one repetition")
    ap.add_argument("--out", default=None, help="where latest.md, latest.json and plots go")
    ap.add_argument("--reps", type=int, help="repetitions (default 5; smoke 1)")
    ap.add_argument("--threads", type=lambda v: [int(x) for x in v.split(",") if x],
                    help="P2 thread counts beyond 1 and 2, e.g. 1,4,16")
    ap.add_argument("--only", help="comma-separated workloads, e.g. p1,p6 (default: all)")
    ap.add_argument("--instructions", action="store_true",
                    help="count each workload's instructions under callgrind instead of timing")
    ap.add_argument("--jobs", type=int, default=2,
                    help="--instructions: programs run at once under callgrind (default 2)")
    ap.add_argument("--no-update", dest="update_benchmarks_md", action="store_false",
                    help="leave BENCHMARKS.md as it is (a full run of every workload updates "
                         "its results block)")
    args = ap.parse_args()
    if args.out is None:
        args.out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    os.makedirs(args.out, exist_ok=True)
    s = Suite(args)
    hdr = os.path.join(args.build, "_deps", "sqlite", "sqlite3.h")
    try:
        with open(hdr) as f:
            s.sqlite_version = re.search(r'#define SQLITE_VERSION\s+"([^"]+)"', f.read()).group(1)
    except (OSError, AttributeError):
        s.sqlite_version = "?"
    if args.instructions:
        import instructions

        def program_of(contender, base):
            if base == "bench_alloc":
                return os.path.join(args.build, "bench", "bench_alloc") \
                    if contender == "duckcore" else None
            return s.binary(contender, base)

        instructions.run(args, program_of, list(s.contenders), args.out, machine(),
                         s.sqlite_version, s.env_of)
        return
    started = time.monotonic()
    only = s.only = set((args.only or ",".join(WORKLOADS)).split(","))
    for name in WORKLOADS:
        if name in only:
            t0 = time.monotonic()
            getattr(s, name)()
            print(f"run.py: {name} done in {time.monotonic() - t0:.1f} s", file=sys.stderr)
    seconds = time.monotonic() - started
    info = machine()
    with open(os.path.join(args.out, "latest.json"), "w") as f:
        json.dump({"machine": info, "sizes": s.size, "threads": s.threads, "results": s.results},
                  f, indent=1)
    md = report(s, info, seconds)
    with open(os.path.join(args.out, "latest.md"), "w") as f:
        f.write(md)
    plots(s, args.out)
    if not args.smoke and args.update_benchmarks_md and only >= set(WORKLOADS):
        update_benchmarks_md(md, args.out)
    print(md)


def update_benchmarks_md(md, out):
    """Replaces the generated block of the top-level BENCHMARKS.md with this run's table."""
    import instructions
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rel = os.path.relpath(out, top)
    body = md.split("\n", 2)[2]  # without the title line
    body = body.replace("](p2_throughput.png)", f"]({rel}/p2_throughput.png)")
    body = body.replace("](p4_resident.png)", f"]({rel}/p4_resident.png)")
    instructions.replace_benchmarks_block("<!-- results: written by bench/run.py -->",
                                          "<!-- /results -->", body)

if __name__ == "__main__":
    main()
