/** Text renderings of a grow manifest (`grow --status`) and of a plan (`grow --dry-run`). */
import type { GrowManifest, ManifestCell } from "./manifest.js";
import type { GrowPlan } from "./run.js";

/** Rows a cell has now: all of them once merged, else existing + new rows kept so far (at most the need). */
export function cellRows(cell: ManifestCell): number {
  return cell.status === "complete"
    ? cell.counts.merged
    : cell.counts.existing + Math.min(cell.counts.kept, cell.need);
}

/** The target of a cell: the manifest's recorded target setting. */
function targetOf(manifest: GrowManifest): number | undefined {
  const t = manifest.config.target;
  return typeof t === "number" ? t : undefined;
}

/** A table of every data set × length (status, stage, rows/target, rounds) and a totals line. */
export function renderStatus(manifest: GrowManifest): string {
  const target = targetOf(manifest);
  const rows = manifest.cells.map((c) => [
    c.dataset,
    String(c.length),
    c.status,
    c.stage ?? "-",
    `${cellRows(c)}/${target ?? "?"}`,
    String(c.rounds.length),
  ]);
  const lines = table(["dataset", "length", "status", "stage", "rows/target", "rounds"], rows, [1, 4, 5]);
  const by = (s: ManifestCell["status"]) => manifest.cells.filter((c) => c.status === s).length;
  const have = manifest.cells.reduce((s, c) => s + cellRows(c), 0);
  const want = target === undefined ? "?" : String(target * manifest.cells.length);
  const rounds = manifest.cells.reduce((s, c) => s + c.rounds.length, 0);
  lines.push(
    `total: ${by("complete")} complete, ${by("in_progress")} in progress, ${by("pending")} pending, ${by("failed")} failed; ${have}/${want} rows; ${rounds} rounds`,
  );
  for (const c of manifest.cells)
    if (c.error !== null)
      lines.push(`${c.dataset} ${c.length}: ${c.status === "failed" ? "failed" : "stopped"}: ${c.error}`);
  return `${lines.join("\n")}\n`;
}

/** The dry-run plan: per data set its start position, per length the first window. */
export function renderPlan(plan: GrowPlan): string {
  const out: string[] = [];
  for (const d of plan.datasets) {
    out.push(
      `${d.name}: ${d.questions} questions, key ${d.keyField}, new windows from position ${d.start}` +
        (d.unknownUsed > 0 ? ` (${d.unknownUsed} used ids not in the data set file)` : ""),
    );
    const rows = d.cells.map((c) => [
      String(c.length),
      String(c.existingRows),
      String(c.need),
      c.window ? `[${c.window.start}, ${c.window.end})` : c.need > 0 ? "no questions left" : "-",
      c.existing ?? "(none)",
    ]);
    out.push(
      ...table(["length", "existing", "need", "first window", "existing set"], rows, [0, 1, 2]).map(
        (l) => `  ${l}`,
      ),
    );
  }
  return `${out.join("\n")}\n`;
}

/** Columns padded to their widest cell; columns in `right` are right-aligned. */
function table(head: string[], rows: string[][], right: number[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.includes(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(head), ...rows.map(line)];
}
