#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan), makes the seed
# corpus from the project's own cases, examples and knowledge base, and runs
# the three targets at once (one core each) for SECONDS each. Prints the
# executions of each and their total; exits non-zero on any crash, leak,
# sanitizer report or broken invariant (the reproducer is kept under
# $FUZZ_WORK/artifacts).
#
#   fuzz/fuzz.sh [SECONDS=60]
#   FUZZ_BUILD_DIR=/tmp/build-fuzz fuzz/fuzz.sh 600
#
# Defaults: build in build-fuzz/ (git-ignored), corpus and logs in
# $FUZZ_BUILD_DIR/work, which grows across runs; delete it to start afresh.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_PER_TARGET=${1:-60}
BUILD=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
WORK=${FUZZ_WORK:-$BUILD/work}

# clang and its runtimes (libFuzzer, sanitizers) from Debian.
missing=()
for p in clang libclang-rt-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fuzz: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -DMEDIUS_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEDIUS_WERROR="${MEDIUS_WERROR:-OFF}" >/dev/null
# The server and CLI too: this is also CI's clang build, so code that only
# GCC accepts (or that only clang warns about) cannot land.
cmake --build "$BUILD" -j"$(nproc)" --target request_fuzzer kb_fuzzer \
  startup_fuzzer cds_fuzzer make_seeds medius-server medius >/dev/null
echo "fuzz: clang build of the fuzzers, medius-server and medius: OK"

mkdir -p "$WORK/artifacts" "$WORK/corpus/request" "$WORK/corpus/kb" \
  "$WORK/corpus/startup" "$WORK/seeds/startup" "$WORK/corpus/cds" \
  "$WORK/seeds/cds"
ASAN_OPTIONS=detect_leaks=0 "$BUILD/fuzz/make_seeds" "$WORK/seeds/request" \
  "$WORK/seeds/kb" "$WORK/kb.dict"
# Startup seeds: token file \f contract \f address \f logged string.
{
  printf 'emr-a 00112233445566778899aabbccddeeff %064d\n# c\n' 0
  printf '\f'
  cat "$ROOT/tests/contract/published_codes.txt"
  printf '\f[::1]:50051\f'
  printf 'x\n{"event":"rpc","code":"OK"}\xff'
} >"$WORK/seeds/startup/all_parts"
printf 'bad line\ffinding\f0.0.0.0:1\f\t"\\' >"$WORK/seeds/startup/broken_parts"
# CDS Hooks seeds: the documented hook requests, and a feedback body ('F').
for f in "$ROOT"/examples/cds_hooks/*.json; do
  case "$f" in *.response.json) continue ;; esac
  { printf 'S'; cat "$f"; } >"$WORK/seeds/cds/$(basename "$f" .json)"
done
printf 'F{"feedback":[{"card":"c","outcome":"overridden","overrideReason":{"reason":{"code":"x"}},"outcomeTimestamp":"t"}]}' \
  >"$WORK/seeds/cds/feedback"

# run TARGET SEEDS [extra flags]: SECONDS of fuzzing, log in $WORK/TARGET.log
run() {
  local target=$1 seeds=$2
  shift 2
  "$BUILD/fuzz/$target" "$WORK/corpus/${target%_fuzzer}" "$seeds" \
    -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 \
    -artifact_prefix="$WORK/artifacts/$target-" -rss_limit_mb=4096 \
    -timeout=30 "$@" >"$WORK/$target.log" 2>&1
}
status=0
run request_fuzzer "$WORK/seeds/request" -max_len=16384 &
request_pid=$!
run kb_fuzzer "$WORK/seeds/kb" -dict="$WORK/kb.dict" &
kb_pid=$!
run startup_fuzzer "$WORK/seeds/startup" -max_len=8192 &
startup_pid=$!
run cds_fuzzer "$WORK/seeds/cds" -max_len=16384 &
cds_pid=$!
wait "$request_pid" || { status=1; echo "fuzz: request_fuzzer FAILED"; tail -40 "$WORK/request_fuzzer.log"; }
wait "$kb_pid" || { status=1; echo "fuzz: kb_fuzzer FAILED"; tail -40 "$WORK/kb_fuzzer.log"; }
wait "$startup_pid" || { status=1; echo "fuzz: startup_fuzzer FAILED"; tail -40 "$WORK/startup_fuzzer.log"; }
wait "$cds_pid" || { status=1; echo "fuzz: cds_fuzzer FAILED"; tail -40 "$WORK/cds_fuzzer.log"; }

total=0
for target in request_fuzzer kb_fuzzer startup_fuzzer cds_fuzzer; do
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/$target.log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$WORK/$target.log" | tail -1 || true)
  corpus=$(find "$WORK/corpus/${target%_fuzzer}" -type f | wc -l)
  echo "fuzz: $target: ${runs:-0} executions in ${SECONDS_PER_TARGET} s, ${cov:-cov: ?} edges, corpus $corpus inputs"
  total=$((total + ${runs:-0}))
done
echo "fuzz: total $total executions, $([ $status -eq 0 ] && echo 'no crash' || echo 'CRASH: see above')"
exit "$status"
