/**
 * Reads a Dockerfile into instructions: continuation lines joined, comments dropped, and the
 * JSON (exec) form of CMD / HEALTHCHECK CMD parsed into argument lists.
 */
export interface Instruction {
  name: string;
  args: string;
}

export function parseDockerfile(source: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = "";
  for (const raw of source.split("\n")) {
    const line = raw.trimEnd();
    if (pending === "" && /^\s*#/.test(line)) continue;
    if (line.endsWith("\\")) {
      pending += line.slice(0, -1) + " ";
      continue;
    }
    const full = (pending + line).trim();
    pending = "";
    if (full === "") continue;
    const m = /^([A-Za-z]+)\s+(.*)$/.exec(full);
    if (!m) throw new SyntaxError(`Cannot parse Dockerfile line: ${full}`);
    out.push({ name: m[1].toUpperCase(), args: m[2].trim() });
  }
  return out;
}

/** The exec-form argument list of `CMD [...]` (or the CMD part of a HEALTHCHECK). */
export function execForm(args: string): string[] {
  const at = args.indexOf("[");
  const list = JSON.parse(args.slice(at));
  if (!Array.isArray(list) || !list.every((a) => typeof a === "string")) {
    throw new SyntaxError(`Not an exec-form argument list: ${args}`);
  }
  return list;
}
