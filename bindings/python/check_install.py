#!/usr/bin/env python3
"""ctest python_install: `cmake --install` into a scratch prefix, then `import duckcore` with
only PYTHONPATH=<prefix>/<site-packages> (no LD_LIBRARY_PATH, no DUCKCORE_LIBRARY): the package
must find the installed library relative to itself (duckcore/_install.py)."""
import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--cmake", required=True)
parser.add_argument("--build", required=True)
parser.add_argument("--prefix", required=True, type=Path)
parser.add_argument("--site-packages", required=True)
args = parser.parse_args()

if args.prefix.exists():
    shutil.rmtree(args.prefix)
subprocess.run([args.cmake, "--install", args.build, "--prefix", str(args.prefix)], check=True,
               stdout=subprocess.DEVNULL)
site = args.prefix / args.site_packages
env = {k: v for k, v in os.environ.items()
       if k not in ("DUCKCORE_LIBRARY", "LD_LIBRARY_PATH", "PYTHONHOME")}
env["PYTHONPATH"] = str(site)
check = ("import duckcore, os; print(duckcore.__file__); print(duckcore._capi.lib._name); "
         "print(duckcore.connect().execute('SELECT 6 * 7').fetchone())")
result = subprocess.run([sys.executable, "-c", check], env=env, cwd=str(args.prefix),
                        capture_output=True, text=True)
print(result.stdout, result.stderr, sep="")
if result.returncode != 0:
    sys.exit("python_install: import failed")
lines = result.stdout.splitlines()
assert lines[0].startswith(str(site)), lines
assert os.path.realpath(lines[1]).startswith(os.path.realpath(args.prefix)), lines
assert lines[2] == "(42,)", lines

# A broken install: the library gone. The message lists only the places tried, the installed
# folder among them, and not this checkout's build tree.
for lib in args.prefix.rglob("libduckcore.so*"):
    lib.unlink()
result = subprocess.run([sys.executable, "-c", "import duckcore"], env=env, cwd=str(args.prefix),
                        capture_output=True, text=True)
assert result.returncode != 0
message = result.stderr.strip().splitlines()[-1]
print(message)
assert "next to the installed package" in message, message
assert "this checkout's build" not in message, message
assert "DUCKCORE_LIBRARY" in message, message
