#!/usr/bin/env bash
# The example configuration the systemd unit uses must be one the server
# understands: every variable is a documented medius-server setting, the
# server starts with it, and the unit points at the installed paths.
# Usage: env_file_test.sh SERVER_BINARY SOURCE_DIR
set -euo pipefail
server=$1
src=$2
env_file="$src/deploy/medius.env"
unit="$src/deploy/medius-server.service"
fail() { echo "FAIL: $*" >&2; exit 1; }

help=$("$server" --help 2>&1 || true)
vars=$(grep -E '^[A-Z_]+=' "$env_file" | cut -d= -f1)
[ -n "$vars" ] || fail "no variables in $env_file"
for v in $vars; do
  grep -q "$v" <<<"$help" || fail "$v is not a medius-server setting (--help)"
done

# The container image and the Kubernetes manifests set variables too: a
# misspelt one would be ignored without a word, so each must be a setting.
k8s="$src/deploy/kubernetes"
more=$( { sed -n 's/^ENV //p; s/^ *\(MEDIUS_[A-Z_]*\)=.*/\1/p' "$src/deploy/container/Containerfile.scratch"
          grep -ohE 'MEDIUS_[A-Z_]+' "$k8s/base/medius.env" "$k8s/overlays/trial/kustomization.yaml"
          grep -ohE 'name: MEDIUS_[A-Z_]+' "$k8s/base/deployment.yaml" "$k8s/components/knowledge-configmap/kustomization.yaml" |
            cut -d' ' -f2; } | grep -oE 'MEDIUS_[A-Z_]+' | sort -u)
[ "$(wc -l <<<"$more")" -ge 20 ] || fail "found only $(wc -l <<<"$more") variables in deploy/container and deploy/kubernetes"
for v in $more; do
  grep -qw "$v" <<<"$help" || fail "$v (deploy/container or deploy/kubernetes) is not a medius-server setting (--help)"
done

grep -q '^EnvironmentFile=/etc/medius/medius.env$' "$unit" || fail "unit does not read /etc/medius/medius.env"
grep -q '^ExecStart=/usr/local/bin/medius-server$' "$unit" || fail "unit ExecStart is not the installed binary"
grep -q '^MEDIUS_KB_DIR=/usr/local/share/medius/knowledge$' "$env_file" || fail "env file KB dir is not the installed one"

# Start the server with the file's settings, changing only what a test host
# needs: a free port, the knowledge base from the source tree, and test
# certificates in place of /etc/medius/tls.
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
bash "$src/tests/testdata/make_certs.sh" "$tmp/tls"
echo "emr-test 00112233445566778899aabbccddeeff $(printf '%064d' 0)" > "$tmp/tokens"
head -c 32 /dev/urandom > "$tmp/log-hash.key"
(
  set -a
  # shellcheck disable=SC1090
  . "$env_file"
  MEDIUS_LISTEN=127.0.0.1:0
  MEDIUS_KB_DIR="$src/knowledge"
  MEDIUS_PORT_FILE="$tmp/port"
  MEDIUS_TLS_CERT_FILE="$tmp/tls/server.crt"
  MEDIUS_TLS_KEY_FILE="$tmp/tls/server.key"
  MEDIUS_TLS_CLIENT_CA_FILE="$tmp/tls/ca.crt"
  MEDIUS_TOKEN_FILE="$tmp/tokens"
  MEDIUS_LOG_HASH_KEY_FILE="$tmp/log-hash.key"
  MEDIUS_HEALTH_LISTEN=127.0.0.1:0
  MEDIUS_METRICS_LISTEN=127.0.0.1:0
  MEDIUS_DRAIN_SECONDS=0
  MEDIUS_AUDIT_DB="$tmp/audit.db"
  exec "$server"
) >"$tmp/log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  [ -s "$tmp/port" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/log"; fail "server exited with the example configuration"; }
  sleep 0.1
done
[ -s "$tmp/port" ] || fail "server did not start"
grep -q "mutual TLS" "$tmp/log" || { cat "$tmp/log"; fail "the example configuration does not serve mutual TLS"; }
grep -q "bearer tokens required" "$tmp/log" || { cat "$tmp/log"; fail "the example configuration does not require tokens"; }
grep -q "^health_port " "$tmp/port" || fail "no health-only port"
grep -q "assessment record in sqlite" "$tmp/log" || { cat "$tmp/log"; fail "the example configuration keeps no assessment record"; }
grep -q '^MEDIUS_AUDIT_DB=/var/lib/medius/' "$env_file" || fail "env file audit db is not in the unit's StateDirectory"
grep -q '^StateDirectory=medius$' "$unit" || fail "unit has no StateDirectory for the audit store"
grep -q "^metrics_port " "$tmp/port" || fail "no metrics port"
kill -TERM "$pid"
wait "$pid" || fail "server did not exit 0 on SIGTERM"
echo "PASS: deploy/medius.env drives medius-server"
