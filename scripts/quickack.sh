#!/usr/bin/env bash
# Turns on `quickack` for routes, so this host ACKs each TCP segment it receives over them at once
# instead of delaying the ACK (Linux: at least 40 ms). By default the loopback routes
# (127.0.0.0/8, 127.0.0.1); with --all-routes every unicast route of IPv4's main and local tables
# and IPv6's main table (a host that runs only a `denokv` server: deploy/fly/denokv.Dockerfile).
#
# Why: Deno's HTTP client leaves Nagle's algorithm on (hyper-util's connector does not set
# TCP_NODELAY; denoland/deno PR #35581, open, adds an opt-in), and its KV client writes a request of
# more than 1 KiB in two pieces. The second piece then waits for the ACK of the first, which the
# `denokv` server's host delays: every KV request over ~1 KiB (most commits of a booking, long
# `getMany`s) took 44 ms where it takes 0.7 ms, and an instance's writes on one doctor's calendar,
# which take turns, paid it each (docs/BENCHMARKS.md, issue 15, "the hot doctor"). Instances and
# denokv on one host talk over loopback, as every cluster here does; on separate hosts, the denokv
# host needs it on its routes to the instances (--all-routes there).
#
# Idempotent; needs root (CAP_NET_ADMIN) and `ip` (iproute2). Without them, or for a route `ip`
# will not change, it says so and changes nothing more: everything still works, KV requests over a
# KV server are only slower. Lasts until the routes are rebuilt (a reboot, an interface coming up).
# Prints one line on stderr.
#
# Usage: bash scripts/quickack.sh [--all-routes] [--check]   (--check: only report; exit 1 if off)
set -euo pipefail

all=false
check=false
for arg in "$@"; do
  case "$arg" in
    --all-routes) all=true ;;
    --check) check=true ;;
    *) echo "usage: $0 [--all-routes] [--check]" >&2; exit 2 ;;
  esac
done

say() { printf '== quickack: %s\n' "$*" >&2; }

if ! command -v ip >/dev/null; then
  say "no 'ip' command (iproute2): left as it is"
  $check && exit 1
  exit 0
fi

# One route per line as `ip -F route change` takes it back: the family flag, the table, then the
# route as `ip route show` prints it, less the words `change` does not accept.
routes() {
  if ! $all; then
    ip -4 route show table local dev lo | { grep -E '^local 127\.' || true; } |
      sed 's/^/-4 local /;s/$/ dev lo/'
    return
  fi
  # IPv4's main and local tables; IPv6's main table but its link-local routes (the kernel refuses
  # to change IPv6 `local` routes, and link-local ones repeat one prefix per device). grep finding
  # nothing in an empty table is not a failure.
  local family table
  for family_table in "-4 main" "-4 local" "-6 main"; do
    read -r family table <<<"$family_table"
    { ip "$family" route show table "$table" 2>/dev/null || true; } |
      { grep -vE '^(broadcast|multicast|anycast|unreachable|prohibit|blackhole|throw) |^fe80::' ||
        true; } |
      sed -E 's/ (linkdown|offload|trap|rt_offload|rt_trap)//g; s/ expires [0-9]+sec//' |
      sed "s/^/${family} ${table} /"
  done
}

off=()
while IFS= read -r route; do
  [ -n "$route" ] || continue
  [[ " $route " == *" quickack 1 "* ]] || off+=("$route")
done < <(routes)

if [ ${#off[@]} -eq 0 ]; then
  say "on"
  exit 0
fi
if $check; then
  say "off for ${#off[@]} route(s)"
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  say "off, and not root: left as it is (KV requests to a denokv server wait ~40 ms each)"
  exit 0
fi
changed=0
for route in "${off[@]}"; do
  read -r family table rest <<<"$route"
  # shellcheck disable=SC2086
  if ip "$family" route change table "$table" $rest quickack 1 2>/dev/null; then
    changed=$((changed + 1))
  else
    say "could not change '${rest}' (table ${table}): left as it is"
  fi
done
say "turned on for ${changed} of ${#off[@]} route(s)"
