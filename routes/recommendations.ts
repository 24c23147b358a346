/**
 * Doctor recommendations from free-text symptoms and the prakriti questionnaire. The
 * recommendation call is public; with a patient's bearer token it also uses their stored
 * prakriti. Symptom text is never logged or stored; the answer is guidance, not a diagnosis.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../src/app_deps.ts";
import { ValidationError } from "../src/errors.ts";
import { daysBetween } from "../src/domain/zoned_time.ts";
import { LocalDate, orderedRange } from "../src/http/schemas.ts";
import { authenticate, authorize } from "../src/http/auth_middleware.ts";
import { ADVICE_LANGUAGES } from "../src/recommend/advice.ts";
import { QUESTIONNAIRE, scorePrakriti, SOURCES } from "../src/recommend/prakriti.ts";
import type { PrakritiStore } from "../src/recommend/prakriti_store.ts";
import { lazyRecommendationService } from "../src/recommend/lazy_recommendation_service.ts";
import { RED_FLAGS, URGENT_FLAGS } from "../src/recommend/red_flags.ts";
import { bearer, jsonBody, jsonResponse, problems, router } from "./_openapi.ts";

const RecommendBody = z.object({
  symptoms: z.string().trim().min(2).max(1000),
  city: z.string().trim().min(1).max(80).optional(),
  language: z.string().trim().min(2).max(8).optional(),
  from: LocalDate.optional(),
  to: LocalDate.optional(),
  limit: z.number().int().min(1).max(20).default(5),
}).strict().refine(...orderedRange).openapi("RecommendRequest");

const RecommendResponse = z.object({
  triage: z.enum(["emergency", "urgent", "routine"]).describe(
    "Safety triage. `emergency`: call 112 (or 108) now; `items` is then empty so nothing " +
      "invites booking instead. `urgent`: see a doctor today.",
  ),
  flags: z.array(z.enum([...RED_FLAGS, ...URGENT_FLAGS])).describe(
    "The emergency or urgent rules that fired, if any",
  ),
  language: z.enum(ADVICE_LANGUAGES).describe("Language of `advice` and `disclaimer`"),
  advice: z.string().optional().describe("What to do now; present for emergency and urgent"),
  disclaimer: z.string().describe("Guidance to find the right kind of doctor, not a diagnosis"),
  matched: z.array(z.object({
    specialization: z.string(),
    share: z.number(),
    terms: z.array(z.string()).describe("Lexicon terms matched"),
    evidence: z.array(z.string()).describe("The words the trained model weighed most"),
  })),
  items: z.array(z.object({
    doctor: z.object({
      id: z.string(),
      name: z.string(),
      city: z.string(),
      languages: z.array(z.string()),
    }),
    score: z.number(),
    specializations: z.array(z.string()),
    reason: z.string(),
    nextSlot: z.object({ start: z.string(), end: z.string() }),
  })),
}).openapi("Recommendations");

const Texts = z.object({ en: z.string(), hi: z.string() });
const Questionnaire = z.object({
  questions: z.array(z.object({
    id: z.string(),
    text: Texts,
    // Which dosha an option counts for is not shown: it would steer the answers.
    options: z.array(z.object({ id: z.string(), text: Texts })),
  })),
  sources: z.array(z.string()),
}).openapi("PrakritiQuestionnaire");

const AssessmentBody = z.object({
  // One answer per question, each one of that question's option ids (scorePrakriti checks again).
  answers: z.object(Object.fromEntries(
    QUESTIONNAIRE.map((q) => [q.id, z.enum(q.options.map((o) => o.id) as [string, ...string[]])]),
  )).strict(),
}).strict().openapi("PrakritiAnswers");

const Assessment = z.object({
  scores: z.object({ vata: z.number(), pitta: z.number(), kapha: z.number() }),
  type: z.enum(["vata", "pitta", "kapha", "vata-pitta", "pitta-kapha", "vata-kapha", "sama"]),
  doshas: z.array(z.enum(["vata", "pitta", "kapha"])),
  assessedAt: z.string(),
}).openapi("PrakritiAssessment");

export function recommendationRoutes(deps: AppDeps & { prakriti: PrakritiStore }) {
  const app = router();
  const auth = authenticate(deps.tokens);
  const service = lazyRecommendationService(deps);

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/recommendations",
      tags: ["recommendations"],
      summary: "Triage free-text symptoms and rank doctors with a bookable slot",
      description: "Guidance, not a diagnosis. Understands English, Hindi (Devanagari and " +
        "romanised), Bengali, Telugu, Marathi, Tamil, Gujarati, Kannada, Malayalam, Punjabi, " +
        "Odia and Urdu. Red flags (chest pain spreading to the arm or jaw, stroke signs, " +
        "breathing difficulty, suicidal thoughts, snake bite or poisoning, heavy bleeding, " +
        "seizures, high fever in an infant) answer `triage: emergency` with advice to call 112 " +
        "(or 108) in the patient's language and no doctors. The symptom text is never logged " +
        "or stored.",
      request: jsonBody(RecommendBody),
      responses: { 200: jsonResponse(RecommendResponse, "Ranked doctors"), 400: problems[400] },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const days = deps.config.MAX_SLOT_RANGE_DAYS;
      if (body.from && body.to && daysBetween(body.from, body.to) + 1 > days) {
        throw new ValidationError(`At most ${days} days can be searched at once`, [
          { path: "to", message: `must be at most ${days - 1} days after \`from\`` },
        ]);
      }
      // The patient's prakriti does not change the ranking (see src/recommend/prakriti.ts).
      return c.json(await service.recommend(body), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/prakriti/questionnaire",
      tags: ["recommendations"],
      summary: "The prakriti questionnaire (English and Hindi texts)",
      responses: {
        200: jsonResponse(Questionnaire, "Questions"),
      },
    }),
    (c) =>
      c.json({
        questions: QUESTIONNAIRE.map((x) => ({
          id: x.id,
          text: x.text,
          options: x.options.map((o) => ({ id: o.id, text: o.text })),
        })),
        sources: [...SOURCES],
      }, 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/prakriti/assessments",
      tags: ["recommendations"],
      summary: "Score and store the caller's prakriti",
      security: bearer,
      middleware: [auth, authorize("prakriti.assess")] as const,
      request: jsonBody(AssessmentBody),
      responses: {
        201: jsonResponse(Assessment, "Stored"),
        400: problems[400],
        401: problems[401],
        403: problems[403],
      },
    }),
    async (c) => {
      const { answers } = c.req.valid("json");
      let result;
      try {
        result = scorePrakriti(answers);
      } catch (err) {
        throw new ValidationError((err as Error).message);
      }
      const assessment = {
        patientId: c.get("user").id,
        ...result,
        answers,
        assessedAt: new Date(deps.now()).toISOString(),
      };
      await deps.prakriti.save(assessment);
      const { scores, type, doshas, assessedAt } = assessment;
      return c.json({ scores, type, doshas, assessedAt }, 201);
    },
  );

  return app;
}
