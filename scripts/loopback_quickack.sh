#!/usr/bin/env bash
# Turns on `quickack` for the loopback routes (127.0.0.0/8 and 127.0.0.1), so this host ACKs each
# TCP segment it receives over them at once instead of delaying the ACK (Linux: at least 40 ms).
#
# Why: Deno's HTTP client leaves Nagle's algorithm on (hyper-util's connector does not set
# TCP_NODELAY; denoland/deno PR #35581, open, adds an opt-in), and its KV client writes a request of
# more than 1 KiB in two pieces. The second piece then waits for the ACK of the first, which a
# `denokv` server's host delays: every KV request over ~1 KiB (most commits of a booking, long
# `getMany`s, a list's larger answers) took 44 ms where it takes 0.7 ms (docs/BENCHMARKS.md,
# issue 15, "the 44 ms commits"). Instances and denokv on one host talk over loopback, as every
# cluster here does; on separate hosts, run the same `ip route change … quickack 1` on the denokv
# host for the route to the instances (README, Operations).
#
# Idempotent; needs root (CAP_NET_ADMIN) and `ip`. Without them it says so and changes nothing:
# everything still works, KV requests over a KV server are only slower. The setting lasts until
# the routes are rebuilt (a reboot). Prints one line on stderr.
#
# Usage: bash scripts/loopback_quickack.sh [--check]   (--check: only report, exit 1 when off)
set -euo pipefail

say() { printf '== loopback quickack: %s\n' "$*" >&2; }

if ! command -v ip >/dev/null; then
  say "no 'ip' command (iproute2): left as it is"
  [ "${1:-}" = "--check" ] && exit 1
  exit 0
fi

# The local routes of the loopback device, as `ip route show table local` prints them.
routes() { ip route show table local dev lo | grep -E '^local 127\.' || true; }

off=()
while IFS= read -r route; do
  [ -n "$route" ] || continue
  [[ " $route " == *" quickack 1 "* ]] || off+=("$route")
done < <(routes)

if [ ${#off[@]} -eq 0 ]; then
  say "on"
  exit 0
fi
if [ "${1:-}" = "--check" ]; then
  say "off for ${#off[@]} route(s)"
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  say "off, and not root: left as it is (KV requests over a local denokv wait ~40 ms each)"
  exit 0
fi
for route in "${off[@]}"; do
  # `ip route show` omits "dev lo" under `dev lo`; the change names it again.
  # shellcheck disable=SC2086
  ip route change table local ${route} dev lo quickack 1 ||
    { say "could not change '${route}': left as it is"; exit 0; }
done
say "turned on for ${#off[@]} route(s)"
