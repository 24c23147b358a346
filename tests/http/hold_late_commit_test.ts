/**
 * A hold whose KV commit landed but whose answer came after the KV deadline (KV_TIMEOUT_MS on a
 * KV server): the request answers 503, which the idempotency record does not keep, so a retry
 * with the same Idempotency-Key runs again. It must then hold the slot for the patient (and send
 * a code), not find the patient's own uncoded hold there and answer 409 for good. In-process: the
 * app's KV is wrapped so that one commit writing a hold lands at once and answers late, behind
 * the same deadline the server puts on a KV server.
 */
import assert from "node:assert/strict";
import { createApp } from "../../src/app.ts";
import { openResources } from "../../src/bootstrap.ts";
import { loadConfig } from "../../src/config/config.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { withKvDeadline } from "../../src/stores/kv/kv_deadline.ts";
import { keySpace, patientHoldsKey } from "../../src/stores/kv/keys.ts";
import { wireApp } from "../../src/wire_app.ts";
import { Api, createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { ADMIN_PHONE } from "../_harness/server.ts";

const DEADLINE_MS = 200;
const HOLD_SPACE = keySpace("hold")[0];
const IDEM_SPACE = keySpace("idem")[0];

/** Whether a `set` of `key` to `value` is one the armed commit waits for. */
type Wanted = (key: Deno.KvKey, value: unknown) => boolean;

const holdRecord: Wanted = (key) => key[0] === HOLD_SPACE;
const storedAnswer: Wanted = (key, value) =>
  key[0] === IDEM_SPACE && (value as { state?: string }).state === "done";

/** `kv` whose next commit with a `set` that `wanted` picks answers `lateMs` after it landed. */
function lateCommits(kv: Deno.Kv, lateMs: number) {
  let armed: Wanted | undefined;
  const wrapOp = (op: Deno.AtomicOperation): Deno.AtomicOperation => {
    let picked = false;
    const proxy: Deno.AtomicOperation = new Proxy(op, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        if (prop === "commit") {
          return async () => {
            const res = await target.commit();
            if (armed && picked && res.ok) {
              armed = undefined;
              await new Promise((r) => setTimeout(r, lateMs));
            }
            return res;
          };
        }
        return (...args: unknown[]) => {
          if (prop === "set" && armed?.(args[0] as Deno.KvKey, args[1])) picked = true;
          const out = (value as (...a: unknown[]) => unknown).apply(target, args);
          return out === target ? proxy : out;
        };
      },
    });
    return proxy;
  };
  const wrapped: Deno.Kv = new Proxy(kv, {
    get(target, prop) {
      if (prop === "atomic") return () => wrapOp(target.atomic());
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: wrapped, arm: (wanted: Wanted) => void (armed = wanted) };
}

/** The app on in-memory KV behind a deadline, with one commit to be answered late on demand. */
async function appWithLateCommits() {
  const config = loadConfig({
    APP_ENV: "test",
    KV_PATH: ":memory:",
    ADMIN_PHONES: ADMIN_PHONE,
    LOG_LEVEL: "error",
    RATE_LIMIT_DISABLED: "true",
  });
  const log = createLogger({ level: "error", write: () => {} });
  const resources = await openResources(config, log);
  const late = lateCommits(resources.kv, DEADLINE_MS * 3);
  const wired = await wireApp(
    { ...resources, kv: withKvDeadline(late.kv, DEADLINE_MS) },
    config,
    log,
    { now: () => Date.now() },
  );
  const app = createApp(wired.deps, { clientIp: () => "127.0.0.1" });
  const api = new Api("http://vaidya.test", (r) => app.fetch(r));
  const admin = await api.loginAdmin();
  const doctor = await createDoctor(api, admin);
  const patient = await api.login(randomPhone());
  const [slot] = await firstSlots(api, doctor.id, dateInDays(2));
  const hold = () =>
    api.request<{ id: string }>("POST", "/v1/holds", {
      token: patient.accessToken,
      headers: { "idempotency-key": "hold-late-1" },
      body: { doctorId: doctor.id, start: slot.start },
    });
  /** The patient's live holds, as their list keeps them. */
  const liveHolds = async () =>
    ((await resources.kv.get<{ expiresAtMs: number }[]>(patientHoldsKey(patient.user.id)))
      .value ?? []).filter((m) => m.expiresAtMs > Date.now()).length;
  return {
    arm: late.arm,
    hold,
    liveHolds,
    async [Symbol.asyncDispose]() {
      await wired.close();
      await resources.close();
    },
  };
}

Deno.test({
  name: "POST /v1/holds retried with its Idempotency-Key after a late hold commit holds the slot",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using t = await appWithLateCommits();
    t.arm(holdRecord);
    const first = await t.hold();
    assert.equal(first.status, 503, JSON.stringify(first.body));
    await new Promise((r) => setTimeout(r, DEADLINE_MS * 4)); // the late answer has come
    const retry = await t.hold();
    assert.equal(retry.status, 201, `retry: ${JSON.stringify(retry.body)}`);
    const again = await t.hold();
    assert.equal(again.status, 201);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.equal(again.body.id, retry.body.id);
    // The late hold does not linger beside it, using up the patient's hold limit.
    assert.equal(await t.liveHolds(), 1);
  },
});

Deno.test({
  name: "POST /v1/holds whose stored answer is written late still answers the hold it placed",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using t = await appWithLateCommits();
    t.arm(storedAnswer);
    const first = await t.hold();
    // The hold was placed and its code sent: the patient needs its id to confirm it.
    assert.equal(first.status, 201, JSON.stringify(first.body));
    await new Promise((r) => setTimeout(r, DEADLINE_MS * 4));
    const retry = await t.hold();
    assert.equal(retry.status, 201, `retry: ${JSON.stringify(retry.body)}`);
    assert.equal(retry.body.id, first.body.id, "the retry replays the first answer");
    assert.equal(await t.liveHolds(), 1);
  },
});
