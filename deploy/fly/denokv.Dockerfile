# The shared Deno KV's machine (deploy/fly/denokv.toml): the pinned upstream `denokv` binary on
# Debian 12 (the glibc its distroless image has) with iproute2, so that scripts/quickack.sh can turn
# delayed ACKs off on every route before denokv starts. Deno's KV client leaves Nagle's algorithm on
# and sends a request over ~1 KiB in two pieces; with this host delaying its ACKs, the second piece of
# each such request (most commits) waited ~40 ms (README, "KV Connect and delayed ACKs"). Changing a
# route needs root, so denokv runs as root here, as in the upstream image. Without the capability
# the script says so and denokv starts all the same.
# Build from the repository's root: fly deploy . --config deploy/fly/denokv.toml
FROM ghcr.io/denoland/denokv:0.14.0 AS denokv

FROM debian:12-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends iproute2 \
  && rm -rf /var/lib/apt/lists/*
COPY --from=denokv /usr/local/bin/denokv /usr/local/bin/denokv
COPY scripts/quickack.sh /usr/local/bin/quickack.sh
ENTRYPOINT ["bash", "-c", "bash /usr/local/bin/quickack.sh --all-routes; exec /usr/local/bin/denokv \"$@\"", "denokv"]
CMD ["serve"]
