#!/usr/bin/env bash
# Installs every real part the test suite starts, each only when missing, one line per part on
# stderr: Debian packages (Redis, Chromium + Noto fonts, nginx, wrk, coturn, python3-venv, and the
# build tools below), FerretDB built from the Go module proxy, denokv built from crates.io, the
# pinned Lighthouse from npm, the pinned Schemathesis from PyPI (a venv under ~/.cache/vaidya).
# A machine with only Node.js gets the toolchains too, only when a build is needed: Go as the
# golang.org/toolchain module from the Go module proxy (into ~/.cache/vaidya), Rust by rustup
# (minimal profile, into ~/.cargo). Built binaries are cached (GOPATH/bin, ~/.cargo/bin), so a run
# on a provisioned machine takes well under a second, starts nothing and installs nothing.
#
# Prints the environment the test harness reads, one NAME=value line each on stdout:
# FERRETDB_BIN, DENOKV_BIN, SCHEMATHESIS_BIN. `deno task test` runs this script first.
#
# Usage: bash scripts/provision.sh        (as root, or with sudo rights for apt-get)
set -euo pipefail
cd "$(dirname "$0")/.."

FERRETDB_VERSION=v1.24.2
FERRETDB_COMMIT_MARK=release-vaidya-sqlite-id-pushdown-range # install_ferretdb.sh: the _id index patches
GO_TOOLCHAIN=go1.24.3 # FerretDB's go.mod asks for it; fetched only when no `go` is installed
DENOKV_VERSION=0.14.0
RUST_TOOLCHAIN=1.95.0 # installed by rustup only when no `cargo` is found
LIGHTHOUSE_VERSION=12.2.3
SCHEMATHESIS_VERSION=4.32.5
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/vaidya"

say() { printf '== provision: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

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
  [curl]=curl
  [ca-certificates]=/etc/ssl/certs/ca-certificates.crt
  [unzip]=unzip
  [build-essential]=/usr/share/doc/build-essential
)
missing=()
for pkg in "${!APT[@]}"; do
  probe="${APT[$pkg]}"
  if [[ "$probe" == /* ]]; then [ -e "$probe" ] || missing+=("$pkg")
  else command -v "$probe" >/dev/null || missing+=("$pkg"); fi
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || fail "Debian packages ${missing[*]} are missing; run as root or install them"
    sudo=(sudo)
  fi
  say "Debian packages: installing ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  # coturn and nginx come with system services; the tests start their own on loopback ports.
  "${sudo[@]}" systemctl disable --now coturn nginx >/dev/null 2>&1 || true
else
  say "Debian packages: present (${#APT[@]}: ${!APT[*]})"
fi

case "$(uname -m)" in
  x86_64) GOARCH=amd64 ;;
  aarch64) GOARCH=arm64 ;;
  *) GOARCH="$(uname -m)" ;;
esac

# Go is only needed to build FerretDB. Without one, the official toolchain module (the same zip
# `go` itself downloads when a module asks for a newer toolchain) is unpacked into the cache.
ensure_go() {
  command -v go >/dev/null && return 0
  [ -x /usr/local/go/bin/go ] && { PATH="/usr/local/go/bin:${PATH}"; return 0; }
  local dir="${CACHE_DIR}/${GO_TOOLCHAIN}"
  if [ ! -x "${dir}/bin/go" ]; then
    local module="golang.org/toolchain@v0.0.1-${GO_TOOLCHAIN}.linux-${GOARCH}"
    say "Go ${GO_TOOLCHAIN}: fetching ${module} from the Go module proxy into ${dir}"
    local tmp
    tmp="$(mktemp -d)"
    curl -fsSL -o "${tmp}/toolchain.zip" \
      "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-${GO_TOOLCHAIN}.linux-${GOARCH}.zip"
    unzip -q "${tmp}/toolchain.zip" -d "${tmp}"
    # Module zips keep no file modes: make the commands and tools executable, as `go` does.
    chmod -R u+x "${tmp}/${module}/bin" "${tmp}/${module}/pkg/tool"
    mkdir -p "${CACHE_DIR}"
    rm -rf "${dir}" && mv "${tmp}/${module}" "${dir}" && rm -rf "${tmp}"
  fi
  PATH="${dir}/bin:${PATH}"
}

GOPATH_DIR="$(command -v go >/dev/null && go env GOPATH || echo "${HOME}/go")"
FERRETDB_BIN="${GOPATH_DIR}/bin/ferretdb"
# The version is captured before matching: FerretDB prints its lines from several goroutines, so a
# reader that stops early (grep -q, head) can kill it with SIGPIPE, and pipefail turns that into a
# failure (it did: CI stop 23 rebuilt a present binary and then failed on install_ferretdb's head).
ferretdb_version() { [ -x "$1" ] && "$1" --version 2>/dev/null || true; }
present_ferretdb="$(ferretdb_version "${FERRETDB_BIN}")"
if [[ "${present_ferretdb}" == *"version: ${FERRETDB_VERSION}"* &&
  "${present_ferretdb}" == *"commit: ${FERRETDB_COMMIT_MARK}"* ]]; then
  say "FerretDB ${FERRETDB_VERSION} (${FERRETDB_COMMIT_MARK}): present (${FERRETDB_BIN})"
else
  ensure_go
  say "FerretDB ${FERRETDB_VERSION}: building from the Go module proxy into ${GOPATH_DIR}/bin (minutes)"
  GOPATH="${GOPATH_DIR}" bash scripts/install_ferretdb.sh "${FERRETDB_VERSION}" \
    "${FERRETDB_COMMIT_MARK}" >&2
fi

CARGO_DIR="${CARGO_HOME:-$HOME/.cargo}"
DENOKV_BIN="${CARGO_DIR}/bin/denokv"
# denokv has no --version flag; cargo's own install record says which version is in ~/.cargo/bin.
if [ -x "${DENOKV_BIN}" ] && grep -qF "\"denokv ${DENOKV_VERSION} " "${CARGO_DIR}/.crates.toml" 2>/dev/null; then
  say "denokv ${DENOKV_VERSION}: present (${DENOKV_BIN})"
else
  if ! command -v cargo >/dev/null; then
    PATH="${CARGO_DIR}/bin:${PATH}"
    if ! command -v cargo >/dev/null; then
      say "Rust ${RUST_TOOLCHAIN}: installing with rustup (minimal profile) into ${CARGO_DIR}"
      tmp="$(mktemp)"
      curl --proto '=https' --tlsv1.2 -fsSL -o "${tmp}" \
        "https://static.rust-lang.org/rustup/dist/$(uname -m)-unknown-linux-gnu/rustup-init"
      chmod +x "${tmp}"
      "${tmp}" -y -q --no-modify-path --profile minimal --default-toolchain "${RUST_TOOLCHAIN}" >&2
      rm -f "${tmp}"
    fi
  fi
  say "denokv ${DENOKV_VERSION}: building from crates.io into ${CARGO_DIR}/bin (about 12 minutes on 2 cores)"
  cargo install denokv --version "${DENOKV_VERSION}" --locked >&2
fi

# The booking pages' Lighthouse test runs `npx lighthouse@VERSION`; this puts it in npm's cache.
# Found there, it is not run (starting it only to print a version takes seconds).
NPX_CACHE="${npm_config_cache:-$HOME/.npm}/_npx"
if grep -qsF "\"version\": \"${LIGHTHOUSE_VERSION}\"" "${NPX_CACHE}"/*/node_modules/lighthouse/package.json; then
  say "Lighthouse ${LIGHTHOUSE_VERSION}: present (${NPX_CACHE})"
else
  say "Lighthouse ${LIGHTHOUSE_VERSION}: fetching into npm's cache"
  npx --yes "lighthouse@${LIGHTHOUSE_VERSION}" --version >/dev/null ||
    fail "Lighthouse ${LIGHTHOUSE_VERSION}: npx could not run it"
fi

# deno task fuzz:api runs Schemathesis from PyPI, pinned, in its own venv under the cache dir.
ST_VENV="${CACHE_DIR}/schemathesis-${SCHEMATHESIS_VERSION}"
if [ -x "${ST_VENV}/bin/st" ]; then
  say "Schemathesis ${SCHEMATHESIS_VERSION}: present (${ST_VENV})"
else
  # pip needs a Python whose ssl module loads: a Python built without OpenSSL (or against another
  # libpython, as a version manager's shim can be) cannot reach PyPI. Debian's comes first.
  st_python=""
  for py in /usr/bin/python3 python3; do
    if "$py" -c 'import ssl, venv, ensurepip' 2>/dev/null; then st_python=$py; break; fi
  done
  [ -n "$st_python" ] || fail "Schemathesis: no Python 3 with working ssl and venv modules"
  say "Schemathesis ${SCHEMATHESIS_VERSION}: installing from PyPI into ${ST_VENV} ($st_python)"
  "$st_python" -m venv --clear "${ST_VENV}" &&
    "${ST_VENV}/bin/pip" install -q "schemathesis==${SCHEMATHESIS_VERSION}" >&2
fi

echo "FERRETDB_BIN=${FERRETDB_BIN}"
echo "DENOKV_BIN=${DENOKV_BIN}"
echo "SCHEMATHESIS_BIN=${ST_VENV}/bin/st"
