#!/usr/bin/env bash
# The medius.v1 contract, with buf (tests/js): `buf lint` (STANDARD and
# COMMENTS rules, proto/buf.yaml) must be clean, and `buf breaking` must
# find nothing against the last release: the git tag v0.1.0 when this clone
# has it, else the descriptor snapshot made from that tag
# (tests/contract/medius-v1-0.1.0.json: a clone without tags still checks).
# A planted rename and a planted type change must fail, so that this test
# can fail.
# Usage: buf_test.sh SOURCE_DIR
# Exit 77 (skipped) without tests/js's buf, unless MEDIUS_REQUIRE_JS_TESTS=1.
set -euo pipefail
src=$1
release=v0.1.0
snapshot="$src/tests/contract/medius-v1-0.1.0.json"
buf="$src/tests/js/node_modules/.bin/buf"
. "$(dirname "$0")/../lib/common.sh"
need_tool MEDIUS_REQUIRE_JS_TESTS "$buf" "npm ci --prefix tests/js"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src"
# buf keeps a cache under $HOME; a read-only or absent one must not matter.
export BUF_CACHE_DIR="$tmp/cache"

"$buf" lint proto || fail "buf lint: see above (every element of medius.v1 needs a comment)"
echo "buf lint: clean"

against=("$snapshot")
if git -C "$src" rev-parse -q --verify "refs/tags/$release" >/dev/null 2>&1; then
  against+=(".git#tag=$release,subdir=proto")
fi
for a in "${against[@]}"; do
  "$buf" breaking proto --against "$a" ||
    fail "buf breaking against $a: medius.v1 must stay backward compatible (add fields; never rename, renumber or retype)"
  echo "buf breaking against $a: nothing breaks"
done

# The check itself must be able to fail.
cp -r proto "$tmp/proto"
sed -i 's/optional double age_years = 1;/optional double age = 1;/' "$tmp/proto/medius/v1/assessment.proto"
grep -q 'optional double age = 1;' "$tmp/proto/medius/v1/assessment.proto" || fail "could not plant the rename"
if "$buf" breaking "$tmp/proto" --against "$snapshot" >"$tmp/out" 2>&1; then
  fail "buf breaking missed a renamed field"
fi
grep -q 'age_years' "$tmp/out" || fail "buf breaking failed without naming the renamed field: $(cat "$tmp/out")"
cp "$src/proto/medius/v1/assessment.proto" "$tmp/proto/medius/v1/assessment.proto"
sed -i 's/optional double age_years = 1;/optional int32 age_years = 1;/' "$tmp/proto/medius/v1/assessment.proto"
if "$buf" breaking "$tmp/proto" --against "$snapshot" >"$tmp/out" 2>&1; then
  fail "buf breaking missed a changed field type"
fi
echo "buf breaking catches a renamed field and a changed type"
echo PASS
