/**
 * Verifies the audit trail's hash chain from the first entry to the head.
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

const USAGE = `
Usage: deno task audit:verify [--kv PATH]
Walks the audit chain and exits non-zero naming the first broken entry.
  --kv PATH   KV store (default: KV_PATH or ./data/vaidya.kv)`;

export async function main(argv: string[]) {
  const opts = parseArgs(argv, z.object({ kv: z.string().min(1).optional() }), USAGE);
  const kv = await Deno.openKv(opts.kv ?? Deno.env.get("KV_PATH") ?? "./data/vaidya.kv");
  try {
    const head = await kv.get<{ seq: number }>(auditHeadKey);
    const bar = progressBar("verifying", head.value?.seq ?? 0);
    const result = await verifyAuditChain(kv, () => bar.tick());
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
