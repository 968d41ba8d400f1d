/**
 * From a pipeline YAML file to the resolved configuration: field checks (zod), data set resolution, the CLI's
 * own resolvers for the plain and KeyChain run configs, then the named cross-field rules. Every problem is
 * reported at once, each with its YAML path and line.
 */
import { stat } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { DOWNLOADED_TRAIN_FILES } from "../cli/datasets.js";
import { resolveKeychainConfig } from "../cli/keychain.js";
import { type Opts, resolvePlainConfig } from "../cli/plain.js";
import { type ConfigPath, type ConfigProblem, configWording } from "../config/problems.js";
import { type ConfigSource, loadYamlConfig } from "../config/yaml.js";
import { detectFormat } from "../corpus/read.js";
import type { Corpus, FormatName } from "../corpus/types.js";
import { ConfigError, InputError } from "../errors.js";
import type { KeychainRunConfig } from "../keychain/run.js";
import type { PlainRunConfig } from "../plain/run.js";
import { parseChatTemplateSpec } from "../prompt/chat-template.js";
import { FRAMING_DEFAULTS } from "../prompt/framing.js";
import { PLAIN_USER_TEMPLATE } from "../prompt/templates.js";
import { defaultDatasetName } from "../run/matrix.js";
import { checkRules, type KindSettings } from "./config-rules.js";
import {
  checkSchema,
  DATASET_ENTRY,
  type DatasetEntry,
  type KeychainSection,
  type PipelineFile,
  type PlainSection,
  type SharedSection,
} from "./config-schema.js";
import { PipelineConfigError } from "./problems.js";

export const KIND_NAMES = ["plain", "keychain"] as const;
export type KindName = (typeof KIND_NAMES)[number];

/** Where `keychain-synth download NAME` puts each public data set (relative to `data_dir`). */
const PUBLIC_DATASETS = DOWNLOADED_TRAIN_FILES;

/** Every default of the config file, in one place (they equal the CLI's flag defaults). */
export const PIPELINE_DEFAULTS = {
  out: "output",
  tokenizer: "qwen3",
  seed: 42,
  data_dir: "data",
  tokens_to_generate: 128,
  num_samples: 1000,
  pre_samples: 0,
  disjoint_windows: true,
  shuffle_qa: false,
  subset: "train",
  placement: "shuffle",
  check_budget: "sample",
  passage_header: "Passage {i}:\n",
  passage_separator: "\n\n",
  system_prompt: FRAMING_DEFAULTS.systemPrompt,
  chat_template: FRAMING_DEFAULTS.chatTemplate,
  plain: { template: PLAIN_USER_TEMPLATE, remove_newline_tab: false, distract_questions: -1 },
  keychain: {
    preset: "paper",
    chains: "auto",
    hops: 4,
    topology: "chain",
    distractor_questions: "auto",
    prompt_variant: "default",
  },
  verl: { test_size: 0, valid_size: 0, with_aliases: false },
} as const;

/** One input data set, its name settled. */
export interface PipelineDataset {
  name: string;
  path: string;
  format?: FormatName;
}

/** verl export of every produced file: the last `testSize + validSize` rows are held out. */
export interface VerlExportConfig {
  /** Rows of each file for test.parquet, taken from the rows after the training slice. @default 0 */
  testSize: number;
  /** Rows of each file for valid.parquet (the last ones). @default 0 */
  validSize: number;
  /** Seed of the valid draw. @default the pipeline seed */
  seed: number;
  /** @default false */
  withAliases: boolean;
}

/** The resolved pipeline: every default filled in, every path resolved against the config file's folder. */
export interface PipelineConfig {
  /** The YAML file it came from. */
  source?: ConfigSource;
  out: string;
  /** Tokenizer spec, as `--tokenizer`. */
  tokenizer: string;
  datasets: PipelineDataset[];
  /** Plain run config, as `keychain-synth plain` builds it; `out` is `{out}/plain`. */
  plain?: PlainRunConfig;
  /** KeyChain run config, as `keychain-synth keychain` builds it; `out` is `{out}/keychain`. */
  keychain?: KeychainRunConfig;
  verl?: VerlExportConfig;
}

export interface ResolveOptions {
  /** Folder relative paths in the config are resolved against (the config file's folder). */
  baseDir: string;
  /** Recorded in the manifest. */
  source?: ConfigSource;
  /** Format detection, for data sets given without a name. @default detectFormat */
  detectFormat?: (path: string) => Promise<FormatName>;
}

/** Read, check and resolve a pipeline config file. Throws {@link PipelineConfigError} with every problem. */
export function loadPipelineConfig(path: string): Promise<PipelineConfig> {
  return loadYamlConfig(path, {
    what: "pipeline",
    error: PipelineConfigError,
    resolve: resolvePipelineConfig,
  });
}

/** Check and resolve a parsed config (the YAML as a plain value). */
export async function resolvePipelineConfig(raw: unknown, options: ResolveOptions): Promise<PipelineConfig> {
  const { value: file, problems } = checkSchema(raw);
  const invalidKeys = new Set(problems.map((p) => String(p.path[0])));
  const at = (p: string) => (isAbsolute(p) ? p : join(options.baseDir, p));
  const dataDir = at(file.data_dir ?? PIPELINE_DEFAULTS.data_dir);
  // When some entries are malformed, the well-formed ones are still checked (missing files reported too).
  const entries = file.datasets ?? wellFormedEntries(raw);
  const resolved = await resolveDatasets(
    entries,
    dataDir,
    at,
    options.detectFormat ?? detectFormat,
    problems,
  );
  const datasets = file.datasets ? resolved : undefined;
  if (file.filter_ids !== undefined) await mustExist(at(file.filter_ids), ["filter_ids"], problems);

  const kinds: KindSettings[] = [];
  const plainSection = file.kinds?.plain;
  const keychainSection = file.kinds?.keychain;
  const plainSettings = plainSection ? kindSettings("plain", plainSection, file) : undefined;
  if (plainSettings) kinds.push(plainSettings);
  const keychainSettings = keychainSection
    ? kindSettings("keychain", keychainSection, file, plainSettings)
    : undefined;
  if (keychainSettings) kinds.push(keychainSettings);

  const out = at(file.out ?? PIPELINE_DEFAULTS.out);
  const named = (datasets ?? []).map((d) => d.dataset);
  const common = { file, at, out, datasets: named };
  // Build a kind's run config only when its inputs are there (their absence is reported on its own).
  const ready = (k: KindSettings | undefined) =>
    named.length > 0 && (k?.lengths?.length ?? 0) > 0 && new Set(k?.lengths).size === k?.lengths?.length;
  const plain =
    plainSection && plainSettings && ready(plainSettings)
      ? build(["kinds", "plain"], problems, () => plainConfig(plainSection, plainSettings, common))
      : undefined;
  const keychain =
    keychainSection && keychainSettings && ready(keychainSettings)
      ? build(["kinds", "keychain"], problems, () =>
          keychainConfig(keychainSection, keychainSettings, common),
        )
      : undefined;
  const verlSection = file.export?.verl;
  const verl: VerlExportConfig | undefined = verlSection
    ? {
        testSize: verlSection.test_size ?? PIPELINE_DEFAULTS.verl.test_size,
        validSize: verlSection.valid_size ?? PIPELINE_DEFAULTS.verl.valid_size,
        seed: verlSection.seed ?? file.seed ?? PIPELINE_DEFAULTS.seed,
        withAliases: verlSection.with_aliases ?? PIPELINE_DEFAULTS.verl.with_aliases,
      }
    : undefined;

  problems.push(
    ...checkRules({
      file,
      invalidKeys,
      kinds,
      ...(datasets ? { datasets: datasets.map((d) => ({ name: d.dataset.name, entry: d.entry })) } : {}),
      ...(keychain ? { keychain } : {}),
      ...(verl ? { verl } : {}),
    }),
  );
  if (problems.length > 0) throw new PipelineConfigError(problems);
  const config: PipelineConfig = {
    out,
    tokenizer: file.tokenizer ?? PIPELINE_DEFAULTS.tokenizer,
    datasets: named,
  };
  if (options.source) config.source = options.source;
  if (plain) config.plain = plain;
  if (keychain) config.keychain = keychain;
  if (verl) config.verl = verl;
  return config;
}

/** Run a CLI resolver; a ConfigError it throws becomes a problem at `path`. */
function build<T>(path: ConfigPath, problems: ConfigProblem[], f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push({ path, message: configWording(e.message) });
    return undefined;
  }
}

/** The window settings of a kind: its own value, else the top-level one, else the default. */
function kindSettings(
  kind: KindName,
  section: PlainSection | KeychainSection,
  file: Partial<PipelineFile>,
  plain?: KindSettings,
): KindSettings {
  const pick = <K extends keyof SharedSection>(key: K): { value: SharedSection[K]; path: ConfigPath } =>
    section[key] !== undefined
      ? { value: section[key], path: ["kinds", kind, key] }
      : { value: file[key], path: [key] };
  const lengths = pick("lengths");
  const numSamples = pick("num_samples");
  const pre = pick("pre_samples");
  const disjoint = pick("disjoint_windows");
  const g = pick("tokens_to_generate");
  const n = numSamples.value ?? PIPELINE_DEFAULTS.num_samples;
  const disjointWindows = disjoint.value ?? PIPELINE_DEFAULTS.disjoint_windows;
  let preSamples = pre.value ?? PIPELINE_DEFAULTS.pre_samples;
  let prePath = pre.path;
  // KeyChain takes the questions after the plain windows unless told otherwise.
  if (kind === "keychain" && section.pre_samples === undefined && plain) {
    preSamples = plain.preSamples + windowSpan(plain);
    prePath = ["kinds", "keychain", "pre_samples"];
  }
  return {
    kind,
    lengths: lengths.value,
    lengthsPath: lengths.value === undefined ? ["kinds", kind, "lengths"] : lengths.path,
    numSamples: n,
    numSamplesPath: numSamples.path,
    preSamples,
    preSamplesPath: prePath,
    disjointWindows,
    tokensToGenerate: g.value ?? PIPELINE_DEFAULTS.tokens_to_generate,
    tokensToGeneratePath: g.path,
  };
}

/** Questions a kind uses after its `pre_samples`: all its lengths' windows. */
export function windowSpan(k: Pick<KindSettings, "lengths" | "numSamples" | "disjointWindows">): number {
  return k.disjointWindows ? (k.lengths?.length ?? 0) * k.numSamples : k.numSamples;
}

interface Common {
  file: Partial<PipelineFile>;
  at: (p: string) => string;
  out: string;
  datasets: PipelineDataset[];
}

/** The flags every datasets × lengths command takes, as commander would hand them to the CLI resolvers. */
function matrixOpts(kind: KindName, section: SharedSection, k: KindSettings, c: Common): Opts {
  const f = c.file;
  const opts: Opts = {
    datasets: c.datasets.map((d) => d.path),
    dataDir: ".",
    lengths: (k.lengths ?? []).join(","),
    tokensToGenerate: k.tokensToGenerate,
    numSamples: k.numSamples,
    preSamples: k.preSamples,
    disjointWindows: k.disjointWindows,
    seed: f.seed ?? PIPELINE_DEFAULTS.seed,
    shuffleQa: f.shuffle_qa ?? PIPELINE_DEFAULTS.shuffle_qa,
    placement: section.placement ?? f.placement ?? PIPELINE_DEFAULTS.placement,
    passageHeader: f.passage_header ?? PIPELINE_DEFAULTS.passage_header,
    passageSeparator: f.passage_separator ?? PIPELINE_DEFAULTS.passage_separator,
    checkBudget: section.check_budget ?? f.check_budget ?? PIPELINE_DEFAULTS.check_budget,
    subset: section.subset ?? f.subset ?? PIPELINE_DEFAULTS.subset,
    out: join(c.out, kind),
    cache: f.cache_dir !== false,
    systemPrompt: fileSpec(section.system_prompt ?? f.system_prompt ?? PIPELINE_DEFAULTS.system_prompt, c),
    chatTemplate: templateSpec(
      section.chat_template ?? f.chat_template ?? PIPELINE_DEFAULTS.chat_template,
      c,
    ),
  };
  if (typeof f.cache_dir === "string") opts.cacheDir = c.at(f.cache_dir);
  if (f.filter_ids !== undefined) opts.filterIds = c.at(f.filter_ids);
  if (f.min_hops !== undefined) opts.minHops = f.min_hops;
  return opts;
}

/** `@FILE` with FILE resolved against the config file's folder; names as they are. */
function fileSpec(value: string, c: Common): string {
  return value.startsWith("@") ? `@${c.at(value.slice(1))}` : value;
}

/** A chat template file resolved against the config file's folder; keywords and presets as they are. */
function templateSpec(value: string, c: Common): string {
  const spec = parseChatTemplateSpec(value);
  return spec.kind === "file" ? c.at(spec.path) : value;
}

/** The CLI resolvers parse data set strings themselves; the pipeline's own list (with formats) replaces it. */
function withDatasets<T extends { datasets: unknown }>(config: T, datasets: PipelineDataset[]): T {
  return { ...config, datasets: datasets.map((d) => ({ ...d })) };
}

function plainConfig(s: PlainSection, k: KindSettings, c: Common): PlainRunConfig {
  const d = PIPELINE_DEFAULTS.plain;
  const opts: Opts = {
    ...matrixOpts("plain", s, k, c),
    template: s.template ?? d.template,
    removeNewlineTab: s.remove_newline_tab ?? d.remove_newline_tab,
    distractQuestions: s.distract_questions ?? d.distract_questions,
  };
  return withDatasets(resolvePlainConfig(opts), c.datasets);
}

function keychainConfig(s: KeychainSection, k: KindSettings, c: Common): KeychainRunConfig {
  const d = PIPELINE_DEFAULTS.keychain;
  const opts: Opts = {
    ...matrixOpts("keychain", s, k, c),
    preset: s.preset ?? d.preset,
    chains: s.chains ?? d.chains,
    hops: s.hops ?? d.hops,
    topology: s.topology ?? d.topology,
    distractorQuestions: s.distractor_questions ?? d.distractor_questions,
    promptVariant: s.prompt_variant ?? d.prompt_variant,
  };
  if (s.id_format !== undefined) opts.idFormat = s.id_format;
  return withDatasets(resolveKeychainConfig(opts), c.datasets);
}

/** Settle each entry's path (public names under `data_dir`), check the file exists, and name it. */
async function resolveDatasets(
  entries: readonly (DatasetEntry | undefined)[],
  dataDir: string,
  at: (p: string) => string,
  detect: (path: string) => Promise<FormatName>,
  problems: ConfigProblem[],
): Promise<{ dataset: PipelineDataset; entry: number }[]> {
  const out: { dataset: PipelineDataset; entry: number }[] = [];
  for (const [i, entry] of entries.entries()) {
    if (entry === undefined) continue;
    const spec = typeof entry === "string" ? fromString(entry) : { ...entry };
    const where: ConfigPath = typeof entry === "string" ? ["datasets", i] : ["datasets", i, "path"];
    let path: string;
    if (spec.path !== undefined) path = at(spec.path);
    else {
      const known = spec.name !== undefined ? PUBLIC_DATASETS[spec.name] : undefined;
      if (known === undefined) {
        problems.push({
          path: ["datasets", i, "path"],
          message: `required: a data file (only the public data sets ${Object.keys(PUBLIC_DATASETS).join(", ")} may be given by name alone)`,
        });
        continue;
      }
      path = join(dataDir, known);
    }
    if (!(await mustExist(path, where, problems))) continue;
    let name = spec.name;
    if (name === undefined) {
      try {
        const format = spec.format ?? (await detect(path));
        name = defaultDatasetName({ format, source: path } as Corpus);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        problems.push({ path: where, message: e.message });
        continue;
      }
    }
    out.push({ dataset: { name, path, ...(spec.format ? { format: spec.format } : {}) }, entry: i });
  }
  return out;
}

/** The entries of a `datasets` list that failed as a whole, each that passes on its own (others as undefined). */
function wellFormedEntries(raw: unknown): (DatasetEntry | undefined)[] {
  const list = (raw as { datasets?: unknown } | null)?.datasets;
  if (!Array.isArray(list)) return [];
  return list.map((e) => {
    const r = DATASET_ENTRY.safeParse(e);
    return r.success ? r.data : undefined;
  });
}

/** `hotpotqa` (downloaded file), `NAME=PATH`, or `PATH` — as `--datasets`. */
function fromString(entry: string): { name?: string; path?: string; format?: FormatName } {
  const eq = entry.indexOf("=");
  if (eq > 0) return { name: entry.slice(0, eq), path: entry.slice(eq + 1) };
  if (PUBLIC_DATASETS[entry]) return { name: entry };
  return { path: entry };
}

async function mustExist(path: string, where: ConfigPath, problems: ConfigProblem[]): Promise<boolean> {
  try {
    if ((await stat(path)).isFile()) return true;
    problems.push({ path: where, message: `"${path}" is not a file` });
  } catch {
    problems.push({ path: where, message: `no such file "${path}"` });
  }
  return false;
}
