/**
 * Usage: deno task rotate-keys [--what jwt|data|all] [--reseal-only] [--dry-run] [--yes]
 *
 * Rolls in a new JWT signing key and/or data encryption key. The new key goes first (it signs /
 * seals); old keys stay listed, so tokens already issued still verify and sealed data still
 * opens. Then every sealed field of doctors, appointments and patients is re-sealed under the
 * new data key, in batches, with a checkpoint in KV: if it stops, run it again with
 * --reseal-only and it resumes. What is re-sealed is every collection of the registry in
 * src/stores/sealed_fields.ts (doctors, appointments, patients, prakriti answers, webhook
 * secrets); erased values are skipped, and prakriti answers an earlier release stored in the clear
 * are sealed.
 *
 * Development (keys generated into KV under ["secret", ...]): the new key is written to KV.
 * Restart the server afterwards so it loads the new keys.
 * Production (JWT_PRIVATE_JWKS / DATA_ENCRYPTION_KEYS set): nothing is written; the new values
 * are printed for you to set as secrets (e.g. `fly secrets set`). Deploy, then run
 * `deno task rotate-keys --reseal-only` with the new environment.
 *
 *   --what W         jwt, data or all (default all)
 *   --reseal-only    do not make a key; re-seal under the active data key (resumes)
 *   --dry-run        show what would change and open every stale value (so it fails where a
 *                    real run would); write nothing
 *   --yes            do not ask before writing
 *   --help           show this text
 */
import { z } from "zod";
import { generateDataKeyBase64 } from "../src/crypto/data_cipher.ts";
import { generateSigningJwk } from "../src/crypto/secrets.ts";
import { commit } from "../src/stores/kv/kv_commit.ts";
import { secretKey } from "../src/stores/kv/keys.ts";
import { confirmOrExit, flag, parseArgs, runScript } from "./_cli.ts";
import { resealAll } from "./_reseal.ts";
import { openScriptRuntime } from "./_runtime.ts";

const USAGE = (await Deno.readTextFile(new URL(import.meta.url))).split("*/")[0]
  .replace(/^\/\*\*|^ \* ?/gm, "");

const Args = z.object({
  what: z.enum(["jwt", "data", "all"]).default("all"),
  "reseal-only": flag,
  "dry-run": flag,
  yes: flag,
});

/** Sortable, unique enough and valid as both a JWK kid and a data key id. */
function newKid(prefix: string): string {
  return `${prefix}${new Date().toISOString().replace(/\D/g, "").slice(0, 14)}`;
}

async function prependInKv<T>(kv: Deno.Kv, name: string, key: T): Promise<void> {
  const entry = await kv.get<T[]>(secretKey(name));
  if (!entry.value) throw new Error(`No generated ${name} in KV; start the server once first`);
  const res = await commit(() =>
    kv.atomic().check(entry).set(secretKey(name), [key, ...entry.value!])
  );
  if (!res.ok) throw new Error(`${name} changed while rotating; run again`);
}

await runScript("rotate-keys", async () => {
  const args = parseArgs(Deno.args, Args, USAGE, ["reseal-only"]);
  const dry = args["dry-run"];
  let rt = await openScriptRuntime();
  try {
    const doJwt = !args["reseal-only"] && args.what !== "data";
    const doData = !args["reseal-only"] && args.what !== "jwt";
    const configured = {
      jwt: Boolean(rt.config.JWT_PRIVATE_JWKS),
      data: Boolean(rt.config.DATA_ENCRYPTION_KEYS),
    };
    if ((doJwt && configured.jwt) || (doData && configured.data)) {
      // Keys come from the environment: print new values, never write secrets anywhere.
      if (doJwt && configured.jwt) {
        const jwk = await generateSigningJwk(newKid("jwt-"));
        const next = [jwk, ...rt.secrets.jwtPrivateJwks];
        console.log(`JWT_PRIVATE_JWKS='${JSON.stringify(next)}'`);
      }
      if (doData && configured.data) {
        const next = [
          `${newKid("k")}:${generateDataKeyBase64()}`,
          ...rt.secrets.dataKeys.map((k) => `${k.id}:${k.keyBase64}`),
        ];
        console.log(`DATA_ENCRYPTION_KEYS='${next.join(",")}'`);
      }
      console.error(
        "Set these as secrets and deploy; then run `deno task rotate-keys --reseal-only`. " +
          "With several instances, deploy the new key second first (every instance then knows " +
          "it), then in this order (README, Security).",
      );
      return;
    }
    if (doJwt || doData) {
      const what = [doJwt && "JWT signing key", doData && "data encryption key"].filter(Boolean);
      if (dry) {
        console.log(`dry run: would add a new ${what.join(" and ")} to KV and re-seal`);
      } else {
        confirmOrExit(`Add a new ${what.join(" and ")} (old keys stay for reading)?`, args.yes);
        if (doJwt) await prependInKv(rt.kv, "jwt_keys", await generateSigningJwk(newKid("jwt-")));
        if (doData) {
          await prependInKv(rt.kv, "data_keys", {
            id: newKid("k"),
            keyBase64: generateDataKeyBase64(),
          });
        }
        console.log(`added a new ${what.join(" and ")}; restart the server to use it`);
        await rt.close();
        rt = await openScriptRuntime();
      }
    }
    if (!doData && !args["reseal-only"]) return;
    // A dry run of a rotation counts every value: the new key would make them all stale.
    const counts = await resealAll(rt, { apply: !dry, all: dry && doData }, (phase, n) => {
      if (Deno.stderr.isTerminal()) console.error(`re-sealing ${phase}: +${n}`);
      rt.crashPoint?.("reseal.after_page");
    });
    const under = dry && doData ? "a new key" : rt.cipher.activeKeyId;
    console.log(
      `${dry ? "dry run: " : ""}${counts.scanned} records scanned, ${counts.stale} sealed under ` +
        `an older key, ${counts.clear} stored in the clear, ${counts.resealed} re-sealed under ${under}` +
        (counts.conflicts > 0 ? `, ${counts.conflicts} changed meanwhile (run again)` : ""),
    );
  } finally {
    await rt.close();
  }
});
