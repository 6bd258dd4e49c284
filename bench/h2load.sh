#!/usr/bin/env bash
# The service measured with h2load (nghttp2's HTTP/2 load generator) rather
# than our own client: Assess against gRPC's health check on the same
# server, and against a floor server that answers fixed bytes of the same
# size (bench/floor_server.cc), for the FULL and the BASIC view
# (AssessRequest.view), at 1, 4, 16 and 64 calls in flight, plus
# the cost growth from 1 finding to every finding. Server on core 0, h2load
# on core 1. Each configuration: a 1 s warm-up, then three runs; CPU per
# call is the server's user + system time (/proc/PID/stat) over the calls
# h2load completed, given as min and median of the three; throughput as
# median. Prints a markdown section on stdout.
#
#   bench/h2load.sh                    # about 9 minutes
#   SECONDS_PER_RUN=2 bench/h2load.sh  # quick
#
# Environment: BENCH_BUILD_DIR (default build-bench/, built first),
# SECONDS_PER_RUN (default 5). Needs h2load (Debian: nghttp2-client).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-bench}
RUN=${SECONDS_PER_RUN:-5}
WORK=$(mktemp -d /tmp/medius-h2load-XXXXXX)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
FLOOR_PID=
trap 'kill "${SERVER_PID:-}" "${FLOOR_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
log() { echo "h2load.sh: $*" >&2; }
command -v h2load >/dev/null || { log "needs h2load (apt-get install nghttp2-client)"; exit 2; }
[ "$(nproc)" -ge 2 ] || { log "needs 2 cores (server and client pinned apart)"; exit 2; }

if [ -z "${H2LOAD_NO_BUILD:-}" ]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" --target medius-server floor_server \
    grpc_body >/dev/null
fi
"$BUILD/bench/grpc_body" --rpc=health >"$WORK/health.bin"
for f in 1 30 999; do
  "$BUILD/bench/grpc_body" --findings=$f >"$WORK/assess$f.bin"
done
"$BUILD/bench/grpc_body" --findings=30 --view=basic >"$WORK/basic30.bin"
TICK=$(getconf CLK_TCK)
ASSESS=/medius.v1.AssessmentService/Assess
HEALTH=/grpc.health.v1.Health/Check

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# once PID PORT PATH BODY INFLIGHT SECONDS -> "qps cpu_us_per_call bytes_per_answer failed"
once() {
  local pid=$1 port=$2 path=$3 body=$4 n=$5 secs=$6 c m t0 t1 out
  if [ "$n" -le 4 ]; then c=$n; m=1; else c=4; m=$((n / 4)); fi
  t0=$(cpu_ticks "$pid")
  out=$(taskset -c 1 h2load -D "$secs" -c "$c" -m "$m" -d "$body" \
    -H 'content-type: application/grpc' -H 'te: trailers' \
    "http://127.0.0.1:$port$path" 2>&1 || true)
  t1=$(cpu_ticks "$pid")
  awk -v ticks=$((t1 - t0)) -v tick="$TICK" '
    /^finished in/ { gsub(",", ""); qps = $4 }
    /^requests:/ { ok = $8; failed = $10 + $12 }
    /^traffic:/ { for (i = 1; i <= NF; i++) if ($i == "data") {
                    d = $(i - 1); gsub(/[()]/, "", d) } }
    END { if (ok == 0) { print "0 0 0 -1"; exit }
          printf "%.0f %.1f %.0f %d\n", qps, ticks * 1e6 / tick / ok, d / ok, failed }' \
    <<<"$out"
}

# measure PID PORT PATH BODY INFLIGHT -> "median_qps min_cpu median_cpu bytes failed"
measure() {
  once "$@" 1 >/dev/null
  local runs=()
  for _ in 1 2 3; do runs+=("$(once "$@" "$RUN")"); done
  local q c
  q=$(printf '%s\n' "${runs[@]}" | awk '{print $1}' | sort -n | sed -n 2p)
  c=$(printf '%s\n' "${runs[@]}" | awk '{print $2}' | sort -g | paste -sd' ')
  printf '%s\n' "${runs[@]}" | awk -v q="$q" -v c="$c" '
    { b = $3; f += $4 }
    END { split(c, s, " "); printf "%s %s %s %s %d\n", q, s[1], s[2], b, f }'
}

start_floor() {  # start_floor VIEW
  rm -f "$WORK/floor.port"
  taskset -c 0 "$BUILD/bench/floor_server" --port_file="$WORK/floor.port" \
    --kb_dir="$ROOT/knowledge" --findings=30 --view="$1" 2>"$WORK/floor.log" &
  FLOOR_PID=$!
  for _ in $(seq 300); do [ -s "$WORK/floor.port" ] && break; sleep 0.05; done
  FLOOR_PORT=$(cat "$WORK/floor.port")
}

declare -A R
for view in full basic; do
  log "floor server (fixed 30-finding $view answer)"
  start_floor $view
  for n in 1 4 16 64; do
    R[floor$view,$n]=$(measure "$FLOOR_PID" "$FLOOR_PORT" "$ASSESS" "$WORK/assess30.bin" "$n")
  done
  kill -TERM "$FLOOR_PID"; wait "$FLOOR_PID" || true; FLOOR_PID=
done

log "medius-server: health and Assess"
SERVER_LOG=/dev/null start_server 0
for n in 1 4 16 64; do
  R[health,$n]=$(measure "$SERVER_PID" "$SERVER_PORT" "$HEALTH" "$WORK/health.bin" "$n")
  R[assess,$n]=$(measure "$SERVER_PID" "$SERVER_PORT" "$ASSESS" "$WORK/assess30.bin" "$n")
  R[basic,$n]=$(measure "$SERVER_PID" "$SERVER_PORT" "$ASSESS" "$WORK/basic30.bin" "$n")
done
for f in 1 999; do
  R[assess$f,16]=$(measure "$SERVER_PID" "$SERVER_PORT" "$ASSESS" "$WORK/assess$f.bin" 16)
done
stop_server

f() { awk -v i="$2" '{print $i}' <<<"$1"; }  # f RESULT FIELD
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }

cat <<MD
## Service: Assess against its floors (h2load)

\`bench/h2load.sh\`: h2load ($(h2load --version 2>/dev/null | head -1 | awk '{print $2}'))
on core 1 drives one server on core 0 over loopback (N in flight: up to 4
connections, N/4 streams each), plaintext HTTP/2, the request of 30 findings
(\`bench/grpc_body\`), FULL or BASIC view. Each figure: three ${RUN} s runs after a 1 s warm-up;
CPU per call = the server's user + system time over the calls completed
(min / median of the runs); throughput = median. Two floors, both in this
run: \`grpc.health.v1.Health/Check\` on the same server (what gRPC costs for
a tiny answer), and \`bench/floor_server\`, which answers the same bytes as
Assess (the real 30-finding answer, computed once) without doing any work:
what gRPC, HTTP/2 and the kernel cost to deliver an answer that large. "bytes"
is the average answer h2load received, so a failing call would show.

| view | in flight | health: qps / CPU us per call | floor (same bytes): qps / CPU us | Assess: qps / CPU us (min / median) | answer bytes | Assess / floor (qps) | Assess / health (qps) | failed |
|---|---|---|---|---|---|---|---|---|
MD
for view in full basic; do
  for n in 1 4 16 64; do
    h=${R[health,$n]}; fl=${R[floor$view,$n]}
    if [ $view = full ]; then a=${R[assess,$n]}; else a=${R[basic,$n]}; fi
    echo "| ${view^^} | $n | $(f "$h" 1) / $(f "$h" 3) | $(f "$fl" 1) / $(f "$fl" 3) | $(f "$a" 1) / $(f "$a" 2) / $(f "$a" 3) | $(f "$a" 4) | **$(ratio "$(f "$a" 1)" "$(f "$fl" 1)")** | **$(ratio "$(f "$a" 1)" "$(f "$h" 1)")** | $(($(f "$h" 5) + $(f "$fl" 5) + $(f "$a" 5))) |"
  done
done
a1=${R[assess1,16]}; a30=${R[assess,16]}; aall=${R[assess999,16]}
cat <<MD

Goals (issue 12, at 16 in flight): Assess FULL >= 0.75 of the same-size
floor's throughput and >= 0.30 of the health check's; BASIC >= 0.50 of the
health check's. Measured: FULL **$(ratio "$(f "$a30" 1)" "$(f "${R[floorfull,16]}" 1)")** of its floor and
**$(ratio "$(f "$a30" 1)" "$(f "${R[health,16]}" 1)")** of the health check; BASIC
**$(ratio "$(f "${R[basic,16]}" 1)" "$(f "${R[floorbasic,16]}" 1)")** of its floor and
**$(ratio "$(f "${R[basic,16]}" 1)" "$(f "${R[health,16]}" 1)")** of the health check.

Cost growth with the request (16 in flight):

| findings | qps | CPU us per call (min / median) | answer bytes | CPU vs 1 finding |
|---|---|---|---|---|
| 1 | $(f "$a1" 1) | $(f "$a1" 2) / $(f "$a1" 3) | $(f "$a1" 4) | 1.00 |
| 30 | $(f "$a30" 1) | $(f "$a30" 2) / $(f "$a30" 3) | $(f "$a30" 4) | $(ratio "$(f "$a30" 3)" "$(f "$a1" 3)") |
| all the catalog allows | $(f "$aall" 1) | $(f "$aall" 2) / $(f "$aall" 3) | $(f "$aall" 4) | $(ratio "$(f "$aall" 3)" "$(f "$a1" 3)") |
MD
