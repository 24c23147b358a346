/**
 * Verifies the audit trail's keyed hash chain from the first entry to the head, with the audit
 * keys of the configuration (AUDIT_KEY, or the generated development key in KV).
 *
 * Usage: deno task audit:verify [--kv PATH]
 *   --kv PATH   the KV store (default: KV_PATH or ./data/vaidya.kv)
 *   --help      show this text
 * Exits 0 when the chain is intact; otherwise prints the first broken entry (its sequence
 * number, id and what is wrong) and exits 1. Read-only.
 */
import { z } from "zod";
import { parseArgs, progressBar, runScript } from "./_cli.ts";
import { verifyAuditChain } from "../src/audit/audit_verify.ts";
import { auditHeadKey } from "../src/stores/kv/keys.ts";
import { createAuditKeyring } from "../src/audit/audit_keys.ts";
import { loadScriptConfig } from "./_runtime.ts";
import { readAuditKeys } from "../src/crypto/secrets.ts";

const USAGE = `
Usage: deno task audit:verify [--kv PATH]
Walks the audit chain and exits non-zero naming the first broken entry.
  --kv PATH   KV store (default: KV_PATH or ./data/vaidya.kv)`;

export async function main(argv: string[]) {
  const opts = parseArgs(argv, z.object({ kv: z.string().min(1).optional() }), USAGE);
  const config = loadScriptConfig();
  const kv = await Deno.openKv(opts.kv ?? config.KV_PATH);
  try {
    const head = await kv.get<{ seq: number }>(auditHeadKey);
    const keys = await readAuditKeys(config, kv);
    if (keys.length === 0) {
      if (!head.value) return void console.log("Audit chain intact: 0 entries.");
      throw new Error("No audit key: set AUDIT_KEY to the keys the chain was written with");
    }
    const bar = progressBar("verifying", head.value?.seq ?? 0);
    const result = await verifyAuditChain(
      kv,
      await createAuditKeyring(keys),
      () => bar.tick(),
    );
    bar.done();
    if (result.ok) {
      console.log(`Audit chain intact: ${result.checked} entries.`);
      return;
    }
    const b = result.broken!;
    console.error(
      `Audit chain BROKEN at entry ${b.seq}${b.id ? ` (${b.id})` : ""}: ${b.reason}. ` +
        `${result.checked} entries before it are intact.`,
    );
    Deno.exit(1);
  } finally {
    kv.close();
  }
}

if (import.meta.main) await runScript("audit:verify", () => main(Deno.args));
