#!/bin/sh
# Installing needs only the build tools: scripts/bootstrap's build set is part of the full set and
# holds none of the test, benchmark or fuzzing tools; `make install` (and release, demo, shell)
# ask only for that set, and the targets that run tests (and CI's bootstrap) for all of it.
# Usage: check_bootstrap.sh SOURCE_DIR
set -eu
src=$1
fail() { echo "$*"; exit 1; }
build=$("$src/scripts/bootstrap" --set build --list)
all=$("$src/scripts/bootstrap" --list)
[ -n "$build" ] || fail "empty build set"
for p in $build; do
  echo "$all" | grep -qx "$p" || fail "$p is in the build set but not in the full one"
done
for p in clang valgrind python3-matplotlib python3-pytest libclang-rt-14-dev tcl-dev; do
  echo "$build" | grep -qx "$p" && fail "the build set holds $p, a test tool"
  echo "$all" | grep -qx "$p" || fail "the full set lacks $p"
done
for p in cmake make gcc libc6-dev tcl xz-utils bzip2; do
  echo "$build" | grep -qx "$p" || fail "the build set lacks $p"
done
# --dry-run names what it would download, and changes nothing.
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
out=$(DUCKCORE_SOURCE_CACHE=$cache/none "$src/scripts/bootstrap" --set build --dry-run)
echo "$out" | grep -q "would download jemalloc_5.3.0.orig.tar.bz2" || fail "dry run: $out"
echo "$out" | grep -q "would download sqlite3_3.46.1.orig.tar.xz" || fail "dry run: $out"
[ ! -e "$cache/none" ] || fail "--dry-run created the source cache"
"$src/scripts/bootstrap" --set nonsense --list >/dev/null 2>&1 && fail "--set nonsense accepted"

# What each make target asks scripts/bootstrap for (make -n prints, runs nothing but sub-makes).
sets() { # sets TARGET: the sets the bootstrap calls of `make TARGET` ask for, in order
  make -s -n -C "$src" "$1" 2>/dev/null | grep 'scripts/bootstrap' |
    sed 's/.*--set \([a-z]*\).*/\1/; /scripts\/bootstrap/s/.*/all/' | tr '\n' ' '
}
for t in install release demo shell; do
  [ "$(sets "$t")" = "build " ] || fail "make $t runs bootstrap with: $(sets "$t")(want: build)"
done
# Targets that run tests ask for everything first (a sub-make's release then finds it there).
for t in test test-asan test-sqlite-ci fuzz-build bench-smoke bootstrap; do
  case $(sets "$t") in all*) ;; *) fail "make $t runs bootstrap with: $(sets "$t")(want: all first)" ;; esac
done
grep -q '^scripts/bootstrap$' "$src/.ci/run" || fail ".ci/run no longer runs the full bootstrap"
echo "bootstrap ok: the build set ($(echo $build)) is within the full set; make install asks for it alone"
