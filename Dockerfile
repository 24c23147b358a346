# Vaidya API image. Pinned to the Deno release the repo is tested with (deno 2.9.6).
# Build: docker build -t vaidya .   Run: docker run -p 8000:8000 --env-file .env vaidya
FROM denoland/deno:2.9.6

WORKDIR /app
RUN mkdir -p /app/data && chown -R deno:deno /app

# Runs as the unprivileged `deno` user the official image ships (uid 1993).
USER deno

# Dependencies first, in their own layer: it is rebuilt only when deno.json or deno.lock change.
COPY --chown=deno:deno deno.json deno.lock ./
RUN deno install --frozen

# Then the code, bundled into dist/ (scripts/build.ts) from the dependencies installed above:
# Deno keeps every loaded module's source, and the bundle's has no comments or types (~10 MB less
# RSS under load; docs/BENCHMARKS.md). The pages' static files are read from src/ and routes/.
COPY --chown=deno:deno src/ ./src/
COPY --chown=deno:deno routes/ ./routes/
COPY --chown=deno:deno scripts/build.ts scripts/_walk.ts ./scripts/
RUN deno task build
# And loaded once with the start command's own V8 flags, so Deno's V8 code cache is in the image:
# `--warm-up` exits once every module has loaded, before reading any configuration. Without it each
# new container compiles everything on its first start (~60 ms more CPU; docs/BENCHMARKS.md).
RUN deno run --v8-flags=--max-semi-space-size=8,--heap-growing-percent=30,--memory-reducer-delay-ms=4000 --allow-net --allow-env --allow-read --allow-write=./data --allow-sys dist/src/main.js --warm-up

ENV APP_ENV=production \
    GLIBC_TUNABLES=glibc.malloc.arena_max=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    KV_PATH=/app/data/vaidya.kv
EXPOSE 8000

# The image has no curl; deno itself asks /healthz (liveness only; /readyz checks the stores).
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["deno", "eval", "const r = await fetch(`http://127.0.0.1:${Deno.env.get('PORT') ?? '8000'}/healthz`); Deno.exit(r.ok ? 0 : 1)"]

# The same command as `deno task start` (deno.json), without its build step (done above); SIGTERM
# drains requests in flight. The V8 flags bound the young generation and the old generation's
# growth, so RSS stays near the live heap instead of growing to ~2.5x it under load, and start the
# memory reducer 4 s after a burst instead of 8, so an idle server gives the burst's heap back
# within ~10 s; GLIBC_TUNABLES (ENV above, the task's leading assignment) keeps glibc's malloc to
# one arena for all threads, ~5-10 MB less RSS after a burst (docs/BENCHMARKS.md, issue 15).
STOPSIGNAL SIGTERM
CMD ["deno", "run", "--v8-flags=--max-semi-space-size=8,--heap-growing-percent=30,--memory-reducer-delay-ms=4000", "--allow-net", "--allow-env", "--allow-read", "--allow-write=./data", "--allow-sys", "dist/src/main.js"]
