import { ConfigError } from "../errors.js";
import { escapedBody, joinsUnchanged } from "../io/json-line.js";

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

/**
 * Render documents (already in order) as a context string. It is built by concatenation, which V8 keeps as a
 * rope until its characters are read: a sample written from escaped documents never reads them, so its
 * context is never copied into one flat string.
 */
export function renderContext(layout: PassageLayout, docs: readonly string[]): string {
  let context = "";
  for (let k = 0; k < docs.length; k++) {
    if (k > 0) context += layout.separator;
    context += renderHeader(layout, k + 1);
    context += docs[k] as string;
  }
  return context;
}

/** A layout's headers and separator as they are inside a JSON string; null where one may not be joined. */
interface EscapedLayout {
  separator: Uint8Array | null;
  headers: (Uint8Array | null)[];
}

const escapedLayouts = new WeakMap<PassageLayout, EscapedLayout>();

function escapedLayout(layout: PassageLayout): EscapedLayout {
  let e = escapedLayouts.get(layout);
  if (e === undefined) {
    e = { separator: escapedPart(layout.separator), headers: [] };
    escapedLayouts.set(layout, e);
  }
  return e;
}

function escapedPart(text: string): Uint8Array | null {
  return joinsUnchanged(text) ? escapedBody(text) : null;
}

/** The layout's separator as it is inside a JSON string, or null when it may not be joined unchanged. */
export function escapedSeparator(layout: PassageLayout): Uint8Array | null {
  return escapedLayout(layout).separator;
}

/** Passage `k + 1`'s header as it is inside a JSON string (remembered), or null when it may not be joined. */
export function escapedHeader(layout: PassageLayout, k: number): Uint8Array | null {
  const headers = escapedLayout(layout).headers;
  let header = headers[k];
  if (header === undefined) {
    header = escapedPart(renderHeader(layout, k + 1));
    headers[k] = header;
  }
  return header;
}

/**
 * {@link renderContext} as it is inside a JSON string (`JSON.stringify(context)` without its quotes, UTF-8),
 * joined from the documents' escaped forms; undefined when a header or the separator may not be joined
 * with its neighbours unchanged (a surrogate at its edge).
 */
export function renderContextJson(
  layout: PassageLayout,
  docs: readonly Uint8Array[],
): Uint8Array | undefined {
  const separator = escapedSeparator(layout);
  const parts: Uint8Array[] = [];
  for (let k = 0; k < docs.length; k++) {
    if (k > 0) {
      if (separator === null) return undefined;
      parts.push(separator);
    }
    const header = escapedHeader(layout, k);
    if (header === null) return undefined;
    parts.push(header, docs[k] as Uint8Array);
  }
  return Buffer.concat(parts);
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
