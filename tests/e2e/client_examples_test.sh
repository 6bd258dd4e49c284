#!/usr/bin/env bash
# Runs one client example (examples/clients/LANG) against the real
# medius-server on an ephemeral loopback port, and fails when the example
# fails (it exits non-zero on anything unexpected) or does not print what
# its README promises: the leading diagnoses, the BadRequest field
# violations, SERVING.
#
# Usage: client_examples_test.sh python|node|cpp SERVER_BINARY REPO_ROOT
#          WORK_DIR [CPP_CLIENT_BINARY]
# Exit 77 (ctest: skipped) when the example's packages are missing (python:
# a python3 that imports grpc and google.protobuf, Debian's python3-grpcio
# and python3-protobuf; node: Node.js and examples/clients/node/node_modules),
# saying so; MEDIUS_REQUIRE_JS_TESTS=1 (CI) makes that a failure.
# MEDIUS_PYTHON: the interpreter to try first.
set -euo pipefail
lang=$1
server_binary=$2
repo="$(cd "$3" && pwd)"
work="$4/client_example_${lang}_test"
cpp_client=${5:-}

skip() {
  echo "SKIPPED: $*"
  [ "${MEDIUS_REQUIRE_JS_TESTS:-0}" = 1 ] && exit 1
  exit 77
}

rm -rf "$work"
mkdir -p "$work"

# The example's command, before the server starts (so a skip is quick).
case "$lang" in
  python)
    python=""
    # pyenv and virtualenvs put a python3 without Debian's packages first
    # on PATH; Debian's own is /usr/bin/python3.
    for candidate in ${MEDIUS_PYTHON:-} python3 /usr/bin/python3; do
      if "$candidate" -c 'import grpc, google.protobuf' >/dev/null 2>&1; then
        python=$candidate
        break
      fi
    done
    [ -n "$python" ] ||
      skip "no python3 with grpc and google.protobuf: apt-get install python3-grpcio python3-protobuf"
    "$repo/examples/clients/python/generate.sh" "$work/gen"
    example=(env PYTHONPATH="$work/gen" "$python" "$repo/examples/clients/python/medius_client.py")
    ;;
  node)
    command -v node >/dev/null || skip "no Node.js"
    modules="$repo/examples/clients/node/node_modules"
    for m in @grpc/grpc-js @grpc/proto-loader protobufjs; do
      [ -d "$modules/$m" ] ||
        skip "examples/clients/node/node_modules is missing: run npm ci --prefix examples/clients/node"
    done
    example=(node "$repo/examples/clients/node/medius_client.js")
    ;;
  cpp)
    [ -x "$cpp_client" ] || {
      echo "FAILED: no C++ client at '$cpp_client' (build the target client_example_cpp)"
      exit 1
    }
    example=("$cpp_client")
    ;;
  *)
    echo "unknown example '$lang' (python, node or cpp)"
    exit 2
    ;;
esac

"$server_binary" --listen=127.0.0.1:0 --port_file="$work/port" --insecure \
  --kb_dir="$repo/knowledge" --audit_db="$work/audit.db" --drain_seconds=0 \
  >"$work/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true' EXIT
port=""
for _ in $(seq 150); do
  # The first line is the main port (then health_port / metrics_port lines).
  [ -s "$work/port" ] && read -r port _ <"$work/port" || true
  [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -gt 0 ] && break
  kill -0 "$server_pid" 2>/dev/null || {
    echo "FAILED: medius-server exited"
    cat "$work/server.log"
    exit 1
  }
  sleep 0.1
done
[[ "$port" =~ ^[0-9]+$ ]] || {
  echo "FAILED: no port file from medius-server"
  cat "$work/server.log"
  exit 1
}

echo "\$ ${example[*]} --server 127.0.0.1:$port"
status=0
"${example[@]}" --server "127.0.0.1:$port" >"$work/out" 2>&1 || status=$?
cat "$work/out"
if [ "$status" -ne 0 ]; then
  echo "FAILED: the $lang example exited with $status"
  exit 1
fi
for expected in '^Leading diagnoses:$' '^  [01]\.[0-9]{3}  [a-z_]+  ' \
  '^  field violation: patient\.age_years: ' \
  '^  field violation: findings\[1\]\.code: ' \
  '^Health medius\.v1\.AssessmentService: SERVING$'; do
  grep -Eq "$expected" "$work/out" || {
    echo "FAILED: no line matching '$expected' in the $lang example's output"
    exit 1
  }
done
echo "PASSED: the $lang example"
