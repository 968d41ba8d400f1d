/**
 * The pipeline config as the user writes it (YAML, snake_case), checked field by field with zod. Every leaf
 * has its own message (`expected a positive integer or "auto", got 0`); values that the CLI parses (placement,
 * template, id format, topology, tokenizer) are checked with the same parsers and kept as strings, so the CLI's
 * resolvers turn them into the resolved run configs later.
 */
import { z } from "zod";
import {
  anyInt,
  bool,
  cacheDir,
  chatTemplate,
  checkBudget,
  checkTopLevel,
  choice,
  intAtLeast,
  isInt,
  issueProblems,
  leaf,
  lengthValue,
  mapping,
  nonEmptyText,
  nonNegativeInt,
  optionalSection,
  parsedBy,
  placement,
  positiveInt,
  systemPrompt,
  template,
  text,
  tokenizerSpec,
} from "../config/fields.js";
import { type ConfigProblem, describeValue } from "../config/problems.js";
import { FORMAT_NAMES, type FormatName } from "../corpus/types.js";
import { parseTopology } from "../keychain/chains.js";
import { parseIdFormat } from "../keychain/ids.js";

const countOrAuto = () =>
  leaf('a positive integer or "auto"', (v) =>
    v === "auto" ? ("auto" as const) : isInt(v, 1) ? v : undefined,
  );

/** A list of lengths, or one length. */
const lengthList = () =>
  z.unknown().transform((v, ctx): number[] => {
    const items = Array.isArray(v) ? v : [v];
    if (items.length === 0) ctx.addIssue({ code: "custom", message: "expected at least one length" });
    const out: number[] = [];
    items.forEach((item, i) => {
      const n = lengthValue().safeParse(item);
      if (n.success) out.push(n.data);
      else
        ctx.addIssue({
          code: "custom",
          path: Array.isArray(v) ? [i] : [],
          message: `expected a sequence length such as 4096 or "4k", got ${describeValue(item)}`,
        });
    });
    return out;
  });

/** Options shared by the kinds: given at the top level, overridable per kind. */
const sharedShape = {
  lengths: lengthList().optional(),
  tokens_to_generate: nonNegativeInt().optional(),
  num_samples: positiveInt().optional(),
  pre_samples: nonNegativeInt().optional(),
  disjoint_windows: bool().optional(),
  placement: placement().optional(),
  check_budget: checkBudget().optional(),
  subset: nonEmptyText().optional(),
  system_prompt: systemPrompt().optional(),
  chat_template: chatTemplate().optional(),
};

const plainShape = {
  ...sharedShape,
  template: template().optional(),
  remove_newline_tab: bool().optional(),
  distract_questions: intAtLeast(-1, "an integer ≥ -1 (-1: none)").optional(),
};

const keychainShape = {
  ...sharedShape,
  preset: choice(["paper", "repo"]).optional(),
  chains: countOrAuto().optional(),
  hops: positiveInt().optional(),
  id_format: leaf("uuid, hex:N (1 ≤ N ≤ 32) or nano:N (1 ≤ N ≤ 64)", parsedBy(parseIdFormat)).optional(),
  topology: leaf("chain or tree[:B] (2 ≤ B ≤ 8)", parsedBy(parseTopology)).optional(),
  distractor_questions: countOrAuto().optional(),
  prompt_variant: choice(["default", "find-first"]).optional(),
};

const formatName = () => choice(FORMAT_NAMES as readonly FormatName[]);

/** `hotpotqa`, `NAME=PATH`, `PATH`, or `{name, path, format}`. */
export const DATASET_ENTRY = datasetEntry();

function datasetEntry() {
  return z.union([
    nonEmptyText(),
    mapping({
      name: nonEmptyText().optional(),
      path: nonEmptyText().optional(),
      format: formatName().optional(),
    }),
  ]);
}

const verlShape = {
  test_size: nonNegativeInt().optional(),
  valid_size: nonNegativeInt().optional(),
  seed: anyInt().optional(),
  system_prompt: leaf<never>(
    "no system_prompt here: it moved to the top level (or kinds.plain / kinds.keychain), as it is stored in every record and counted in its budget",
    () => undefined,
  ).optional(),
  with_aliases: bool().optional(),
};

/** One schema per top-level key, so keys that are valid can be used by the cross-field rules. */
export const TOP_LEVEL = {
  ...sharedShape,
  out: nonEmptyText().optional(),
  tokenizer: tokenizerSpec().optional(),
  seed: anyInt().optional(),
  data_dir: nonEmptyText().optional(),
  datasets: z
    .array(DATASET_ENTRY, {
      error: (iss) => `expected a list of data sets, got ${describeValue(iss.input)}`,
    })
    .min(1, { error: "expected at least one data set" }),
  shuffle_qa: bool().optional(),
  filter_ids: nonEmptyText().optional(),
  min_hops: positiveInt().optional(),
  passage_header: leaf("a string containing {i}", (v) =>
    typeof v === "string" && v.includes("{i}") ? v : undefined,
  ).optional(),
  passage_separator: text().optional(),
  cache_dir: cacheDir().optional(),
  /** Worker threads of synthesis: how, not what (never part of a step key). */
  workers: countOrAuto().optional(),
  kinds: mapping({ plain: optionalSection(plainShape), keychain: optionalSection(keychainShape) }),
  export: optionalSection({ verl: optionalSection(verlShape) }),
} as const;

const ROOT = z.strictObject(TOP_LEVEL);
/** The config as written, after the field checks (lengths are token counts; other values as written). */
export type PipelineFile = z.output<typeof ROOT>;
export type PlainSection = NonNullable<PipelineFile["kinds"]["plain"]>;
export type KeychainSection = NonNullable<PipelineFile["kinds"]["keychain"]>;
export type SharedSection = Partial<Pick<PipelineFile, keyof typeof sharedShape>>;
export type DatasetEntry = PipelineFile["datasets"][number];
export type VerlSection = NonNullable<NonNullable<PipelineFile["export"]>["verl"]>;

/**
 * Check a parsed YAML value against the schema. Each top-level key is checked on its own: `value` holds the
 * keys that passed (the cross-field rules run on those), `problems` every field problem, with its path.
 */
export function checkSchema(raw: unknown): { value: Partial<PipelineFile>; problems: ConfigProblem[] } {
  return checkTopLevel<PipelineFile>(raw, TOP_LEVEL, (key, issue, input) => toProblems([key], issue, input));
}

/** Zod issues → problems. `value` is the input at `base`, to pick the union branch the user meant. */
function toProblems(base: (string | number)[], issue: z.core.$ZodIssue, value: unknown): ConfigProblem[] {
  if (issue.code === "invalid_union") {
    const rel = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
    const path = [...base, ...rel];
    // Data set entries: a string or a mapping; report the branch of the value's own type.
    const at = valueAt(value, rel);
    const branch = typeof at === "string" ? issue.errors[0] : isMapping(at) ? issue.errors[1] : undefined;
    if (branch) return branch.flatMap((i) => toProblems(path, i, at));
    return [
      {
        path,
        message: `expected a data set name, NAME=PATH, a path or a mapping {name, path, format}, got ${describeValue(at)}`,
      },
    ];
  }
  return issueProblems(base, issue);
}

function isMapping(v: unknown): boolean {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  let v = value;
  for (const p of path)
    v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

export const KIND_NAMES = ["plain", "keychain"] as const;
export type KindName = (typeof KIND_NAMES)[number];

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
