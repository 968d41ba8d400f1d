/** Report sections → one self-contained HTML page: inline CSS, inline SVG charts, no scripts, no URLs. */
import { renderChartSvg } from "./chart-svg.js";
import type { ReportSection, Table } from "./section.js";
import { cellText, isNumericCell } from "./text-table.js";

/** The defaults {@link resolveHtmlOptions} fills in. */
export const HTML_DEFAULTS = { title: "keychain-synth report" } as const;

export interface HtmlOptions {
  /** Page title and heading. @default "keychain-synth report" */
  title?: string;
  /** A line under the heading (e.g. the input files or a date the caller chose); none by default, so the
   * page depends only on the data. @default undefined */
  subtitle?: string;
  /** Chart renderer (injectable for tests). @default renderChartSvg */
  renderChart?: (spec: Record<string, unknown>) => Promise<string>;
}

export interface ResolvedHtmlOptions {
  title: string;
  subtitle: string | undefined;
  renderChart: (spec: Record<string, unknown>) => Promise<string>;
}

export function resolveHtmlOptions(o: HtmlOptions = {}): ResolvedHtmlOptions {
  return {
    title: o.title ?? HTML_DEFAULTS.title,
    subtitle: o.subtitle,
    renderChart: o.renderChart ?? renderChartSvg,
  };
}

/** Escape text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

const CSS = `
:root { color-scheme: light; --fg: #1d1d1f; --muted: #5f6368; --rule: #dadce0; --band: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  color: var(--fg); background: #fff; }
main { max-width: 1040px; margin: 0 auto; padding: 32px 24px 64px; }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 44px 0 8px; padding-top: 12px; border-top: 1px solid var(--rule); }
h3 { font-size: 15px; margin: 24px 0 6px; }
p.subtitle, p.intro, p.note, figcaption { color: var(--muted); }
p.note { font-size: 13px; margin: 6px 0 0; }
nav { background: var(--band); border: 1px solid var(--rule); border-radius: 6px; padding: 10px 18px; margin: 20px 0; }
nav ol { margin: 4px 0; padding-left: 20px; columns: 2; }
a { color: #1a5fb4; text-decoration: none; }
a:hover { text-decoration: underline; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--rule); white-space: nowrap; }
th { text-align: left; background: var(--band); font-weight: 600; white-space: normal; vertical-align: bottom; }
td.num, th.num { text-align: right; }
td.wrap { white-space: normal; overflow-wrap: anywhere; min-width: 14em; }
tbody tr:hover { background: #fafafa; }
figure { margin: 20px 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 13px; max-width: 720px; }
`;

/**
 * The whole page. Deterministic: the same sections and options give byte-identical HTML (no timestamps unless
 * the caller puts one in `subtitle`).
 */
export async function renderReportHtml(
  sections: readonly ReportSection[],
  options: HtmlOptions = {},
): Promise<string> {
  const o = resolveHtmlOptions(options);
  const parts: string[] = [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(o.title)}</title>`,
    `<style>${CSS}</style>`,
    "</head>",
    "<body>",
    "<main>",
    `<h1>${escapeHtml(o.title)}</h1>`,
  ];
  if (o.subtitle) parts.push(`<p class="subtitle">${escapeHtml(o.subtitle)}</p>`);
  parts.push('<nav aria-label="Contents"><strong>Contents</strong><ol>');
  for (const s of sections) parts.push(`<li><a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a></li>`);
  parts.push("</ol></nav>");
  for (const s of sections) parts.push(await sectionHtml(s, o));
  parts.push("</main>", "</body>", "</html>", "");
  return parts.join("\n");
}

async function sectionHtml(s: ReportSection, o: ResolvedHtmlOptions): Promise<string> {
  const out = [`<section id="${escapeHtml(s.id)}">`, `<h2>${escapeHtml(s.title)}</h2>`];
  if (s.intro) out.push(`<p class="intro">${escapeHtml(s.intro)}</p>`);
  for (const t of s.tables) out.push(tableHtml(t));
  for (const c of s.charts) {
    const svg = await o.renderChart(c.spec);
    out.push(
      `<figure aria-label="${escapeHtml(c.title)}">`,
      svg,
      ...(c.caption ? [`<figcaption>${escapeHtml(c.caption)}</figcaption>`] : []),
      "</figure>",
    );
  }
  out.push("</section>");
  return out.join("\n");
}

/**
 * Text columns with a cell longer than this (file paths, skip reasons, long dataset names) may wrap, anywhere
 * if need be, so that the table fits the page. Headers wrap at spaces and dashes (`0.0–` / `0.1`).
 */
const WRAP_AFTER_CHARS = 24;

/** The class of each column: `num` (right-aligned), `wrap` (long text, may break anywhere) or none. */
function columnClasses(t: Table): string[] {
  return t.columns.map((_, i) => {
    if (t.rows.length > 0 && t.rows.every((r) => isNumericCell(r[i]))) return "num";
    return t.rows.some((r) => cellText(r[i] ?? null).length > WRAP_AFTER_CHARS) ? "wrap" : "";
  });
}

function tableHtml(t: Table): string {
  const classes = columnClasses(t);
  const cls = (i: number) => (classes[i] ? ` class="${classes[i]}"` : "");
  const thCls = (i: number) => (classes[i] === "num" ? ' class="num"' : "");
  const head = t.columns.map((c, i) => `<th scope="col"${thCls(i)}>${escapeHtml(c)}</th>`).join("");
  const body = t.rows
    .map(
      (r) =>
        `<tr>${t.columns.map((_, i) => `<td${cls(i)}>${escapeHtml(cellText(r[i] ?? null))}</td>`).join("")}</tr>`,
    )
    .join("\n");
  return [
    `<h3>${escapeHtml(t.title)}</h3>`,
    '<div class="table-wrap"><table>',
    `<thead><tr>${head}</tr></thead>`,
    `<tbody>${t.rows.length > 0 ? `\n${body}\n` : `<tr><td colspan="${t.columns.length}">(no rows)</td></tr>`}</tbody>`,
    "</table></div>",
    ...(t.note ? [`<p class="note">${escapeHtml(t.note)}</p>`] : []),
  ].join("\n");
}
