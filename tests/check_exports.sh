#!/bin/sh
# Fails if libduckcore (shared or static) defines any global symbol outside the public API, or if
# the shared library's functions and the header's DUCKCORE_API declarations differ.
set -eu
shared=$1 static=$2 header=${3:-}
status=0
bad=$(nm -D --defined-only "$shared" | awk '{print $NF}' | grep -v '^db_' || true)
if [ -n "$bad" ]; then
  echo "libduckcore.so exports symbols outside the public API:"; echo "$bad" | head -20; status=1
fi
bad=$(nm -g --defined-only "$static" 2>/dev/null | awk 'NF == 3 {print $3}' | grep -v '^db_' || true)
if [ -n "$bad" ]; then
  echo "libduckcore.a defines global symbols outside the public API:"; echo "$bad" | head -20; status=1
fi
count=$(nm -D --defined-only "$shared" | grep -c ' T db_' || true)
[ "$count" -gt 20 ] || { echo "only $count db_ functions exported"; status=1; }
for s in sqlite3_open_v2 duckcore_je_mallocx mallocx malloc; do
  if nm -D --defined-only "$shared" | awk '{print $NF}' | grep -qx "$s"; then
    echo "$s is exported"; status=1
  fi
done
if [ -n "$header" ]; then
  # Every call the header declares is exported, and every exported function is declared.
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  grep -o 'DUCKCORE_API [^(]*(' "$header" | sed -E 's/.*[ *](db_[a-z0-9_]+)\($/\1/' |
    grep '^db_' | sort -u > "$tmp/declared"
  nm -D --defined-only "$shared" | awk '$2 == "T" {print $3}' | sort -u > "$tmp/exported"
  missing=$(comm -23 "$tmp/declared" "$tmp/exported")
  extra=$(comm -13 "$tmp/declared" "$tmp/exported")
  if [ -n "$missing" ]; then echo "declared in the header but not exported:"; echo "$missing"; status=1; fi
  if [ -n "$extra" ]; then echo "exported but not declared in the header:"; echo "$extra"; status=1; fi
  [ "$(wc -l < "$tmp/declared")" -gt 20 ] || { echo "found no declarations in $header"; status=1; }
fi
[ $status -eq 0 ] && echo "exports ok: $count public functions, nothing else"
exit $status
