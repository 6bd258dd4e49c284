# Shell helpers for bench/*.sh: start and stop a medius-server on 127.0.0.1
# (port 0, never another address), and read a process's memory.
# Source it; set BUILD (a build directory) and ROOT (the repository) first.

# start_server CPUS [server flags...]: starts the server pinned to CPUS
# (taskset list, e.g. 0 or 0-1), sets SERVER_PID, SERVER_PORT, SERVER_DIR.
# stdout and stderr (the JSON line per call) go to $SERVER_DIR/log unless
# SERVER_LOG is set (e.g. /dev/null for a million calls).
start_server() {
  local cpus=$1
  shift
  SERVER_DIR=$(mktemp -d /tmp/medius-bench-XXXXXX)
  local log=${SERVER_LOG:-$SERVER_DIR/log}
  # One load generator is one client by design: lift the per-client and
  # server-wide in-flight caps so they do not shape the measurement.
  taskset -c "$cpus" "$BUILD/src/server/medius-server" --listen=127.0.0.1:0 \
    --port_file="$SERVER_DIR/port" --kb_dir="$ROOT/knowledge" --insecure \
    --drain_seconds=0 --max_calls_in_flight=100000 \
    --audit_db="$SERVER_DIR/audit.db" \
    --max_calls_in_flight_per_client=100000 "$@" \
    >"$log" 2>&1 &
  SERVER_PID=$!
  SERVER_PORT=
  for _ in $(seq 300); do
    if [ -s "$SERVER_DIR/port" ]; then
      SERVER_PORT=$(head -1 "$SERVER_DIR/port")
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "bench: the server did not start" >&2
  cat "$SERVER_DIR/log" >&2 2>/dev/null || true
  return 1
}

# stop_server: SIGTERM, wait, and fail unless it exited 0.
stop_server() {
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  local status=0
  wait "$SERVER_PID" || status=$?
  rm -rf "$SERVER_DIR"
  return "$status"
}

# rss_kib PID: resident set size in KiB.
rss_kib() {
  awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}

# field NAME LINE: the value of NAME=value in a load_client result line.
field() {
  tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"
}
