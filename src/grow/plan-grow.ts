import { CorpusMemo } from "../run/corpus-memo.js";
import type { GrowConfig } from "./config.js";
import type { ExistingSet, KeyField } from "./existing.js";
import { loadGrowDataset } from "./load-dataset.js";
import { initialCursor, nextWindow } from "./plan.js";

/** The plan of a fresh run: per data set, where new windows start; per length, the first window. */
export interface GrowPlan {
  datasets: {
    name: string;
    questions: number;
    keyField: KeyField;
    start: number;
    unknownUsed: number;
    cells: {
      length: number;
      existing: string | undefined;
      existingRows: number;
      need: number;
      window?: { start: number; end: number };
    }[];
  }[];
}

/**
 * What a run would do first, without writing anything: each data set's start position and each length's first
 * window, assuming every earlier window yields enough rows (later rounds, if needed, follow on).
 */
export async function planGrow(config: GrowConfig): Promise<GrowPlan> {
  const plan: GrowPlan = { datasets: [] };
  for (const [di, spec] of config.datasets.entries()) {
    const ds = await loadGrowDataset(config, di, new CorpusMemo());
    const c = initialCursor(ds.questions, ds.used, ds.keyField, config.startPosition);
    let cursor = c.start;
    const cells = config.lengths.map((length, li) => {
      const existing = ds.existing[li] as ExistingSet;
      const need = config.target - existing.rows.length;
      const window = nextWindow(cursor, need, config.oversample, ds.questions.length);
      if (window) cursor = window.end;
      return {
        length,
        existing: existing.path,
        existingRows: existing.rows.length,
        need,
        ...(window ? { window } : {}),
      };
    });
    plan.datasets.push({
      name: spec.name,
      questions: ds.questions.length,
      keyField: ds.keyField,
      start: c.start,
      unknownUsed: c.unknown,
      cells,
    });
  }
  return plan;
}
