#!/usr/bin/env bash
# The cost of the assessment record per call: the same server, in one run,
# with --audit=off (the baseline), best_effort and required (SQLite; and
# PostgreSQL when AUDIT_PG_URI is set), under the same closed-loop load.
# Reports throughput and server CPU per call (user + system, from
# /proc/PID/stat) as ratios to the baseline, and the store's bytes per record.
#
#   bench/audit_cost.sh [SECONDS] [CONCURRENCY]      (default 10, 16)
#   BENCH_BUILD_DIR=build  AUDIT_PG_URI=postgresql:///medius?host=/tmp/x
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$ROOT/build}
SECONDS_EACH=${1:-10}
CONCURRENCY=${2:-16}
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks_per_second=$(getconf CLK_TCK)
two_cpus=$([ "$(nproc)" -ge 2 ] && echo 1 || echo 0)

run_mode() {  # label, server flags...
  local label=$1
  shift
  SERVER_LOG=/dev/null start_server 0 "$@"
  # One short warm-up outside the measurement (connections, caches).
  local before after line db_bytes warm
  warm=$("$BUILD/bench/load_client" --target="127.0.0.1:$SERVER_PORT" --rpc=assess \
    --concurrency="$CONCURRENCY" --warmup_seconds=0 --seconds=1)
  before=$(cpu_ticks "$SERVER_PID")
  line=$(taskset -c "$two_cpus" "$BUILD/bench/load_client" \
    --target="127.0.0.1:$SERVER_PORT" --rpc=assess --concurrency="$CONCURRENCY" \
    --warmup_seconds=0 --seconds="$SECONDS_EACH")
  after=$(cpu_ticks "$SERVER_PID")
  db_bytes=0
  for f in "$SERVER_DIR"/audit.db "$SERVER_DIR"/audit.db-wal; do
    [ -f "$f" ] && db_bytes=$((db_bytes + $(stat -c %s "$f")))
  done
  stop_server
  local ok qps
  ok=$(field ok "$line")
  qps=$(field qps "$line")
  [ "$(field failed "$line")" = 0 ] || { echo "audit_cost: $label had failed calls: $line" >&2; exit 1; }
  awk -v l="$label" -v ok="$ok" -v qps="$qps" -v t=$((after - before)) \
    -v hz="$ticks_per_second" -v db="$db_bytes" -v p99="$(field p99_us "$line")" \
    -v all=$((ok + $(field ok "$warm"))) \
    'BEGIN { printf "%s %d %.1f %.1f %.1f %.0f\n", l, all, qps, 1e6 * t / hz / ok, p99, db }'
}

results=$(mktemp)
trap 'rm -f "$results"' EXIT
run_mode off --audit=off >>"$results"
run_mode best_effort_sqlite --audit=best_effort >>"$results"
run_mode required_sqlite --audit=required >>"$results"
if [ -n "${AUDIT_PG_URI:-}" ]; then
  run_mode required_postgresql --audit=required --audit_db="$AUDIT_PG_URI" >>"$results"
fi
echo "audit_cost: ${SECONDS_EACH}s per mode, ${CONCURRENCY} calls in flight, FULL view, server on CPU 0"
awk 'NR == 1 { q0 = $3; c0 = $4 }
     { bytes = ($6 > 0 && $1 != "off") ? sprintf("%.0f", $6 / $2) : "-";
       printf "  %-20s qps %8.1f (x%.3f)  server CPU/call %8.1f us (x%.3f)  p99 %8.1f us  store bytes/call %s\n",
              $1, $3, $3 / q0, $4, $4 / c0, $5, bytes }' "$results"
