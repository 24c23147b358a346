/**
 * Rendering report rows: an aligned text table, RFC 4180 CSV, and an SVG bar chart of
 * utilisation (self-contained, no fonts or scripts fetched). Rows carry counts only, no people.
 */

export interface ReportRow {
  group: string;
  bookings: number;
  cancellations: number;
  noShows: number;
  completed: number;
  bookedMinutes: number;
  offeredMinutes: number;
}

export const COLUMNS = [
  "group",
  "bookings",
  "cancellations",
  "no_shows",
  "completed",
  "booked_minutes",
  "offered_minutes",
  "utilisation_pct",
] as const;

export function utilisation(r: ReportRow): number {
  return r.offeredMinutes > 0 ? Math.round((r.bookedMinutes / r.offeredMinutes) * 1000) / 10 : 0;
}

function cells(r: ReportRow): string[] {
  return [
    r.group,
    String(r.bookings),
    String(r.cancellations),
    String(r.noShows),
    String(r.completed),
    String(r.bookedMinutes),
    String(r.offeredMinutes),
    utilisation(r).toFixed(1),
  ];
}

export function toTable(rows: ReportRow[]): string {
  const all = [[...COLUMNS] as string[], ...rows.map(cells)];
  const widths = COLUMNS.map((_, i) => Math.max(...all.map((row) => row[i].length)));
  return all.map((row) =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ")
  ).join("\n");
}

/**
 * One CSV cell. A cell a spreadsheet would run as a formula (=, +, -, @, a tab or CR first) gets
 * a leading apostrophe: patients write the reasons an export carries.
 */
export function csvField(value: string): string {
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: ReportRow[]): string {
  return [COLUMNS.join(","), ...rows.map((r) => cells(r).map(csvField).join(","))].join("\n");
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** Horizontal bars of utilisation per group, 0–100 %, one bar per row (at most 40). */
export function toSvg(rows: ReportRow[], title: string): string {
  const shown = rows.slice(0, 40);
  const barH = 18;
  const gap = 6;
  const left = 220;
  const width = 720;
  const plot = width - left - 60;
  const top = 40;
  const height = top + shown.length * (barH + gap) + 20;
  const bars = shown.map((r, i) => {
    const y = top + i * (barH + gap);
    const pct = utilisation(r);
    const w = Math.max(0, Math.min(100, pct)) / 100 * plot;
    return [
      `<text x="${left - 8}" y="${y + 13}" text-anchor="end">${escapeXml(r.group)}</text>`,
      `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="#2f7d4f"/>`,
      `<text x="${(left + w + 6).toFixed(1)}" y="${y + 13}">${pct.toFixed(1)}%</text>`,
    ].join("");
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    `<text x="${left}" y="22" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    ...bars,
    `</svg>`,
  ].join("\n") + "\n";
}
