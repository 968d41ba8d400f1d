/**
 * The grow config: what the user writes (YAML, snake_case, {@link GrowFile}) checked field by field with zod,
 * then named cross-field rules, every problem reported at once with its YAML path and line; and the resolved
 * form ({@link GrowConfig}) with every default filled in once, here.
 */
import { isAbsolute, join } from "node:path";
import { z } from "zod";
import {
  anyInt,
  bool,
  cacheDir,
  chatTemplate,
  checkBudget,
  checkTopLevel,
  choice,
  leaf,
  lengthValue,
  mapping,
  nonEmptyText,
  nonNegativeInt,
  numberAtLeast,
  optionalSection,
  placement,
  positiveInt,
  systemPrompt,
  template,
  tokenizerSpec,
} from "../config/fields.js";
import {
  type ConfigProblem,
  ConfigProblemsError,
  describeValue,
  OptionsError,
  snakeCase,
} from "../config/problems.js";
import { type ConfigSource, loadYamlConfig } from "../config/yaml.js";
import { FORMAT_NAMES, type FormatName } from "../corpus/types.js";
import { pathPartProblem } from "../io/paths.js";
import { canonicalJson, sha256Text } from "../pipeline/hash.js";
import {
  PLAIN_DEFAULTS,
  type PlainOptions,
  type PlainRunConfig,
  resolvePlainOptions,
} from "../plain/options.js";
import { parseChatTemplateSpec } from "../prompt/chat-template.js";
import type { SystemPrompt } from "../prompt/messages.js";
import { EXTRACTORS, type Extractor, SCORE_MODES } from "../scoring/index.js";
import { modelFileTag } from "../sft/names.js";
import {
  type ResolvedRolloutOptions,
  ROLLOUT_PROMPTS,
  type RolloutOptions,
  type RolloutPrompt,
  SYSTEM_PROMPTS,
} from "../stages/rollout.js";
import { ROLLOUT_DEFAULTS } from "../stages/rollout-defaults.js";

/** Every default of the grow config, in one place. */
export const GROW_DEFAULTS = {
  out: "grow",
  oversample: 1.5,
  max_rounds: 5,
  /** grow's own: the existing sets were made from the shuffled question list (every other plain setting
   * takes the `plain` command's default, {@link PLAIN_DEFAULTS}). */
  plain: { shuffle_qa: true },
  rollout: {
    api_key_env: "OPENAI_API_KEY",
    n: ROLLOUT_DEFAULTS.n,
    temperature: ROLLOUT_DEFAULTS.temperature,
    max_tokens: ROLLOUT_DEFAULTS.maxTokens,
    prompt: ROLLOUT_DEFAULTS.prompt,
    mode: ROLLOUT_DEFAULTS.mode,
    concurrency: 8,
    timeout_ms: 600_000,
    retries: 5,
  },
  sft: { mode: "filter", keep_boxed: false },
} as const;

// ---------------------------------------------------------------- the file as written

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
  plain: optionalSection({
    tokenizer: tokenizerSpec().optional(),
    seed: anyInt().optional(),
    shuffle_qa: bool().optional(),
    subset: nonEmptyText().optional(),
    tokens_to_generate: nonNegativeInt().optional(),
    template: template().optional(),
    system_prompt: systemPrompt().optional(),
    chat_template: chatTemplate().optional(),
    placement: placement().optional(),
    check_budget: checkBudget().optional(),
    cache_dir: cacheDir().optional(),
  }),
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
  sft: optionalSection({
    mode: choice(["filter", "clean"] as const).optional(),
    model_tag: nonEmptyText().optional(),
    keep_boxed: bool().optional(),
    system: leaf<never>(
      "no system here: the system message is part of each record's stored prompt; set plain.system_prompt",
      () => undefined,
    ).optional(),
  }),
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
  /** The rollout stage's settings, with its defaults ({@link RolloutOptions}), and where requests go. */
  rollout: Pick<ResolvedRolloutOptions, "model" | "n" | "temperature" | "topP" | "maxTokens" | "mode"> & {
    /** @default "stored" */
    prompt: RolloutPrompt;
    /** Replace each record's system message. @default the records' own */
    systemPrompt: SystemPrompt | undefined;
    baseUrls: string[];
    /** Environment variable holding the API key. @default "OPENAI_API_KEY" */
    apiKeyEnv: string;
    /** @default rollout's own default for the prompt */
    extractor: Extractor | undefined;
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
    /** Each row's `model` and part of the file names. @default the rollout model, "/" → "_" */
    modelTag: string;
    /** clean mode: keep `\boxed{…}` in the answer. @default false */
    keepBoxed: boolean;
  };
  /** The YAML file it came from. */
  source?: ConfigSource;
}

/** Every problem of a grow config at once; the message lists them one per line. */
export class GrowConfigError extends ConfigProblemsError {
  override name = "GrowConfigError";
  constructor(problems: readonly ConfigProblem[], file?: string) {
    super("grow", problems, file);
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
    name: "dataset-names-are-folder-names",
    check: (f) =>
      (f.datasets ?? []).flatMap((d, i) => {
        const problem = pathPartProblem(d.name);
        return problem === undefined
          ? []
          : [
              {
                path: ["datasets", i, "name"],
                message: `data set name ${JSON.stringify(d.name)} cannot be a folder name: ${problem}`,
              },
            ];
      }),
  },
  {
    name: "model-tag-is-a-file-name-part",
    check: (f, invalid) => {
      if (invalid.has("sft") || invalid.has("rollout")) return [];
      const given = f.sft?.model_tag;
      const tag = given ?? f.rollout?.model.replaceAll("/", "_");
      const problem = tag === undefined ? undefined : pathPartProblem(tag);
      if (problem === undefined) return [];
      return [
        given !== undefined
          ? {
              path: ["sft", "model_tag"],
              message: `${JSON.stringify(given)} cannot be part of a file name: ${problem}`,
            }
          : {
              path: ["rollout", "model"],
              message: `${JSON.stringify(f.rollout?.model)} cannot name the SFT files (as ${JSON.stringify(tag)}): ${problem}; set sft.model_tag`,
            },
      ];
    },
  },
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
      const g = f.plain?.tokens_to_generate ?? PLAIN_DEFAULTS.tokensToGenerate;
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

/** Read, check and resolve a grow config file. Throws {@link GrowConfigError} with every problem. */
export function loadGrowConfig(path: string): Promise<GrowConfig> {
  return loadYamlConfig(path, { what: "grow", error: GrowConfigError, resolve: resolveGrowConfig });
}

/** Check and resolve a parsed config (the YAML as a plain value); relative paths are against `baseDir`. */
export function resolveGrowConfig(
  raw: unknown,
  options: { baseDir: string; source?: ConfigSource },
): GrowConfig {
  const { value, problems } = checkTopLevel<GrowFile>(raw, SHAPE);
  const invalid = new Set(problems.map((p) => p.path[0]));
  problems.push(...GROW_RULES.flatMap((rule) => rule.check(value, invalid)));
  if (problems.length > 0) throw new GrowConfigError(problems);
  const f = value as GrowFile;
  const at = (p: string) => (isAbsolute(p) ? p : join(options.baseDir, p));
  const rd = GROW_DEFAULTS.rollout;
  const ro = f.rollout;
  const out = at(f.out ?? GROW_DEFAULTS.out);
  const datasets = f.datasets.map((d) => ({
    name: d.name,
    path: at(d.path),
    ...(d.format ? { format: d.format } : {}),
  }));
  const plain = resolveRoundOptions(f, datasets, out, at);
  const config: GrowConfig = {
    out,
    datasets,
    lengths: f.lengths,
    target: f.target,
    existing: { dir: at(f.existing.dir), pattern: f.existing.pattern },
    startPosition: f.start_position,
    oversample: f.oversample ?? GROW_DEFAULTS.oversample,
    maxRounds: f.max_rounds ?? GROW_DEFAULTS.max_rounds,
    tokenizer: plain.tokenizer,
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
      systemPrompt: ro.system_prompt,
      extractor: ro.extractor,
      mode: ro.mode ?? rd.mode,
      concurrency: ro.concurrency ?? rd.concurrency,
      timeoutMs: ro.timeout_ms ?? rd.timeout_ms,
      retries: ro.retries ?? rd.retries,
    },
    sft: {
      mode: f.sft?.mode ?? GROW_DEFAULTS.sft.mode,
      modelTag: f.sft?.model_tag ?? modelFileTag(ro.model),
      keepBoxed: f.sft?.keep_boxed ?? GROW_DEFAULTS.sft.keep_boxed,
    },
  };
  if (options.source) config.source = options.source;
  return config;
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

/**
 * The plain settings of every round (windows, lengths and output folder are set per round), resolved by the
 * `plain` command's resolver; its problems are reported at the `plain.*` keys.
 */
function resolveRoundOptions(
  f: GrowFile,
  datasets: GrowDataset[],
  out: string,
  at: (p: string) => string,
): PlainRunConfig {
  const p = f.plain ?? {};
  const o: PlainOptions = {
    input: datasets.map((d) => ({ ...d })),
    lengths: f.lengths,
    numSamples: 1,
    disjointWindows: false,
    shuffleQa: p.shuffle_qa ?? GROW_DEFAULTS.plain.shuffle_qa,
    out: join(out, "work"),
    cacheDir: typeof p.cache_dir === "string" ? at(p.cache_dir) : p.cache_dir === false ? false : undefined,
    distractorQuestions: -1,
  };
  if (p.tokenizer !== undefined) o.tokenizer = p.tokenizer;
  if (p.seed !== undefined) o.seed = p.seed;
  if (p.subset !== undefined) o.subset = p.subset;
  if (p.tokens_to_generate !== undefined) o.tokensToGenerate = p.tokens_to_generate;
  if (p.template !== undefined) o.template = p.template;
  if (p.placement !== undefined) o.placement = p.placement;
  if (p.check_budget !== undefined) o.checkBudget = p.check_budget;
  if (p.system_prompt !== undefined)
    o.systemPrompt = p.system_prompt.startsWith("@") ? `@${at(p.system_prompt.slice(1))}` : p.system_prompt;
  if (p.chat_template !== undefined)
    o.chatTemplate =
      parseChatTemplateSpec(p.chat_template).kind === "file" ? at(p.chat_template) : p.chat_template;
  try {
    return resolvePlainOptions(o);
  } catch (e) {
    if (!(e instanceof OptionsError)) throw e;
    throw new GrowConfigError(
      e.problems.map((q) => {
        const [head, ...rest] = q.path;
        const key = snakeCase(String(head));
        return {
          ...q,
          path:
            key === "lengths" || key === "input"
              ? [key === "input" ? "datasets" : key, ...rest]
              : ["plain", key, ...rest],
        };
      }),
    );
  }
}

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
    "plain.systemPrompt": p.systemPrompt,
    "plain.chatTemplate": p.chatTemplate,
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
