import { lastBoxedOnlyString, removeBoxed } from "../scoring/index.js";
import { pyStrip } from "../scoring/python-text.js";

const THINK_START = "<think>";
const THINK_END = "</think>";

export interface CleanTextOptions {
  /** Keep the answer as `\boxed{…}` (what RL rewards parse) instead of the bare answer. @default false */
  keepBoxed?: boolean;
}

/**
 * A trajectory reformatted as an SFT target (§11.4): `<think>{reasoning}</think>{answer}`.
 *
 * - Without `reasoning`, the text is split at its LAST `</think>`: the reasoning is the part before it, the
 *   answer comes from the part after it. `undefined` when the text has no `</think>` (the original crashed
 *   there).
 * - With `reasoning` (the thinking a server with a reasoning parser returned apart, a trajectory's
 *   `reasoning_content`), that is the reasoning, and the answer comes from the whole text, or from the part
 *   after its last `</think>` if it still has one.
 *
 * The reasoning is stripped, and one leading `<think>` dropped (then stripped again): DeepSeek-R1 distills
 * and Qwen3 often start their output with `<think>` or `<think>\n`, and the result must not open with
 * `<think><think>`. The answer is the inside of the last `\boxed{…}` (nested braces kept) of the stripped
 * answer part, or that part unchanged when it has no box.
 *
 * @example cleanText("reasoning here</think>\\boxed{Paris}") === "<think>reasoning here</think>Paris"
 * @example cleanText("<think>\nreasoning\n</think>\n\n\\boxed{Paris}") === "<think>reasoning</think>Paris"
 * @example cleanText("\n\n\\boxed{Paris}", {}, "reasoning") === "<think>reasoning</think>Paris"
 */
export function cleanText(text: string, o: CleanTextOptions = {}, reasoning?: string): string | undefined {
  const at = text.lastIndexOf(THINK_END);
  if (at < 0 && reasoning === undefined) return undefined;
  const think = reasoning ?? text.slice(0, at);
  const after = at < 0 ? text : text.slice(at + THINK_END.length);
  const boxed = lastBoxedOnlyString(pyStrip(after));
  const content = boxed === null ? after : o.keepBoxed ? boxed : removeBoxed(boxed);
  return `<think>${thinkingOf(think)}</think>${content}`;
}

/** The reasoning stripped, without one leading `<think>`. */
function thinkingOf(reasoning: string): string {
  const stripped = pyStrip(reasoning);
  return stripped.startsWith(THINK_START) ? pyStrip(stripped.slice(THINK_START.length)) : stripped;
}
