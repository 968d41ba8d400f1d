/**
 * An answerer for the loopback OpenAI server that plays a reasoning model which knows the answers: it finds
 * the question a prompt asks and, of the n choices of a request, answers the first k right and the others
 * wrong, with k drawn from the question (so questions get a spread of pass counts, 0 to n).
 */
import type { Answerer } from "../support/openai-server.js";

/** A KeyChain pair as the prompt spells it: `{"key": "value"}`. */
const PAIR = /\{"((?:[^"\\]|\\.)*)": "((?:[^"\\]|\\.)*)"\}/g;

/**
 * The question of a prompt: a KeyChain prompt's is at the end of the chain from its start key; any other
 * prompt's follows its last "Question: ".
 */
export function questionOf(prompt: string): string | undefined {
  const head = /, starting from (\S+?)\.\s*$/.exec(prompt)?.[1];
  if (head !== undefined) {
    const next = new Map<string, string>();
    for (const m of prompt.matchAll(PAIR)) next.set(JSON.parse(`"${m[1]}"`), JSON.parse(`"${m[2]}"`));
    let key = head;
    for (let hop = 0; hop < 64 && next.has(key); hop++) key = next.get(key) ?? key;
    return key.trim();
  }
  const at = prompt.lastIndexOf("Question: ");
  return at < 0 ? undefined : prompt.slice(at + "Question: ".length).trim();
}

/** FNV-1a of a string: a stable number per question. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Answers from `answers` (question → answer), in the shape the prompt asks for: `The answer is X.` when it
 * asks for that (the answer-is prompt of `filter` and `api-test`), else a thinking model's `<think>…</think>`
 * then `\boxed{X}`.
 */
export function knowingModel(answers: ReadonlyMap<string, string>): Answerer {
  return (body, choice) => {
    const prompt = body.messages.findLast((m) => m.role === "user")?.content ?? "";
    const question = questionOf(prompt);
    const answer = question === undefined ? undefined : answers.get(question);
    if (question === undefined || answer === undefined)
      return "<think>The passages do not say.</think>\n\nUnknown.";
    const said = choice < fnv1a(question) % ((body.n ?? 1) + 1) ? answer : "none of them";
    if (prompt.includes("'The answer is <your answer here>'"))
      return `Reading the passages. The answer is ${said}.`;
    return `<think>Following the passages step by step.</think>\n\nThe answer is \\boxed{${said}}.`;
  };
}
