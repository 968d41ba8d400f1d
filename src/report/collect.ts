import { readFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { readJsonLines } from "../corpus/json-lines.js";
import { describeType, InputError, type Place } from "../errors.js";
import { serializePair } from "../keychain/pairs.js";
import { KEYCHAIN_USER_TEMPLATE } from "../prompt/templates.js";
import { DEPTH_BINS, type Summary, summarize, unitBin } from "./distribution.js";
import { detectRecordKind, type RecordKind } from "./kinds.js";

/**
 * Streaming statistics over pipeline outputs (plain, KeyChain, rollout and SFT JSONL files), grouped by
 * dataset × kind (plain or KeyChain) × target length. Records are read one line at a time and only numbers are kept, so a file of 128K
 * instances (~1 MB a line) is read in constant memory apart from one number per record per distribution.
 */

/** Dataset name used when a record has none and its file is in no folder. */
export const NO_DATASET = "(none)";

/**
 * The task a group's records pose: `plain` long-context QA or `keychain` (find the question by following the
 * chain first). Rollouts and SFT rows take the kind of the prompt they were made from.
 */
export type GroupKind = "plain" | "keychain";

/** The kinds in sort order (plain first). */
export const GROUP_KINDS: readonly GroupKind[] = ["plain", "keychain"];

/** How a KeyChain user message starts (the template's first line); plain prompts start otherwise. */
export const KEYCHAIN_PROMPT_START = KEYCHAIN_USER_TEMPLATE.slice(0, KEYCHAIN_USER_TEMPLATE.indexOf("\n"));

export interface CollectOptions {
  /** Read the `<file>.meta.json` sidecar next to each plain/KeyChain file for skipped samples. @default true */
  sidecars?: boolean;
  /** Called after each file is read (for progress output). */
  onFile?: (file: FileReport) => void;
}

/** {@link CollectOptions} with every default filled in. */
export interface ResolvedCollectOptions {
  sidecars: boolean;
  onFile: ((file: FileReport) => void) | undefined;
}

export function resolveCollectOptions(o: CollectOptions = {}): ResolvedCollectOptions {
  return { sidecars: o.sidecars ?? true, onFile: o.onFile };
}

/** One input file as read. */
export interface FileReport {
  path: string;
  /** Detected from the first record; `null` for a file without records. */
  kind: RecordKind | null;
  records: number;
  /** Path of the `.meta.json` sidecar that was read, or `null`. */
  sidecar: string | null;
  /** Samples the sidecar lists as skipped. */
  skipped: number;
}

/** The plain or KeyChain samples of a group (not rollouts: those are the same prompts again). */
export interface SampleStats {
  records: number;
  /** Prompt tokens (`prompt_length`). */
  promptLength: Summary;
  /** G = `length` − `prompt_length` (tokens left for generation): smallest and largest seen. */
  generation: { min: number; max: number };
  /** `prompt_length` / (`target_length` − G): how full the prompt budget is. */
  fill: Summary;
  /** Records whose `length` exceeds `target_length` (prompt over the budget): must be 0. */
  overBudget: number;
  /** Prompt-length histogram (for charts), with the budget as a bin edge. */
  lengthHistogram: LengthHistogram;
  numDocs: Summary;
  /** Gold documents seen (over all records). */
  goldDocs: number;
  /** Gold documents per relative-depth bin: (gold_position − 0.5) / num_docs in 10 equal bins. */
  goldDepth: number[];
}

/**
 * Prompt tokens in bins of `width` tokens, closed on the right: bin i counts prompts in
 * (lo + i·width, lo + (i+1)·width]. The first {@link BUDGET_BINS} bins end exactly at the group's budget
 * L − G, so a prompt that fills its budget is counted left of the budget line; prompts over the budget land in
 * the bins after it (at most {@link BUDGET_BINS} more, the last one open-ended).
 */
export interface LengthHistogram {
  lo: number;
  width: number;
  counts: number[];
}

/** Bins of a {@link LengthHistogram} up to the budget. */
export const BUDGET_BINS = 20;

export interface KeychainStats {
  records: number;
  chains: Summary;
  hops: Summary;
  numPairs: Summary;
  distractQuestions: Summary;
  /** Pairs of the true chain found in `distractor_context`. */
  chainPairs: number;
  /** Pairs of the true chain not found (should be 0; `verify` explains why). */
  chainPairsMissing: number;
  /** True-chain pairs per relative-depth bin: char offset / context length in 10 equal bins. */
  pairDepth: number[];
}

export interface SkipStats {
  total: number;
  /** Reasons with digits replaced by `N`, most frequent first (ties by reason). */
  reasons: { reason: string; count: number }[];
}

export interface RolloutStats {
  prompts: number;
  trajectories: number;
  /** Largest number of trajectories per prompt (the histogram's last bin). */
  maxSamples: number;
  /** Prompts per number of correct trajectories (index 0 … maxSamples). */
  passHistogram: number[];
  /** Means over all trajectories. */
  meanSubEm: number;
  meanEm: number;
  meanF1: number;
  /** Prompts whose trajectories are not all scored the same (they carry a learning signal). */
  nonConstant: number;
  allCorrect: number;
  allWrong: number;
}

export interface SftStats {
  rows: number;
  /** Distinct prompts (by `source_index`, else `id`). */
  prompts: number;
  /** Rows with `is_correct` = 1. */
  correctRows: number;
  /** Prompts with at least one correct row (kept by the best-trajectory rule). */
  keptPrompts: number;
  f1: Summary | null;
  /** Rows per f1 bin (10 equal bins over [0, 1]). */
  f1Histogram: number[];
}

/** Everything known about one dataset × kind × target length. */
export interface GroupStats {
  dataset: string;
  kind: GroupKind;
  /** Target length L; `null` when the records carry none (SFT rows, filter rollouts). */
  length: number | null;
  samples: SampleStats | null;
  keychain: KeychainStats | null;
  skips: SkipStats | null;
  rollouts: RolloutStats | null;
  sft: SftStats | null;
}

export interface ReportData {
  files: FileReport[];
  /** Sorted by dataset, then kind (plain first), then length (`null` last). */
  groups: GroupStats[];
}

/** Read every file (streamed, one after another) and summarise per dataset × kind × target length. */
export async function collectStats(
  files: readonly string[],
  options: CollectOptions = {},
): Promise<ReportData> {
  const o = resolveCollectOptions(options);
  const groups = new Map<string, GroupAccumulator>();
  const group = (dataset: string, kind: GroupKind, length: number | null): GroupAccumulator => {
    const key = JSON.stringify([dataset, kind, length]);
    let g = groups.get(key);
    if (!g) {
      g = new GroupAccumulator(dataset, kind, length);
      groups.set(key, g);
    }
    return g;
  };
  const reports: FileReport[] = [];
  for (const path of files) {
    const report = await readFile_(path, group);
    if (o.sidecars && report.kind !== "sft" && !report.kind?.startsWith("rollout"))
      await readSidecar(`${path}.meta.json`, report, group);
    reports.push(report);
    o.onFile?.(report);
  }
  const sorted = [...groups.values()].sort(compareGroups);
  return { files: reports, groups: sorted.map((g) => g.finish()) };
}

function compareGroups(a: GroupAccumulator, b: GroupAccumulator): number {
  if (a.dataset !== b.dataset) return a.dataset < b.dataset ? -1 : 1;
  if (a.kind !== b.kind) return GROUP_KINDS.indexOf(a.kind) - GROUP_KINDS.indexOf(b.kind);
  if (a.length === b.length) return 0;
  if (a.length === null) return 1;
  if (b.length === null) return -1;
  return a.length - b.length;
}

type GroupOf = (dataset: string, kind: GroupKind, length: number | null) => GroupAccumulator;

async function readFile_(path: string, group: GroupOf): Promise<FileReport> {
  const report: FileReport = { path, kind: null, records: 0, sidecar: null, skipped: 0 };
  try {
    for await (const { value, place } of readJsonLines(path)) {
      const kind = detectRecordKind(value);
      if (kind === undefined)
        throw new InputError(
          "not a plain, KeyChain, rollout or SFT record (expected an object with context + prompt_length, distractor_context + chain, trajectories, or messages)",
          place,
        );
      if (report.kind === null) report.kind = kind;
      else if (kind !== report.kind)
        throw new InputError(
          `expected a ${report.kind} record like the first one, got a ${kind} record`,
          place,
        );
      addRecord(new Fields(value as Record<string, unknown>, place), kind, group, folderName(path));
      report.records++;
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read the file: ${(e as Error).message}`, { file: path }, { cause: e });
  }
  return report;
}

/** The name of the folder a file is in (`trajectories/hotpotqa/x.jsonl` → `hotpotqa`), or {@link NO_DATASET}. */
function folderName(path: string): string {
  return basename(dirname(resolve(path))) || NO_DATASET;
}

/** `fallbackDataset` names records that carry no `dataset` (rollouts of filter records, SFT rows of other tools). */
function addRecord(f: Fields, kind: RecordKind, group: GroupOf, fallbackDataset: string): void {
  switch (kind) {
    case "plain":
    case "keychain": {
      const g = group(f.str("dataset"), kind, f.num("target_length"));
      g.addSample(f);
      return;
    }
    case "rollout-plain":
    case "rollout-keychain": {
      const over = kind === "rollout-keychain" ? "keychain" : "plain";
      const g = group(f.optStr("dataset") ?? fallbackDataset, over, f.optNum("target_length") ?? null);
      g.addRollout(f);
      return;
    }
    case "sft": {
      const g = group(f.optStr("dataset") ?? fallbackDataset, sftKind(f), null);
      g.addSft(f);
      return;
    }
  }
}

/** An SFT row's kind: `keychain` when its first user message starts with the KeyChain prompt. */
function sftKind(f: Fields): GroupKind {
  const messages = f.arr("messages");
  for (const [i, m] of messages.entries()) {
    const message = f.obj(`messages[${i}]`, m);
    if (message.str("role") === "user")
      return message.str("content").startsWith(KEYCHAIN_PROMPT_START) ? "keychain" : "plain";
  }
  return f.invalid("messages", 'expected a message with role "user", found none');
}

async function readSidecar(path: string, report: FileReport, group: GroupOf): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new InputError(`cannot open the sidecar: ${(e as Error).message}`, { file: path }, { cause: e });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`not valid JSON: ${(e as Error).message}`, { file: path }, { cause: e });
  }
  const f = new Fields(value, { file: path });
  const options = f.obj("options");
  const summary = f.obj("summary");
  const skipped = summary.arr("skipped");
  const g = group(f.str("dataset"), sidecarKind(f, report), options.num("max_seq_length"));
  skipped.forEach((_, i) => {
    g.addSkip(summary.obj(`skipped[${i}]`, skipped[i]).str("reason"));
  });
  report.sidecar = path;
  report.skipped = skipped.length;
}

/**
 * The kind a sidecar's skips belong to: its `kind` field (`run/matrix.ts` writes `plain` or `keychain`), else
 * the kind of the data file it sits next to. It must agree with that file.
 */
function sidecarKind(f: Fields, report: FileReport): GroupKind {
  const kind = f.optStr("kind");
  const fileKind = report.kind === "plain" || report.kind === "keychain" ? report.kind : undefined;
  if (kind === undefined)
    return (
      fileKind ??
      f.invalid("kind", 'missing: needed to tell "plain" from "keychain" as the data file is empty')
    );
  if (kind !== "plain" && kind !== "keychain")
    return f.invalid("kind", `expected "plain" or "keychain", got ${JSON.stringify(kind)}`);
  if (fileKind !== undefined && kind !== fileKind)
    return f.invalid("kind", `says "${kind}" but the data file next to it holds ${fileKind} records`);
  return kind;
}

/** Typed field access that throws an {@link InputError} naming the place and the field. */
class Fields {
  private readonly record: Record<string, unknown>;
  constructor(
    value: unknown,
    private readonly place: Place,
    private readonly prefix = "",
  ) {
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new InputError(`expected an object, got ${describeType(value)}`, {
        ...place,
        ...(prefix ? { field: prefix } : {}),
      });
    this.record = value as Record<string, unknown>;
  }

  private fail(field: string, expected: string, got: unknown): never {
    return this.invalid(field, `expected ${expected}, got ${describeType(got)}`);
  }

  /** Throw an {@link InputError} about `field` of this object. */
  invalid(field: string, message: string): never {
    throw new InputError(message, { ...this.place, field: this.prefix ? `${this.prefix}.${field}` : field });
  }

  num(field: string): number {
    const v = this.record[field];
    if (typeof v !== "number" || !Number.isFinite(v)) this.fail(field, "a number", v);
    return v;
  }

  optNum(field: string): number | undefined {
    return this.record[field] === undefined || this.record[field] === null ? undefined : this.num(field);
  }

  str(field: string): string {
    const v = this.record[field];
    if (typeof v !== "string") this.fail(field, "a string", v);
    return v;
  }

  optStr(field: string): string | undefined {
    return this.record[field] === undefined || this.record[field] === null ? undefined : this.str(field);
  }

  arr(field: string): unknown[] {
    const v = this.record[field];
    if (!Array.isArray(v)) this.fail(field, "an array", v);
    return v;
  }

  numArr(field: string): number[] {
    const v = this.arr(field);
    v.forEach((x, i) => {
      if (typeof x !== "number" || !Number.isFinite(x)) this.fail(`${field}[${i}]`, "a number", x);
    });
    return v as number[];
  }

  strArr(field: string): string[] {
    const v = this.arr(field);
    v.forEach((x, i) => {
      if (typeof x !== "string") this.fail(`${field}[${i}]`, "a string", x);
    });
    return v as string[];
  }

  /** A nested object; `value` overrides the lookup (for array elements named like `skipped[3]`). */
  obj(field: string, value: unknown = this.record[field]): Fields {
    const name = this.prefix ? `${this.prefix}.${field}` : field;
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new InputError(`expected an object, got ${describeType(value)}`, { ...this.place, field: name });
    return new Fields(value, this.place, name);
  }
}

function bump(counts: number[], i: number): void {
  counts[i] = (counts[i] ?? 0) + 1;
}

class GroupAccumulator {
  // Samples
  private samples = 0;
  private readonly promptLengths: number[] = [];
  private readonly fills: number[] = [];
  private gMin = Number.POSITIVE_INFINITY;
  private gMax = Number.NEGATIVE_INFINITY;
  private overBudget = 0;
  private readonly numDocs: number[] = [];
  private goldDocs = 0;
  private readonly goldDepth = new Array<number>(DEPTH_BINS).fill(0);
  // KeyChain
  private readonly chains: number[] = [];
  private readonly hops: number[] = [];
  private readonly numPairs: number[] = [];
  private readonly distract: number[] = [];
  private chainPairs = 0;
  private chainPairsMissing = 0;
  private readonly pairDepth = new Array<number>(DEPTH_BINS).fill(0);
  // Skips
  private readonly reasons = new Map<string, number>();
  private skipTotal = 0;
  // Rollouts
  private prompts = 0;
  private trajectories = 0;
  private passHistogram: number[] = [];
  private subEm = 0;
  private em = 0;
  private f1 = 0;
  private nonConstant = 0;
  private allCorrect = 0;
  private allWrong = 0;
  // SFT
  private sftRows = 0;
  private correctRows = 0;
  private readonly sftF1: number[] = [];
  private readonly sftPrompts = new Map<string, boolean>();

  constructor(
    readonly dataset: string,
    readonly kind: GroupKind,
    readonly length: number | null,
  ) {}

  addSample(f: Fields): void {
    const target = f.num("target_length");
    const promptLength = f.num("prompt_length");
    const length = f.num("length");
    const numDocs = f.num("num_docs");
    const gold = f.numArr("gold_positions");
    const g = length - promptLength;
    this.promptLengths.push(promptLength);
    if (target - g > 0) this.fills.push(promptLength / (target - g));
    this.gMin = Math.min(this.gMin, g);
    this.gMax = Math.max(this.gMax, g);
    if (length > target) this.overBudget++;
    this.numDocs.push(numDocs);
    for (const p of gold) {
      this.goldDocs++;
      if (numDocs > 0) bump(this.goldDepth, unitBin((p - 0.5) / numDocs, DEPTH_BINS));
    }
    this.samples++;
    if (this.kind !== "keychain") return;
    this.chains.push(f.num("num_chains"));
    this.hops.push(f.num("hops"));
    this.numPairs.push(f.num("num_pairs"));
    this.distract.push(f.strArr("distract_questions").length);
    const chain = f.strArr("chain");
    const question = f.str("input");
    const context = f.str("distractor_context");
    for (const [i, key] of chain.entries()) {
      const pair = serializePair(key, chain[i + 1] ?? question);
      const at = context.indexOf(pair);
      if (at < 0) {
        this.chainPairsMissing++;
        continue;
      }
      this.chainPairs++;
      bump(this.pairDepth, unitBin(at / context.length, DEPTH_BINS));
    }
  }

  addSkip(reason: string): void {
    const key = reason.replace(/\d+/g, "N");
    this.reasons.set(key, (this.reasons.get(key) ?? 0) + 1);
    this.skipTotal++;
  }

  addRollout(f: Fields): void {
    const list = f.arr("trajectories");
    let correct = 0;
    let first: number | undefined;
    let constant = true;
    list.forEach((t, i) => {
      const tf = f.obj(`trajectories[${i}]`, t);
      const isCorrect = tf.num("is_correct");
      this.subEm += tf.num("sub_em");
      this.em += tf.num("em");
      this.f1 += tf.num("f1");
      correct += isCorrect;
      if (first === undefined) first = isCorrect;
      else if (isCorrect !== first) constant = false;
    });
    this.prompts++;
    this.trajectories += list.length;
    while (this.passHistogram.length <= list.length) this.passHistogram.push(0);
    bump(this.passHistogram, correct);
    if (!constant) this.nonConstant++;
    if (list.length > 0 && correct === list.length) this.allCorrect++;
    if (correct === 0) this.allWrong++;
  }

  addSft(f: Fields): void {
    this.sftRows++;
    const isCorrect = f.optNum("is_correct");
    if (isCorrect === 1) this.correctRows++;
    const f1 = f.optNum("f1");
    if (f1 !== undefined) this.sftF1.push(f1);
    const sourceIndex = f.optNum("source_index");
    const key = sourceIndex !== undefined ? `#${sourceIndex}` : f.optStr("id");
    if (key !== undefined) this.sftPrompts.set(key, (this.sftPrompts.get(key) ?? false) || isCorrect === 1);
  }

  finish(): GroupStats {
    return {
      dataset: this.dataset,
      kind: this.kind,
      length: this.length,
      samples: this.finishSamples(),
      keychain: this.finishKeychain(),
      skips:
        this.skipTotal === 0
          ? null
          : {
              total: this.skipTotal,
              reasons: [...this.reasons]
                .map(([reason, count]) => ({ reason, count }))
                .sort(
                  (a, b) => b.count - a.count || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0),
                ),
            },
      rollouts:
        this.prompts === 0
          ? null
          : {
              prompts: this.prompts,
              trajectories: this.trajectories,
              maxSamples: this.passHistogram.length - 1,
              passHistogram: this.passHistogram,
              meanSubEm: this.trajectories ? this.subEm / this.trajectories : 0,
              meanEm: this.trajectories ? this.em / this.trajectories : 0,
              meanF1: this.trajectories ? this.f1 / this.trajectories : 0,
              nonConstant: this.nonConstant,
              allCorrect: this.allCorrect,
              allWrong: this.allWrong,
            },
      sft: this.finishSft(),
    };
  }

  private finishSamples(): SampleStats | null {
    const promptLength = summarize(this.promptLengths);
    const fill = summarize(this.fills);
    const numDocs = summarize(this.numDocs);
    if (!promptLength || !fill || !numDocs) return null;
    return {
      records: this.samples,
      promptLength,
      generation: { min: this.gMin, max: this.gMax },
      fill,
      overBudget: this.overBudget,
      lengthHistogram: this.lengthHistogram(promptLength.min),
      numDocs,
      goldDocs: this.goldDocs,
      goldDepth: this.goldDepth,
    };
  }

  /** Whole-token bins from just below the shortest prompt to the largest budget L − G (see {@link LengthHistogram}). */
  private lengthHistogram(min: number): LengthHistogram {
    // Sample groups always have a target length (plain and KeyChain records carry target_length).
    const budget = (this.length ?? 0) - this.gMin;
    const width = Math.ceil(Math.max(1, budget - min + 1) / BUDGET_BINS);
    const lo = budget - BUDGET_BINS * width;
    const counts = new Array<number>(BUDGET_BINS).fill(0);
    for (const v of this.promptLengths) {
      const i = Math.max(0, Math.min(2 * BUDGET_BINS - 1, Math.ceil((v - lo) / width) - 1));
      while (counts.length <= i) counts.push(0);
      bump(counts, i);
    }
    return { lo, width, counts };
  }

  private finishKeychain(): KeychainStats | null {
    const chains = summarize(this.chains);
    const hops = summarize(this.hops);
    const numPairs = summarize(this.numPairs);
    const distractQuestions = summarize(this.distract);
    if (!chains || !hops || !numPairs || !distractQuestions) return null;
    return {
      records: this.samples,
      chains,
      hops,
      numPairs,
      distractQuestions,
      chainPairs: this.chainPairs,
      chainPairsMissing: this.chainPairsMissing,
      pairDepth: this.pairDepth,
    };
  }

  private finishSft(): SftStats | null {
    if (this.sftRows === 0) return null;
    const f1Histogram = new Array<number>(DEPTH_BINS).fill(0);
    for (const v of this.sftF1) bump(f1Histogram, unitBin(v, DEPTH_BINS));
    let kept = 0;
    for (const ok of this.sftPrompts.values()) if (ok) kept++;
    return {
      rows: this.sftRows,
      prompts: this.sftPrompts.size,
      correctRows: this.correctRows,
      keptPrompts: kept,
      f1: summarize(this.sftF1),
      f1Histogram,
    };
  }
}
