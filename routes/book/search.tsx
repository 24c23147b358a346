/**
 * Finding a doctor and a time: the start page, suggestions from described symptoms (the
 * recommendation service, with its triage advice when it gives one), the doctor list, a doctor's
 * free times on a day, and the same times for a clinic's site (/book/embed). Symptom text is
 * posted, never put in a URL, and never logged.
 */
import { type Context, Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../src/app_deps.ts";
import { IsoInstant } from "../../src/http/schemas.ts";
import { lazyRecommendationService } from "../../src/recommend/lazy_recommendation_service.ts";
import { bookForm } from "../../src/ui/book_middleware.ts";
import type { BookEnv } from "../../src/ui/book_env.ts";
import {
  type DoctorFilters,
  DoctorsPage,
  HomePage,
  type Suggestion,
} from "../../src/ui/views/book/search_pages.tsx";
import { SlotsPage } from "../../src/ui/views/book/slots_page.tsx";
import { bt } from "../../src/i18n/book_messages.ts";
import { bookCsrfRefusal, bookNotFound, page, slotsPageProps } from "./_shared.ts";

const Filters = z.object({
  specialization: z.string().trim().max(80).optional().catch(undefined),
  language: z.string().trim().max(8).optional().catch(undefined),
  city: z.string().trim().max(80).optional().catch(undefined),
});
const Symptoms = z.string().trim().min(2).max(1000);
const DOCTORS_PER_PAGE = 20;
const SUGGESTIONS = 5;

function cleanFilters(query: Record<string, string>): DoctorFilters {
  const f = Filters.parse(query);
  return {
    specialization: f.specialization || undefined,
    language: f.language || undefined,
    city: f.city || undefined,
  };
}

export function bookSearchRoutes(deps: AppDeps) {
  const app = new Hono<BookEnv>();
  const recommender = lazyRecommendationService(deps);
  const base = (c: Context<BookEnv>) => ({
    lang: c.get("lang"),
    csrfToken: c.get("csrfToken"),
    loggedIn: !!c.get("session"),
    timeZone: c.get("timeZone"),
  });

  app.get("/book", (c) => page(c, HomePage({ ...base(c), filters: {} })));

  app.post("/book/suggest", async (c) => {
    const body = await bookForm(c);
    if (!body) return bookCsrfRefusal(c);
    const parsed = Symptoms.safeParse(body.symptoms ?? "");
    if (!parsed.success) {
      return page(
        c,
        HomePage({
          ...base(c),
          filters: {},
          symptoms: body.symptoms,
          symptomsError: bt(c.get("lang"), "home.symptoms"),
        }),
        400,
      );
    }
    const result = await recommender.recommend({
      symptoms: parsed.data,
      language: c.get("lang"),
      limit: SUGGESTIONS,
    });
    const suggestion: Suggestion = {
      triage: result.triage,
      advice: result.advice,
      flags: result.flags,
      disclaimer: result.disclaimer,
      items: result.items,
    };
    return page(c, HomePage({ ...base(c), filters: {}, symptoms: parsed.data, suggestion }));
  });

  app.get("/book/doctors", async (c) => {
    const filters = cleanFilters(c.req.query());
    const { items } = await deps.doctors.search(filters, DOCTORS_PER_PAGE);
    const url = new URL(c.req.url);
    return page(
      c,
      DoctorsPage({ ...base(c), filters, doctors: items, here: url.pathname + url.search }),
    );
  });

  app.get("/book/doctors/:id", async (c) => {
    const id = c.req.param("id");
    const selected = c.req.query("slot");
    const props = await slotsPageProps(c, deps, id, c.req.query("date"), {
      action: "/book/hold",
      basePath: `/book/doctors/${id}`,
      selected: IsoInstant.safeParse(selected).success ? selected : undefined,
    });
    return props ? page(c, SlotsPage(props)) : bookNotFound(c);
  });

  app.get("/book/embed", async (c) => {
    const id = c.req.query("doctor") ?? "";
    const props = await slotsPageProps(c, deps, id, c.req.query("date"), {
      action: "/book/hold",
      basePath: `/book/embed?doctor=${id}`,
      embed: true,
    });
    return props ? page(c, SlotsPage(props)) : bookNotFound(c);
  });

  return app;
}
