import { basename, join } from "node:path";
import { writeLinesAtomic } from "../stages/stage-files.js";
import { type CellContext, CellFailure } from "./cell-context.js";
import { readSetRows, rowKey, type SetRow } from "./existing.js";
import { mergedName } from "./plan.js";

/**
 * A cell's merged set: the existing rows + the first `need` new rows in window order, deduplicated by question
 * key, written atomically; the cell is then complete. Too few usable rows is a {@link CellFailure}.
 */
export async function mergeCell(x: CellContext): Promise<void> {
  const { config, cell, existing, ds } = x;
  cell.stage = "merge";
  x.emit({ type: "stage-start", dataset: cell.dataset, length: cell.length, round: 0, stage: "merge" });
  const last = config.sft.mode === "filter" ? "filter" : "clean";
  const seen = new Set(existing.rows.map((r) => rowKey(r, ds.keyField)));
  const taken: SetRow[] = [];
  for (const round of cell.rounds) {
    const f = round.files[last];
    if (f === undefined || taken.length >= cell.need) continue;
    for (const row of await readSetRows(x.abs(f))) {
      if (taken.length >= cell.need) break;
      const key = rowKey(row, ds.keyField);
      if (seen.has(key)) continue;
      seen.add(key);
      taken.push(row);
    }
  }
  if (taken.length < cell.need)
    throw new CellFailure(`merge found ${taken.length} usable new rows, ${cell.need} needed`);
  const name = mergedName(existing.path === undefined ? undefined : basename(existing.path), {
    target: config.target,
    length: cell.length,
    subset: config.plain.subset,
    modelTag: config.sft.modelTag,
    mode: config.sft.mode,
  });
  const out = join(config.out, "merged", cell.dataset, name);
  await writeLinesAtomic(
    out,
    [...existing.rows, ...taken].map((r) => r.text),
  );
  cell.files.merged = x.rel(out);
  cell.counts.merged = existing.rows.length + taken.length;
  cell.stages_completed = [...cell.stages_completed.filter((s) => s !== "merge"), "merge"];
  cell.status = "complete";
  cell.finished_at = x.now();
  x.emit({
    type: "stage-done",
    dataset: cell.dataset,
    length: cell.length,
    round: 0,
    stage: "merge",
    skipped: false,
    count: cell.counts.merged,
  });
}
