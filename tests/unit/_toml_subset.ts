/**
 * A parser for the TOML subset fly.toml uses: `[table]`, `[a.b]`, `[[array.of.tables]]`,
 * `key = value` with basic strings, integers, floats, booleans and one-line arrays of those, and
 * `#` comments. Anything else (multi-line strings, inline tables, dates) is a parse error, so a
 * file that outgrows the subset fails loudly instead of being misread.
 */
export type TomlValue = string | number | boolean | TomlValue[] | TomlTable | TomlTable[];
export interface TomlTable {
  [key: string]: TomlValue;
}

function stripComment(line: string): string {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"' && line[i - 1] !== "\\") inString = !inString;
    if (ch === "#" && !inString) return line.slice(0, i);
  }
  return line;
}

function parseValue(text: string, lineNo: number): TomlValue {
  const t = text.trim();
  if (t.startsWith('"')) {
    if (!t.endsWith('"') || t.length < 2) throw new SyntaxError(`line ${lineNo}: bad string`);
    return JSON.parse(t);
  }
  if (t === "true" || t === "false") return t === "true";
  if (/^[+-]?\d[\d_]*$/.test(t)) return Number(t.replace(/_/g, ""));
  if (/^[+-]?\d+\.\d+$/.test(t)) return Number(t);
  if (t.startsWith("[") && t.endsWith("]")) {
    const inner = t.slice(1, -1).trim();
    if (inner === "") return [];
    const parts = inner.match(/"(?:[^"\\]|\\.)*"|[^,\s][^,]*/g) ?? [];
    return parts.map((p) => parseValue(p, lineNo));
  }
  throw new SyntaxError(`line ${lineNo}: unsupported value ${t}`);
}

function descend(root: TomlTable, path: string[], lineNo: number): TomlTable {
  let node = root;
  for (const part of path) {
    const next = node[part] ?? (node[part] = {});
    const table = Array.isArray(next) ? next.at(-1) : next;
    if (!table || typeof table !== "object" || Array.isArray(table)) {
      throw new SyntaxError(`line ${lineNo}: ${part} is not a table`);
    }
    node = table as TomlTable;
  }
  return node;
}

export function parseTomlSubset(source: string): TomlTable {
  const root: TomlTable = {};
  let current = root;
  source.split("\n").forEach((raw, i) => {
    const lineNo = i + 1;
    const line = stripComment(raw).trim();
    if (line === "") return;
    const arrayTable = /^\[\[([\w.-]+)\]\]$/.exec(line);
    const table = /^\[([\w.-]+)\]$/.exec(line);
    if (arrayTable) {
      const path = arrayTable[1].split(".");
      const parent = descend(root, path.slice(0, -1), lineNo);
      const key = path.at(-1)!;
      const list = (parent[key] ??= []) as TomlTable[];
      if (!Array.isArray(list)) throw new SyntaxError(`line ${lineNo}: ${key} is not an array`);
      const entry: TomlTable = {};
      list.push(entry);
      current = entry;
    } else if (table) {
      current = descend(root, table[1].split("."), lineNo);
    } else {
      const kv = /^([\w-]+)\s*=\s*(.+)$/.exec(line);
      if (!kv) throw new SyntaxError(`line ${lineNo}: cannot parse "${line}"`);
      if (kv[1] in current) throw new SyntaxError(`line ${lineNo}: duplicate key ${kv[1]}`);
      current[kv[1]] = parseValue(kv[2], lineNo);
    }
  });
  return root;
}
