#!/usr/bin/env python3
"""lib/'s layers, as lib/README.md draws them; this check fails where an include or a name
crosses them.

Usage: check_layering.py SOURCE_DIR

- Dependencies point down: alloc/ includes nothing of lib/ but common.h and its own headers;
  options.* include alloc/ and common.h; sql/ includes alloc/, options.h and its own; only the API
  layer (call.*, handle.h, api_*.c, internal.*) includes call.h or handle.h.
- Only lib/alloc/alloc_jemalloc.c includes jemalloc.h or calls mallctl.
- Outside lib/alloc/ nothing names a context's fields or the thread's state (DC_HEAD,
  dc_counters, dc_alloc_tls): the inline functions of alloc.h are the way in.
- bench/ includes no header of lib/ but internal.h.
"""
import os
import re
import sys

src = os.path.abspath(sys.argv[1])
lib = os.path.join(src, "lib")
problems = []

allowed = {
    "alloc": {"common.h", "alloc.h", "alloc_int.h"},
    "options": {"common.h", "alloc.h", "options.h"},
    "sql": {"common.h", "alloc.h", "options.h", "sql.h", "sql_int.h"},
}


def layer(rel):
    parts = rel.split(os.sep)
    if parts[0] == "alloc":
        return "alloc"
    if parts[0] == "sql":
        return "sql"
    if parts[0].startswith("options."):
        return "options"
    return "api"


for root, _dirs, files in os.walk(lib):
    for f in files:
        if not f.endswith((".c", ".h")):
            continue
        path = os.path.join(root, f)
        rel = os.path.relpath(path, lib)
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        where = layer(rel)
        for m in re.finditer(r'^#include "([^"]+)"', text, re.M):
            name = os.path.basename(m.group(1))
            if name in ("duckcore.h", "jemalloc/jemalloc.h") or m.group(1).endswith(".c"):
                continue  # the public header; sql_ext.c compiles the pinned tree's extensions
            if where in allowed and name not in allowed[where]:
                problems.append(f"lib/{rel}: the {where} layer includes {m.group(1)}")
        if re.search(r"#include\s*<jemalloc/jemalloc.h>|\bje_mallctl\b|\bmallctl\(", text) and \
                rel != os.path.join("alloc", "alloc_jemalloc.c"):
            problems.append(f"lib/{rel}: only alloc/alloc_jemalloc.c may use jemalloc directly")
        if where != "alloc" and re.search(r"\bDC_C?HEAD\b|\bdc_counters\b|\bdc_alloc_tls\b", text):
            problems.append(f"lib/{rel}: names the allocator's internals (use alloc.h's functions)")

for f in sorted(os.listdir(os.path.join(src, "bench"))):
    if not f.endswith((".c", ".h")):
        continue
    with open(os.path.join(src, "bench", f), encoding="utf-8") as fh:
        text = fh.read()
    for m in re.finditer(r'^#include "([^"]+)"', text, re.M):
        inc = m.group(1)
        if os.path.exists(os.path.join(lib, inc)) and inc != "internal.h":
            problems.append(f"bench/{f}: includes lib/{inc}; bench/ reaches lib/ through internal.h")

for p in problems:
    print(p)
if problems:
    sys.exit(1)
print("layering ok: lib/'s includes point down, jemalloc stays in its backend, bench/ uses internal.h")
