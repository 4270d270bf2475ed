#!/bin/sh
# Fails if libduckcore (shared or static) defines any global symbol outside the public API.
set -eu
shared=$1 static=$2
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
[ $status -eq 0 ] && echo "exports ok: $count public functions, nothing else"
exit $status
