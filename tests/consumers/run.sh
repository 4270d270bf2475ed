#!/bin/sh
# Installs the build tree into a scratch prefix and runs README.md's "## Linking" commands as
# written there (its sh blocks, and its cmake block as the consumer's CMakeLists.txt), with the
# scratch prefix for /opt/duckcore and this build tree for $HOME/src/duckcore/build/release, on
# consumer.c as app.c. Then checks what each program links: so the section cannot rot.
# Usage: run.sh BUILD_DIR
set -eu
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
readme=$here/../../README.md
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
for f in include/duckcore.h lib/libduckcore.so lib/libduckcore.a lib/pkgconfig/duckcore.pc \
         lib/cmake/duckcore/duckcoreConfig.cmake bin/duckcore; do
  [ -e "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done

# section_blocks LANG: the fenced LANG blocks of README's "## Linking" section.
section_blocks() {
  awk -v want="$1" '
    /^## / { insec = ($0 == "## Linking") }
    insec && /^```/ { if (inblk) { inblk = 0; next } if ($0 == "```" want) { inblk = 1; next } }
    insec && inblk' "$readme"
}
mkdir "$work/app"
cp "$here/consumer.c" "$work/app/app.c"
section_blocks cmake > "$work/app/CMakeLists.txt"
section_blocks sh | sed -e "s|/opt/duckcore|$prefix|g" \
  -e "s|\$HOME/src/duckcore/build/release|$build|g" > "$work/commands.sh"
[ -s "$work/app/CMakeLists.txt" ] || { echo "README.md: no cmake block under ## Linking"; exit 1; }
[ -s "$work/commands.sh" ] || { echo "README.md: no sh block under ## Linking"; exit 1; }
(cd "$work/app" && sh -eu "$work/commands.sh") > "$work/out" 2>&1 || {
  cat "$work/out"; echo "README.md's ## Linking commands failed"; exit 1; }
cat "$work/out"

cd "$work/app"
needs() { # needs PROGRAM: the shared libraries it names (DT_NEEDED)
  readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}
fail() { echo "$*"; exit 1; }
for p in app app_env build/app build-tree/app; do
  needs "$p" | grep -q '^libduckcore\.so' || fail "$p does not link libduckcore.so"
done
for p in app_static build/app_static; do
  [ -x "$p" ] || fail "$p was not built"
  needs "$p" | grep -q libduckcore && fail "$p links libduckcore.so, not libduckcore.a"
  needs "$p" | grep -q '^libc\.so' || fail "$p does not link the C library shared"
done
readelf -d app_all_static | grep -q NEEDED && fail "app_all_static is not static"
readelf -d app | grep -q "R.*PATH.*$prefix/lib" || fail "app has no rpath to $prefix/lib"
readelf -d app_env | grep -q 'R.*PATH' && fail "app_env has an rpath"
# What the rpath and LD_LIBRARY_PATH did: without them the loader does not find the library
# (unless one is installed system-wide).
if ! ldconfig -p 2>/dev/null | grep -q libduckcore; then
  ./app_env >/dev/null 2>&1 && fail "app_env ran without LD_LIBRARY_PATH"
fi
# The build-tree consumer uses the build tree's library, not the installed one.
ldd build-tree/app | grep libduckcore | grep -q "$build" || fail "build-tree/app: not $build's library"
# Every program printed its answer.
[ "$(grep -c '^consumer ok' "$work/out")" -eq 7 ] || fail "expected 7 programs to answer"
echo "install consumers ok: README.md's Linking commands, 7 programs"
