/** Report sections as compact aligned plain-text tables for the terminal. */
import type { Cell, ReportSection, Table } from "./section.js";

/** How a missing value is shown. */
const MISSING = "–";

/** A cell as text: `null` → `–`, numbers as JavaScript prints them. */
export function cellText(cell: Cell): string {
  return cell === null ? MISSING : String(cell);
}

/** A number, a missing value or number-like text (`12–16`, `33.3%`): shown right-aligned. */
export function isNumericCell(cell: Cell | undefined): boolean {
  return (
    cell === null ||
    cell === undefined ||
    typeof cell === "number" ||
    /^-?[\d.]+(?:[–-][\d.]+)?%?$/.test(cell)
  );
}

function isNumericColumn(rows: readonly Cell[][], col: number): boolean {
  return rows.every((row) => isNumericCell(row[col]));
}

/**
 * One table: the title, a header, a rule, then the rows; columns two spaces apart, numbers right-aligned,
 * text left-aligned. The note (if any) follows, indented.
 */
export function formatTable(table: Table): string {
  const cells = table.rows.map((row) => table.columns.map((_, i) => cellText(row[i] ?? null)));
  const numeric = table.columns.map((_, i) => isNumericColumn(table.rows, i));
  const widths = table.columns.map((c, i) => Math.max(width(c), ...cells.map((r) => width(r[i] ?? ""))));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (numeric[i] ? pad(v, widths[i] ?? 0, "left") : pad(v, widths[i] ?? 0, "right")))
      .join("  ")
      .trimEnd();
  const out = [table.title, line(table.columns), widths.map((w) => "─".repeat(w)).join("  ")];
  for (const row of cells) out.push(line(row));
  if (table.rows.length === 0) out.push("(no rows)");
  if (table.note) out.push(`  ${table.note}`);
  return out.join("\n");
}

/**
 * Every section with tables: `== Title ==`, then its tables separated by blank lines. A section without tables
 * prints its intro instead (e.g. "None were skipped."); one with neither (charts only) is left out.
 */
export function formatSections(sections: readonly ReportSection[]): string {
  return `${sections
    .filter((s) => s.tables.length > 0 || s.intro)
    .map((s) =>
      [`== ${s.title} ==`, ...(s.tables.length > 0 ? s.tables.map(formatTable) : [s.intro])].join("\n\n"),
    )
    .join("\n\n")}\n`;
}

/** Display width in code points (the tables hold no wide characters but `–` and `─` count as one). */
function width(text: string): number {
  return [...text].length;
}

function pad(text: string, w: number, side: "left" | "right"): string {
  const fill = " ".repeat(Math.max(0, w - width(text)));
  return side === "left" ? fill + text : text + fill;
}
