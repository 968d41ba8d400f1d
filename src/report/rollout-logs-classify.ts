/**
 * How a verl rollout-log entry is tied to its prompt and its data class (original `check_score_var.py`).
 */

/** Where the user turn ends and the generation starts in a Qwen chat-formatted `input`. */
export const ASSISTANT_TURN_SEPARATOR = "<|im_end|>\n<|im_start|>assistant\n";

/** Lower-case marker of a long-QA prompt: the context has at least two numbered passages. */
export const LONG_QA_MARKER = "passage 2:";

/**
 * Lower-case markers of a KeyChain prompt. The original checks only `"uuid"`. Our KeyChain user message
 * (`KEYCHAIN_USER_TEMPLATE`) always says "…chain of key:value pairs encoded with UUID strings…", whatever
 * `--id-format` the ids were drawn with (uuid, hex:N, nano:N), so the `"uuid"` test also catches our
 * instances; the template phrase is listed first because it cannot come from a passage by chance.
 */
export const KEYCHAIN_MARKERS: readonly string[] = ["consecutive chain of key:value pairs", "uuid"];

/**
 * The data classes of the analysis, in report order: plain long-context QA (`LongQA`), KeyChain long-context
 * QA (`LongQA-Dis`, "with distractors") and everything else (math, puzzles…).
 */
export const PROMPT_CLASSES = ["longqa", "longqa_dis", "other"] as const;
export type PromptClass = (typeof PROMPT_CLASSES)[number];

/** Display names, as in the original's plots. */
export const PROMPT_CLASS_LABELS: Readonly<Record<PromptClass, string>> = {
  longqa: "LongQA",
  longqa_dis: "LongQA-Dis",
  other: "other",
};

/** The prompt of a logged `input`: the text before the first assistant-turn separator. */
export interface SplitInput {
  prompt: string;
  /** False when the separator is absent; the prompt is then the whole input. */
  separated: boolean;
}

export function splitPrompt(input: string): SplitInput {
  const at = input.indexOf(ASSISTANT_TURN_SEPARATOR);
  return at < 0 ? { prompt: input, separated: false } : { prompt: input.slice(0, at), separated: true };
}

/** The class of a prompt: long-QA by {@link LONG_QA_MARKER}, KeyChain by any of {@link KEYCHAIN_MARKERS}. */
export function classifyPrompt(prompt: string): PromptClass {
  const lower = prompt.toLowerCase();
  if (!lower.includes(LONG_QA_MARKER)) return "other";
  return KEYCHAIN_MARKERS.some((m) => lower.includes(m)) ? "longqa_dis" : "longqa";
}
