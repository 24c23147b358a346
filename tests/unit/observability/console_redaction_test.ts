import assert from "node:assert/strict";
import { routeConsoleToLog } from "../../../src/observability/console_json.ts";
import { createLogger } from "../../../src/observability/logger.ts";

Deno.test("routeConsoleToLog() drops sensitive fields of an object a library prints", () => {
  const lines: string[] = [];
  const restore = routeConsoleToLog(createLogger({ level: "debug", write: (l) => lines.push(l) }));
  try {
    console.warn("retrying write", { doc: { reason: "chest pain at night", notes: "ECG due" } });
    console.error(new Error("write failed", { cause: { symptoms: "breathless on stairs" } }));
  } finally {
    restore();
  }
  const text = lines.join("\n");
  for (const medical of ["chest pain", "ECG due", "breathless"]) {
    assert.equal(text.includes(medical), false, text);
  }
  assert.match(text, /retrying write/);
  assert.match(text, /write failed/);
});
