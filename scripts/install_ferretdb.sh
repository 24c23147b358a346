#!/usr/bin/env bash
# Builds FerretDB from the Go module proxy into $(go env GOPATH)/bin/ferretdb.
# A plain `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that
# panics at start ("Invalid build/version/version.txt"): the release version file is generated
# by FerretDB's own build tooling. So we fetch the module, write that file, and build it.
set -euo pipefail
VERSION="${1:-v1.24.2}"
BIN_DIR="$(go env GOPATH)/bin"
if [ -x "${BIN_DIR}/ferretdb" ] && "${BIN_DIR}/ferretdb" --version >/dev/null 2>&1; then
  exit 0
fi
SRC_DIR="$(go mod download -json "github.com/FerretDB/FerretDB@${VERSION}" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')"
WORK="$(mktemp -d)"
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
cp -r "${SRC_DIR}/." "${WORK}/"
chmod -R u+w "${WORK}"
echo "${VERSION}" > "${WORK}/build/version/version.txt"
echo "release" > "${WORK}/build/version/commit.txt"
mkdir -p "${BIN_DIR}"
(cd "${WORK}" && GOFLAGS=-mod=mod go build -o "${BIN_DIR}/ferretdb" ./cmd/ferretdb)
# Captured, then trimmed: `| head -1` under pipefail can fail on FerretDB's SIGPIPE.
version="$("${BIN_DIR}/ferretdb" --version)"
echo "${version%%$'\n'*}"
