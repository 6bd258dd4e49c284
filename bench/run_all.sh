#!/usr/bin/env bash
# Regenerates docs/PERFORMANCE.md: builds the benchmarks, then measures, in
# one run on this machine, the engine against parsing its request, the
# service against gRPC's own health check (the floor), scaling with
# concurrency, server cores and request size, memory over a million calls,
# start-up time, and fuzzing. Every server is on 127.0.0.1.
#
#   bench/run_all.sh                   # about 25 minutes on 2 cores
#   SECONDS_PER_RUN=3 MILLION=100000 FUZZ_SECONDS=20 bench/run_all.sh  # quick
#
# Environment: BENCH_BUILD_DIR (default build-bench/), SECONDS_PER_RUN
# (per load measurement, default 10), MILLION (calls for the memory test,
# default 1000000), FUZZ_SECONDS (per fuzz target, default 900; 0 skips),
# OUT (default docs/PERFORMANCE.md).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-bench}
RUN=${SECONDS_PER_RUN:-10}
MILLION=${MILLION:-1000000}
FUZZ_SECONDS=${FUZZ_SECONDS:-900}
OUT=${OUT:-$ROOT/docs/PERFORMANCE.md}
WORK=$(mktemp -d /tmp/medius-run-all-XXXXXX)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
trap 'kill "${SERVER_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
log() { echo "run_all: $*" >&2; }

[ "$(nproc)" -ge 2 ] || { echo "run_all: needs 2 cores (server and client pinned apart)" >&2; exit 2; }

log "building in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target medius-server engine_bench \
  load_client startup_time >/dev/null
LOAD=("$BUILD/bench/load_client")

started=$(date -u '+%Y-%m-%d %H:%M UTC')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- engine
log "engine benchmark (pinned to core 1)"
taskset -c 1 "$BUILD/bench/engine_bench" --benchmark_repetitions=5 \
  --benchmark_min_time=0.3 --benchmark_report_aggregates_only=true \
  --markdown_out="$WORK/engine.md" >"$WORK/engine.txt"
engine_ratio=$(grep '^ratio findings=30 ' "$WORK/engine.txt")

# ---------------------------------------------------------------- start-up
log "start-up time"
startup=$("$BUILD/bench/startup_time" --server="$BUILD/src/server/medius-server" \
  --kb_dir="$ROOT/knowledge" --runs=10)

# ---------------------------------------------------------------- load
# load CPUS_CLIENT RPC FINDINGS CONCURRENCY -> one result line
load() {
  taskset -c "$1" "${LOAD[@]}" --target="127.0.0.1:$SERVER_PORT" --rpc="$2" \
    --findings="$3" --concurrency="$4" --warmup_seconds=2 --seconds="$RUN" ||
    true
}
row() {  # row LABEL HEALTH_LINE ASSESS_LINE
  local hq aq hp ap
  hq=$(field qps "$2"); aq=$(field qps "$3")
  hp=$(field p99_us "$2"); ap=$(field p99_us "$3")
  awk -v l="$1" -v hq="$hq" -v aq="$aq" -v hp="$hp" -v ap="$ap" \
    -v h50="$(field p50_us "$2")" -v a50="$(field p50_us "$3")" \
    -v h999="$(field p999_us "$2")" -v a999="$(field p999_us "$3")" \
    -v af="$(field failed "$3")" -v hf="$(field failed "$2")" 'BEGIN {
      tr = aq / hq; lr = ap / hp;
      printf "| %s | %.0f | %.0f | **%.0f%%** %s | %.0f / %.0f / %.0f | %.0f / %.0f / %.0f | **%.2fx** %s | %d / %d |\n",
        l, hq, aq, 100 * tr, (tr >= 0.9 ? "met" : "not met"),
        h50, hp, h999, a50, ap, a999, lr, (lr <= 1.5 ? "met" : "not met"), hf, af }'
}
TABLE_HEAD='| configuration | health qps (floor) | Assess qps | Assess / floor (goal >= 90%) | health p50 / p99 / p99.9 (us) | Assess p50 / p99 / p99.9 (us) | p99 Assess / floor (goal <= 1.5x) | failed health / Assess |
|---|---|---|---|---|---|---|---|'

log "service vs health floor: server on core 0, client on core 1"
SERVER_LOG=/dev/null start_server 0
floor_rows=""
for c in 1 2 4; do
  h=$(load 1 health 30 "$c"); a=$(load 1 assess 30 "$c")
  echo "$h" >>"$WORK/load.txt"; echo "$a" >>"$WORK/load.txt"
  floor_rows+=$(row "1 server core, $c in flight, 30 findings" "$h" "$a")$'\n'
done
size_rows=""
for f in 5 30 60; do
  a=$(load 1 assess "$f" 4)
  echo "$a" >>"$WORK/load.txt"
  size_rows+="| $f | $(field request_bytes "$a") | $(field qps "$a") | $(field p50_us "$a") | $(field p99_us "$a") | $(field p999_us "$a") | $(field failed "$a") |"$'\n'
done
stop_server

log "service vs health floor: server on cores 0-1, client sharing them"
SERVER_LOG=/dev/null start_server 0-1
for c in 1 4 16; do
  h=$(load 0-1 health 30 "$c"); a=$(load 0-1 assess 30 "$c")
  echo "$h" >>"$WORK/load.txt"; echo "$a" >>"$WORK/load.txt"
  floor_rows+=$(row "2 server cores (shared with the client), $c in flight" "$h" "$a")$'\n'
done
stop_server

# ---------------------------------------------------------------- memory
log "memory: $MILLION calls"
SERVER_LOG=/dev/null start_server 0
sleep 1
rss_idle=$(rss_kib "$SERVER_PID")
million=$(taskset -c 1 "${LOAD[@]}" --target="127.0.0.1:$SERVER_PORT" --rpc=assess \
  --findings=30 --concurrency=4 --requests="$MILLION" || true)
rss_after=$(rss_kib "$SERVER_PID")
sleep 2
rss_rested=$(rss_kib "$SERVER_PID")
million2=$(taskset -c 1 "${LOAD[@]}" --target="127.0.0.1:$SERVER_PORT" --rpc=assess \
  --findings=30 --concurrency=4 --requests="$((MILLION / 2))" || true)
rss_after2=$(rss_kib "$SERVER_PID")
stop_server

# ---------------------------------------------------------------- fuzzing
fuzz_text="Not run (FUZZ_SECONDS=0)."
if [ "$FUZZ_SECONDS" -gt 0 ]; then
  log "fuzzing, $FUZZ_SECONDS s per target"
  if "$ROOT/fuzz/fuzz.sh" "$FUZZ_SECONDS" >"$WORK/fuzz.txt" 2>&1; then
    fuzz_text=$(grep '^fuzz:' "$WORK/fuzz.txt")
  else
    fuzz_text="FAILED: $(tail -5 "$WORK/fuzz.txt")"
  fi
fi

# ---------------------------------------------------------------- report
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/^MemTotal:/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
pkg() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "?"; }
mkdir -p "$(dirname "$OUT")"
{
cat <<MD
# Medius performance and robustness

Generated by \`bench/run_all.sh\` on $started; every figure below comes from
that one run, on this machine. Speed is given as ratios against a baseline
measured in the same run (parsing the request; gRPC's own health check), so
the tables can be compared across machines; absolute numbers are only for
this one. Re-run the script to regenerate the whole file.

## Machine and software

| | |
|---|---|
| CPU | $cpu, $(nproc) cores |
| memory | $mem |
| kernel | $(uname -r) |
| compiler | $(g++ --version | head -1) |
| gRPC / protobuf / Abseil | libgrpc++-dev $(pkg libgrpc++-dev) / libprotobuf-dev $(pkg libprotobuf-dev) / libabsl-dev $(pkg libabsl-dev) |
| build | RelWithDebInfo (-O2 -g), \`$BUILD\` |
| load average at start | $load_before (other work on the machine shows up as noise) |

## Engine: one Assess against parsing its request

\`engine_bench\` (Google Benchmark, pinned to one core, median of 5
repetitions): \`Engine::Assess\` on a realistic first-consultation request
(the demo request of \`examples/\`, cut or extended to N findings, see
\`bench/bench_requests.h\`), against \`AssessRequest::ParseFromString\` of the
same request's bytes. Allocations are counted by a replacement
\`operator new\` (\`bench/alloc_counter.cc\`).

$(cat "$WORK/engine.md")

\`$engine_ratio\`

## Service: Assess against the gRPC health-check floor

\`load_client\` (callback-API gRPC client, closed loop, N calls in flight over
N connections, ${RUN} s after a 2 s warm-up) against one \`medius-server\`
(\`--insecure\`, JSON call log to /dev/null). The floor is
\`grpc.health.v1.Health/Check\` on the same server in the same run: what gRPC
itself costs per call. Only grpc-status 0 counts as a success. Goals: Assess
throughput >= 90 % of the floor, Assess p99 <= 1.5 x the floor's p99.

$TABLE_HEAD
$floor_rows
Raw \`load_client\` lines:

\`\`\`
$(cat "$WORK/load.txt")
\`\`\`

### Request size

Assess with 4 in flight, server on core 0, client on core 1.

| findings | request bytes | qps | p50 (us) | p99 (us) | p99.9 (us) | failed |
|---|---|---|---|---|---|---|
$size_rows
## Memory and start-up

| | |
|---|---|
| RSS idle after start-up | $rss_idle KiB |
| RSS after $MILLION Assess calls | $rss_after KiB |
| RSS after 2 s at rest | $rss_rested KiB |
| RSS after another $((MILLION / 2)) calls | $rss_after2 KiB (growth over them: $((rss_after2 - rss_after)) KiB) |
| the $MILLION calls | \`$million\` |
| the next $((MILLION / 2)) | \`$million2\` |
| start-up to SERVING (exec to a SERVING health answer, 10 runs) | \`$startup\` |

## Fuzzing

\`fuzz/fuzz.sh $FUZZ_SECONDS\` (libFuzzer, clang, ASan + UBSan, both targets
at once, one core each):

\`\`\`
$fuzz_text
\`\`\`
MD
cat "$ROOT/bench/PERFORMANCE.notes.md"
} >"$OUT"
log "wrote $OUT"
