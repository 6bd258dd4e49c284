#!/usr/bin/env bash
# Medius: one entry point for a newcomer on a fresh Debian machine.
#
#   ./run.sh demo    install dependencies, build, start the server, run a demo
#                    assessment with the CLI, stop the server
#   ./run.sh test    install dependencies, build, run the whole test suite
#   ./run.sh build   install dependencies and build only
#   ./run.sh deps    install the build dependencies only (deploy/container/
#                    Containerfile uses it)
#   ./run.sh serve   build and run the server in the foreground
#                    (MEDIUS_* environment variables configure it)
set -euo pipefail
cd "$(dirname "$0")"

BUILD_DIR=${BUILD_DIR:-build}
PACKAGES=(cmake make g++ protobuf-compiler libprotobuf-dev libprotoc-dev protobuf-compiler-grpc
          libgrpc++-dev libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev
          openssl libssl-dev prometheus-cpp-dev libgoogle-perftools-dev
          nlohmann-json3-dev libcpp-httplib-dev librhonabwy-dev pkg-config
          libsqlite3-dev libpq-dev)

# Only the tests need these: a real PostgreSQL server (the audit store's
# suite starts its own, on a private socket); grpcio and protobuf for the
# Python client example (examples/clients/python); Chromium, headless, for
# the patient handout's print test (tests/e2e/handout_browser_test.sh).
TEST_PACKAGES=(postgresql python3-grpcio python3-protobuf chromium)

install_dependencies() {
  local missing=()
  for p in "${PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "run.sh: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
  install_dependencies
  # MEDIUS_WERROR=ON (CI) makes warnings errors.
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMEDIUS_WERROR="${MEDIUS_WERROR:-OFF}" >/dev/null
  cmake --build "$BUILD_DIR" -j"$(nproc)"
}

# Independent validators and clients the end-to-end tests use (tests/js:
# the npm package fhir for FHIR R4, ajv; examples/clients/node: the Node.js
# client example's @grpc/grpc-js), from the npm registry; Node.js from
# Debian when the machine has none.
install_js_test_tools() {
  if ! command -v npm >/dev/null 2>&1; then
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm
  fi
  npm ci --prefix tests/js --no-audit --no-fund --silent
  npm ci --prefix examples/clients/node --no-audit --no-fund --silent
}

run_tests() {
  install_dependencies "${TEST_PACKAGES[@]}"
  build
  install_js_test_tools
  ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)"
}

demo() {
  build
  # Global, not local: the EXIT trap runs after this function has returned.
  local port
  tmp=$(mktemp -d)
  "$BUILD_DIR/src/server/medius-server" --listen=127.0.0.1:0 --kb_dir=knowledge --insecure --drain_seconds=0 \
    --port_file="$tmp/port" --audit_db="$tmp/audit.db" >"$tmp/server.log" 2>&1 &
  server_pid=$!
  trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
  for _ in $(seq 100); do
    [ -s "$tmp/port" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.log"; exit 1; }
    sleep 0.1
  done
  port=$(cat "$tmp/port")
  cat "$tmp/server.log"
  local cli=("$BUILD_DIR/src/cli/medius" --server="127.0.0.1:$port")
  echo
  echo "\$ medius health"
  "${cli[@]}" health
  echo
  echo "\$ medius assess examples/gluteal_tendinopathy.json"
  "${cli[@]}" assess examples/gluteal_tendinopathy.json
  echo
  echo "\$ medius list $(grep -o '"encounterId": *"[^"]*"' examples/gluteal_tendinopathy.json | cut -d'"' -f4)"
  "${cli[@]}" list "$(grep -o '"encounterId": *"[^"]*"' examples/gluteal_tendinopathy.json | cut -d'"' -f4)"
  echo
  echo "\$ medius audit verify   # the assessment record's hash chain"
  "${cli[@]}" --audit_db="$tmp/audit.db" audit verify
}

serve() {
  build
  exec "$BUILD_DIR/src/server/medius-server" "$@"
}

case "${1:-}" in
  demo) demo ;;
  test) run_tests ;;
  build) build ;;
  deps) install_dependencies ;;
  serve) shift; serve "$@" ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac
