/**
 * From a pipeline YAML file to the resolved configuration: field checks (zod), data set resolution, the
 * library's resolvers of the plain and KeyChain options (their problems put at the YAML keys), then the named
 * cross-field rules. Every problem is
 * reported at once, each with its YAML path and line.
 */
import { stat } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { type ConfigPath, type ConfigProblem, OptionsError, snakeCase } from "../config/problems.js";
import { type ConfigSource, loadYamlConfig } from "../config/yaml.js";
import { detectFormat } from "../corpus/read.js";
import type { Corpus, FormatName } from "../corpus/types.js";
import { InputError } from "../errors.js";
import { assertPathPart, pathPartProblem } from "../io/paths.js";
import { type KeychainOptions, type KeychainRunConfig, resolveKeychainOptions } from "../keychain/options.js";
import { type PlainOptions, type PlainRunConfig, resolvePlainOptions } from "../plain/options.js";
import { parseChatTemplateSpec } from "../prompt/chat-template.js";
import { DOWNLOADED_TRAIN_FILES } from "../run/datasets.js";
import { defaultDatasetName } from "../run/matrix.js";
import { MATRIX_DEFAULTS, type MatrixOptions } from "../run/options.js";
import { windowSpan } from "../run/windows.js";
import { checkRules, type KindSettings } from "./config-rules.js";
import {
  checkSchema,
  DATASET_ENTRY,
  type DatasetEntry,
  type KeychainSection,
  KIND_NAMES,
  type KindName,
  type PipelineFile,
  type PlainSection,
  type SharedSection,
  TOP_LEVEL,
  type VerlExportConfig,
} from "./config-schema.js";
import { PipelineConfigError } from "./problems.js";

export { KIND_NAMES, type KindName, type VerlExportConfig };

/** Where `keychain-synth download NAME` puts each public data set (relative to `data_dir`). */
const PUBLIC_DATASETS = DOWNLOADED_TRAIN_FILES;

/**
 * The defaults of the keys that are the pipeline's own; every key that is a plain or KeyChain option takes
 * that option's default from the library ({@link MATRIX_DEFAULTS}, {@link PLAIN_DEFAULTS},
 * {@link KEYCHAIN_DEFAULTS}).
 */
export const PIPELINE_DEFAULTS = {
  /** Root of `{out}/plain`, `{out}/keychain`, `{out}/verl` and the manifest. */
  out: MATRIX_DEFAULTS.out,
  verl: { test_size: 0, valid_size: 0, with_aliases: false },
} as const;

/** One input data set, its name settled. */
export interface PipelineDataset {
  name: string;
  path: string;
  format?: FormatName;
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
  const dataDir = at(file.data_dir ?? MATRIX_DEFAULTS.dataDir);
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
      ? build("plain", plainSection, problems, () =>
          resolvePlainOptions(plainOptions(plainSection, plainSettings, common)),
        )
      : undefined;
  const keychain =
    keychainSection && keychainSettings && ready(keychainSettings)
      ? build("keychain", keychainSection, problems, () =>
          resolveKeychainOptions(keychainOptions(keychainSection, keychainSettings, common)),
        )
      : undefined;
  const verlSection = file.export?.verl;
  const verl: VerlExportConfig | undefined = verlSection
    ? {
        testSize: verlSection.test_size ?? PIPELINE_DEFAULTS.verl.test_size,
        validSize: verlSection.valid_size ?? PIPELINE_DEFAULTS.verl.valid_size,
        seed: verlSection.seed ?? file.seed ?? MATRIX_DEFAULTS.seed,
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
    tokenizer: file.tokenizer ?? MATRIX_DEFAULTS.tokenizer,
    datasets: named,
  };
  if (options.source) config.source = options.source;
  if (plain) config.plain = plain;
  if (keychain) config.keychain = keychain;
  if (verl) config.verl = verl;
  return config;
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
  const n = numSamples.value ?? MATRIX_DEFAULTS.numSamples;
  const disjointWindows = disjoint.value ?? MATRIX_DEFAULTS.disjointWindows;
  let preSamples = pre.value ?? MATRIX_DEFAULTS.preSamples;
  let prePath = pre.path;
  // KeyChain takes the questions after the plain windows unless told otherwise.
  if (kind === "keychain" && section.pre_samples === undefined && plain) {
    preSamples = plain.preSamples + kindSpan(plain);
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
    tokensToGenerate: g.value ?? MATRIX_DEFAULTS.tokensToGenerate,
    tokensToGeneratePath: g.path,
  };
}

/** Questions a kind uses after its `pre_samples`: all its lengths' windows. */
export function kindSpan(k: Pick<KindSettings, "lengths" | "numSamples" | "disjointWindows">): number {
  return windowSpan({ ...k, lengths: k.lengths?.length ?? 0 });
}

interface Common {
  file: Partial<PipelineFile>;
  at: (p: string) => string;
  out: string;
  datasets: PipelineDataset[];
}

/** The options every datasets × lengths job takes, from the YAML: a kind's own value, else the top level's. */
function matrixOptions(kind: KindName, section: SharedSection, k: KindSettings, c: Common): MatrixOptions {
  const f = c.file;
  const o: MatrixOptions = {
    input: c.datasets.map((d) => ({ ...d })),
    lengths: k.lengths ?? [],
    tokensToGenerate: k.tokensToGenerate,
    numSamples: k.numSamples,
    preSamples: k.preSamples,
    disjointWindows: k.disjointWindows,
    out: join(c.out, assertPathPart(kind, "kind")),
    cacheDir: typeof f.cache_dir === "string" ? c.at(f.cache_dir) : f.cache_dir === false ? false : undefined,
  };
  const shared = <K extends keyof SharedSection>(key: K) => section[key] ?? f[key];
  const set = <K extends keyof MatrixOptions>(key: K, value: MatrixOptions[K] | undefined) => {
    if (value !== undefined) o[key] = value;
  };
  set("seed", f.seed);
  set("shuffleQa", f.shuffle_qa);
  set("placement", shared("placement"));
  set("passageHeader", f.passage_header);
  set("passageSeparator", f.passage_separator);
  set("checkBudget", shared("check_budget"));
  set("subset", shared("subset"));
  set("tokenizer", f.tokenizer);
  const system = shared("system_prompt");
  set("systemPrompt", system?.startsWith("@") ? `@${c.at(system.slice(1))}` : system);
  const template = shared("chat_template");
  set(
    "chatTemplate",
    template !== undefined && parseChatTemplateSpec(template).kind === "file" ? c.at(template) : template,
  );
  set("filterIds", f.filter_ids === undefined ? undefined : c.at(f.filter_ids));
  set("minHops", f.min_hops);
  set("workers", f.workers);
  return o;
}

/**
 * Resolve a kind's options with the library's resolver; each problem it reports is put at the YAML key it
 * came from: the kind's own key when the kind sets it, else the top-level key (`input` is `datasets`).
 */
function build<T>(
  kind: KindName,
  section: Record<string, unknown>,
  problems: ConfigProblem[],
  resolve: () => T,
): T | undefined {
  try {
    return resolve();
  } catch (e) {
    if (!(e instanceof OptionsError)) throw e;
    for (const p of e.problems) {
      const [head, ...rest] = p.path;
      const key = head === "input" ? "datasets" : snakeCase(String(head));
      const own = key in section || !(key in TOP_LEVEL);
      problems.push({ ...p, path: own ? ["kinds", kind, key, ...rest] : [key, ...rest] });
    }
    return undefined;
  }
}

function plainOptions(s: PlainSection, k: KindSettings, c: Common): PlainOptions {
  const o: PlainOptions = matrixOptions("plain", s, k, c);
  if (s.template !== undefined) o.template = s.template;
  if (s.remove_newline_tab !== undefined) o.removeNewlineTab = s.remove_newline_tab;
  if (s.distract_questions !== undefined) o.distractorQuestions = s.distract_questions;
  return o;
}

function keychainOptions(s: KeychainSection, k: KindSettings, c: Common): KeychainOptions {
  const o: KeychainOptions = matrixOptions("keychain", s, k, c);
  const set = <K extends keyof KeychainOptions>(key: K, value: KeychainOptions[K] | undefined) => {
    if (value !== undefined) o[key] = value;
  };
  set("preset", s.preset);
  set("chains", s.chains);
  set("hops", s.hops);
  set("idFormat", s.id_format);
  set("topology", s.topology);
  set("distractorQuestions", s.distractor_questions);
  set("promptVariant", s.prompt_variant);
  return o;
}

/**
 * Settle each entry's path (public names under `data_dir`), check the file exists, and name it. A name (given,
 * or the file's stem) must be usable as a folder name; the problem is reported at `datasets[i].name`.
 */
async function resolveDatasets(
  entries: readonly (DatasetEntry | undefined)[],
  dataDir: string,
  at: (p: string) => string,
  detect: (path: string) => Promise<FormatName>,
  problems: ConfigProblem[],
): Promise<{ dataset: PipelineDataset; entry: number }[]> {
  const out: { dataset: PipelineDataset; entry: number }[] = [];
  /** Whether `name` can be a folder name; if not, the problem is recorded at the entry's name. */
  const usableName = (name: string, i: number): boolean => {
    const problem = pathPartProblem(name);
    if (problem === undefined) return true;
    problems.push({
      path: typeof entries[i] === "string" ? ["datasets", i] : ["datasets", i, "name"],
      message: `data set name ${JSON.stringify(name)} cannot be a folder name: ${problem}`,
    });
    return false;
  };
  for (const [i, entry] of entries.entries()) {
    if (entry === undefined) continue;
    const spec = typeof entry === "string" ? fromString(entry) : { ...entry };
    const where: ConfigPath = typeof entry === "string" ? ["datasets", i] : ["datasets", i, "path"];
    const namedWell = spec.name === undefined || usableName(spec.name, i);
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
    if (!(await mustExist(path, where, problems)) || !namedWell) continue;
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
    if (spec.name === undefined && !usableName(name, i)) continue;
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
