/**
 * Answer normalisation: the SQuAD rule, the original trajectory scorer's variant, and the token form
 * the default scorer compares.
 */

import { pySplit, removeArticles, removePunctuation } from "./python-text.js";

/**
 * SQuAD normalisation, in SQuAD's order: lowercase → drop ASCII punctuation → replace the whole words
 * `a`, `an`, `the` with a space → collapse whitespace. This is `normalize_answer` of the original's
 * filter (`merge_output.py`) and second filter (`judge_utils.py`).
 *
 * @example normalizeAnswer("Arthur's Magazine") === "arthurs magazine"
 */
export function normalizeAnswer(s: string): string {
  return pySplit(removeArticles(removePunctuation(s.toLowerCase()))).join(" ");
}

/**
 * The original trajectory scorer's normalisation (`generate_trajectories.py`, `run_api_all.py`): articles
 * are removed *before* punctuation, so `"the-end"` → `"end"` where SQuAD gives `"theend"`. Used by
 * compat mode only.
 */
export function normalizeAnswerCompat(s: string): string {
  return pySplit(removePunctuation(removeArticles(s.toLowerCase()))).join(" ");
}

/**
 * The tokens the default scorer compares: the SQuAD-normalised tokens, except that normalisation never
 * erases an answer completely. When dropping articles would leave nothing (`"A"`, `"(A)"`, `"The"`), the
 * articles are kept; when dropping punctuation would too (`")"`, `"> > }"`), the punctuation is kept.
 * Only an answer that is blank after lowercasing has no tokens. This keeps multiple-choice letters
 * scoreable, where SQuAD maps `"(A)"` and `"(E)"` alike to `""`.
 */
export function answerTokens(s: string): string[] {
  const lower = s.toLowerCase();
  const noPunctuation = removePunctuation(lower);
  const squad = pySplit(removeArticles(noPunctuation));
  if (squad.length > 0) return squad;
  const withArticles = pySplit(noPunctuation);
  if (withArticles.length > 0) return withArticles;
  return pySplit(lower);
}
