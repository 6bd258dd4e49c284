#!/usr/bin/env bash
# Soak test: CLIENTS concurrent calls at saturation for SECONDS against a
# medius-server on 127.0.0.1, in six rounds; then checks zero failed RPCs,
# resident memory flat from the first round to the last, and the server
# still healthy and stopping cleanly on SIGTERM.
#
#   bench/soak.sh [SECONDS=60] [CLIENTS=8]
#   BUILD_DIR=/tmp/build-asan bench/soak.sh 120   # under the sanitizers
#
# "Flat": after the first round (allocator and gRPC pools warmed up), RSS
# may grow by at most SOAK_RSS_SLACK_KIB (default 8192) over the rest.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${BUILD_DIR:-$ROOT/build}" && pwd)
SECONDS_TOTAL=${1:-60}
CLIENTS=${2:-8}
SLACK=${SOAK_RSS_SLACK_KIB:-8192}
ROUNDS=6
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

for tool in "$BUILD/src/server/medius-server" "$BUILD/bench/load_client"; do
  [ -x "$tool" ] || { echo "soak: build $tool first (BUILD_DIR=$BUILD)" >&2; exit 2; }
done

SERVER_LOG=/dev/null start_server 0-1
trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT
echo "soak: server pid $SERVER_PID on 127.0.0.1:$SERVER_PORT, idle RSS $(rss_kib "$SERVER_PID") KiB"

round_seconds=$(awk -v s="$SECONDS_TOTAL" -v r="$ROUNDS" 'BEGIN {printf "%.1f", s / r}')
failures=0
rss=()
for round in $(seq "$ROUNDS"); do
  line=$("$BUILD/bench/load_client" --target="127.0.0.1:$SERVER_PORT" \
    --rpc=assess --findings=30 --concurrency="$CLIENTS" --warmup_seconds=0 \
    --seconds="$round_seconds") || true
  failed=$(field failed "$line")
  ok=$(field ok "$line")
  rss+=("$(rss_kib "$SERVER_PID")")
  echo "soak: round $round: ok=$ok failed=${failed:-?} qps=$(field qps "$line") p99_us=$(field p99_us "$line") rss_kib=${rss[-1]}"
  if [ -z "$failed" ] || [ "$failed" != 0 ] || [ "${ok:-0}" -eq 0 ]; then
    failures=$((failures + 1))
    echo "soak: round $round had failed calls: $line" >&2
  fi
done

growth=$((rss[-1] - rss[0]))
health=$("$BUILD/bench/load_client" --target="127.0.0.1:$SERVER_PORT" \
  --rpc=health --requests=10) || true
trap - EXIT
stop_status=0
stop_server || stop_status=$?

status=0
[ "$failures" -eq 0 ] || { echo "soak: FAIL: failed calls"; status=1; }
if [ "$growth" -gt "$SLACK" ]; then
  echo "soak: FAIL: RSS grew ${growth} KiB after round 1 (slack ${SLACK} KiB)"
  status=1
fi
[ "$(field ok "$health")" = 10 ] || { echo "soak: FAIL: not healthy after the soak: $health"; status=1; }
[ "$stop_status" -eq 0 ] || { echo "soak: FAIL: exit status $stop_status after SIGTERM"; status=1; }
echo "soak: ${SECONDS_TOTAL}s x ${CLIENTS} clients: RSS round 1 ${rss[0]} KiB -> round $ROUNDS ${rss[-1]} KiB (${growth} KiB), health ok, exit $stop_status: $([ $status -eq 0 ] && echo PASS || echo FAIL)"
exit "$status"
