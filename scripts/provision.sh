#!/usr/bin/env bash
# Installs every real part the test suite starts, each only when missing, one line per part:
# Debian packages (Redis, Chromium + Noto fonts, nginx, wrk, coturn, Node, python3-venv), FerretDB
# from the Go module proxy, denokv from crates.io, the pinned Lighthouse from npm, the pinned
# Schemathesis from PyPI (a venv under ~/.cache/vaidya). Cached binaries (GOPATH/bin, ~/.cargo/bin)
# are reused, so a second run takes seconds. Prints the environment lines the harness reads (FERRETDB_BIN, DENOKV_BIN).
#
# Usage: bash scripts/provision.sh        (as root, or with sudo rights for apt-get)
set -euo pipefail
cd "$(dirname "$0")/.."

FERRETDB_VERSION=v1.24.2
DENOKV_VERSION=0.14.0
LIGHTHOUSE_VERSION=12.2.3
SCHEMATHESIS_VERSION=4.32.5

say() { printf '== provision: %s\n' "$*" >&2; }

# Debian package -> a command or file that proves it is installed.
declare -A APT=(
  [redis-server]=redis-server
  [chromium]=chromium
  [nginx]=/usr/sbin/nginx
  [wrk]=wrk
  [coturn]=turnserver
  [fonts-noto-core]=/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf
  [npm]=npx
  [python3-venv]=/usr/share/doc/python3-venv
)
missing=()
for pkg in "${!APT[@]}"; do
  probe="${APT[$pkg]}"
  if [[ "$probe" == /* ]]; then [ -e "$probe" ] || missing+=("$pkg")
  else command -v "$probe" >/dev/null || missing+=("$pkg"); fi
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${missing[@]}" >/dev/null
else
  say "Debian packages present (${!APT[*]})"
fi
# coturn and nginx come with system services; the tests start their own on loopback ports.
systemctl disable --now coturn nginx >/dev/null 2>&1 || true

GOBIN_DIR="$(go env GOPATH)/bin"
say "FerretDB ${FERRETDB_VERSION} (built once into ${GOBIN_DIR})"
bash scripts/install_ferretdb.sh "${FERRETDB_VERSION}" >&2

CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
# denokv has no --version flag; cargo's own install list says which version is in CARGO_BIN.
if [ -x "${CARGO_BIN}/denokv" ] && cargo install --list 2>/dev/null | grep -q "^denokv v${DENOKV_VERSION}:"; then
  say "denokv ${DENOKV_VERSION} cached in ${CARGO_BIN}"
else
  say "building denokv ${DENOKV_VERSION} from crates.io (about 12 minutes on 2 cores)"
  cargo install denokv --version "${DENOKV_VERSION}" --locked >&2
fi

# The booking pages' Lighthouse test runs `npx lighthouse@VERSION`; fetch it once into npm's cache.
say "Lighthouse ${LIGHTHOUSE_VERSION} (npm cache)"
npx --yes "lighthouse@${LIGHTHOUSE_VERSION}" --version >&2

# deno task fuzz:api runs Schemathesis from PyPI, pinned, in its own venv under the cache dir.
ST_VENV="${XDG_CACHE_HOME:-$HOME/.cache}/vaidya/schemathesis-${SCHEMATHESIS_VERSION}"
if [ -x "${ST_VENV}/bin/st" ]; then
  say "Schemathesis ${SCHEMATHESIS_VERSION} cached in ${ST_VENV}"
else
  say "installing Schemathesis ${SCHEMATHESIS_VERSION} from PyPI into ${ST_VENV}"
  python3 -m venv "${ST_VENV}" && "${ST_VENV}/bin/pip" install -q "schemathesis==${SCHEMATHESIS_VERSION}" >&2
fi

echo "FERRETDB_BIN=${GOBIN_DIR}/ferretdb"
echo "DENOKV_BIN=${CARGO_BIN}/denokv"
