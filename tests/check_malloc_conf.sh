#!/bin/sh
# jemalloc inside libduckcore reads DUCKCORE_JE_MALLOC_CONF and ignores the host's MALLOC_CONF.
# stats_print:true makes jemalloc print its statistics at exit: visible on stderr.
set -u
runner=$1
out=$(DUCKCORE_JE_MALLOC_CONF=stats_print:true "$runner" api_open_close 2>&1)
case $out in
  *"Begin jemalloc statistics"*) ;;
  *) echo "DUCKCORE_JE_MALLOC_CONF=stats_print:true was not honoured"; exit 1 ;;
esac
out=$(MALLOC_CONF=stats_print:true "$runner" api_open_close 2>&1)
case $out in
  *"jemalloc statistics"*) echo "MALLOC_CONF reached duckcore's jemalloc"; exit 1 ;;
esac
# A bad option is reported by jemalloc's own parser, naming our variable.
out=$(DUCKCORE_JE_MALLOC_CONF=no_such_option:1 "$runner" api_open_close 2>&1)
case $out in
  *"Invalid conf pair"*) ;;
  *) echo "jemalloc did not parse DUCKCORE_JE_MALLOC_CONF: $out"; exit 1 ;;
esac
echo "malloc conf ok: DUCKCORE_JE_MALLOC_CONF honoured, MALLOC_CONF ignored"
