/**
 * The grouping of MongoDB commands (src/stores/grouped.ts) without a database: calls of one
 * turn go out as one command, calls made while one is in flight wait and go out together after
 * it, each caller gets its own outcome, and a failure of the whole command fails exactly its
 * callers; with a gather time, calls of separate turns within it share a command. The same code
 * against FerretDB: tests/contract/mongo_grouped_test.ts.
 */
import assert from "node:assert/strict";
import { grouped, type Outcome } from "../../src/stores/grouped.ts";

/** A `send` that records each command's items and answers when `release` is called. */
function controlledSend() {
  const sent: number[][] = [];
  const pending: { items: number[]; answer: (o: Outcome<number>[]) => void }[] = [];
  const send = (items: number[]) =>
    new Promise<Outcome<number>[]>((resolve) => {
      sent.push(items);
      pending.push({ items, answer: resolve });
    });
  /** Answers the oldest command in flight: each item doubled, odd ones failing on their own. */
  const release = () => {
    const next = pending.shift();
    assert.ok(next, "a command is in flight");
    next.answer(
      next.items.map((n) =>
        n % 2 === 0 ? { ok: true, value: n * 2 } : { ok: false, error: new Error(`odd ${n}`) }
      ),
    );
  };
  return { sent, pending, send, release };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("grouped: the calls of one turn go out as one command, each caller gets its own outcome", async () => {
  const { sent, send, release } = controlledSend();
  const call = grouped(send);
  const results = Promise.allSettled([0, 1, 2, 4].map(call));
  await settle();
  assert.deepEqual(sent, [[0, 1, 2, 4]]);
  release();
  const out = await results;
  assert.deepEqual(out.map((r) => r.status === "fulfilled" ? r.value : String(r.reason)), [
    0,
    "Error: odd 1",
    4,
    8,
  ]);
});

Deno.test("grouped: calls made while a command is in flight wait for it, then go out together", async () => {
  const { sent, pending, send, release } = controlledSend();
  const call = grouped(send);
  const first = call(2);
  await settle();
  assert.deepEqual(sent, [[2]], "alone when nothing else was asked");
  const later = [call(4), call(6)];
  await settle();
  assert.equal(sent.length, 1, "nothing more is sent while one is in flight");
  const after = call(8);
  release();
  assert.equal(await first, 4);
  await settle();
  assert.deepEqual(sent, [[2], [4, 6, 8]]);
  assert.equal(pending.length, 1);
  release();
  assert.deepEqual(await Promise.all([...later, after]), [8, 12, 16]);
  // Idle again: the next call goes out at once.
  const idle = call(10);
  await settle();
  assert.deepEqual(sent.at(-1), [10]);
  release();
  assert.equal(await idle, 20);
});

Deno.test("grouped: a failed command fails its own callers only, and the next command still goes", async () => {
  let calls = 0;
  const call = grouped((items: number[]) => {
    calls++;
    if (calls === 1) return Promise.reject(new Error("unreachable"));
    if (calls === 2) throw new Error("thrown before sending");
    return Promise.resolve(items.map((n) => ({ ok: true as const, value: n })));
  });
  const first = await Promise.allSettled([call(1), call(2)]);
  assert.deepEqual(first.map((r) => r.status === "rejected" && String(r.reason)), [
    "Error: unreachable",
    "Error: unreachable",
  ]);
  await assert.rejects(call(3), /thrown before sending/);
  assert.equal(await call(4), 4);
  assert.equal(calls, 3);
});

Deno.test("grouped: at most maxPerRequest items per request; an answer short of items fails the rest", async () => {
  const sizes: number[] = [];
  const call = grouped((items: number[]) => {
    sizes.push(items.length);
    return Promise.resolve(items.map((n) => ({ ok: true as const, value: n })));
  }, 3);
  assert.deepEqual(await Promise.all([1, 2, 3, 4, 5, 6, 7].map(call)), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(sizes, [3, 3, 1]);

  const short = grouped((items: number[]) =>
    Promise.resolve(items.slice(1).map((n) => ({ ok: true as const, value: n })))
  );
  const out = await Promise.allSettled([short(1), short(2)]);
  assert.equal(out[0].status, "fulfilled");
  assert.equal(out[1].status, "rejected");
});

Deno.test("grouped with a gather time: calls of separate turns within it go out as one command", async () => {
  const { sent, send, release } = controlledSend();
  const gathered = grouped(send, undefined, 40);
  const plain = controlledSend();
  const alone = grouped(plain.send);
  const results: Promise<number>[] = [];
  for (const n of [2, 4, 6]) {
    results.push(gathered(n));
    alone(n).catch(() => {});
    await settle();
  }
  assert.deepEqual(plain.sent, [[2]], "without a gather time the first goes at once");
  assert.deepEqual(sent, [], "with one, nothing has gone yet");
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(sent, [[2, 4, 6]]);
  release();
  assert.deepEqual(await Promise.all(results), [4, 8, 12]);
  plain.release();
  await settle();
  plain.release();
  await settle();
});
