#!/bin/sh
# Installs the build tree into a scratch prefix and builds two tiny consumers against the
# installed files only: one with pkg-config (shared and --static), one with find_package. All run.
# Usage: run.sh BUILD_DIR
set -eu
build=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
for f in include/duckcore.h lib/libduckcore.so lib/libduckcore.a lib/pkgconfig/duckcore.pc \
         lib/cmake/duckcore/duckcoreConfig.cmake; do
  [ -e "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done

cc=${CC:-cc}
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# shellcheck disable=SC2046
$cc -std=c11 -Wall -Werror -o "$work/pc_shared" "$here/consumer.c" $(pkg-config --cflags --libs duckcore) \
    -Wl,-rpath,"$prefix/lib"
# shellcheck disable=SC2046
$cc -std=c11 -Wall -Werror -static -o "$work/pc_static" "$here/consumer.c" \
    $(pkg-config --static --cflags --libs duckcore)
"$work/pc_shared"
"$work/pc_static"
# The static program must not need libduckcore.so at all.
if ldd "$work/pc_static" 2>&1 | grep -q libduckcore; then echo "static consumer links libduckcore.so"; exit 1; fi

cmake -S "$here/cmake" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
"$work/cmake-build/consumer_shared"
"$work/cmake-build/consumer_static"
echo "install consumers ok"
