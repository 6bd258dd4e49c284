#!/usr/bin/env bash
# Renders every Kubernetes overlay in deploy/kubernetes (and production with
# the knowledge-base component) with `kubectl kustomize`, then checks each
# offline with tests/js/check_k8s.mjs: the Kubernetes schemas (npm
# kubernetes-models), unknown fields, and the rules schema validation misses.
# Then check_k8s_selftest.mjs proves the checker catches 47 mistakes.
# Usage: kubernetes_test.sh REPO_ROOT WORK_DIR
# Exit 77 (ctest: skipped) without Node.js, tests/js or kubectl, saying so;
# MEDIUS_REQUIRE_JS_TESTS=1 makes a missing tests/js or Node.js a failure.
set -euo pipefail
repo="$(cd "$1" && pwd)"
work="$2/kubernetes_test"
js="$repo/tests/js"

skip() {
  echo "SKIPPED: $*"
  [ "${MEDIUS_REQUIRE_JS_TESTS:-0}" = 1 ] && exit 1
  exit 77
}
command -v node >/dev/null || skip "no Node.js"
[ -d "$js/node_modules/kubernetes-models" ] && [ -d "$js/node_modules/yaml" ] ||
  skip "tests/js/node_modules is missing: run npm ci --prefix tests/js"
if ! kubectl kustomize --help >/dev/null 2>&1; then
  echo "SKIPPED: no kubectl with kustomize (kubectl 1.14 or later) on this machine"
  exit 77
fi
echo "kustomize: $(kubectl version --client 2>/dev/null | grep -i kustomize || echo unknown)"

rm -rf "$work"
mkdir -p "$work/custom-knowledge"
# kustomize takes only relative paths to other kustomizations.
rel="$(realpath --relative-to="$work/custom-knowledge" "$repo/deploy/kubernetes")"
cat >"$work/custom-knowledge/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $rel/overlays/production
components:
  - $rel/components/knowledge-configmap
YAML

check=(node "$js/check_k8s.mjs" "--containerfile=$repo/deploy/container/Containerfile.scratch"
       "--readme=$repo/README.md")
status=0
for overlay in "$repo/deploy/kubernetes/overlays/production" "$repo/deploy/kubernetes/overlays/trial" \
               "$work/custom-knowledge"; do
  name="$(basename "$overlay")"
  kubectl kustomize "$overlay" >"$work/$name.yaml"
  echo "== $name: $(grep -c '^kind:' "$work/$name.yaml") objects"
  "${check[@]}" "$work/$name.yaml" || status=1
done
grep -q 'value: /etc/medius/knowledge' "$work/custom-knowledge.yaml" ||
  { echo "FAIL the knowledge-base component sets no MEDIUS_KB_DIR"; status=1; }
echo "== the checker catches mistakes"
node "$js/check_k8s_selftest.mjs" "$work/production.yaml" \
  "$repo/deploy/container/Containerfile.scratch" "$repo/README.md" || status=1
exit "$status"
