import { ConfigError } from "../errors.js";

/**
 * A prompt template such as `"{context}"` (the default) or
 * `"The following are given passages.\n{context}\n\nQuestion: {input}"`. It must contain `{context}` exactly
 * once; `{input}` (alias `{question}`) is replaced by the question. Any other `{name}` is an error, as in the
 * original's `str.format`.
 */
export interface Template {
  readonly source: string;
  /** Text before `{context}` for a question. */
  prefix(question: string): string;
  /** Text after `{context}` for a question. */
  suffix(question: string): string;
  /** True when the question appears in prefix or suffix. */
  readonly usesQuestion: boolean;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

export function parseTemplate(source: string): Template {
  let contexts = 0;
  let usesQuestion = false;
  for (const m of source.matchAll(PLACEHOLDER)) {
    const name = m[1];
    if (name === "context") contexts++;
    else if (name === "input" || name === "question") usesQuestion = true;
    else
      throw new ConfigError(
        `Template ${JSON.stringify(source)} has an unknown placeholder {${name}}; use {context} and {input}`,
      );
  }
  if (contexts !== 1)
    throw new ConfigError(
      `Template ${JSON.stringify(source)} must contain {context} exactly once (found ${contexts})`,
    );
  const at = source.indexOf("{context}");
  const head = source.slice(0, at);
  const tail = source.slice(at + "{context}".length);
  const fill = (part: string, question: string) =>
    usesQuestion ? part.replace(/\{(input|question)\}/g, () => question) : part;
  return {
    source,
    usesQuestion,
    prefix: (q) => fill(head, q),
    suffix: (q) => fill(tail, q),
  };
}
