import { lastBoxedOnlyString, removeBoxed } from "../scoring/index.js";
import { pyStrip } from "../scoring/python-text.js";

const THINK_END = "</think>";

export interface CleanTextOptions {
  /** Keep the answer as `\boxed{…}` (what RL rewards parse) instead of the bare answer. @default false */
  keepBoxed?: boolean;
}

/**
 * A trajectory reformatted as an SFT target (§11.4): `<think>{reasoning, stripped}</think>{answer}`, split at
 * the LAST `</think>`. The answer is the inside of the last `\boxed{…}` (nested braces kept) of the stripped
 * text after it, or that text unchanged when it has no box. `undefined` when the text has no `</think>`
 * (the original crashed there).
 *
 * @example cleanText("reasoning here</think>\\boxed{Paris}") === "<think>reasoning here</think>Paris"
 */
export function cleanText(text: string, o: CleanTextOptions = {}): string | undefined {
  const at = text.lastIndexOf(THINK_END);
  if (at < 0) return undefined;
  const think = text.slice(0, at);
  const after = text.slice(at + THINK_END.length);
  const boxed = lastBoxedOnlyString(pyStrip(after));
  const content = boxed === null ? after : o.keepBoxed ? boxed : removeBoxed(boxed);
  return `<think>${pyStrip(think)}</think>${content}`;
}
