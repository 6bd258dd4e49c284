#!/usr/bin/env bash
# Server reflection with a generic client (buf curl, from tests/js): it must
# list the services and methods, hand out the descriptors of
# medius.v1.AssessmentService (describe), and let the client call Assess and
# GetKnowledgeBase knowing nothing but what reflection told it. Each
# reflection protocol is asked for explicitly: grpc-v1 and grpc-v1alpha.
# Usage: reflection_test.sh SERVER_BINARY SOURCE_DIR
# Exit 77 (skipped) without tests/js's buf, unless MEDIUS_REQUIRE_JS_TESTS=1.
set -euo pipefail
server=$1
src=$2
buf="$src/tests/js/node_modules/.bin/buf"
. "$(dirname "$0")/../lib/common.sh"
need_tool MEDIUS_REQUIRE_JS_TESTS "$buf" "npm ci --prefix tests/js"

tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
start_server "$server" "$src/knowledge" "$tmp" --reflection
url="http://127.0.0.1:$port"

for protocol in grpc-v1 grpc-v1alpha; do
  curl_() { "$buf" curl --protocol grpc --http2-prior-knowledge \
              --reflect-protocol "$protocol" "$@"; }
  services=$(curl_ --list-services "$url") || fail "$protocol: --list-services"
  for s in medius.v1.AssessmentService grpc.health.v1.Health; do
    grep -qx "$s" <<<"$services" || fail "$protocol: $s not listed: $services"
  done
  methods=$(curl_ --list-methods "$url") ||
    fail "$protocol: --list-methods"
  for m in Assess GetKnowledgeBase GetAssessment ListAssessments RecordOutcome; do
    grep -qx "medius.v1.AssessmentService/$m" <<<"$methods" ||
      fail "$protocol: $m not listed: $methods"
  done

  # Describe: the file that defines the service, and what it imports, from
  # the reflection service itself (buf curl learns that one's schema by
  # reflection too).
  reflection_service=grpc.reflection.v1.ServerReflection
  [ "$protocol" = grpc-v1alpha ] && reflection_service=grpc.reflection.v1alpha.ServerReflection
  echo '{"file_containing_symbol": "medius.v1.AssessRequest"}' |
    curl_ -d @- "$url/$reflection_service/ServerReflectionInfo" >"$tmp/describe.json" ||
    fail "$protocol: file_containing_symbol"
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const files = (r.fileDescriptorResponse || {}).fileDescriptorProto || [];
    const text = files.map(f => Buffer.from(f, "base64").toString("latin1")).join("\n");
    for (const want of ["medius/v1/assessment.proto", "AssessRequest", "findings", "medius/v1/types.proto"]) {
      if (!text.includes(want)) { console.error("descriptor lacks " + want); process.exit(1); }
    }' "$tmp/describe.json" || fail "$protocol: descriptors: $(head -c 400 "$tmp/describe.json")"

  # Call both RPCs with nothing but the reflected schema.
  curl_ -d "@$src/examples/gluteal_tendinopathy.json" \
    "$url/medius.v1.AssessmentService/Assess" >"$tmp/assess.json" ||
    fail "$protocol: Assess: $(cat "$tmp/assess.json")"
  grep -q '"knowledgeBaseVersion"' "$tmp/assess.json" ||
    fail "$protocol: Assess answer has no knowledgeBaseVersion: $(head -c 400 "$tmp/assess.json")"
  grep -q '"gluteal_tendinopathy"' "$tmp/assess.json" ||
    fail "$protocol: Assess answer names no gluteal_tendinopathy"
  curl_ -d '{}' "$url/medius.v1.AssessmentService/GetKnowledgeBase" >"$tmp/kb.json" ||
    fail "$protocol: GetKnowledgeBase"
  grep -q '"contentDigest"' "$tmp/kb.json" || fail "$protocol: GetKnowledgeBase: $(head -c 400 "$tmp/kb.json")"
  echo "$protocol: listed, described and called"
done
echo PASS
