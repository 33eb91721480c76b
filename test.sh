#!/usr/bin/env bash
# Runs every test of omni.cpp:
#   1. the Release build's suite (unit tests, CLI tests, independent Python references);
#   2. the same suite rebuilt with clang under AddressSanitizer + UndefinedBehaviorSanitizer,
#      plus the parsers' fuzzers (fuzz/) for OMNI_FUZZ_SECONDS (default 60) each.
# Ends with one summary line over both runs: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")"
JOBS=$(nproc)
FUZZ_SECONDS=${OMNI_FUZZ_SECONDS:-60}
total=0
failed=0

run_suite() {  # name, build dir
  local log="$2/ctest.log"
  ctest --test-dir "$2" -j"$JOBS" --output-on-failure 2>&1 | tee "$log"
  local line
  line=$(grep -E '[0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1)
  if [ -z "$line" ]; then
    echo "test.sh: $1: ctest printed no summary" >&2
    failed=$((failed + 1))
    return
  fi
  local f n
  f=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/')
  n=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/')
  total=$((total + n))
  failed=$((failed + f))
}

if [ ! -x build/bin/omni ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build build || exit 1
else
  cmake --build build || exit 1
fi
echo "== Release build: tests"
run_suite release build

echo "== ASan + UBSan build (clang) with fuzzers"
CC=clang CXX=clang++ cmake -S . -B build-san -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DOMNI_SANITIZE=ON -DOMNI_FUZZ=ON -DOMNI_FUZZ_SECONDS="$FUZZ_SECONDS" >/dev/null || exit 1
cmake --build build-san || exit 1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite sanitizers build-san

echo "== fuzzing statistics"
awk '/Testing: fuzz\./{name=$NF} /stat::(number_of_executed_units|average_exec_per_sec)/{print "  " name ": " $0}' \
  build-san/Testing/Temporary/LastTest.log || true

echo "$((total - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
