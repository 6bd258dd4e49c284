#!/usr/bin/env bash
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer
# (gcc's runtimes, shipped with g++): every library, server, CLI and test
# binary instrumented (-DMEDIUS_SANITIZE=ON), then ctest. Any report fails
# the test that triggered it (UBSan does not recover; ASan aborts; leaks
# are reported at exit).
#
#   tests/run_sanitized.sh                 # build in build-asan/ (ignored)
#   ASAN_BUILD_DIR=/tmp/build-asan tests/run_sanitized.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${ASAN_BUILD_DIR:-$ROOT/build-asan}

cmake -S "$ROOT" -B "$BUILD" -DMEDIUS_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMEDIUS_WERROR="${MEDIUS_WERROR:-OFF}" >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
# halt_on_error is ASan's default; leak checking is on by default on Linux.
export ASAN_OPTIONS=${ASAN_OPTIONS:-strict_init_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$BUILD" --output-on-failure -j"$(nproc)" --timeout 600
