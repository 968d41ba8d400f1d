/**
 * The options every datasets × lengths job takes (plain, KeyChain), as a library user, the CLI and the YAML
 * configs write them, with their defaults written once, and their resolution into a {@link MatrixConfig}.
 */

import { parseWorkerCount, type WorkerCount } from "../async/worker-pool.js";
import { defaultCacheDir } from "../cache/doc-counts.js";
import type { BudgetCheck } from "../compose/compose.js";
import { DEFAULT_LAYOUT, parseLayout } from "../compose/layout.js";
import { type Placement, parsePlacement } from "../compose/placement.js";
import type { ConfigPath, Problems } from "../config/problems.js";
import { DEFAULT_MAX_DOCUMENT_BYTES, DUPLICATE_ID_MODES, type DuplicateIds } from "../corpus/read.js";
import type { FormatName } from "../corpus/types.js";
import { assertPathPart, pathPartProblem } from "../io/paths.js";
import { FRAMING_DEFAULTS, type FramingOptions } from "../prompt/framing.js";
import { DEFAULT_TOKENIZER_SPEC, parseTokenizerSpec } from "../tokenizer/resolve.js";
import { parseDatasets, parseFormat } from "./datasets.js";
import { parseLength } from "./lengths.js";
import type { DatasetSpec, MatrixConfig } from "./matrix.js";
import { parseShard } from "./windows.js";

/** One input data set: a file (its format detected), or named, or with its format. */
export interface DatasetInput {
  /** Output folder and `dataset` field. @default the format name for the public data sets, else the file stem */
  name?: string;
  path: string;
  format?: FormatName;
}

/** What every datasets × lengths job takes. Every field but `input` and `lengths` has a default. */
export interface MatrixOptions extends FramingOptions {
  /**
   * The data: a file, `NAME=FILE`, a public data set name (`hotpotqa`, `musique`, `2wikimqa`: its downloaded
   * file in `dataDir`), a comma-separated list of those, a {@link DatasetInput}, or a list of any of them.
   */
  input: string | DatasetInput | readonly (string | DatasetInput)[];
  /** Where `download` put the public data sets. @default "data" */
  dataDir?: string;
  /** Input format for every input, overriding detection. @default detected */
  format?: string;
  /** Name of a single input (output folder and `dataset` field). */
  name?: string;
  /** Sequence lengths L: token counts or `32k`; a list, or one length, or `"4k,8k"`. */
  lengths: number | string | readonly (number | string)[];
  /** G: tokens reserved for the answer; prompts are ≤ L − G. @default 128 */
  tokensToGenerate?: number;
  /** Samples per length; −1 = every question from `preSamples` on. @default 1000 */
  numSamples?: number;
  /** Start of the question window. @default 0 */
  preSamples?: number;
  /** Each length its own window of questions (length k: [P + k·N, P + (k+1)·N)). @default true */
  disjointWindows?: boolean;
  /** @default 42 */
  seed?: number;
  /** Shuffle the questions (seeded) before windowing. @default false */
  shuffleQa?: boolean;
  /** Keep only the question ids this file lists. */
  filterIds?: string;
  /** Keep questions with at least this many hops. */
  minHops?: number;
  /** `shuffle`, `gaussian[:sigma,clamp]`, `depth:P`, `relevant-only`. @default "shuffle" */
  placement?: string;
  /** Passage header; `{i}` is the 1-based number. @default "Passage {i}:\n" */
  passageHeader?: string;
  /** @default "\n\n" */
  passageSeparator?: string;
  /** Tokenizer spec (`qwen3`, `hf:PATH`, `tiktoken:ENC`, …). @default "qwen3" */
  tokenizer?: string;
  /** Re-count prompts in full: `sample` (every 100th), `all`, `off`. @default "sample" */
  checkBudget?: string;
  /** Token count cache folder; `false` for none. @default $KEYCHAIN_SYNTH_CACHE or ~/.cache/keychain-synth */
  cacheDir?: string | false;
  /** Subset name in file names. @default "train" */
  subset?: string;
  /** Output folder. @default "output" */
  out?: string;
  /** `i/n`: produce shard i (0-based) of n. */
  shard?: string;
  /**
   * A question id used twice within one data set (ids may repeat across data sets): `error` names both
   * places; `keep-first` keeps the first and counts the others as dropped. @default "error"
   */
  duplicateIds?: DuplicateIds;
  /** The largest document a data set may hold; a larger one is an error. @unit bytes @default 4194304 (4 MiB) */
  maxDocumentBytes?: number;
  /**
   * Worker threads that build the samples, or `auto`: one per core, capped so that the workers take at most
   * half the free memory (about 384 MiB each), and none for files under 64 samples. 1 builds them on the main
   * thread. The output is byte-identical whatever the number. @default "auto"
   */
  workers?: WorkerCount;
}

/** Every default of {@link MatrixOptions}, written once (the CLI shows them in its help). */
export const MATRIX_DEFAULTS = {
  dataDir: "data",
  tokensToGenerate: 128,
  numSamples: 1000,
  preSamples: 0,
  disjointWindows: true,
  seed: 42,
  shuffleQa: false,
  placement: "shuffle",
  passageHeader: DEFAULT_LAYOUT.header,
  passageSeparator: DEFAULT_LAYOUT.separator,
  tokenizer: DEFAULT_TOKENIZER_SPEC,
  checkBudget: "sample",
  subset: "train",
  out: "output",
  duplicateIds: "error" as DuplicateIds,
  maxDocumentBytes: DEFAULT_MAX_DOCUMENT_BYTES,
  workers: "auto" as WorkerCount,
  ...FRAMING_DEFAULTS,
} as const;

/** The resolved parts every datasets × lengths job shares. */
export interface ResolvedMatrix extends MatrixConfig {
  tokenizer: string;
  placement: Placement;
  checkBudget: BudgetCheck;
  systemPrompt: string;
  chatTemplate: string;
}

const BUDGET_CHECKS: readonly BudgetCheck[] = ["sample", "all", "off"];

/** Resolve the shared options; each problem is recorded at its option's path. */
export function resolveMatrixOptions(o: MatrixOptions, problems: Problems): ResolvedMatrix {
  const d = MATRIX_DEFAULTS;
  const format = problems.try(["format"], () => parseFormat(o.format));
  const datasets = problems.try(["input"], () => datasetSpecs(o, format)) ?? [];
  if (o.name !== undefined) {
    const problem = pathPartProblem(o.name);
    if (problem !== undefined)
      problems.add(["name"], `${JSON.stringify(o.name)} cannot be a folder name: ${problem}`);
    else if (datasets.length > 1)
      problems.add(["name"], "applies to a single data set; name each one instead");
    else if (datasets[0]) datasets[0].name = o.name;
  }
  const lengths = resolveLengths(o.lengths, problems);
  const tokensToGenerate = int(problems, ["tokensToGenerate"], o.tokensToGenerate, d.tokensToGenerate, 0);
  const numSamples = int(problems, ["numSamples"], o.numSamples, d.numSamples, -1);
  const preSamples = int(problems, ["preSamples"], o.preSamples, d.preSamples, 0);
  const seed = int(problems, ["seed"], o.seed, d.seed, Number.MIN_SAFE_INTEGER);
  const minHops = o.minHops === undefined ? undefined : int(problems, ["minHops"], o.minHops, 1, 1);
  const layout =
    problems.try(["passageHeader"], () =>
      parseLayout(o.passageHeader ?? d.passageHeader, o.passageSeparator ?? d.passageSeparator),
    ) ?? DEFAULT_LAYOUT;
  const placement = problems.try(["placement"], () => parsePlacement(o.placement ?? d.placement)) ?? {
    kind: "shuffle",
  };
  const tokenizer = o.tokenizer ?? d.tokenizer;
  problems.try(["tokenizer"], () => parseTokenizerSpec(tokenizer));
  const checkBudget = o.checkBudget ?? d.checkBudget;
  if (!(BUDGET_CHECKS as readonly string[]).includes(checkBudget))
    problems.add(["checkBudget"], `expected sample, all or off, got ${JSON.stringify(checkBudget)}`);
  const subset = o.subset ?? d.subset;
  const subsetProblem = pathPartProblem(subset);
  if (subsetProblem !== undefined)
    problems.add(["subset"], `${JSON.stringify(subset)} cannot be part of a file name: ${subsetProblem}`);
  const duplicateIds = o.duplicateIds ?? d.duplicateIds;
  if (!(DUPLICATE_ID_MODES as readonly string[]).includes(duplicateIds))
    problems.add(["duplicateIds"], `expected error or keep-first, got ${JSON.stringify(duplicateIds)}`);
  const maxDocumentBytes = int(problems, ["maxDocumentBytes"], o.maxDocumentBytes, d.maxDocumentBytes, 1);
  const workers = problems.try(["workers"], () => parseWorkerCount(o.workers ?? d.workers));
  const config: MatrixConfig = {
    datasets,
    lengths,
    tokensToGenerate,
    layout,
    numSamples,
    preSamples,
    disjointWindows: o.disjointWindows ?? d.disjointWindows,
    seed,
    shuffleQa: o.shuffleQa ?? d.shuffleQa,
    subset,
    out: o.out ?? d.out,
    cacheDir: o.cacheDir === false ? undefined : (o.cacheDir ?? defaultCacheDir()),
  };
  if (o.filterIds !== undefined) config.filterIds = o.filterIds;
  if (minHops !== undefined) config.minHops = minHops;
  if (o.shard !== undefined) {
    const shard = problems.try(["shard"], () => parseShard(o.shard as string));
    if (shard) config.shard = shard;
  }
  // Recorded only when not the default, so that configs, manifests and step keys stay as before.
  if (duplicateIds !== d.duplicateIds) config.duplicateIds = duplicateIds;
  if (maxDocumentBytes !== d.maxDocumentBytes) config.maxDocumentBytes = maxDocumentBytes;
  // How the samples are built, not what they are: absent when `auto`, and never part of a step key.
  if (workers !== undefined && workers !== d.workers) config.workers = workers;
  // Key order as the manifests and sidecars of earlier versions record it.
  return {
    ...config,
    systemPrompt: o.systemPrompt ?? d.systemPrompt,
    chatTemplate: o.chatTemplate ?? d.chatTemplate,
    placement,
    checkBudget: checkBudget as BudgetCheck,
    tokenizer,
  };
}

function datasetSpecs(o: MatrixOptions, format: FormatName | undefined): DatasetSpec[] {
  const list = Array.isArray(o.input) ? o.input : [o.input];
  const strings: string[] = [];
  const specs: DatasetSpec[] = [];
  for (const item of list as (string | DatasetInput)[]) {
    if (typeof item === "string") strings.push(item);
    else {
      if (item.name !== undefined) assertPathPart(item.name, "data set name");
      specs.push({ ...item, ...(item.format === undefined && format ? { format } : {}) });
    }
  }
  return [
    ...(strings.length > 0 ? parseDatasets(strings, o.dataDir ?? MATRIX_DEFAULTS.dataDir, format) : []),
    ...specs,
  ];
}

function resolveLengths(value: MatrixOptions["lengths"], problems: Problems): number[] {
  const items: (number | string)[] = [];
  for (const v of (Array.isArray(value) ? value : [value]) as (number | string)[]) {
    if (typeof v === "number") items.push(v);
    else items.push(...v.split(",").filter((s) => s.trim() !== ""));
  }
  if (items.length === 0) {
    problems.add(["lengths"], "give at least one sequence length");
    return [];
  }
  const out: number[] = [];
  items.forEach((v, i) => {
    const path = items.length === 1 ? ["lengths"] : ["lengths", i];
    const n = problems.try(path, () => parseLength(String(v)));
    if (n === undefined) return;
    if (out.includes(n)) problems.add(path, `length ${n} is listed twice`);
    else out.push(n);
  });
  return out;
}

/** An integer option ≥ `min`, or its default. */
export function int(
  problems: Problems,
  path: ConfigPath,
  value: number | undefined,
  fallback: number,
  min: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    problems.add(path, `expected an integer ≥ ${min}, got ${value}`);
    return fallback;
  }
  return value;
}
