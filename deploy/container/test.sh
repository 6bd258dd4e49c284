#!/usr/bin/env bash
# Builds the image with build.sh and runs it the way an operator would: with
# podman, read-only, every capability dropped, no new privileges, ports
# published on loopback only. Checks: the server refuses to start without
# TLS or --insecure; health SERVING from the host and from the CLI inside the
# image; one Assess through the CLI; metrics; the process runs as uid 10001
# with no capabilities; SIGTERM gives NOT_SERVING while draining, then exit 0;
# the assessment record on the volume verifies. Prints the image size.
#
# Usage: deploy/container/test.sh      (CI runs it after the Release build)
# Skips, saying so, when podman or mmdebstrap is missing or this machine
# cannot run containers, unless MEDIUS_REQUIRE_CONTAINER=1 (then it fails).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"
build_dir="${MEDIUS_BUILD_DIR:-build-release}"
export MEDIUS_BUILD_DIR="$build_dir"
cli="$repo/$build_dir/src/cli/medius"
name=medius-container-test

fail() { echo "deploy/container/test.sh: FAIL: $*" >&2; exit 1; }
skip() {
  echo "deploy/container/test.sh: SKIPPED (the container image was not tested): $*"
  [ "${MEDIUS_REQUIRE_CONTAINER:-0}" = 1 ] && fail "MEDIUS_REQUIRE_CONTAINER=1"
  exit 0
}
# The two ways of building the image configure it identically.
diff <(sed -n '/^ENV /,$p' "$here/Containerfile.scratch") <(sed -n '/^ENV /,$p' "$here/Containerfile") ||
  fail "Containerfile and Containerfile.scratch differ from their ENV line on"
echo "ok: Containerfile and Containerfile.scratch configure the image alike"
command -v podman >/dev/null || skip "podman is not installed (apt-get install podman)"
command -v mmdebstrap >/dev/null || skip "mmdebstrap is not installed"

# A private image store, so the test leaves nothing behind.
tmp="$(mktemp -d)"
cat >"$tmp/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$tmp/storage"
runroot = "$tmp/run"
CONF
export CONTAINERS_STORAGE_CONF="$tmp/storage.conf"
cleanup() {
  podman rm --force --all >/dev/null 2>&1 || true
  podman rmi --force --all >/dev/null 2>&1 || true
  rm -rf "$tmp" 2>/dev/null || true
}
trap cleanup EXIT

image="localhost/medius-test:$(date +%s)"
MEDIUS_IMAGE="$image" "$here/build.sh" | tee "$tmp/build.log"
[ -x "$cli" ] || fail "no CLI at $cli"

# Podman's default rlimits (1048576 open files, 4194304 processes) exceed what
# some sandboxes allow an unprivileged root; these are ample for the server.
nofile="$(ulimit -Hn)"
[ "$nofile" = unlimited ] || [ "$nofile" -gt 65536 ] && nofile=65536
limits=(--ulimit "nofile=$nofile:$nofile" --ulimit nproc=4096:4096)

# Can this machine run a container at all? The image's own dynamic loader
# needs nothing else, so a failure here is the runtime's, not the image's.
# crun cannot run under a hybrid cgroup hierarchy; runc can.
runtime=()
probe() {
  podman "$@" run --rm "${limits[@]}" --entrypoint /lib64/ld-linux-x86-64.so.2 \
    "$image" --version >/dev/null 2>"$tmp/probe.err"
}
if ! probe; then
  if command -v runc >/dev/null && probe --runtime runc; then
    runtime=(--runtime runc)
  else
    skip "this machine cannot run containers: $(head -c 300 "$tmp/probe.err")"
  fi
fi
pod() { podman "${runtime[@]}" "$@"; }
echo "== running $image${runtime[*]:+ (${runtime[*]})}"

hardening=(--read-only --cap-drop=ALL --security-opt=no-new-privileges "${limits[@]}")

# Secure by default: neither TLS nor --insecure is a configuration error.
set +e
pod run --rm "${hardening[@]}" "$image" >"$tmp/notls.log" 2>&1
code=$?
set -e
[ "$code" -eq 2 ] || { cat "$tmp/notls.log"; fail "no TLS: exit $code, want 2"; }
grep -q "tls_cert_file" "$tmp/notls.log" || fail "no TLS: the error does not name --tls_cert_file"
echo "ok: without TLS or --insecure the server refuses to start (exit 2)"

# No shell in the image.
if pod run --rm "${hardening[@]}" --entrypoint /bin/sh "$image" -c true >/dev/null 2>&1; then
  fail "the image has a shell"
fi
echo "ok: no shell in the image"
podman create --name medius-export "$image" >/dev/null
podman export medius-export | tar -tvf - >"$tmp/listing"
podman rm medius-export >/dev/null
if grep -E '^.{3}[sS]|^.{6}[sS]' "$tmp/listing"; then fail "setuid or setgid files in the image"; fi
programs="$(awk '$1 ~ /^-..x/ && $NF ~ /(^|\/)s?bin\//' "$tmp/listing" | awk '{print $NF}' | sort | tr '\n' ' ')"
[ "$programs" = "usr/bin/medius usr/bin/medius-server " ] ||
  fail "programs in the image besides the two binaries: $programs"
echo "ok: no setuid or setgid file; the only programs are medius and medius-server"

# The state volume: owned by the image's service user.
mkdir -p "$tmp/state"
chown 10001:10001 "$tmp/state"
chmod 0700 "$tmp/state"
pod run --detach --name "$name" "${hardening[@]}" \
  -e MEDIUS_INSECURE=true -e MEDIUS_INSECURE_ALLOW_REMOTE=true \
  -e MEDIUS_DRAIN_SECONDS=4 -e MEDIUS_SHUTDOWN_GRACE_SECONDS=5 \
  -p 127.0.0.1::50051 -p 127.0.0.1::50052 -p 127.0.0.1::9464 \
  -v "$tmp/state:/var/lib/medius" "$image" >/dev/null
host_port() { pod port "$name" "$1/tcp" | head -1 | sed 's/.*://'; }
# Waits up to 30 s for container $name to report SERVING on $health.
wait_serving() {
  for _ in $(seq 1 60); do
    "$cli" --server="$health" health >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  pod logs "$name" | tail -20
  fail "$1: health never SERVING"
}
api="127.0.0.1:$(host_port 50051)"
health="127.0.0.1:$(host_port 50052)"
metrics="127.0.0.1:$(host_port 9464)"
wait_serving "the image"
echo "ok: health SERVING on the health port ($health)"
pod exec "$name" /usr/bin/medius --server=127.0.0.1:50051 health |
  grep -q "SERVING" || fail "the CLI inside the image cannot reach the server"
echo "ok: the CLI inside the image sees the server SERVING"

"$cli" --server="$api" --json assess examples/gluteal_tendinopathy.json >"$tmp/answer.json" ||
  fail "Assess through the CLI failed"
grep -q '"knowledgeBaseDigest": *"sha256:' "$tmp/answer.json" ||
  fail "the answer names no knowledge-base digest"
grep -q '"differential"' "$tmp/answer.json" || fail "the answer has no differential"
echo "ok: one Assess through the CLI ($(wc -c <"$tmp/answer.json") bytes of JSON)"

if command -v curl >/dev/null; then
  curl -sf "http://$metrics/metrics" | grep -q '^medius_' || fail "no medius_ metrics on $metrics"
  echo "ok: Prometheus metrics on $metrics"
fi

pid="$(pod inspect --format '{{.State.Pid}}' "$name")"
grep -q $'^Uid:\t10001\t10001\t10001\t10001' "/proc/$pid/status" || fail "not uid 10001: $(grep Uid "/proc/$pid/status")"
grep -q $'^CapEff:\t0000000000000000' "/proc/$pid/status" || fail "has capabilities: $(grep CapEff "/proc/$pid/status")"
grep -q $'^NoNewPrivs:\t1' "/proc/$pid/status" || fail "no_new_privs is not set"
[ "$(pod inspect --format '{{.Config.User}}' "$name")" = 10001:10001 ] || fail "image USER is not 10001:10001"
[ "$(pod inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$name")" = true ] || fail "the root filesystem is writable"
echo "ok: runs as uid 10001, no capabilities, no new privileges, read-only root"

pod kill --signal TERM "$name" >/dev/null
drained=0
for _ in $(seq 1 30); do
  out="$("$cli" --server="$health" health 2>&1 || true)"
  if grep -q NOT_SERVING <<<"$out"; then drained=1; break; fi
  sleep 0.1
done
[ "$drained" = 1 ] || fail "no NOT_SERVING after SIGTERM (last: $out)"
echo "ok: SIGTERM -> NOT_SERVING while draining"
code="$(pod wait "$name")"
[ "$code" = 0 ] || { pod logs "$name" | tail -20; fail "exit status $code after SIGTERM, want 0"; }
pod logs "$name" 2>&1 | grep -q "medius-server: stopped" || fail "no clean stop in the log"
echo "ok: exit 0 after the drain"

"$cli" --audit_db="$tmp/state/audit.db" audit verify >"$tmp/verify.log" ||
  { cat "$tmp/verify.log"; fail "the assessment record does not verify"; }
grep -q "1 record(s)" "$tmp/verify.log" || fail "want 1 record: $(cat "$tmp/verify.log")"
echo "ok: the assessment record on the volume holds the call and verifies"

# The registry-base Containerfile, built and run the same way. This machine
# pulls from no registry, so its debian:bookworm base is made here by
# mmdebstrap (the apt variant: what the official image holds, plus apt).
# MEDIUS_CONTAINERFILE_TEST=0 leaves it out (it compiles the binaries again).
cf_size=""
if [ "${MEDIUS_CONTAINERFILE_TEST:-1}" = 1 ]; then
  echo "== deploy/container/Containerfile on a local debian:bookworm"
  . /etc/os-release
  mode=root
  [ "$(id -u)" -eq 0 ] || mode=unshare
  mmdebstrap --quiet --variant=apt --mode="$mode" "$VERSION_CODENAME" "$tmp/debian.tar" \
    "deb ${MEDIUS_DEBIAN_MIRROR:-http://deb.debian.org/debian} $VERSION_CODENAME main"
  podman import --quiet "$tmp/debian.tar" localhost/debian-test:base >/dev/null
  rm -f "$tmp/debian.tar"
  pod build --quiet "${runtime[@]}" "${limits[@]}" --file "$here/Containerfile" \
    --build-arg DEBIAN_IMAGE=localhost/debian-test:base \
    --build-arg RUNTIME_IMAGE=localhost/debian-test:base \
    --tag localhost/medius-cf-test:ci "$repo" >"$tmp/cf-build.log" 2>&1 ||
    { tail -30 "$tmp/cf-build.log"; fail "the Containerfile does not build"; }
  pod run --detach --name medius-cf-test "${hardening[@]}" \
    -e MEDIUS_INSECURE=true -e MEDIUS_INSECURE_ALLOW_REMOTE=true -e MEDIUS_DRAIN_SECONDS=0 \
    -p 127.0.0.1::50051 -p 127.0.0.1::50052 localhost/medius-cf-test:ci >/dev/null
  name=medius-cf-test
  api="127.0.0.1:$(host_port 50051)"
  health="127.0.0.1:$(host_port 50052)"
  wait_serving "the Containerfile image"
  "$cli" --server="$api" assess examples/gluteal_tendinopathy.json >/dev/null ||
    fail "Containerfile image: Assess failed"
  [ "$(pod exec "$name" id -u)" = 10001 ] || fail "Containerfile image: not uid 10001"
  pod stop --time 20 "$name" >/dev/null
  code="$(pod wait "$name")"
  [ "$code" = 0 ] || fail "Containerfile image: exit status $code after SIGTERM"
  cf_size="; Containerfile image $(( $(pod image inspect --format '{{.Size}}' localhost/medius-cf-test:ci) / 1024 / 1024 )) MiB on a local debian base"
  echo "ok: the Containerfile image builds, serves, assesses, runs as uid 10001 and stops with 0"
fi

echo "deploy/container/test.sh: PASS ($(grep '^built ' "$tmp/build.log")$cf_size)"
