/**
 * Usage: deno task admin:create --phone +91XXXXXXXXXX [--note TEXT] [--revoke] [--yes]
 *
 * Makes a phone an admin at its next login, without a redeploy: stores the phone's blind index
 * (never the phone) under ["admin_by_phone", index] in the app's KV, which login checks after
 * ADMIN_PHONES. With --revoke, takes admin away (asks first; --yes skips the question) and ends
 * every session of that admin at once: its access tokens stop working and its refresh tokens
 * cannot refresh; the next login gets the role the phone has then. Both are in the audit trail
 * (`admin.grant`, `admin.revoke`) by the admin's user id, never the phone.
 *
 *   --phone E164   the phone number, e.g. +919812345678 (read from --phone, never printed)
 *   --note TEXT    why, kept with the grant (no personal data)
 *   --revoke       remove the grant instead of adding it
 *   --yes          do not ask before revoking
 *   --help         show this text
 */
import { z } from "zod";
import { confirmOrExit, flag, parseArgs, runScript } from "./_cli.ts";
import { openScriptRuntime } from "./_runtime.ts";
import { auditChangeBy, createKvAuditLog, OPERATOR } from "../src/audit/audit_log.ts";
import { createAuditKeyring } from "../src/audit/audit_keys.ts";
import { adminUserId } from "../src/auth/identity_service.ts";
import { Phone } from "../src/http/schemas.ts";

const USAGE = (await Deno.readTextFile(new URL(import.meta.url))).split("*/")[0]
  .replace(/^\/\*\*|^ \* ?/gm, "");

const Args = z.object({
  phone: Phone,
  note: z.string().max(200).regex(/^[^0-9+]*$/, "keep digits (and phones) out of notes").optional(),
  revoke: flag,
  yes: flag,
  "dry-run": flag,
});

await runScript("admin:create", async () => {
  const args = parseArgs(Deno.args, Args, USAGE, ["revoke"]);
  const rt = await openScriptRuntime();
  try {
    const index = await rt.hash.hash("phone", args.phone);
    const known = await rt.admins.isAdmin(index);
    const audited = async (action: "admin.grant" | "admin.revoke") => {
      const keys = await createAuditKeyring(rt.secrets.auditKeys);
      const audit = createKvAuditLog(rt.kv, Date.now, keys);
      await auditChangeBy(audit, OPERATOR, action, { targetId: adminUserId(index) });
    };
    const inConfig = rt.config.ADMIN_PHONES.includes(args.phone);
    if (args["dry-run"]) {
      console.log(
        `dry run: the phone is ${known ? "" : "not "}a granted admin` +
          `${inConfig ? " and is listed in ADMIN_PHONES" : ""}; nothing changed`,
      );
      return;
    }
    if (args.revoke) {
      if (!known) throw new Error("That phone has no admin grant in KV; nothing to revoke");
      confirmOrExit("Revoke admin from this phone?", args.yes);
      await rt.admins.revoke(index);
      await audited("admin.revoke");
      const sessions = await rt.sessions.listSessions(adminUserId(index));
      for (const s of sessions) await rt.sessions.end(s.id);
      console.log(
        `admin revoked, ${sessions.length} session(s) ended${
          inConfig ? " (still admin through ADMIN_PHONES; remove it there too)" : ""
        }`,
      );
      return;
    }
    const added = await rt.admins.grant(index, {
      createdAt: new Date().toISOString(),
      note: args.note ?? null,
    });
    if (added) await audited("admin.grant");
    console.log(
      added ? "admin granted; it takes effect at the next login" : "already an admin; unchanged",
    );
  } finally {
    await rt.close();
  }
});
