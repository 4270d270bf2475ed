#!/usr/bin/env python3
"""Builds the duckcore wheel (`make wheel`), and with --check-install proves it works: installs it
offline into a fresh virtual environment (no system site-packages) and imports duckcore there
with no DUCKCORE_LIBRARY, LD_LIBRARY_PATH or PYTHONPATH; with --run-tests too, runs the binding's
test suite on the installed wheel (ctest python_wheel).

The package sources are copied to a staging folder first, so the build writes nothing into the
source tree. Needs setuptools, wheel and pip (Debian: python3-setuptools python3-wheel
python3-pip), and python3-venv for --check-install. Exit code 77: one of them is missing.
"""
import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SKIP = 77


def missing(modules):
    """The modules this interpreter cannot import (looked up, not imported)."""
    return [module for module in modules if importlib.util.find_spec(module) is None]


def run(command, **kwargs):
    print("+", " ".join("<script>" if "\n" in str(c) else str(c) for c in command), flush=True)
    result = subprocess.run([str(c) for c in command], text=True, capture_output=True, **kwargs)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        sys.exit(f"build_wheel.py: failed ({result.returncode}): {command[0]} ...")
    return result.stdout


def build(library, out):
    lacking = missing(["setuptools", "wheel", "pip"])
    if lacking:
        print(f"build_wheel.py: {sys.executable} lacks {', '.join(lacking)} (Debian: apt-get "
              "install python3-setuptools python3-wheel python3-pip)", file=sys.stderr)
        sys.exit(SKIP)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="duckcore-wheel-") as staging:
        staging = Path(staging)
        for name in ("pyproject.toml", "setup.py", "README.md"):
            shutil.copy(HERE / name, staging / name)
        shutil.copytree(HERE / "duckcore", staging / "duckcore",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "libduckcore.*",
                                                      "_install.py"))
        env = dict(os.environ, DUCKCORE_LIBRARY=str(library))
        before = set(out.glob("duckcore-*.whl"))
        run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-index",
             "--no-deps", "--disable-pip-version-check", "-q", "-w", out, staging], env=env)
    built = sorted(set(out.glob("duckcore-*.whl")) - before) or sorted(
        out.glob("duckcore-*.whl"), key=lambda p: p.stat().st_mtime)[-1:]
    if not built:
        sys.exit("build_wheel.py: pip reported success but wrote no wheel")
    return built[-1]


CHECK = r"""
import os, sys, duckcore
here = os.path.dirname(duckcore.__file__)
assert here.startswith(sys.prefix), (here, sys.prefix)
loaded = duckcore._capi.lib._name
assert os.path.dirname(loaded) == here, ("library not the package's copy", loaded)
con = duckcore.connect(memory_limit="16MB")
assert con.execute("WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < 100) "
                   "SELECT sum(v) FROM s").fetchone() == (5050,)
print("imported", duckcore.__version__, "from", here)
print("library", loaded)
print("sqlite", duckcore.sqlite_version, "allocator", duckcore.allocator())
con.close()
"""


def check_install(wheel, work, tests=False):
    if missing(["venv", "ensurepip"]):
        print("build_wheel.py: SKIPPED: python3-venv is not installed (apt-get install "
              "python3-venv), so no fresh virtual environment can be made", file=sys.stderr)
        sys.exit(SKIP)
    venv = work / "venv"
    run([sys.executable, "-m", "venv", "--clear", venv])  # no --system-site-packages
    python = venv / "bin" / "python"
    clean = {k: v for k, v in os.environ.items()
             if k not in ("DUCKCORE_LIBRARY", "LD_LIBRARY_PATH", "PYTHONPATH", "PYTHONHOME")}
    run([python, "-m", "pip", "install", "--no-index", "--no-deps",
         "--disable-pip-version-check", "-q", wheel], env=clean)
    # From a folder with no duckcore in it, so only the installed package can be imported.
    run([python, "-c", CHECK], env=clean, cwd=work)
    if tests:
        run_tests(wheel, work, clean)


def run_tests(wheel, work, env):
    """The binding's test suite against the installed wheel: a second virtual environment that
    sees the system's site-packages (for pytest), the wheel installed in it, and a copy of
    tests/ whose parent holds no duckcore, so the installed package is the one imported."""
    if missing(["pytest"]):
        print("build_wheel.py: the tests were not run: pytest is not installed "
              "(apt-get install python3-pytest)", file=sys.stderr)
        sys.exit(SKIP)
    venv = work / "venv-tests"
    run([sys.executable, "-m", "venv", "--clear", "--system-site-packages", venv])
    python = venv / "bin" / "python"
    run([python, "-m", "pip", "install", "--no-index", "--no-deps",
         "--disable-pip-version-check", "-q", wheel], env=env)
    shutil.copytree(HERE / "tests", work / "suite" / "tests")
    run([python, "-c", CHECK], env=env, cwd=work)
    result = run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                  work / "suite" / "tests"], env=env, cwd=work)
    print(result.strip().splitlines()[-1] if result.strip() else "pytest: no output")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", required=True, type=Path, help="libduckcore to bundle")
    parser.add_argument("--out", type=Path, help="folder for the wheel (default: WORK/dist)")
    parser.add_argument("--work", type=Path, default=Path("build/wheel-work"),
                        help="scratch folder (the virtual environment of --check-install)")
    parser.add_argument("--check-install", action="store_true",
                        help="install the wheel into a fresh venv and import duckcore there")
    parser.add_argument("--run-tests", action="store_true",
                        help="with --check-install: run the binding's tests on the installed "
                             "wheel")
    args = parser.parse_args()
    work = args.work.resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    wheel = build(args.library.resolve(), (args.out or work / "dist").resolve())
    print("wheel", wheel)
    if args.check_install:
        check_install(wheel, work, tests=args.run_tests)


if __name__ == "__main__":
    main()
