#!/usr/bin/env bash
# The README's second command, and what CI runs: install, build with
# -Werror, run the whole suite, then build again with AddressSanitizer +
# UndefinedBehaviorSanitizer and run the whole suite once more.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
jobs=$(nproc)

run_suite() {
  local dir=$1; shift
  cmake -S . -B "$dir" -DRG_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
  ctest --test-dir "$dir" --output-on-failure -j"$jobs"
}

# PostgreSQL for the database tests: a throwaway cluster when the tools are
# there (pg_virtualenv sets PGHOST/PGPORT/PGUSER/PGPASSWORD for the suite).
# With it, the PostgreSQL tests must run (RG_REQUIRE_PG=1 turns a skip into a
# failure).
in_pg() {
  if command -v pg_virtualenv >/dev/null 2>&1; then
    RG_REQUIRE_PG=1 pg_virtualenv -t -- "$@"
  else
    "$@"
  fi
}

export -f run_suite
export jobs
echo "== build with -Werror and run the suite"
in_pg bash -c 'run_suite build-ci'
echo "== AddressSanitizer + UndefinedBehaviorSanitizer"
# A sanitized revgraph run costs 60-80 ms of CPU against 4 ms, nearly all of
# it the sanitizer runtime (start-up, and LeakSanitizer's check at exit), and
# the conformance tests start revgraph some 20k times: there the random-graph
# run checks 50 graphs instead of 200 (still ~8k comparisons), and the leak
# check is made on every 5th graph and the broken projects (the unit and CLI
# tests check leaks on every run).  -O1, as AddressSanitizer recommends.
RG_CONFORMANCE_GRAPHS=50 RG_CONFORMANCE_LEAK_EVERY=5 ASAN_OPTIONS=detect_leaks=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  in_pg bash -c 'run_suite build-asan -DRG_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_C_FLAGS_DEBUG=-g -O1"'
