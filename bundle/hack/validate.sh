#!/usr/bin/env bash
# Validates an OLM bundle directory with the operator-framework's own validators (operator-framework/api's
# operator-verify: the bundle, CSV, CRD and object validators). The tool is built once with the Go toolchain and
# cached under the user's cache directory.
#
#   bundle/hack/validate.sh [bundle-dir]      (default: the committed bundle/)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bundle=${1:-$here/..}
version=v0.44.0
bin="${XDG_CACHE_HOME:-$HOME/.cache}/das/go-tools/operator-verify-$version"
if [ ! -x "$bin/operator-verify" ]; then
  echo "[bundle] building operator-verify $version (operator-framework/api) into $bin"
  GOBIN="$bin" GOFLAGS=-mod=mod go install "github.com/operator-framework/api/cmd/operator-verify@$version"
fi
out=$("$bin/operator-verify" manifests --object_validate "$bundle" 2>&1) || { echo "$out"; exit 1; }
[ -z "$out" ] || echo "$out"
# operator-verify reports errors in its log but exits 0 on them
if grep -Eq 'level=(error|fatal)' <<<"$out"; then
  echo "[bundle] $bundle is not a valid OLM bundle"; exit 1
fi
for f in metadata/annotations.yaml manifests/das-operator.clusterserviceversion.yaml bundle.Dockerfile; do
  [ -f "$bundle/$f" ] || { echo "[bundle] $bundle lacks $f"; exit 1; }
done
echo "[bundle] $bundle is a valid OLM bundle ($(grep -c 'level=warning' <<<"$out" || true) warnings)"
