import { ConfigError } from "../errors.js";

/**
 * How documents are laid out in a context: each document gets a numbered header, and documents are joined
 * by a separator. Defaults are the original's: `"Passage {i}:\n"` (1-based) joined by `"\n\n"`.
 */
export interface PassageLayout {
  /** Header template; `{i}` is the 1-based passage number. */
  readonly header: string;
  readonly separator: string;
}

export const DEFAULT_LAYOUT: PassageLayout = { header: "Passage {i}:\n", separator: "\n\n" };

export function parseLayout(header: string, separator: string): PassageLayout {
  if (!header.includes("{i}"))
    throw new ConfigError(`Passage header ${JSON.stringify(header)} must contain {i}`);
  return { header, separator };
}

export function renderHeader(layout: PassageLayout, i: number): string {
  return layout.header.replaceAll("{i}", String(i));
}

/** Render documents (already in order) as a context string. */
export function renderContext(layout: PassageLayout, docs: readonly string[]): string {
  const parts: string[] = [];
  for (let k = 0; k < docs.length; k++) {
    if (k > 0) parts.push(layout.separator);
    parts.push(renderHeader(layout, k + 1), docs[k] as string);
  }
  return parts.join("");
}

/**
 * Whether the layout's piece boundaries are all "newline boundaries" (left piece ends with "\n", right piece
 * starts with non-whitespace), so a newline-additive tokenizer counts the context exactly as a sum of cached
 * per-piece counts. Documents never start with whitespace (the readers guarantee it).
 */
export function layoutIsNewlineBounded(layout: PassageLayout): boolean {
  const h = renderHeader(layout, 1);
  return h.endsWith("\n") && /^\S/.test(h) && layout.separator.endsWith("\n");
}
