#!/usr/bin/env bash
# Regenerates the Go gRPC stubs in pkg/allocatorpb from the allocator proto in api/.
#
#   hack/gen-stubs.sh            regenerate pkg/allocatorpb
#   hack/gen-stubs.sh --verify   regenerate into a temp dir; fail with a diff if pkg/allocatorpb differs
#
# protoc is the same Maven Central artifact the Java build uses (com.google.protobuf:protoc), taken from
# the local Maven repository or fetched with mvn; set PROTOC to use another binary. protoc-gen-go and
# protoc-gen-go-grpc run via `go tool`, so their versions are the ones pinned in go.mod.
set -euo pipefail

PROTOC_VERSION=4.36.2
PROTO_FILE=das/allocator/v1/allocator.proto
GO_MODULE=github.com/redhat-das/das/plugin-shim
OUT_PKG=pkg/allocatorpb

MODULE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROTO_ROOT="$(cd "${MODULE_DIR}/../api/src/main/proto" && pwd)"

verify=false
case "${1:-}" in
  "") ;;
  --verify) verify=true ;;
  *) echo "usage: $0 [--verify]" >&2; exit 2 ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

protoc_classifier() {
  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=osx ;;
    *) echo "unsupported OS $(uname -s); set PROTOC" >&2; return 1 ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=aarch_64 ;;
    *) echo "unsupported CPU $(uname -m); set PROTOC" >&2; return 1 ;;
  esac
  echo "${os}-${arch}"
}

find_protoc() {
  if [[ -n "${PROTOC:-}" ]]; then
    echo "${PROTOC}"
    return
  fi
  local classifier repo jar
  classifier="$(protoc_classifier)"
  repo="${MAVEN_REPO_LOCAL:-${HOME}/.m2/repository}"
  jar="${repo}/com/google/protobuf/protoc/${PROTOC_VERSION}/protoc-${PROTOC_VERSION}-${classifier}.exe"
  if [[ ! -f "${jar}" ]]; then
    echo "fetching com.google.protobuf:protoc:${PROTOC_VERSION}:exe:${classifier} with mvn" >&2
    mvn -B -q dependency:get "-Dmaven.repo.local=${repo}" \
      "-Dartifact=com.google.protobuf:protoc:${PROTOC_VERSION}:exe:${classifier}" >&2
  fi
  # The Maven artifact is not executable; use a copy.
  cp "${jar}" "${work}/protoc"
  chmod +x "${work}/protoc"
  echo "${work}/protoc"
}

protoc="$(find_protoc)"

# protoc wants plugin executables; these wrappers run the go.mod-pinned tools.
for tool in protoc-gen-go protoc-gen-go-grpc; do
  printf '#!/bin/sh\nexec go -C "%s" tool %s "$@"\n' "${MODULE_DIR}" "${tool}" > "${work}/${tool}"
  chmod +x "${work}/${tool}"
done

mkdir -p "${work}/out"
"${protoc}" \
  --proto_path="${PROTO_ROOT}" \
  --plugin=protoc-gen-go="${work}/protoc-gen-go" \
  --plugin=protoc-gen-go-grpc="${work}/protoc-gen-go-grpc" \
  --go_out="${work}/out" --go_opt=module="${GO_MODULE}" \
  --go-grpc_out="${work}/out" --go-grpc_opt=module="${GO_MODULE}" \
  "${PROTO_FILE}"

if [[ "${verify}" == true ]]; then
  if ! diff -ru "${MODULE_DIR}/${OUT_PKG}" "${work}/out/${OUT_PKG}"; then
    echo "${OUT_PKG} is out of date with ${PROTO_FILE}; run hack/gen-stubs.sh" >&2
    exit 1
  fi
  echo "${OUT_PKG} is up to date"
  exit 0
fi

mkdir -p "${MODULE_DIR}/${OUT_PKG}"
rm -f "${MODULE_DIR}/${OUT_PKG}"/*.pb.go
cp "${work}/out/${OUT_PKG}"/*.pb.go "${MODULE_DIR}/${OUT_PKG}/"
echo "generated ${OUT_PKG}"
