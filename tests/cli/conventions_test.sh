#!/usr/bin/env bash
# Command-line conventions of medius and medius-server (README, "Exit
# codes"): help on --help, -h and `help` goes to stdout and exits 0, and
# shows no build path; --version names the release and the knowledge base;
# bad usage exits 2 with a message on stderr and nothing on stdout.
# Usage: conventions_test.sh CLI SERVER SOURCE_DIR
set -uo pipefail
cli=$1
server=$2
src=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

release=$(sed -n 's/^project(medius VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
kb=$(sed -n 's/^ *version: "\([^"]*\)".*/\1/p' "$src/knowledge/version.textproto" | head -1)
[ -n "$release" ] && [ -n "$kb" ] || fail "cannot read the versions from the source tree"

# run NAME EXPECTED_CODE PROGRAM ARGS...: output in $tmp/NAME.{out,err}
run() {
  local name=$1 want=$2
  shift 2
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  local got=$?
  [ "$got" -eq "$want" ] || fail "$name: exit $got, want $want: $(head -c 300 "$tmp/$name.err")"
}

for prog in "$cli" "$server"; do
  base=$(basename "$prog")
  for h in --help -h help -help --helpfull; do
    run "$base$h" 0 "$prog" $h
    out="$tmp/$base$h.out"
    grep -q '^Usage' "$out" || grep -q 'Usage:' "$out" || fail "$base $h: no usage on stdout"
    grep -q -- '--tls_ca_file\|--tls_cert_file' "$out" || fail "$base $h: flags not listed"
    [ ! -s "$tmp/$base$h.err" ] || fail "$base $h wrote to stderr"
    if grep -nE '/(work|home|build|usr/src)/|\.cc\b|src/(cli|server)' "$out"; then
      fail "$base $h shows a source or build path"
    fi
    long=$(awk 'length > 100' "$out" | head -1)
    [ -z "$long" ] || fail "$base $h: a line over 100 columns: $long"
  done
  run "$base-version" 0 "$prog" --version
  grep -q "^$base $release\$" "$tmp/$base-version.out" ||
    fail "$base --version: no '$base $release': $(cat "$tmp/$base-version.out")"
  grep -q "knowledge base.* $kb" "$tmp/$base-version.out" ||
    fail "$base --version: no knowledge base $kb: $(cat "$tmp/$base-version.out")"
  run "$base-unknown-flag" 2 "$prog" --no_such_flag=1
  grep -q 'no_such_flag' "$tmp/$base-unknown-flag.err" || fail "$base: unknown flag not named"
  [ ! -s "$tmp/$base-unknown-flag.out" ] || fail "$base: unknown flag wrote to stdout"
done

# The server's --version reads the knowledge base it would serve.
run server-version-kb 0 "$server" --version --kb_dir="$src/knowledge"
grep -q "knowledge base $kb (sha256:[0-9a-f]\{64\}) in $src/knowledge" "$tmp/server-version-kb.out" ||
  fail "server --version: no digest: $(cat "$tmp/server-version-kb.out")"
run server-version-nokb 0 "$server" --version --kb_dir="$tmp/none"
grep -q "none loadable" "$tmp/server-version-nokb.out" || fail "server --version without a knowledge base"

run no-command 2 "$cli"
run bad-command 2 "$cli" frobnicate
grep -q 'unknown command "frobnicate"' "$tmp/bad-command.err" || fail "unknown command not named"
[ ! -s "$tmp/bad-command.out" ] || fail "unknown command wrote to stdout"
run bad-value 2 "$cli" --timeout_seconds=soon health
grep -q 'timeout_seconds' "$tmp/bad-value.err" || fail "bad flag value not named"
run missing-file 2 "$cli" assess "$tmp/missing.json"
# 1: the server answered with an error, or there is none (nothing listens
# on port 1).
run no-server 1 "$cli" --server=127.0.0.1:1 --timeout_seconds=2 health
echo PASS
