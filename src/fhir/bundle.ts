/**
 * FHIR response bodies that are not records: the `searchset` Bundle of every search (with
 * `total`, `fullUrl`s and self/next links) and the OperationOutcome of every error. Everything
 * under /fhir/R4 answers `application/fhir+json` through `fhirResponse`.
 */
import type { FhirResource } from "./resources.ts";

export const FHIR_JSON = "application/fhir+json";

export function fhirResponse(
  body: FhirResource,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...headers, "Content-Type": FHIR_JSON },
  });
}

export interface SearchPage {
  resources: FhirResource[];
  /** Omitted when counting every match would cost too much (FHIR makes `total` optional). */
  total?: number;
  /** The parameters that fetch the next page; absent on the last page. */
  next?: URLSearchParams;
}

/**
 * A searchset Bundle. `base` is the absolute FHIR base (`https://host/fhir/R4`); `params` are the
 * search parameters the server actually used, so the self link shows what was applied.
 */
export function searchsetBundle(
  base: string,
  resourceType: string,
  params: URLSearchParams,
  page: SearchPage,
): FhirResource {
  const url = (p: URLSearchParams) => {
    const query = p.toString();
    return `${base}/${resourceType}${query ? `?${query}` : ""}`;
  };
  const link = [{ relation: "self", url: url(params) }];
  if (page.next) link.push({ relation: "next", url: url(page.next) });
  const bundle: FhirResource = { resourceType: "Bundle", type: "searchset" };
  if (page.total !== undefined) bundle.total = page.total;
  bundle.link = link;
  bundle.entry = page.resources.map((resource) => ({
    fullUrl: `${base}/${resource.resourceType}/${resource.id}`,
    resource,
    search: { mode: "match" },
  }));
  return bundle;
}

/** FHIR issue-type codes (http://hl7.org/fhir/issue-type) for our HTTP statuses. */
const ISSUE_CODES: Record<number, string> = {
  400: "invalid",
  401: "login",
  403: "forbidden",
  404: "not-found",
  405: "not-supported",
  409: "conflict",
  413: "too-long",
  422: "processing",
  429: "throttled",
  503: "transient",
  504: "timeout",
};

export function issueCode(status: number): string {
  return ISSUE_CODES[status] ?? (status >= 500 ? "exception" : "processing");
}

export function operationOutcome(status: number, diagnostics: string): FhirResource {
  return {
    resourceType: "OperationOutcome",
    issue: [{ severity: status >= 500 ? "fatal" : "error", code: issueCode(status), diagnostics }],
  };
}
