export type { EphemeralStore } from "./ports.ts";
