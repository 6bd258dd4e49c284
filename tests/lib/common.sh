# Shared by the shell tests: fail, skip-or-fail for a missing tool, and a
# real medius-server on an ephemeral port. Source it:
#   . "$(dirname "$0")/../lib/common.sh"
#   need_tool MEDIUS_REQUIRE_JS_TESTS "$buf" "npm ci --prefix tests/js"
#   start_server "$server" "$src/knowledge" "$tmp" --reflection
#   echo "port $port, pid $pid"

fail() { echo "FAIL: $*" >&2; exit 1; }

# need_tool REQUIRE_VAR PATH HOW: exits 77 (ctest's skip) when PATH is not an
# executable, or fails when REQUIRE_VAR=1 (CI).
need_tool() {
  local var=$1 path=$2 how=$3
  [ -n "$path" ] && [ -x "$path" ] && return 0
  [ "${!var:-0}" = 1 ] && fail "${path:-a tool} is missing ($how)"
  echo "SKIPPED: ${path:-a tool} is missing ($how)"
  exit 77
}

# start_server SERVER KB_DIR TMP [FLAGS...]: plaintext on 127.0.0.1, no
# record, no drain; sets $port and $pid; the caller's trap kills $pid.
start_server() {
  local server=$1 kb=$2 dir=$3
  shift 3
  "$server" --listen=127.0.0.1:0 --insecure --kb_dir="$kb" --drain_seconds=0 \
    --port_file="$dir/port" --audit=off "$@" >"$dir/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    [ -s "$dir/port" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$dir/server.log"; fail "server did not start"; }
    sleep 0.1
  done
  [ -s "$dir/port" ] || fail "server wrote no port"
  port=$(head -1 "$dir/port")
}
