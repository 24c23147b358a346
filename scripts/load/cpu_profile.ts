/**
 * Summarises a V8 `.cpuprofile` (from `deno run --cpu-prof`): self time by function and by
 * where the code lives (our src/ and routes/, hono, zod, jose, Deno's runtime, idle/GC), so the
 * benchmark report can say what limits throughput from a measurement rather than a guess.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  byArea: { area: string; ms: number; share: number }[];
  topFunctions: { fn: string; ms: number; share: number }[];
}

function areaOf(f: CallFrame): string {
  const u = f.url;
  if (!u) {
    if (f.functionName === "(idle)") return "idle";
    if (f.functionName === "(garbage collector)") return "gc";
    return `native ${f.functionName || "(anonymous)"}`;
  }
  if (u.startsWith("ext:") || u.startsWith("node:")) return `deno runtime (${u.split("/")[0]})`;
  const npm = /\/npm\/registry\.npmjs\.org\/((?:@[^/]+\/)?[^/]+)\//.exec(u);
  if (npm) return `npm ${npm[1]}`;
  const ours = /\/(src|routes)\/(.+?)(\.tsx?)?$/.exec(u);
  if (ours) return `${ours[1]}/${ours[2].split("/")[0]}`;
  return u.replace(/^file:\/\//, "").split("/").slice(-2).join("/");
}

export async function summariseProfile(path: string, top = 25): Promise<ProfileSummary> {
  const p = JSON.parse(await Deno.readTextFile(path)) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    total += us;
    const area = areaOf(f);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const where = f.url ? `${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}` : "";
    const name = `${f.functionName || "(anonymous)"} ${where}`.trim();
    fns.set(name, (fns.get(name) ?? 0) + us);
  }
  const rank = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => ({
      k,
      ms: Math.round(us / 1000),
      share: Math.round((us / total) * 1000) / 10,
    }));
  return {
    file: path,
    totalMs: Math.round(total / 1000),
    byArea: rank(areas).map(({ k, ms, share }) => ({ area: k, ms, share })),
    topFunctions: rank(fns).map(({ k, ms, share }) => ({ fn: k, ms, share })),
  };
}

export function renderProfile(s: ProfileSummary): string {
  return [
    `## CPU profile of the server (${s.totalMs} ms sampled)`,
    "",
    "| area | self ms | share |",
    "| --- | ---: | ---: |",
    ...s.byArea.map((a) => `| ${a.area} | ${a.ms} | ${a.share}% |`),
    "",
    "| function | self ms | share |",
    "| --- | ---: | ---: |",
    ...s.topFunctions.map((f) => `| \`${f.fn}\` | ${f.ms} | ${f.share}% |`),
    "",
  ].join("\n");
}
