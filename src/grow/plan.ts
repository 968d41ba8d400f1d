/**
 * The pure part of growing: where new windows start, how big they are, which questions count as used, and the
 * file names of every round. No I/O here.
 */
import { join } from "node:path";
import type { QaRecord } from "../corpus/types.js";
import type { KeyField } from "./existing.js";

/**
 * The first position new windows may use: `startPosition` when given, else one past the last position in
 * `questions` of any used question (by id; by `source_index` the largest used index + 1). Used ids the
 * question list does not hold are counted in `unknown`.
 */
export function initialCursor(
  questions: readonly Pick<QaRecord, "id">[],
  used: ReadonlySet<string>,
  keyField: KeyField,
  startPosition: number | undefined,
): { start: number; unknown: number } {
  let last = -1;
  let found = 0;
  if (keyField === "id") {
    questions.forEach((q, i) => {
      if (used.has(q.id)) {
        last = i;
        found++;
      }
    });
  } else {
    for (const k of used) last = Math.max(last, Number(k));
    found = used.size;
  }
  const unknown = keyField === "id" ? countUnknown(questions, used, found) : 0;
  return { start: startPosition ?? last + 1, unknown };
}

function countUnknown(
  questions: readonly Pick<QaRecord, "id">[],
  used: ReadonlySet<string>,
  found: number,
): number {
  // A corpus may hold an id twice; count distinct used ids present.
  const present = new Set<string>();
  if (found > 0) for (const q of questions) if (used.has(q.id)) present.add(q.id);
  return used.size - present.size;
}

/** The next window: `ceil(need × oversample)` questions from the cursor, cut at the end of the list. */
export function nextWindow(
  cursor: number,
  need: number,
  oversample: number,
  total: number,
): { start: number; end: number } | undefined {
  if (cursor >= total || need <= 0) return undefined;
  return { start: cursor, end: Math.min(total, cursor + Math.ceil(need * oversample - 1e-9)) };
}

/** The key of the question at a position: its id, or the position itself under `source_index`. */
function questionKey(questions: readonly Pick<QaRecord, "id">[], position: number, field: KeyField): string {
  return field === "id" ? (questions[position] as QaRecord).id : String(position);
}

/**
 * Keys a new window must not reuse: every existing set's questions, plus every question of the data set's
 * earlier windows (positions [start, windowStart): windows are allocated contiguously from `start`).
 */
export function takenKeys(
  existing: ReadonlySet<string>,
  questions: readonly Pick<QaRecord, "id">[],
  field: KeyField,
  start: number,
  windowStart: number,
): Set<string> {
  const taken = new Set(existing);
  for (let p = start; p < windowStart; p++) taken.add(questionKey(questions, p, field));
  return taken;
}

/** `{out}/work/{dataset}/max_seq_{L}/round-{r}`: every file of one round lives below. */
export function roundDir(out: string, dataset: string, length: number, round: number): string {
  return join(out, "work", dataset, `max_seq_${length}`, `round-${round}`);
}

/**
 * The merged set's file name: the existing name with `num_sample_{N}` → `num_sample_{target}`; without an
 * existing set, `{subset}-num_sample_{target}-max_seq_{L}-{tag}-{swift-filtered|cleaned}.jsonl`.
 */
export function mergedName(
  existing: string | undefined,
  o: { target: number; length: number; subset: string; modelTag: string; mode: "filter" | "clean" },
): string {
  if (existing === undefined)
    return `${o.subset}-num_sample_${o.target}-max_seq_${o.length}-${o.modelTag}-${o.mode === "filter" ? "swift-filtered" : "cleaned"}.jsonl`;
  if (/num_sample_\d+/.test(existing)) return existing.replace(/num_sample_\d+/, `num_sample_${o.target}`);
  return existing.replace(/(\.jsonl)?$/, `-grown_${o.target}.jsonl`);
}
