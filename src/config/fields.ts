/**
 * Field checks for YAML configs (snake_case, as the user writes them), built on zod. Every leaf has its own
 * message (`expected a positive integer, got 0`); values a parser owns (placement, template, tokenizer) are
 * checked with that parser and kept as strings, for the resolvers to turn into their real types later.
 */
import { z } from "zod";
import { parsePlacement } from "../compose/placement.js";
import { parseTemplate } from "../prompt/user-template.js";
import { parseLength } from "../run/lengths.js";
import { parseTokenizerSpec } from "../tokenizer/resolve.js";
import { type ConfigPath, type ConfigProblem, describeValue } from "./problems.js";

/** A leaf value: `parse` returns the value or undefined when the input is not acceptable. */
export function leaf<T>(expected: string, parse: (v: unknown) => T | undefined) {
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

/** Accept a string when `parser` does not throw. */
export function parsedBy(parser: (s: string) => unknown) {
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

export const isInt = (v: unknown, min: number): v is number =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= min;

export const intAtLeast = (min: number, expected: string) =>
  leaf(expected, (v) => (isInt(v, min) ? v : undefined));
export const positiveInt = () => intAtLeast(1, "a positive integer");
export const nonNegativeInt = () => intAtLeast(0, "an integer ≥ 0");
export const anyInt = () => intAtLeast(Number.MIN_SAFE_INTEGER, "an integer");
export const numberAtLeast = (min: number, expected: string) =>
  leaf(expected, (v) => (typeof v === "number" && Number.isFinite(v) && v >= min ? v : undefined));
export const bool = () => leaf("true or false", (v) => (typeof v === "boolean" ? v : undefined));
export const text = () => leaf("a string", (v) => (typeof v === "string" ? v : undefined));
export const nonEmptyText = () =>
  leaf("a non-empty string", (v) => (typeof v === "string" && v !== "" ? v : undefined));

/** One of `values`: `expected "a" or "b", got …`. */
export function choice<const T extends string>(values: readonly T[]) {
  const expected = values.map((v) => JSON.stringify(v)).join(" or ");
  return leaf(expected, (v) => ((values as readonly unknown[]).includes(v) ? (v as T) : undefined));
}

/** `4096`, `"4k"`, as a token count. */
export const lengthValue = () =>
  leaf('a sequence length such as 4096 or "4k"', (v): number | undefined => {
    if (typeof v !== "number" && typeof v !== "string") return undefined;
    try {
      return parseLength(String(v));
    } catch {
      return undefined;
    }
  });

/** A tokenizer spec, as `--tokenizer`. */
export const tokenizerSpec = () =>
  leaf(
    "a tokenizer spec (qwen3, hf:PATH, tiktoken:ENC, sentencepiece:MODEL, approx, vllm:URL, gemini:MODEL)",
    parsedBy(parseTokenizerSpec),
  );

/** Where the relevant passages go, as `--placement`. */
export const placement = () =>
  leaf("shuffle, gaussian[:sigma,clamp], depth:P (0 ≤ P ≤ 100) or relevant-only", parsedBy(parsePlacement));

/** A prompt template, as `--template`. */
export const template = () =>
  leaf("a template with {context} once (and optionally {input})", parsedBy(parseTemplate));

/** A system prompt, as `--system-prompt`: a name or `@FILE`. */
export const systemPrompt = () =>
  leaf("none, qwen_orz_boxed or @FILE", (v) =>
    v === "none" || v === "qwen_orz_boxed" || (typeof v === "string" && v.startsWith("@") && v.length > 1)
      ? v
      : undefined,
  );

/** A chat template, as `--chat-template`: auto, none, a preset name or a Jinja file. */
export const chatTemplate = () =>
  leaf("auto, none, qwen_orz_boxed or a Jinja file", (v) =>
    typeof v === "string" && v !== "" && v !== "tokenizer" ? v : undefined,
  );

/** How much of the output the token budget is checked on, as `--check-budget`. */
export const checkBudget = () => choice(["sample", "all", "off"]);

/** A cache folder, or `false` for no cache. */
export const cacheDir = () =>
  leaf("a folder or false (no cache)", (v) =>
    v === false || (typeof v === "string" && v !== "") ? v : undefined,
  );

/** A mapping with exactly these keys (others are reported as unknown). */
export function mapping<S extends z.core.$ZodLooseShape>(shape: S) {
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "invalid_type" ? `expected a mapping, got ${describeValue(iss.input)}` : undefined,
  });
}

/** A mapping that may also be written as an empty YAML value (`plain:`), meaning all defaults. */
export function optionalSection<S extends z.core.$ZodLooseShape>(shape: S) {
  return z.preprocess((v) => (v === null ? {} : v), mapping(shape)).optional();
}

/** Zod issue → problems at `[...base, ...issue.path]`; unknown keys become one problem each. */
export function issueProblems(base: ConfigPath, issue: z.core.$ZodIssue): ConfigProblem[] {
  const path = [...base, ...issue.path.map((p) => (typeof p === "number" ? p : String(p)))];
  if (issue.code === "unrecognized_keys")
    return issue.keys.map((k) => ({ path: [...path, k], message: "unknown key" }));
  return [{ path, message: issue.message }];
}

/**
 * Check a parsed YAML value against one schema per top-level key, each key on its own: `value` holds the keys
 * that passed (the cross-field rules run on those), `problems` every field problem, with its path. `toProblems`
 * turns a key's zod issue into problems (`input` is the value written at that key).
 */
export function checkTopLevel<F>(
  raw: unknown,
  shape: Readonly<Record<string, z.ZodType>>,
  toProblems: (key: string, issue: z.core.$ZodIssue, input: unknown) => ConfigProblem[] = (key, issue) =>
    issueProblems([key], issue),
): { value: Partial<F>; problems: ConfigProblem[] } {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    return { value: {}, problems: [{ path: [], message: `expected a mapping, got ${describeValue(raw)}` }] };
  const input = raw as Record<string, unknown>;
  const problems: ConfigProblem[] = [];
  const value: Record<string, unknown> = {};
  const known = Object.keys(shape);
  for (const key of Object.keys(input))
    if (!known.includes(key))
      problems.push({ path: [key], message: `unknown key; expected one of ${known.join(", ")}` });
  for (const [key, schema] of Object.entries(shape)) {
    const r = schema.safeParse(input[key]);
    if (r.success) {
      if (r.data !== undefined) value[key] = r.data;
      continue;
    }
    for (const issue of r.error.issues) problems.push(...toProblems(key, issue, input[key]));
  }
  return { value: value as Partial<F>, problems };
}
