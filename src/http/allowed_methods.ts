/**
 * The methods an app serves at a path, read from its own route table, so a known path called with
 * another method answers 405 with `Allow` (DESIGN.md) instead of a 404. Middleware entries
 * (method ALL) do not count. The table is read once, on first use, when every route is mounted.
 */
interface RouteEntry {
  method: string;
  path: string;
}

function patternOf(path: string): RegExp {
  let out = "";
  for (let i = 0; i < path.length;) {
    const param = /^:\w+(\{((?:[^{}]|\{[^{}]*\})*)\})?\??/.exec(path.slice(i));
    if (param) {
      out += param[2] ? `(?:${param[2]})` : "[^/]+";
      i += param[0].length;
    } else if (path[i] === "*") {
      out += ".*";
      i++;
    } else {
      out += path[i].replace(/[.+?^${}()|[\]\\]/g, "\\$&");
      i++;
    }
  }
  return new RegExp(`^${out}/?$`);
}

export function createAllowedMethods(routes: () => readonly RouteEntry[]) {
  let table: { method: string; pattern: RegExp }[] | null = null;
  return function allowedMethods(path: string): string[] {
    table ??= routes()
      .filter((r) => r.method !== "ALL" && r.path !== "*" && !r.path.endsWith("/*"))
      .map((r) => ({ method: r.method, pattern: patternOf(r.path) }));
    const methods = new Set(table.filter((r) => r.pattern.test(path)).map((r) => r.method));
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods].sort();
  };
}
