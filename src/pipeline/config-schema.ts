/**
 * The pipeline config as the user writes it (YAML, snake_case), checked field by field with zod. Every leaf
 * has its own message (`expected a positive integer or "auto", got 0`); values that the CLI parses (placement,
 * template, id format, topology, tokenizer) are checked with the same parsers and kept as strings, so the CLI's
 * resolvers turn them into the resolved run configs later.
 */
import { z } from "zod";
import { parsePlacement } from "../compose/placement.js";
import { parseTemplate } from "../compose/template.js";
import { FORMAT_NAMES, type FormatName } from "../corpus/types.js";
import { parseTopology } from "../keychain/chains.js";
import { parseIdFormat } from "../keychain/ids.js";
import { parseLength } from "../plain/lengths.js";
import { parseTokenizerSpec } from "../tokenizer/resolve.js";
import { type ConfigProblem, describeValue } from "./problems.js";

/** A leaf value: `parse` returns the value or undefined when the input is not acceptable. */
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

/** Accept the value when `parser` does not throw. */
function parsedBy(parser: (s: string) => unknown) {
  return (v: unknown): string | undefined => {
    if (typeof v !== "string") return undefined;
    try {
      parser(v);
      return v;
    } catch {
      return undefined;
    }
  };
}

const isInt = (v: unknown, min: number): v is number =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= min;

const intAtLeast = (min: number, expected: string) => leaf(expected, (v) => (isInt(v, min) ? v : undefined));
const positiveInt = () => intAtLeast(1, "a positive integer");
const nonNegativeInt = () => intAtLeast(0, "an integer ≥ 0");
const anyInt = () => intAtLeast(Number.MIN_SAFE_INTEGER, "an integer");
const bool = () => leaf("true or false", (v) => (typeof v === "boolean" ? v : undefined));
const text = () => leaf("a string", (v) => (typeof v === "string" ? v : undefined));
const nonEmptyText = () =>
  leaf("a non-empty string", (v) => (typeof v === "string" && v !== "" ? v : undefined));

function choice<const T extends string>(values: readonly T[]) {
  const expected = values.map((v) => JSON.stringify(v)).join(" or ");
  return leaf(expected, (v) => ((values as readonly unknown[]).includes(v) ? (v as T) : undefined));
}

const countOrAuto = () =>
  leaf('a positive integer or "auto"', (v) =>
    v === "auto" ? ("auto" as const) : isInt(v, 1) ? v : undefined,
  );

/** `4096`, `"4k"`. */
const lengthValue = () =>
  leaf('a sequence length such as 4096 or "4k"', (v): number | undefined => {
    if (typeof v !== "number" && typeof v !== "string") return undefined;
    try {
      return parseLength(String(v));
    } catch {
      return undefined;
    }
  });

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

const placement = () =>
  leaf("shuffle, gaussian[:sigma,clamp], depth:P (0 ≤ P ≤ 100) or relevant-only", parsedBy(parsePlacement));

function mapping<S extends z.core.$ZodLooseShape>(shape: S) {
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "invalid_type" ? `expected a mapping, got ${describeValue(iss.input)}` : undefined,
  });
}

/** A mapping that may also be written as an empty YAML value (`plain:`), meaning all defaults. */
function optionalSection<S extends z.core.$ZodLooseShape>(shape: S) {
  return z.preprocess((v) => (v === null ? {} : v), mapping(shape)).optional();
}

/** Options shared by the kinds: given at the top level, overridable per kind. */
const sharedShape = {
  lengths: lengthList().optional(),
  tokens_to_generate: nonNegativeInt().optional(),
  num_samples: positiveInt().optional(),
  pre_samples: nonNegativeInt().optional(),
  disjoint_windows: bool().optional(),
  placement: placement().optional(),
  check_budget: choice(["sample", "all", "off"]).optional(),
  subset: nonEmptyText().optional(),
};

const plainShape = {
  ...sharedShape,
  template: leaf(
    "a template with {context} once (and optionally {input})",
    parsedBy(parseTemplate),
  ).optional(),
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
  chat_template: choice(["none", "qwen_orz_boxed"]).optional(),
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
  system_prompt: choice(["none", "qwen_orz_boxed"]).optional(),
  with_aliases: bool().optional(),
};

/** One schema per top-level key, so keys that are valid can be used by the cross-field rules. */
export const TOP_LEVEL = {
  ...sharedShape,
  out: nonEmptyText().optional(),
  tokenizer: leaf(
    "a tokenizer spec (qwen3, hf:PATH, tiktoken:ENC, sentencepiece:MODEL, approx, vllm:URL, gemini:MODEL)",
    parsedBy(parseTokenizerSpec),
  ).optional(),
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
  cache_dir: leaf("a folder or false (no cache)", (v) =>
    v === false || (typeof v === "string" && v !== "") ? v : undefined,
  ).optional(),
  kinds: mapping({ plain: optionalSection(plainShape), keychain: optionalSection(keychainShape) }),
  export: z
    .preprocess((v) => (v === null ? {} : v), mapping({ verl: optionalSection(verlShape) }))
    .optional(),
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
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    return { value: {}, problems: [{ path: [], message: `expected a mapping, got ${describeValue(raw)}` }] };
  const input = raw as Record<string, unknown>;
  const problems: ConfigProblem[] = [];
  const value: Record<string, unknown> = {};
  const known = Object.keys(TOP_LEVEL);
  for (const key of Object.keys(input))
    if (!known.includes(key))
      problems.push({ path: [key], message: `unknown key; expected one of ${known.join(", ")}` });
  for (const [key, schema] of Object.entries(TOP_LEVEL) as [string, z.ZodType][]) {
    const r = schema.safeParse(input[key]);
    if (r.success) {
      if (r.data !== undefined) value[key] = r.data;
      continue;
    }
    for (const issue of r.error.issues) problems.push(...toProblems([key], issue, input[key]));
  }
  return { value: value as Partial<PipelineFile>, problems };
}

function pathPart(p: PropertyKey): string | number {
  return typeof p === "number" ? p : String(p);
}

/** Zod issues → problems. `value` is the input at `base`, to pick the union branch the user meant. */
function toProblems(base: (string | number)[], issue: z.core.$ZodIssue, value: unknown): ConfigProblem[] {
  const rel = issue.path.map(pathPart);
  const path = [...base, ...rel];
  if (issue.code === "unrecognized_keys")
    return issue.keys.map((k) => ({ path: [...path, k], message: "unknown key" }));
  if (issue.code === "invalid_union") {
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
  return [{ path, message: issue.message }];
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
