"""Builds the duckcore wheel with libduckcore inside the package (pyproject.toml has the rest).

The library is DUCKCORE_LIBRARY if set, else this checkout's release build
(<repo>/build/release/lib/libduckcore.so, `make release`). Its version is the package's.
"""
import ctypes
import os
import shutil
import sys
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

try:
    from wheel.bdist_wheel import bdist_wheel
except ImportError:  # only `setup.py build` without the wheel package: no wheel to tag
    bdist_wheel = None

HERE = Path(__file__).resolve().parent
# The name the package's loader tries first (duckcore/_capi.py, _FILE_NAMES[0]).
NAME_IN_PACKAGE = {"darwin": "libduckcore.dylib", "win32": "duckcore.dll"}.get(
    sys.platform, "libduckcore.so")


def find_library():
    explicit = os.environ.get("DUCKCORE_LIBRARY")
    path = Path(explicit) if explicit else (
        HERE.parent.parent / "build" / "release" / "lib" / NAME_IN_PACKAGE)
    if not path.is_file():
        where = "DUCKCORE_LIBRARY" if explicit else "this checkout's release build"
        sys.exit(f"duckcore setup.py: no library at {path} ({where}). Build it first "
                 "(`make release` in the repository) or set DUCKCORE_LIBRARY to its full path.")
    return path.resolve()  # the real file, not the development symlink


def library_version(path):
    lib = ctypes.CDLL(str(path))
    lib.db_libversion.restype = ctypes.c_char_p
    return lib.db_libversion().decode()


LIBRARY = find_library()


class BuildPyWithLibrary(build_py):
    """Copies the library into the built package, next to _capi.py."""

    def run(self):
        super().run()
        target = Path(self.build_lib) / "duckcore" / NAME_IN_PACKAGE
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(LIBRARY, target)


class BinaryDistribution(Distribution):
    """It carries a shared library: a platform wheel, installed into platlib."""

    def has_ext_modules(self):
        return True


commands = {"build_py": BuildPyWithLibrary}
if bdist_wheel is not None:
    class PlatformWheel(bdist_wheel):
        """Not tied to a Python version or ABI (ctypes only), only to the platform."""

        def get_tag(self):
            return "py3", "none", super().get_tag()[2]

    commands["bdist_wheel"] = PlatformWheel

setup(version=library_version(LIBRARY), cmdclass=commands, distclass=BinaryDistribution)
