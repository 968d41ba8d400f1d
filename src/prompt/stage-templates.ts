/**
 * Prompt strings of the original's LLM stages (reference §7.2, §9.1, §10.3), generated from the reference's
 * JSON literals: byte-for-byte wire formats. Placeholders are `str.format` fields.
 */

/** Difficulty filter and non-thinking API rollouts: `{context}`, `{input}`; the answer follows "The answer is". */
export const ANSWER_IS_PROMPT_TEMPLATE =
  "The following are given passages.\n{context}\n\nAnswer the question based on the given passages. Please think step by step before answering. After thinking, output the final answer in the format of 'The answer is <your answer here>'\n\nQuestion: {input}";

/** Reasoning-trace extraction (GPT-4o): `{question}`, `{context}`, `{answer}`. `cot` has no final period, as the original. */
export const REASONING_TEMPLATES = {
  basic:
    "Question: {question}\n\nContext: {context}\n\nAnswer: {answer}\n\nProvide a detailed reasoning process to arrive at the answer based on the given context.",
  normal:
    'Question: {question}\n\nContext: {context}\n\nAnswer: {answer}\n\nYour task:\nPlease produce a clear and logically sound explanation that shows how the answer is derived from the context. Finally, present your final conclusion after "Final answer:".',
  cot: 'Question: {question}\n\nContext: {context}\n\nAnswer: {answer}\n\nYour task:\nPlease produce a step-by-step reasoning that uncovers the path from the context to the final answer. Clearly demonstrate each inference or sub-action in your explanation. Finally, present your final conclusion after "Final answer:"',
  "cot-cite":
    'Question: {question}\n\nContext: {context}\n\nAnswer: {answer}\n\nYour task:\nPlease produce a structured, step-by-step reasoning that references any relevant parts only (without indicating which passages they\'re from) of the context in quotes ("") whenever you use them. Finally, present your final conclusion after "Final answer:".',
  mcts: 'Question: {question}\n\nContext: {context}\n\nAnswer: {answer}\n\nYour task:\nPlease adopt a multi-phase approach to thoroughly examine the given context, refining your ideas at each stage. Provide the reasoning details step by step, and don\'t indicate which passages the references are from. Finally, present your final conclusion after "Final answer:".',
} as const;

export type ReasoningTemplate = keyof typeof REASONING_TEMPLATES;

/** Fill `{name}` fields of a template (each value inserted verbatim). */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (m, name: string) => values[name] ?? m);
}
