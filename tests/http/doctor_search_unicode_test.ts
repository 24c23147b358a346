/**
 * Doctor search finds a name, city or specialization however its letters were encoded: Hindi
 * and Urdu names with a nukta (ज़, फ़, ख़) arrive precomposed (U+095B) from some keyboards and pastes
 * and as letter + nukta (U+091C U+093C) from others, and accents as é or e + U+0301. Unicode
 * counts each pair as the same text (canonical equivalence); on KV and on MongoDB records alike.
 */
import assert from "node:assert/strict";
import { startApp } from "../_harness/app.ts";
import { createDoctor } from "../_harness/api.ts";
import { appEnv, startFerretDb, type TestMongo } from "../_harness/ferretdb.ts";

let mongo: TestMongo | null = null;
Deno.test.afterAll(async () => await mongo?.stop());

/** The same words, precomposed and decomposed. */
const FATIMA = { composed: "\u095Eातिमा", decomposed: "\u092B\u093Cातिमा" };
const ZAKIR = { composed: "\u095Bाकिर", decomposed: "\u091C\u093Cाकिर" };
const EMILE = { composed: "\u00C9mile", decomposed: "E\u0301mile" };
const KHA = { composed: "\u0959", decomposed: "\u0916\u093C" };

for (const records of ["KV", "MongoDB"] as const) {
  Deno.test(`GET /v1/doctors?q matches canonically equivalent Devanagari and accented names (${records} records)`, async () => {
    const env: Record<string, string> = { RATE_LIMIT_DISABLED: "true" };
    if (records === "MongoDB") Object.assign(env, appEnv(mongo ??= await startFerretDb()));
    await using app = await startApp(env);
    const { api } = app;
    const admin = await api.loginAdmin();
    const fatima = await createDoctor(api, admin, { name: `डॉ. ${FATIMA.composed} शेख` });
    const zakir = await createDoctor(api, admin, { name: `डॉ. ${ZAKIR.decomposed} हुसैन` });
    const emile = await createDoctor(api, admin, {
      name: `Dr. ${EMILE.decomposed} Roy`,
      city: `${KHA.composed}etri`,
    });
    const found = async (query: string) => {
      const res = await api.request<{ items: { id: string }[] }>("GET", `/v1/doctors?${query}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.items.map((d) => d.id);
    };
    const q = (text: string) => `q=${encodeURIComponent(text)}`;
    assert.deepEqual(await found(q(FATIMA.decomposed)), [fatima.id], "फ़ातिमा typed with a nukta");
    assert.deepEqual(await found(q(FATIMA.composed)), [fatima.id]);
    assert.deepEqual(await found(q(ZAKIR.composed)), [zakir.id], "ज़ाकिर typed precomposed");
    assert.deepEqual(await found(q(EMILE.composed)), [emile.id], "É typed precomposed");
    assert.deepEqual(await found(q(EMILE.composed.toLowerCase())), [emile.id]);
    const city = `city=${encodeURIComponent(`${KHA.decomposed}etri`)}`;
    assert.deepEqual(await found(city), [emile.id], "a city typed the other way round");
  });
}
