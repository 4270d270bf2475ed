"""Instruction counts of every workload under callgrind (bench/run.py --instructions).

Each workload program runs once per contender under

  valgrind --tool=callgrind --cache-sim=no --collect-atstart=no --toggle-collect=workload_*

so callgrind counts only the instructions executed inside the functions named workload_* (the
measured phases of bench/duckbench.c and bench/bench_alloc.c, never nested) and everything they
call, in the process's every thread: not the program's start-up, its set-up outside them, nor the
measuring. speedtest1 (SQLite's own program, unchanged) has its tests in functions named testset_*
(--toggle-collect=testset_*): the tests it times, not its opening and closing of the database.

Instruction counts do not depend on the machine's speed or load, so one run is the measure; they do
depend on the compiler and the C library. Kernel work (page faults, fork's page-table copy) is not
counted: callgrind sees user-space instructions only.

One thing in duckcore depends on the clock: jemalloc purges an arena's dirty pages on a schedule
(dirty_decay_ms, 1 s), checked as it allocates, so how often it purges depends on how fast the
program runs, and under callgrind it runs ~50 times slower than natively. The counted runs set
DUCKCORE_JE_MALLOC_CONF=dirty_decay_ms:-1 (no purging by the clock; stock SQLite and the build
without jemalloc ignore it), which makes every count exact from run to run; purges that the library
asks for (db_close of a handle with an arena of its own, db_purge) are counted as ever. With the
default decay, duckcore's counts varied from run to run by up to 0.7% (P8's closes). speedtest1
prints each test's elapsed time inside its tests and SQLite seeds its random numbers from the OS:
P1's counts vary by up to ~15,000 instructions (25 per million) from run to run.

Writes instructions.md and instructions.json in the output folder.
"""
import concurrent.futures
import datetime
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

# Purging by the clock off, so that duckcore's counts are exact (see above); a setting the caller
# gives in DUCKCORE_JE_MALLOC_CONF comes after it, and wins.
NO_CLOCK_PURGE = "dirty_decay_ms:-1"

# Sizes: (full, smoke).
SIZES = {
    "p1_size": (5, 1),
    "p2_ops": (20000, 100),
    "p3_rows": (1000, 500),
    "p4_cycles": (200, 4),
    "p4_max_rows": (3000, 50),
    "p5_n": (2000, 10),
    "p6_pairs": (200000, 1000),
    "p7_n": (500, 10),
    "p8_n": (2000, 10),
}

LABEL = {"stock": "stock", "stock_jemalloc": "stock+jemalloc", "stock_mimalloc": "stock+mimalloc",
         "duckcore": "duckcore", "nojemalloc": "duckcore, no jemalloc"}


def runs(size, tmp):
    """Every counted run: (id, workload, program base, arguments, toggle, phases), where a phase is
    (function, what it counts, units, unit), units being what one count is divided by."""
    n2, n3, n4, n5, n7, n8 = (size[k] for k in ("p2_ops", "p3_rows", "p4_cycles", "p5_n", "p7_n",
                                                 "p8_n"))
    p6 = size["p6_pairs"]
    return [
        ("P1", f"speedtest1 --size {size['p1_size']} --memdb", "speedtest1",
         ["--size", str(size["p1_size"]), "--memdb", os.path.join(tmp, "speedtest1-{c}.db")],
         "testset_*", [("testset_main", "its tests (testset_main)", 1, "run")]),
        ("P2", f"OLTP, 1 thread × 1 handle, {n2:,} operations", "duckbench",
         ["oltp", "1", "1", str(n2)], None,
         [("workload_p2", "serving", n2, "operation")]),
        ("P2", f"OLTP, 1 thread × 32 handles, {n2:,} operations", "duckbench",
         ["oltp", "1", "32", str(n2)], None,
         [("workload_p2", "serving", n2, "operation")]),
        ("P2L", f"OLTP, 1 thread × 32 handles, {n2:,} operations, memory_limit 64MB on every "
         "handle", "duckbench", ["oltp", "1", "32", str(n2)], None,
         [("workload_p2", "serving", n2, "operation")]),
        ("P2L", f"OLTP, 1 thread × 32 handles, {n2:,} operations, under a 4GB process budget",
         "duckbench", ["oltp", "1", "32", str(n2)], None,
         [("workload_p2", "serving", n2, "operation")]),
        ("P3", f"8 handles × {n3:,} rows, 6 closed", "duckbench",
         ["giveback", "8", "6", str(n3)], None,
         [("workload_p3_fill", "open and fill", 8 * n3, "row"),
          ("workload_p3_close", "close 6", 6, "close")]),
        ("P4", f"churn, {n4:,} cycles, 16 alive", "duckbench",
         ["churn", str(n4), "16", str(size["p4_max_rows"]), os.path.join(tmp, "churn-{c}.csv")],
         None, [("workload_p4", "cycles", n4, "cycle")]),
        ("P5", f"open + close, in memory, {n5:,} times", "duckbench",
         ["openclose", str(n5)], None,
         [("workload_p5", "open + close", n5, "pair")]),
        ("P6", f"malloc/free pairs, {p6:,} per path (+ a quarter for warm-up)", "bench_alloc",
         [str(p6), "1"], None,
         [(f"workload_p6_{c}", c, p6 + p6 // 4 + 1, "pair")
          for c in ("handle", "jemalloc", "handle_small", "jemalloc_fast", "glibc")]),
        ("P7", f"idle handles, {n7:,}", "duckbench", ["idle", str(n7)], None,
         [("workload_p7_open", "open", n7, "handle"),
          ("workload_p7_use", "first use (1-row table)", n7, "handle")]),
        ("P8", f"many handles, {n8:,}, 64 MiB limit each", "duckbench", ["handles", str(n8)], None,
         [("workload_p8_open", "open", n8, "handle"),
          ("workload_p8_work", "work (create, 3 inserts, select)", n8, "handle"),
          ("workload_p8_fork", "fork() with all open, parent (user space)", 1, "fork"),
          ("workload_p8_close", "close", n8, "handle")]),
    ]


# Runs of duckcore alone, with a cap set through the benchmark engine's environment
# (bench/engine_duckcore.c): what limits cost, against the same run without them.
DUCKCORE_ONLY_ENV = {
    "memory_limit 64MB on every handle": {"BENCH_DUCKCORE_OPTIONS": "memory_limit=64MB"},
    "under a 4GB process budget": {"BENCH_DUCKCORE_PROCESS_LIMIT": "4GB"},
}


def duckcore_only_env(workload):
    """The environment a duckcore-only run adds, or None for a run of every contender."""
    return next((env for key, env in DUCKCORE_ONLY_ENV.items() if workload.endswith(key)), None)


def callgrind_costs(path, wanted):
    """From a callgrind output file: {function: instructions inclusive of its callees} for every
    function whose name wanted(name) accepts, and the file's total of collected instructions.

    Inclusive cost is the sum of a function's own cost lines and of its call lines (which carry
    the callee's inclusive cost), the same sum callgrind_annotate --inclusive=yes makes."""
    names, costs, total = {}, {}, None
    fn, npos = None, 1

    def name_of(spec):
        m = re.match(r"\((\d+)\)(?:\s+(.*))?$", spec)
        if not m:
            return spec
        if m.group(2) is not None:
            names[m.group(1)] = m.group(2)
        return names[m.group(1)]

    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                if fn is not None:
                    cols = line.split()
                    costs[fn] += int(cols[npos]) if len(cols) > npos else 0
            elif line.startswith("fn="):
                fn = name_of(line[3:])
                if wanted(fn):
                    costs.setdefault(fn, 0)
                else:
                    fn = None
            elif line.startswith("cfn="):
                name_of(line[4:])
            elif line.startswith("positions:"):
                npos = len(line.split()) - 1
            elif line.startswith("events:") and line.split()[1] != "Ir":
                sys.exit(f"run.py: {path}: expected Ir as the first event, got {line}")
            elif line.startswith("summary:") or line.startswith("totals:"):
                total = int(line.split()[1])
    return costs, total


def toggled(toggle):
    """The names callgrind's --toggle-collect=TOGGLE matches (a trailing * only, here)."""
    if toggle.endswith("*"):
        return lambda name: name.startswith(toggle[:-1])
    return lambda name: name == toggle


def count(program, args, toggle, base_env=None):
    """Runs one program under callgrind (in base_env: a preloaded contender's LD_PRELOAD, which
    callgrind hands to the program); returns ({function: inclusive instructions}, total, the
    program's stdout, seconds)."""
    outdir = tempfile.mkdtemp(prefix="duckcore-callgrind-")
    try:
        argv = ["valgrind", "--tool=callgrind", "--cache-sim=no", "--collect-atstart=no",
                f"--toggle-collect={toggle}",
                f"--callgrind-out-file={os.path.join(outdir, 'callgrind.%p')}", program] + args
        env = dict(base_env or os.environ)
        env["DUCKCORE_JE_MALLOC_CONF"] = ",".join(
            x for x in (NO_CLOCK_PURGE, os.environ.get("DUCKCORE_JE_MALLOC_CONF")) if x)
        started = time.monotonic()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env)
        out, err = proc.communicate()
        seconds = time.monotonic() - started
        if proc.returncode != 0:
            sys.exit(f"run.py: {' '.join(argv)} failed ({proc.returncode}):\n{err}")
        path = os.path.join(outdir, f"callgrind.{proc.pid}")  # valgrind runs as the program's pid
        if not os.path.exists(path):  # (a child of fork() writes a file of its own)
            sys.exit(f"run.py: no callgrind output {path} (have {os.listdir(outdir)})")
        costs, total = callgrind_costs(path, toggled(toggle))
        return costs, total, out, seconds
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


def run(args, program_of, contenders, out, machine_info, sqlite_version, env_of=None):
    if shutil.which("valgrind") is None:
        sys.exit("run.py: valgrind is missing (scripts/bootstrap installs it)")
    version = subprocess.run(["valgrind", "--version"], capture_output=True,
                             text=True).stdout.strip()
    size = {k: v[1 if args.smoke else 0] for k, v in SIZES.items()}
    tmp = tempfile.mkdtemp(prefix="duckcore-instr-")
    started = time.monotonic()
    jobs = []  # (run index, contender, program, args, toggle)
    plan = runs(size, tmp)
    every = sorted({pid.lower() for pid, *_ in plan})
    only = set(args.only.split(",")) if args.only else set(every)
    plan = [p for p in plan if p[0].lower() in only]
    for i, (pid, workload, base, argv, toggle, _) in enumerate(plan):
        extra = duckcore_only_env(workload)
        for c in contenders:
            program = program_of(c, base)
            if program is None or (extra is not None and c != "duckcore"):
                continue  # bench_alloc: the jemalloc build only, and one process for all three
            env = dict(env_of(c) if env_of else os.environ)
            env.update(extra or {})
            jobs.append((i, c, program, [a.replace("{c}", c) for a in argv],
                         toggle or "workload_*", env))
    results = {}
    workers = max(1, min(args.jobs, os.cpu_count() or 1))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(count, program, argv, toggle, env):
                   (i, c) for i, c, program, argv, toggle, env in jobs}
        for fut in concurrent.futures.as_completed(futures):
            i, c = futures[fut]
            costs, total, stdout, seconds = fut.result()
            phases = plan[i][5]
            missing = [fn for fn, *_ in phases if fn not in costs]
            if missing and plan[i][2] != "bench_alloc":
                sys.exit(f"run.py: {plan[i][0]} {c}: no instructions counted in {missing}: "
                         "is a workload_* function inlined or renamed?")
            if sum(costs.values()) != total:
                sys.exit(f"run.py: {plan[i][0]} {c}: the toggled functions sum to "
                         f"{sum(costs.values())} instructions, callgrind collected {total}: "
                         "do workload_* functions nest?")
            results[(i, c)] = {"costs": costs, "total": total, "seconds": seconds,
                               "stdout": stdout.strip()}
            print(f"run.py: {plan[i][0]} {plan[i][1]}, {c}: {total:,} instructions "
                  f"({seconds:.1f} s under callgrind)", file=sys.stderr)
    shutil.rmtree(tmp, ignore_errors=True)
    seconds = time.monotonic() - started

    rows = []
    for i, (pid, workload, base, argv, toggle, phases) in enumerate(plan):
        for fn, what, units, unit in phases:
            if base == "bench_alloc":
                r = results.get((i, "duckcore"))
                counts = {"p6": r["costs"].get(fn)} if r else {}
            else:
                counts = {c: results[(i, c)]["costs"].get(fn) for c in contenders
                          if (i, c) in results}
            rows.append({"id": pid, "workload": workload, "phase": what, "function": fn,
                         "units": units, "unit": unit, "instructions": counts})
    others = [c for c in contenders if c != "stock"]
    md = report(rows, others, size, seconds, machine_info, version, sqlite_version, args.smoke)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "instructions.json"), "w") as f:
        json.dump({"machine": machine_info, "valgrind": version, "sqlite": sqlite_version,
                   "sizes": size, "seconds": round(seconds, 1),
                   "method": "valgrind --tool=callgrind --cache-sim=no --collect-atstart=no "
                             "--toggle-collect=workload_* (speedtest1: testset_*)",
                   "environment": {"DUCKCORE_JE_MALLOC_CONF": ",".join(
                       x for x in (NO_CLOCK_PURGE, os.environ.get("DUCKCORE_JE_MALLOC_CONF"))
                       if x)},
                   "rows": rows,
                   "programs": [{"id": plan[i][0], "workload": plan[i][1], "contender": c,
                                 "total": r["total"], "seconds": round(r["seconds"], 1),
                                 "stdout": r["stdout"]}
                                for (i, c), r in sorted(results.items())]},
                  f, indent=1)
    with open(os.path.join(out, "instructions.md"), "w") as f:
        f.write(md)
    if not args.smoke and args.update_benchmarks_md and only >= set(every):
        update_benchmarks_md(md)
    print(md)


def fmt_count(n, units):
    if n is None:
        return "–"
    if units == 1:
        return f"{n:,}"
    per = n / units
    per_s = f"{per:,.0f}" if per >= 100 else f"{per:,.1f}"
    return f"{n:,} ({per_s})"


def report(rows, others, size, seconds, info, version, sqlite_version, smoke):
    title = ("Instruction counts, smoke run (tiny sizes: numbers mean little)" if smoke else
             "duckcore benchmarks: instruction counts")
    lines = [f"# {title}", ""]
    lines.append(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, commit "
                 f"{info.get('commit', '?')}, {seconds / 60:.1f} minutes. {version}, "
                 f"{info.get('compiler')}, SQLite {sqlite_version}.")
    lines.append("")
    lines.append("Instructions executed (callgrind's Ir) in each workload's measured phase, "
                 "its callees included: `valgrind --tool=callgrind --cache-sim=no "
                 "--collect-atstart=no --toggle-collect=workload_*` (speedtest1: `testset_*`). "
                 "Exact counts, then per unit in parentheses; ratios are to stock SQLite on "
                 "glibc's malloc, and in the last column duckcore's to the better of stock "
                 "SQLite with Debian's jemalloc or mimalloc preloaded (LD_PRELOAD). "
                 "User space only: no kernel work (page faults, fork's page-table copy). "
                 "duckcore runs with `DUCKCORE_JE_MALLOC_CONF=dirty_decay_ms:-1`: no purging "
                 "by the clock, which would make its counts depend on callgrind's speed.")
    lines.append("")
    preloaded = [c for c in others if c.startswith("stock_")]
    head = ["id", "workload", "counted", "unit", "stock"]
    for c in others:
        head += [LABEL[c], "÷ stock"]
    if preloaded:
        head.append("duckcore ÷ best preloaded")
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    for r in rows:
        if r["id"] in ("P6", "P2L"):
            continue
        n = r["instructions"]
        stock = n.get("stock")
        cells = [r["id"], r["workload"], r["phase"], r["unit"], fmt_count(stock, r["units"])]
        for c in others:
            v = n.get(c)
            cells.append(fmt_count(v, r["units"]))
            cells.append(f"**{v / stock:.3f}**" if v is not None and stock else "–")
        if preloaded:
            best = [n[c] for c in preloaded if n.get(c)]
            ours = n.get("duckcore")
            cells.append(f"**{ours / min(best):.3f}**" if best and ours is not None else "–")
        lines.append("| " + " | ".join(cells) + " |")
    p6 = {r["phase"]: r for r in rows if r["id"] == "P6"}
    if p6:
        lines.append("")
        lines.append(f"P6, {next(iter(p6.values()))['workload']} (`bench/bench_alloc.c`, one "
                     "process): duckcore's two paths, each beside the jemalloc path it wraps:")
        lines.append("")
        lines.append("| path | instructions | per pair | ÷ the raw jemalloc path |")
        lines.append("|---|---|---|---|")
        what = {"handle": "a handle with an arena of its own: the memory methods",
                "jemalloc": "raw jemalloc, `mallocx`/`dallocx` on an arena and cache of its own",
                "handle_small": "a small handle (the thread's shared arena): the memory methods",
                "jemalloc_fast": "raw jemalloc, `malloc`/`free` (what a preloaded jemalloc gives "
                                 "stock SQLite)",
                "glibc": "glibc malloc/free"}
        floor_of = {"handle": "jemalloc", "jemalloc": "jemalloc", "handle_small": "jemalloc_fast",
                    "jemalloc_fast": "jemalloc_fast", "glibc": "jemalloc_fast"}
        for phase, label in what.items():
            r = p6.get(phase)
            v = r["instructions"].get("p6") if r else None
            floor_row = p6.get(floor_of[phase])
            floor = floor_row["instructions"].get("p6") if floor_row else None
            if v is None:
                lines.append(f"| {label} | – | – | – |")
                continue
            ratio = f"**{v / floor:.3f}**" if floor else "–"
            lines.append(f"| {label} | {v:,} | {v / r['units']:.1f} | {ratio} |")
    limited = [r for r in rows if r["id"] == "P2L" and r["instructions"].get("duckcore")]
    unlimited = next((r["instructions"].get("duckcore") for r in rows
                      if r["id"] == "P2" and "32 handles" in r["workload"]), None)
    if limited:
        lines.append("")
        lines.append("P2 with limits, duckcore alone (`BENCH_DUCKCORE_OPTIONS`, "
                     "`BENCH_DUCKCORE_PROCESS_LIMIT`; nothing is refused at these sizes):")
        lines.append("")
        lines.append("| workload | instructions | per operation | ÷ the same run without limits |")
        lines.append("|---|---|---|---|")
        for r in limited:
            v = r["instructions"]["duckcore"]
            ratio = f"**{v / unlimited:.3f}**" if unlimited else "–"
            lines.append(f"| {r['workload']} | {v:,} | {v / r['units']:,.0f} | {ratio} |")
    lines.append("")
    return "\n".join(lines)


def update_benchmarks_md(md):
    """Replaces the instruction block of the top-level BENCHMARKS.md with this run's tables."""
    replace_benchmarks_block("<!-- instructions: written by bench/run.py --instructions -->",
                             "<!-- /instructions -->", md.split("\n", 2)[2])  # without the title


def replace_benchmarks_block(begin, end, body):
    """Replaces what stands between the markers begin and end in the top-level BENCHMARKS.md with
    body; leaves the file alone when it or a marker is missing. Shared with run.py."""
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(top, "BENCHMARKS.md")
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return
    if begin not in text or end not in text:
        return
    head, rest = text.split(begin, 1)
    tail = rest.split(end, 1)[1]
    with open(path, "w") as f:
        f.write(head + begin + "\n" + body.strip() + "\n" + end + tail)
