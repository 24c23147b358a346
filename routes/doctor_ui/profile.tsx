/**
 * The doctor edits their own profile (GET/POST /doctor/profile). The API keeps profile changes
 * for admins; here the session's doctor may change only these fields of their own record.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../src/app_deps.ts";
import { ValidationError } from "../../src/errors.ts";
import { PROFILE_LIMITS } from "../../src/http/schemas.ts";
import { type Lang, t } from "../../src/i18n/messages.ts";
import { textareaText } from "../../src/ui/forms/textarea_text.ts";
import type { UiEnv } from "../../src/ui/ui_env.ts";
import type { FieldErrors } from "../../src/ui/views/fields.tsx";
import { renderPage } from "../../src/ui/views/layout.tsx";
import { BIO_MAX, ProfilePage, type ProfileValues } from "../../src/ui/views/profile_page.tsx";

const list = z.string().transform((
  s,
) => [...new Set(s.split(",").map((v) => v.trim()).filter(Boolean))]);

/** The API's limits (DoctorCreate), so the page neither refuses nor stores what the API would not. */
const { items: MAX_ITEMS, fee: FEE_MAX } = PROFILE_LIMITS;

function profileSchema(lang: Lang) {
  const needOne = t(lang, "profile.needOne");
  const items = (max: number) =>
    list.pipe(
      z.array(z.string().max(max, t(lang, "profile.tooLong", { max }))).min(1, needOne)
        .max(MAX_ITEMS, t(lang, "profile.tooMany", { max: MAX_ITEMS })),
    );
  const badFee = t(lang, "field.badNumber", { min: 0, max: FEE_MAX });
  return z.object({
    languages: items(PROFILE_LIMITS.language),
    specializations: items(PROFILE_LIMITS.specialization),
    fee: z.string().trim().transform((s) => (s === "" ? null : Number(s))).pipe(
      z.number(badFee).int(badFee).min(0, badFee).max(FEE_MAX, badFee).nullable(),
    ),
    bio: textareaText(BIO_MAX, t(lang, "profile.tooLong", { max: BIO_MAX })),
  });
}

export function profileRoutes(deps: AppDeps) {
  const app = new Hono<UiEnv>();

  async function page(
    c: Context<UiEnv>,
    values: ProfileValues | null,
    errors: FieldErrors = {},
    message?: { kind: "ok" | "error"; text: string },
  ) {
    const d = await deps.doctors.get(c.get("session").doctorId);
    return renderPage(
      c,
      ProfilePage({
        lang: c.get("lang"),
        csrfToken: c.get("session").csrfToken,
        name: d.name,
        values: values ?? {
          languages: d.languages.join(", "),
          specializations: d.specializations.join(", "),
          fee: d.fee === null ? "" : String(d.fee),
          bio: d.bio ?? "",
        },
        errors,
        message,
      }),
      Object.keys(errors).length > 0 ? 400 : 200,
    );
  }

  app.get("/doctor/profile", (c) => {
    const saved = c.req.query("saved") === "1";
    return page(c, null, {}, saved ? { kind: "ok", text: t(c.get("lang"), "saved") } : undefined);
  });

  app.post("/doctor/profile", async (c) => {
    const lang = c.get("lang");
    const body = await c.req.parseBody();
    const str = (k: string) => (typeof body[k] === "string" ? body[k] as string : "");
    const typed = {
      languages: str("languages"),
      specializations: str("specializations"),
      fee: str("fee"),
      bio: str("bio"),
    };
    const parsed = profileSchema(lang).safeParse(typed);
    const failed = { kind: "error" as const, text: t(lang, "error.saveFailed") };
    if (!parsed.success) {
      const errors: FieldErrors = {};
      for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
      return page(c, typed, errors, failed);
    }
    const { bio, ...rest } = parsed.data;
    try {
      await deps.doctors.update(c.get("session").doctorId, { ...rest, bio: bio || null });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return page(c, typed, {}, { kind: "error", text: `${failed.text} ${err.message}` });
    }
    return c.redirect("/doctor/profile?saved=1", 303);
  });

  return app;
}
