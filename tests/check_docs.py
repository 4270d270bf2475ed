#!/usr/bin/env python3
"""The docs restate what the code knows; this check fails where they disagree.

Usage: check_docs.py LIBDUCKCORE SOURCE_DIR [--write]

- The option tables, in include/duckcore.h (the options comment block) and README.md
  (## Configuration), are generated from the registry read through the public API (db_option_*):
  names, types, defaults, scopes, when each is settable ("any time" when
  db_option_settable_after_open says so; otherwise "at open" if db_open_ext accepts the option,
  else "read-only") and descriptions. The check fails unless both files hold exactly the generated
  text; --write (make docs) writes it. The defaults are the jemalloc build's (the ctest registers
  this check there).
- Every public function the header declares is defined in the file its section names ("Options
  (lib/api_options.c)"), and in no other file of lib/: where a call lives is the header's to say.
- db_sqlite_errname names exactly the result codes of the build's pinned sqlite3.h, and
  db_constant enumerates exactly the entries of the header's lists that its comment names.
- Every db_* and DB_* name the Markdown files mention is declared in include/duckcore.h (result
  codes through DB_RESULT_MAP).
- No file in the repository refers outside it: no relative Markdown link leaves the tree or
  points to a missing file, and no file names the sibling folder "shared".
"""
import ctypes
import os
import re
import sys
import textwrap

lib_path, src = sys.argv[1], os.path.abspath(sys.argv[2])
write = "--write" in sys.argv[3:]
os.environ.pop("DUCKCORE_JE_MALLOC_CONF", None)  # read when the library starts: its defaults
problems = []


def problem(msg):
    problems.append(msg)


# ---- the registry, through the public API --------------------------------------------------
lib = ctypes.CDLL(lib_path)
for fn in ("db_option_name", "db_option_type", "db_option_default", "db_option_scope",
           "db_option_description"):
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


options = []
for i in range(lib.db_option_count()):
    name = lib.db_option_name(i).decode()
    default = lib.db_option_default(i).decode()
    if default == lib.db_allocator().decode():
        default = "db_allocator()"  # the build's fact, named as the API gives it
    options.append({"name": name, "type": lib.db_option_type(i).decode(), "default": default,
                    "scope": lib.db_option_scope(i).decode(),
                    "settable": settable(i, name, lib.db_option_default(i).decode()),
                    "description": lib.db_option_description(i).decode().rstrip(".") + "."})
if not options:
    problem("the registry is empty")


def read(rel):
    with open(os.path.join(src, rel), encoding="utf-8") as f:
        return f.read().split("\n")


def header_block():
    """The options block of the header: its heading row, then a row and a description per
    option. Columns two spaces apart at least; descriptions indented by four, within 100
    columns."""
    cols = ["name", "type", "default", "scope", "settable"]
    width = {c: max(len(o[c]) for o in options) + 2 for c in cols}
    width["name"] = max(width["name"], len("option") + 2)
    def row(cells):
        return (" * " + "".join(cells[i].ljust(width[c]) for i, c in enumerate(cols[:-1])) +
                cells[-1]).rstrip()
    lines = [row(["option", "type", "default", "scope", "settable"])]
    for o in options:
        lines.append(row([o[c] for c in cols]))
        for w in textwrap.wrap(o["description"], width=100 - 7, break_on_hyphens=False):
            lines.append(" *     " + w)
    return lines


def readme_table():
    lines = ["| option | type | default | scope | settable | effect |",
             "|---|---|---|---|---|---|"]
    for o in options:
        lines.append(f"| `{o['name']}` | {o['type'].lower()} | {o['default']} | "
                     f"{o['scope'].replace(',', ', ')} | {o['settable']} | {o['description']} |")
    return lines


def replace_block(rel, first, is_end, generated):
    """Compares (or with --write, replaces) the block of file rel that starts at the line
    matching first and ends before the first line is_end accepts."""
    lines = read(rel)
    start = next((n for n, l in enumerate(lines) if re.match(first, l)), None)
    if start is None:
        problem(f"{rel}: no options block ({first})")
        return
    end = start + 1
    while end < len(lines) and not is_end(lines[end]):
        end += 1
    if lines[start:end] == generated:
        return
    if write:
        lines[start:end] = generated
        with open(os.path.join(src, rel), "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        print(f"{rel}: options block written")
        return
    for n, (have, want) in enumerate(zip(lines[start:end], generated)):
        if have != want:
            problem(f"{rel}:{start + n + 1}: the options block differs from the registry: "
                    f"'{have.strip()}' where the registry gives '{want.strip()}' "
                    "(make docs writes it)")
            break
    else:
        problem(f"{rel}:{start + 1}: the options block has {end - start} lines, the registry "
                f"gives {len(generated)} (make docs writes it)")


replace_block("include/duckcore.h", r"^ \* option\s{2,}type\s{2,}default\s{2,}scope\s{2,}settable",
              lambda l: l.rstrip() == " *", header_block())
replace_block("README.md", r"^\| option \| type \| default \| scope \| settable \| effect \|$",
              lambda l: not l.startswith("|"), readme_table())

# ---- where each public call is defined -------------------------------------------------------
header = read("include/duckcore.h")
section_file, declared_in = None, {}
for line in header:
    m = re.match(r"^ \* [A-Z][^.(]*\((lib/api_\w+\.c)\)", line)
    if m:
        section_file = m.group(1)
    m = re.match(r"^DUCKCORE_API\b.*?\b(db_\w+)\(", line)
    if m:
        if not section_file:
            problem(f"include/duckcore.h: {m.group(1)} is declared before any section names its file")
        declared_in[m.group(1)] = section_file
lib_sources = []
for root, _dirs, files in os.walk(os.path.join(src, "lib")):
    lib_sources += [os.path.join(root, f) for f in files if f.endswith(".c")]
defined_in = {}
for path in lib_sources:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    rel = os.path.relpath(path, src)
    for m in re.finditer(r"^[A-Za-z_][\w \*]*?\b(db_\w+)\((?:[^;{]|\n)*?\)\s*\{", text, re.M):
        defined_in.setdefault(m.group(1), []).append(rel)
    # Calls made by a macro (COLUMN_GETTER(type, db_column_type, ...)) name the call as an argument.
    for m in re.finditer(r"^[A-Z_]+\([^,]+, (db_\w+),", text, re.M):
        defined_in.setdefault(m.group(1), []).append(rel)
for name, want in sorted(declared_in.items()):
    have = defined_in.get(name, [])
    if have != [want]:
        problem(f"include/duckcore.h: {name} belongs in {want} (its section), defined in "
                f"{', '.join(have) or 'no file of lib/'}")

# ---- SQLite's result codes and the header's constants ---------------------------------------
# db_sqlite_errname knows every result code the pinned sqlite3.h defines, and only those.
sqlite_h = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(lib_path))), "_deps",
                        "sqlite", "sqlite3.h")
lib.db_sqlite_errname.restype = ctypes.c_char_p
lib.db_sqlite_errname.argtypes = [ctypes.c_int]
if not os.path.exists(sqlite_h):
    problem(f"{sqlite_h}: not found (the build's pinned SQLite header)")
else:
    with open(sqlite_h, encoding="utf-8") as f:
        h_text = f.read()
    codes = {}
    for m in re.finditer(r"^#define (SQLITE_[A-Z_]+)\s+(\d+)\s", h_text, re.M):
        if m.group(1) in ("SQLITE_OK", "SQLITE_ROW", "SQLITE_DONE") or (
                h_text.find("#define SQLITE_OK ") <= m.start() <= h_text.find("#define SQLITE_DONE")):
            codes[m.group(1)] = int(m.group(2))
    for m in re.finditer(r"^#define (SQLITE_[A-Z_]+)\s+\((SQLITE_[A-Z]+)\s*\|\s*\((\d+)<<8\)\)",
                         h_text, re.M):
        if m.group(2) in codes:
            codes[m.group(1)] = codes[m.group(2)] | (int(m.group(3)) << 8)
    named = {}
    for value in range(1 << 16):
        name = lib.db_sqlite_errname(value)
        if name is not None:
            named[name.decode()] = value
    if named != codes:
        problem("lib/api_version.c: SQLITE_CODE_MAP differs from sqlite3.h's result codes: "
                f"missing {sorted(set(codes) - set(named))}, extra {sorted(set(named) - set(codes))}")

# db_constant enumerates every entry of the lists the header says it does.
lib.db_constant.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_char_p),
                            ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_int)]
enumerated, enumerated_lists, index = {}, {}, 0
while True:
    clist, cname, cvalue = ctypes.c_char_p(), ctypes.c_char_p(), ctypes.c_int()
    if lib.db_constant(index, ctypes.byref(clist), ctypes.byref(cname), ctypes.byref(cvalue)):
        break
    enumerated[cname.value.decode()] = cvalue.value
    enumerated_lists[cname.value.decode()] = clist.value.decode()
    index += 1
header_nocomments = re.sub(r"/\*.*?\*/", "", "\n".join(header), flags=re.S)
m = re.search(r"Every integer constant the header's lists define \((.*?)\)", "\n".join(header), re.S)
listed = re.findall(r"DB_[A-Z_]+_MAP", m.group(1)) if m else []
if not listed:
    problem("include/duckcore.h: db_constant's comment names no lists")
in_lists = {}
for list_name in listed:
    d = re.search(r"#define " + list_name + r"\(XX\)(.*?)(?<!\\)\n", header_nocomments, re.S)
    if not d:
        problem(f"include/duckcore.h: {list_name} is not defined")
        continue
    for e in re.finditer(r"XX\(([A-Z_]+),\s*(-?\d+)", d.group(1)):
        in_lists["DB_" + e.group(1)] = int(e.group(2))
        if enumerated_lists.get("DB_" + e.group(1)) != list_name:
            problem(f"db_constant: DB_{e.group(1)} is not given as a member of {list_name}")
if in_lists != enumerated:
    problem("db_constant: enumerates "
            f"{sorted(set(enumerated.items()) ^ set(in_lists.items()))[:8]} differently from the "
            "header's lists")

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
print(f"docs ok: {len(options)} options in the header and README tables as the registry gives them; "
      f"{len(declared_in)} calls each in the file its header section names; {len(markdown)} "
      "Markdown files name only declared calls and stay in the repository")
