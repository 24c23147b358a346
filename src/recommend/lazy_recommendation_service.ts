/**
 * The recommendation service, loaded on its first use rather than at start-up: the trained model
 * (model.json, ~1 MB of JSON turned into ~9 MB of weights) and the compiled lexicon and red-flag
 * indexes were a tenth of the time to the first response and ~30 MB of RSS in every process,
 * although most requests never ask for a recommendation (docs/BENCHMARKS.md, issue 15). Once
 * loaded it is the same pure, synchronous scorer, shared by every caller of the process.
 */
import type { createRecommendationService, RecommendQuery } from "./recommendation_service.ts";

type RecommendationService = ReturnType<typeof createRecommendationService>;
type ServiceDeps = Parameters<typeof createRecommendationService>[0];
export type Recommendations = Awaited<ReturnType<RecommendationService["recommend"]>>;

let loading: Promise<typeof import("./recommendation_service.ts")> | undefined;

/** Loads the scorer's modules once per process; a failed load is tried again by the next call. */
function loadScorer() {
  loading ??= import("./recommendation_service.ts").catch((err) => {
    loading = undefined;
    throw err;
  });
  return loading;
}

/** `createRecommendationService(deps)`, with the model and lexicon loaded on the first call. */
export function lazyRecommendationService(deps: ServiceDeps) {
  let service: RecommendationService | undefined;
  return {
    async recommend(q: RecommendQuery): Promise<Recommendations> {
      service ??= (await loadScorer()).createRecommendationService(deps);
      return service.recommend(q);
    },
  };
}
