#!/usr/bin/env python3
"""The docs restate what the code knows; this check fails where they disagree.

Usage: check_docs.py LIBDUCKCORE SOURCE_DIR

- The option tables, in include/duckcore.h (the options comment block) and README.md
  (## Configuration), against the registry read through the public API (db_option_*): the same
  names, and for each its type, default, scope and when it is settable ("any time" when
  db_option_settable_after_open says so; otherwise "at open" if db_open_ext accepts the option,
  else "read-only"). The defaults are the jemalloc build's (the ctest registers this check there).
- Every db_* and DB_* name the Markdown files mention is declared in include/duckcore.h (result
  codes through DB_RESULT_MAP).
- No file in the repository refers outside it: no relative Markdown link leaves the tree or
  points to a missing file, and no file names the sibling folder "shared".
"""
import ctypes
import os
import re
import sys

lib_path, src = sys.argv[1], os.path.abspath(sys.argv[2])
os.environ.pop("DUCKCORE_JE_MALLOC_CONF", None)  # read when the library starts: its defaults
problems = []


def problem(msg):
    problems.append(msg)


# ---- the registry, through the public API --------------------------------------------------
lib = ctypes.CDLL(lib_path)
for fn in ("db_option_name", "db_option_type", "db_option_default", "db_option_scope"):
    getattr(lib, fn).restype = ctypes.c_char_p
    getattr(lib, fn).argtypes = [ctypes.c_int]
lib.db_option_settable_after_open.argtypes = [ctypes.c_int]
lib.db_open_ext.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p),
                            ctypes.POINTER(ctypes.c_char_p), ctypes.c_int,
                            ctypes.POINTER(ctypes.c_void_p)]
lib.db_close.argtypes = [ctypes.c_void_p]
lib.db_allocator.restype = ctypes.c_char_p


def settable(i, name, default):
    if lib.db_option_settable_after_open(i) == 1:
        return "any time"
    names = (ctypes.c_char_p * 1)(name.encode())
    values = (ctypes.c_char_p * 1)(default.encode())
    h = ctypes.c_void_p()
    rc = lib.db_open_ext(None, names, values, 1, ctypes.byref(h))
    lib.db_close(h)
    return "at open" if rc == 0 else "read-only"


registry = {}
for i in range(lib.db_option_count()):
    name = lib.db_option_name(i).decode()
    default = lib.db_option_default(i).decode()
    registry[name] = {"type": lib.db_option_type(i).decode().lower(), "default": default,
                      "scope": lib.db_option_scope(i).decode(),
                      "settable": settable(i, name, default)}
if not registry:
    problem("the registry is empty")


def compare(where, rows):
    """rows: (line number, name, {field: text}) as a document states them."""
    seen = {}
    for line, name, fields in rows:
        if name in seen:
            problem(f"{where}:{line}: {name} listed twice (also line {seen[name]})")
        seen[name] = line
        want = registry.get(name)
        if want is None:
            problem(f"{where}:{line}: {name} is not an option (db_option_name)")
            continue
        for field, text in fields.items():
            have = text.strip("`").strip()
            if field == "type":
                have = have.lower()
            if field == "scope":
                have = re.sub(r"\s+", "", have)
            if field == "default" and have == "db_allocator()":
                have = lib.db_allocator().decode()  # the build's fact, named as the API gives it
            if have != want[field]:
                problem(f"{where}:{line}: {name}: {field} is '{text}', the registry says "
                        f"'{want[field]}'")
    for name in registry:
        if name not in seen:
            problem(f"{where}: option {name} is missing (the registry has it)")


def read(rel):
    with open(os.path.join(src, rel), encoding="utf-8") as f:
        return f.read().split("\n")


# ---- include/duckcore.h: the options comment block -----------------------------------------
# " * option  type  default  scope  settable" heads it; it ends at the first bare " *". A row
# starts at column 3; columns are two or more spaces apart; "a, b" in the name and default columns
# lists several options. Indented lines are descriptions.
header = read("include/duckcore.h")
rows, block = [], False
for n, line in enumerate(header, 1):
    if re.match(r"^ \* option\s{2,}type\s{2,}default\s{2,}scope\s{2,}settable\s*$", line):
        block = True
        continue
    if not block:
        continue
    if line.rstrip() == " *":
        break
    m = re.match(r"^ \* (\S.*)$", line)
    if not m:
        continue
    cells = re.split(r"\s{2,}", m.group(1).strip())
    if len(cells) != 5:
        problem(f"include/duckcore.h:{n}: an option row needs 5 columns: {line.strip()}")
        continue
    names = [s.strip() for s in cells[0].split(",")]
    defaults = [s.strip() for s in cells[2].split(",")] if len(names) > 1 else [cells[2]]
    if len(defaults) != len(names):
        problem(f"include/duckcore.h:{n}: {len(names)} names, {len(defaults)} defaults")
        continue
    for name, default in zip(names, defaults):
        rows.append((n, name, {"type": cells[1], "default": default, "scope": cells[3],
                               "settable": cells[4]}))
if not block:
    problem("include/duckcore.h: no options block (' * option  type  default  scope  settable')")
compare("include/duckcore.h", rows)

# ---- README.md: the table under ## Configuration --------------------------------------------
readme = read("README.md")
rows, table = [], False
for n, line in enumerate(readme, 1):
    if re.match(r"^\| option \| type \| default \| scope \| settable \| effect \|$", line):
        table = True
        continue
    if not table:
        continue
    if not line.startswith("|"):
        break
    if re.match(r"^\|[-|]+\|$", line):
        continue
    cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
    if len(cells) != 6:
        problem(f"README.md:{n}: an option row needs 6 columns")
        continue
    rows.append((n, cells[0].strip("`"), {"type": cells[1], "default": cells[2],
                                          "scope": cells[3], "settable": cells[4]}))
if not table:
    problem("README.md: no options table ('| option | type | default | scope | settable | effect |')")
compare("README.md", rows)

# ---- names the Markdown files mention -------------------------------------------------------
header_text = "\n".join(header)
declared = set(re.findall(r"\b(?:db|DB)_[A-Za-z0-9_]+", header_text))
declared |= {"DB_" + m for m in re.findall(r"XX\(([A-Z_]+),", header_text)}
skip_dirs = {".git", "build", "node_modules", "__pycache__"}
markdown, every_file = [], []
for root, dirs, files in os.walk(src):
    dirs[:] = [d for d in dirs if d not in skip_dirs and not d.startswith("build")]
    for f in files:
        every_file.append(os.path.join(root, f))
        if f.endswith(".md"):
            markdown.append(os.path.join(root, f))
for path in sorted(markdown):
    rel = os.path.relpath(path, src)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for m in re.finditer(r"\b((?:db|DB)_[A-Za-z0-9_]*[A-Za-z0-9])(_?\*)?", text):
        name, wildcard = m.group(1), m.group(2)
        known = (any(d.startswith(name) for d in declared) if wildcard else name in declared)
        if not known:
            line = text.count("\n", 0, m.start()) + 1
            problem(f"{rel}:{line}: {m.group(0)} is not declared in include/duckcore.h")
    # Relative links stay in the tree and name files that exist.
    for m in re.finditer(r"\]\(([^)\s]+)\)", text):
        target = m.group(1).split("#")[0]
        if not target or re.match(r"^[a-z]+:", target):
            continue
        full = os.path.normpath(os.path.join(os.path.dirname(path), target))
        line = text.count("\n", 0, m.start()) + 1
        if os.path.commonpath([full, src]) != src:
            problem(f"{rel}:{line}: link {target} leaves the repository")
        elif not os.path.exists(full):
            problem(f"{rel}:{line}: link {target}: no such file")

# ---- nothing refers to the sibling folder outside the repository ----------------------------
outside = "../" + "shared"  # (spelled so that this file does not match itself)
for path in every_file:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (UnicodeDecodeError, OSError):
        continue  # binary files
    if outside in text:
        problem(f"{os.path.relpath(path, src)}: refers to {outside}, outside the repository")

for p in problems:
    print(p)
if problems:
    sys.exit(1)
print(f"docs ok: {len(registry)} options in the header and README tables agree with the registry; "
      f"{len(markdown)} Markdown files name only declared calls and stay in the repository")
