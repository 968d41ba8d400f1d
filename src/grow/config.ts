/**
 * The grow config: what the user writes (YAML, snake_case, {@link GrowFile}) checked field by field with zod,
 * then named cross-field rules, every problem reported at once with its YAML path and line; and the resolved
 * form ({@link GrowConfig}) with every default filled in once, here.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, join } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { resolvePlainConfig } from "../cli/plain.js";
import { parsePlacement } from "../compose/placement.js";
import { parseTemplate } from "../compose/template.js";
import { FORMAT_NAMES, type FormatName } from "../corpus/types.js";
import { ConfigError } from "../errors.js";
import type { SystemPrompt } from "../export/verl-row.js";
import { canonicalJson, sha256Text } from "../pipeline/hash.js";
import { type ConfigPath, type ConfigProblem, describeValue, formatProblem } from "../pipeline/problems.js";
import { parseLength } from "../plain/lengths.js";
import type { PlainRunConfig } from "../plain/run.js";
import { EXTRACTORS, type Extractor, SCORE_MODES, type ScoreMode } from "../scoring/index.js";
import { ROLLOUT_PROMPTS, type RolloutPrompt, SYSTEM_PROMPTS } from "../stages/rollout.js";
import { parseTokenizerSpec } from "../tokenizer/resolve.js";

/** Every default of the grow config, in one place. */
export const GROW_DEFAULTS = {
  out: "grow",
  oversample: 1.5,
  max_rounds: 5,
  plain: {
    tokenizer: "qwen3",
    seed: 42,
    shuffle_qa: true,
    subset: "train",
    tokens_to_generate: 128,
    template: "{context}",
    placement: "shuffle",
    check_budget: "sample",
  },
  rollout: {
    api_key_env: "OPENAI_API_KEY",
    n: 4,
    temperature: 0.6,
    max_tokens: 4096,
    prompt: "auto",
    system_prompt: "none",
    mode: "default",
    concurrency: 8,
    timeout_ms: 600_000,
    retries: 5,
  },
  sft: { mode: "filter", model_tag: "LoongRL-14b", keep_boxed: false },
} as const;

// ---------------------------------------------------------------- the file as written

function leaf<T>(expected: string, parse: (v: unknown) => T | undefined) {
  return z.unknown().transform((v, ctx): T => {
    const out = v === undefined ? undefined : parse(v);
    if (out === undefined) {
      ctx.addIssue({
        code: "custom",
        message: v === undefined ? `required: ${expected}` : `expected ${expected}, got ${describeValue(v)}`,
      });
      return z.NEVER;
    }
    return out;
  });
}

const isInt = (v: unknown, min: number): v is number =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= min;
const intAtLeast = (min: number, expected: string) => leaf(expected, (v) => (isInt(v, min) ? v : undefined));
const positiveInt = () => intAtLeast(1, "a positive integer");
const nonNegativeInt = () => intAtLeast(0, "an integer ≥ 0");
const bool = () => leaf("true or false", (v) => (typeof v === "boolean" ? v : undefined));
const nonEmptyText = () =>
  leaf("a non-empty string", (v) => (typeof v === "string" && v !== "" ? v : undefined));
const numberAtLeast = (min: number, expected: string) =>
  leaf(expected, (v) => (typeof v === "number" && Number.isFinite(v) && v >= min ? v : undefined));

function choice<const T extends string>(values: readonly T[]) {
  const expected = values.map((v) => JSON.stringify(v)).join(" or ");
  return leaf(expected, (v) => ((values as readonly unknown[]).includes(v) ? (v as T) : undefined));
}

/** Accept a string when `parser` does not throw. */
function parsedBy(expected: string, parser: (s: string) => unknown) {
  return leaf(expected, (v) => {
    if (typeof v !== "string") return undefined;
    try {
      parser(v);
      return v;
    } catch {
      return undefined;
    }
  });
}

const lengthValue = () =>
  leaf('a sequence length such as 4096 or "4k"', (v): number | undefined => {
    if (typeof v !== "number" && typeof v !== "string") return undefined;
    try {
      return parseLength(String(v));
    } catch {
      return undefined;
    }
  });

function mapping<S extends z.core.$ZodLooseShape>(shape: S) {
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "invalid_type" ? `expected a mapping, got ${describeValue(iss.input)}` : undefined,
  });
}

function list<T extends z.ZodType>(item: T, what: string) {
  return z
    .array(item, { error: (iss) => `expected a list of ${what}, got ${describeValue(iss.input)}` })
    .min(1, { error: `expected at least one of ${what}` });
}

const SHAPE = {
  out: nonEmptyText().optional(),
  datasets: list(
    mapping({
      name: nonEmptyText(),
      path: nonEmptyText(),
      format: choice(FORMAT_NAMES as readonly FormatName[]).optional(),
    }),
    "data sets {name, path, format}",
  ),
  lengths: list(lengthValue(), "lengths"),
  target: positiveInt(),
  existing: mapping({
    dir: nonEmptyText(),
    pattern: leaf(
      'a file pattern with "{dataset}" and "{length}", e.g. "{dataset}/x-max_seq_{length}-*.jsonl"',
      (v) => (typeof v === "string" && v.includes("{dataset}") && v.includes("{length}") ? v : undefined),
    ),
  }),
  start_position: nonNegativeInt().optional(),
  oversample: numberAtLeast(1, "a number ≥ 1").optional(),
  max_rounds: positiveInt().optional(),
  plain: z
    .preprocess(
      (v) => (v === null ? {} : v),
      mapping({
        tokenizer: parsedBy(
          "a tokenizer spec (qwen3, hf:PATH, tiktoken:ENC, sentencepiece:MODEL, approx, vllm:URL, gemini:MODEL)",
          parseTokenizerSpec,
        ).optional(),
        seed: intAtLeast(Number.MIN_SAFE_INTEGER, "an integer").optional(),
        shuffle_qa: bool().optional(),
        subset: nonEmptyText().optional(),
        tokens_to_generate: nonNegativeInt().optional(),
        template: parsedBy(
          "a template with {context} once (and optionally {input})",
          parseTemplate,
        ).optional(),
        placement: parsedBy(
          "shuffle, gaussian[:sigma,clamp], depth:P (0 ≤ P ≤ 100) or relevant-only",
          parsePlacement,
        ).optional(),
        check_budget: choice(["sample", "all", "off"]).optional(),
        cache_dir: leaf("a folder or false (no cache)", (v) =>
          v === false || (typeof v === "string" && v !== "") ? v : undefined,
        ).optional(),
      }),
    )
    .optional(),
  rollout: mapping({
    model: nonEmptyText(),
    base_url: leaf("a URL or a list of URLs", (v) =>
      typeof v === "string" && v !== ""
        ? [v]
        : Array.isArray(v) && v.length > 0 && v.every((u) => typeof u === "string" && u !== "")
          ? (v as string[])
          : undefined,
    ),
    api_key_env: nonEmptyText().optional(),
    n: positiveInt().optional(),
    temperature: numberAtLeast(0, "a number ≥ 0").optional(),
    top_p: numberAtLeast(0, "a number ≥ 0").optional(),
    max_tokens: positiveInt().optional(),
    prompt: choice(ROLLOUT_PROMPTS).optional(),
    system_prompt: choice(SYSTEM_PROMPTS).optional(),
    extractor: choice(EXTRACTORS).optional(),
    mode: choice(SCORE_MODES).optional(),
    concurrency: positiveInt().optional(),
    timeout_ms: positiveInt().optional(),
    retries: nonNegativeInt().optional(),
  }),
  sft: z
    .preprocess(
      (v) => (v === null ? {} : v),
      mapping({
        mode: choice(["filter", "clean"] as const).optional(),
        model_tag: nonEmptyText().optional(),
        keep_boxed: bool().optional(),
        system: nonEmptyText().optional(),
      }),
    )
    .optional(),
};
const ROOT = mapping(SHAPE);

/** The grow config as written, after the field checks (lengths are token counts). */
export type GrowFile = z.output<typeof ROOT>;

// ---------------------------------------------------------------- the resolved form

export interface GrowDataset {
  name: string;
  /** Resolved against the config file's folder. */
  path: string;
  format?: FormatName;
}

/** The resolved grow configuration: every default filled in, every path resolved. */
export interface GrowConfig {
  /** Output folder (manifest, rounds, merged sets). @default "grow" */
  out: string;
  datasets: GrowDataset[];
  lengths: number[];
  /** Rows per data set × length after SFT filtering, existing rows included. */
  target: number;
  existing: {
    /** Folder the pattern is relative to. */
    dir: string;
    /** `{dataset}` and `{length}` placeholders; `*` matches within the file name. */
    pattern: string;
  };
  /** First shuffled-question position new windows may use; default: after every question the existing sets use. */
  startPosition: number | undefined;
  /** New window size = ceil(rows still needed × oversample). @default 1.5 */
  oversample: number;
  /** Rounds per data set × length before giving up. @default 5 */
  maxRounds: number;
  /** Tokenizer spec for plain synthesis. @default "qwen3" */
  tokenizer: string;
  /** Plain run settings; `datasets`, `lengths`, `numSamples`, `preSamples` and `out` are set per round. */
  plain: PlainRunConfig;
  rollout: {
    model: string;
    baseUrls: string[];
    /** Environment variable holding the API key. @default "OPENAI_API_KEY" */
    apiKeyEnv: string;
    /** @default 4 */
    n: number;
    /** @default 0.6 */
    temperature: number;
    topP: number | undefined;
    /** @default 4096 */
    maxTokens: number;
    /** @default "auto" */
    prompt: RolloutPrompt;
    /** @default "none" */
    systemPrompt: SystemPrompt;
    /** @default rollout's own default for the prompt */
    extractor: Extractor | undefined;
    /** @default "default" */
    mode: ScoreMode;
    /** Requests in flight. @default 8 */
    concurrency: number;
    /** @unit ms @default 600000 */
    timeoutMs: number;
    /** @default 5 */
    retries: number;
  };
  sft: {
    /** `filter`: convert + best trajectory (§11.1-11.2); `clean`: clean_traces (§11.4). @default "filter" */
    mode: "filter" | "clean";
    /** @default "LoongRL-14b" */
    modelTag: string;
    /** clean mode: keep `\boxed{…}` in the answer. @default false */
    keepBoxed: boolean;
    /** System message text; absent = none. */
    system: string | undefined;
  };
  /** The YAML file it came from. */
  source?: { path: string; sha256: string };
}

/** Every problem of a grow config at once; the message lists them one per line. */
export class GrowConfigError extends ConfigError {
  override name = "GrowConfigError";
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[], file?: string) {
    const head = `Invalid grow config${file ? ` "${file}"` : ""}: ${problems.length} problem${problems.length === 1 ? "" : "s"}`;
    super(`${head}\n${problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`);
    this.problems = problems;
  }
}

/** A named cross-field rule over a config whose fields passed their checks. */
export interface GrowRule {
  name: string;
  /** `f` holds the top-level keys that passed their checks; `invalid` the keys that did not. */
  check(f: Partial<GrowFile>, invalid: ReadonlySet<string | number | undefined>): ConfigProblem[];
}

export const GROW_RULES: readonly GrowRule[] = [
  {
    name: "unique-dataset-names",
    check: (f) =>
      (f.datasets ?? []).flatMap((d, i) =>
        (f.datasets ?? []).findIndex((e) => e.name === d.name) < i
          ? [{ path: ["datasets", i, "name"], message: `data set name "${d.name}" is used twice` }]
          : [],
      ),
  },
  {
    name: "unique-lengths",
    check: (f) =>
      (f.lengths ?? []).flatMap((l, i) =>
        (f.lengths ?? []).indexOf(l) < i
          ? [{ path: ["lengths", i], message: `length ${l} is listed twice` }]
          : [],
      ),
  },
  {
    name: "lengths-leave-a-prompt-budget",
    check: (f, invalid) => {
      if (invalid.has("plain")) return [];
      const g = f.plain?.tokens_to_generate ?? GROW_DEFAULTS.plain.tokens_to_generate;
      return (f.lengths ?? []).flatMap((l, i) =>
        l <= g
          ? [
              {
                path: ["lengths", i],
                message: `length ${l} leaves no prompt budget after tokens_to_generate ${g}`,
              },
            ]
          : [],
      );
    },
  },
  {
    name: "keep-boxed-needs-clean",
    check: (f) =>
      f.sft?.keep_boxed === true && (f.sft.mode ?? GROW_DEFAULTS.sft.mode) !== "clean"
        ? [{ path: ["sft", "keep_boxed"], message: 'applies only with mode "clean"' }]
        : [],
  },
];

/** Check each top-level key on its own, so the keys that pass can go through the cross-field rules. */
function checkFields(raw: unknown): { value: Partial<GrowFile>; problems: ConfigProblem[] } {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    return { value: {}, problems: [{ path: [], message: `expected a mapping, got ${describeValue(raw)}` }] };
  const input = raw as Record<string, unknown>;
  const problems: ConfigProblem[] = [];
  const value: Record<string, unknown> = {};
  const known = Object.keys(SHAPE);
  for (const key of Object.keys(input))
    if (!known.includes(key))
      problems.push({ path: [key], message: `unknown key; expected one of ${known.join(", ")}` });
  for (const [key, schema] of Object.entries(SHAPE) as [string, z.ZodType][]) {
    const r = schema.safeParse(input[key]);
    if (r.success) {
      if (r.data !== undefined) value[key] = r.data;
      continue;
    }
    for (const issue of r.error.issues) {
      const path = [key, ...issue.path.map((p) => (typeof p === "number" ? p : String(p)))];
      if (issue.code === "unrecognized_keys")
        problems.push(...issue.keys.map((k) => ({ path: [...path, k], message: "unknown key" })));
      else problems.push({ path, message: issue.message });
    }
  }
  return { value: value as Partial<GrowFile>, problems };
}

/** Read, check and resolve a grow config file. Throws {@link GrowConfigError} with every problem. */
export async function loadGrowConfig(path: string): Promise<GrowConfig> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new ConfigError(`Cannot read the grow config "${path}": ${(e as Error).message}`, { cause: e });
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(bytes.toString("utf8"), { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0)
    throw new GrowConfigError(
      doc.errors.map((e) => ({
        path: [],
        message: `YAML syntax: ${e.message.split("\n")[0]}`,
        line: lineCounter.linePos(e.pos[0]).line,
      })),
      path,
    );
  const locate = (p: ConfigPath): number | undefined => {
    for (let n = p.length; n >= 1; n--) {
      const node = doc.getIn(p.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === "object" && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  try {
    return resolveGrowConfig(doc.toJS(), {
      baseDir: dirname(path),
      source: { path, sha256: createHash("sha256").update(bytes).digest("hex") },
    });
  } catch (e) {
    if (!(e instanceof GrowConfigError)) throw e;
    const located = e.problems.map((p) => {
      const line = locate(p.path);
      return line === undefined ? p : { ...p, line };
    });
    located.sort((a, b) => (a.line ?? Number.POSITIVE_INFINITY) - (b.line ?? Number.POSITIVE_INFINITY));
    throw new GrowConfigError(located, path);
  }
}

/** Check and resolve a parsed config (the YAML as a plain value); relative paths are against `baseDir`. */
export function resolveGrowConfig(
  raw: unknown,
  options: { baseDir: string; source?: { path: string; sha256: string } },
): GrowConfig {
  const { value, problems } = checkFields(raw);
  const invalid = new Set(problems.map((p) => p.path[0]));
  problems.push(...GROW_RULES.flatMap((rule) => rule.check(value, invalid)));
  if (problems.length > 0) throw new GrowConfigError(problems);
  const f = value as GrowFile;
  const at = (p: string) => (isAbsolute(p) ? p : join(options.baseDir, p));
  const p = { ...GROW_DEFAULTS.plain, ...stripUndefined(f.plain ?? {}) };
  const rd = GROW_DEFAULTS.rollout;
  const ro = f.rollout;
  const out = at(f.out ?? GROW_DEFAULTS.out);
  const datasets = f.datasets.map((d) => ({
    name: d.name,
    path: at(d.path),
    ...(d.format ? { format: d.format } : {}),
  }));
  const plain = resolvePlainConfig({
    datasets: datasets.map((d) => `${d.name}=${d.path}`),
    dataDir: ".",
    lengths: f.lengths.join(","),
    tokensToGenerate: p.tokens_to_generate,
    numSamples: 1,
    preSamples: 0,
    disjointWindows: false,
    seed: p.seed,
    shuffleQa: p.shuffle_qa,
    placement: p.placement,
    passageHeader: "Passage {i}:\n",
    passageSeparator: "\n\n",
    checkBudget: p.check_budget,
    subset: p.subset,
    out: join(out, "work"),
    cache: p.cache_dir !== false,
    ...(typeof p.cache_dir === "string" ? { cacheDir: at(p.cache_dir) } : {}),
    template: p.template,
    removeNewlineTab: false,
    distractQuestions: -1,
  });
  plain.datasets = datasets.map((d) => ({ ...d }));
  const config: GrowConfig = {
    out,
    datasets,
    lengths: f.lengths,
    target: f.target,
    existing: { dir: at(f.existing.dir), pattern: f.existing.pattern },
    startPosition: f.start_position,
    oversample: f.oversample ?? GROW_DEFAULTS.oversample,
    maxRounds: f.max_rounds ?? GROW_DEFAULTS.max_rounds,
    tokenizer: p.tokenizer,
    plain,
    rollout: {
      model: ro.model,
      baseUrls: ro.base_url,
      apiKeyEnv: ro.api_key_env ?? rd.api_key_env,
      n: ro.n ?? rd.n,
      temperature: ro.temperature ?? rd.temperature,
      topP: ro.top_p,
      maxTokens: ro.max_tokens ?? rd.max_tokens,
      prompt: ro.prompt ?? rd.prompt,
      systemPrompt: ro.system_prompt ?? rd.system_prompt,
      extractor: ro.extractor,
      mode: ro.mode ?? rd.mode,
      concurrency: ro.concurrency ?? rd.concurrency,
      timeoutMs: ro.timeout_ms ?? rd.timeout_ms,
      retries: ro.retries ?? rd.retries,
    },
    sft: {
      mode: f.sft?.mode ?? GROW_DEFAULTS.sft.mode,
      modelTag: f.sft?.model_tag ?? GROW_DEFAULTS.sft.model_tag,
      keepBoxed: f.sft?.keep_boxed ?? GROW_DEFAULTS.sft.keep_boxed,
      system: f.sft?.system,
    },
  };
  if (options.source) config.source = options.source;
  return config;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Settings that do not change any output (where and how fast requests go, how many rounds may still run, how
 * big future windows are): they may change between runs of one manifest.
 */
const RUN_SETTINGS = new Set([
  "oversample",
  "maxRounds",
  "rollout.baseUrls",
  "rollout.apiKeyEnv",
  "rollout.concurrency",
  "rollout.timeoutMs",
  "rollout.retries",
]);

/** The settings that determine the output, flattened to `a.b` keys (recorded in the manifest). */
export function configFingerprint(config: GrowConfig): Record<string, unknown> {
  const p = config.plain;
  const flat: Record<string, unknown> = {
    datasets: config.datasets.map((d) => ({ name: d.name, path: d.path, format: d.format ?? null })),
    lengths: config.lengths,
    target: config.target,
    "existing.dir": config.existing.dir,
    "existing.pattern": config.existing.pattern,
    startPosition: config.startPosition ?? null,
    tokenizer: config.tokenizer,
    "plain.seed": p.seed,
    "plain.shuffleQa": p.shuffleQa,
    "plain.subset": p.subset,
    "plain.tokensToGenerate": p.tokensToGenerate,
    "plain.template": p.template.source,
    "plain.placement": p.placement,
    "plain.checkBudget": p.checkBudget,
  };
  for (const [k, v] of Object.entries(config.rollout)) flat[`rollout.${k}`] = v ?? null;
  for (const [k, v] of Object.entries(config.sft)) flat[`sft.${k}`] = v ?? null;
  for (const k of RUN_SETTINGS) delete flat[k];
  return flat;
}

/** SHA-256 of the canonical JSON of {@link configFingerprint}. */
export function configHash(config: GrowConfig): string {
  return sha256Text(canonicalJson(configFingerprint(config)));
}

/** The keys whose values differ between two fingerprints, sorted. */
export function changedSettings(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => canonicalJson(before[k]) !== canonicalJson(after[k])).sort();
}
