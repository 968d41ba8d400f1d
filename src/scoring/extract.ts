/**
 * Answer extraction from model outputs, exactly as the original does it: the thinking-model rule
 * (`generate_trajectories.py`), the non-thinking "The answer is X" rule (`run_api_all.py`) and the
 * filter's rule (`merge_output.py`).
 */

import { beforeLineOrSentenceEnd, pyStrip } from "./python-text.js";

const THINK_END = "</think>";
const ANSWER_IS = "the answer is";

/**
 * The last `\boxed…` of `s` through its matching closing brace (nested braces counted), or `null` when
 * there is no `\boxed` or its braces never close. Scanning starts at the `\boxed`, so for the space form
 * `\boxed 5` the result runs to the first brace pair after it, if any.
 */
export function lastBoxedOnlyString(s: string): string | null {
  const start = s.lastIndexOf("\\boxed");
  if (start < 0) return null;
  let open = 0;
  for (let i = start; i < s.length; i++) {
    const ch = s[i];
    if (ch === "{") open++;
    else if (ch === "}") {
      open--;
      if (open === 0) return s.slice(start, i + 1);
    }
  }
  return null;
}

/** Strips `\boxed ` (space form) or the `\boxed{` … `}` wrapper; anything else is returned unchanged. */
export function removeBoxed(s: string): string {
  if (s.startsWith("\\boxed ")) return s.slice("\\boxed ".length);
  if (s.startsWith("\\boxed{") && s.endsWith("}")) return s.slice("\\boxed{".length, -1);
  return s;
}

/**
 * Thinking models: the content of the last `\boxed{…}` (nested braces kept) in the text after the LAST
 * `</think>`, with every `*` removed first. `null` when there is no `</think>` or no closed box after it.
 * The space form follows the original too: `\boxed {A}` → `"{A}"`, and a bare `\boxed 5` with no brace
 * pair after it → `null`.
 *
 * @example extractThinkingAnswer("<think>r</think>**\\boxed{A {b} c}**") === "A {b} c"
 */
export function extractThinkingAnswer(text: string): string | null {
  const end = text.lastIndexOf(THINK_END);
  if (end < 0) return null;
  const after = pyStrip(text.slice(end + THINK_END.length)).replaceAll("*", "");
  const boxed = lastBoxedOnlyString(after);
  return boxed === null ? null : removeBoxed(boxed);
}

/**
 * Non-thinking models: the text after the LAST case-insensitive "the answer is" (asterisks removed,
 * surrounding whitespace and leading `:` stripped), cut at the first newline or at the first `.`
 * followed by whitespace or the end. `null` when the phrase is absent or nothing is left.
 * "The final answer is X" does not match.
 *
 * @example extractAnswerIsAnswer("So the answer is **Paris**. Done.") === "Paris"
 */
export function extractAnswerIsAnswer(text: string): string | null {
  const clean = text.replaceAll("*", "");
  const lower = clean.toLowerCase();
  const pos = lower.lastIndexOf(ANSWER_IS);
  if (pos < 0) return null;
  const tail = pyStrip(pyStrip(afterPhrase(clean, lower, pos)).replace(/^:+/, ""));
  const answer = pyStrip(beforeLineOrSentenceEnd(tail));
  return answer === "" ? null : answer;
}

/**
 * The question filter's rule: everything after the FIRST case-insensitive "the answer is", stripped;
 * `""` when the phrase is absent. Nothing is cut, so a verbose tail stays verbose.
 */
export function extractFirstAnswerIs(text: string): string {
  const lower = text.toLowerCase();
  const pos = lower.indexOf(ANSWER_IS);
  return pos < 0 ? "" : pyStrip(afterPhrase(text, lower, pos));
}

/**
 * `text[pos + 13:]` where `pos` was found in `lower`, as Python computes it: in code points, so when
 * lowercasing changed the length ("İ" → "i̇") the offset shifts by whole characters, never splitting a
 * surrogate pair.
 */
function afterPhrase(text: string, lower: string, pos: number): string {
  if (lower.length === text.length) return text.slice(pos + ANSWER_IS.length);
  const codePoint = Array.from(lower.slice(0, pos)).length + ANSWER_IS.length;
  return Array.from(text).slice(codePoint).join("");
}
