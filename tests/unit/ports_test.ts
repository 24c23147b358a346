import assert from "node:assert/strict";
import { freePort } from "../_harness/ports.ts";

Deno.test("freePort() never hands out the same port twice in one process", () => {
  const ports = Array.from({ length: 300 }, () => freePort());
  assert.equal(new Set(ports).size, ports.length);
  for (const port of ports) assert.ok(port > 0 && port < 65_536);
});
