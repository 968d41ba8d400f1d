/** The id formats of KeyChain keys (`uuid`, `hex:N`, `nano:N`), the topology field, and finding ids in text. */

/** A parsed `id_format`: every id matches `pattern`, is `length` characters long, all from `charClass`. */
export interface IdFormat {
  pattern: RegExp;
  /** A regex character class (with brackets) of the id characters. */
  charClass: string;
  length: number;
}

/**
 * The ids of an `id_format`, or `undefined` when the format is unknown. `uuid`: a lowercase uuid4
 * (`xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`); `hex:N`: N lowercase hex characters; `nano:N`: N characters of
 * `_-0-9a-zA-Z`.
 */
export function parseIdFormat(format: string): IdFormat | undefined {
  if (format === "uuid")
    return {
      pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      charClass: "[0-9a-f-]",
      length: 36,
    };
  const m = /^(hex|nano):([1-9][0-9]{0,3})$/.exec(format);
  if (!m) return undefined;
  const length = Number(m[2]);
  const charClass = m[1] === "hex" ? "[0-9a-f]" : "[_\\-0-9a-zA-Z]";
  return { pattern: new RegExp(`^${charClass}{${length}}$`), charClass, length };
}

/** The pattern every id of `format` matches, or `undefined` when the format is unknown. */
export function idPattern(format: string): RegExp | undefined {
  return parseIdFormat(format)?.pattern;
}

/** Above this many ids, one pass over the text beats one `indexOf` search per id (measured on 64 KB texts). */
const SCAN_ABOVE = 96;

/**
 * Every occurrence (as a substring, anywhere) of any of `ids` in `text`, in text order. Few ids are searched
 * for one by one; many in one pass over `text`: an occurrence lies inside a run of id characters at least as
 * long as an id, and such runs are rare in prose, so only their windows are looked up.
 */
export function findIdsInText(
  text: string,
  ids: ReadonlySet<string>,
  format: IdFormat,
): { id: string; at: number }[] {
  const found: { id: string; at: number }[] = [];
  if (ids.size <= SCAN_ABOVE) {
    for (const id of ids)
      for (let at = text.indexOf(id); at >= 0; at = text.indexOf(id, at + 1)) found.push({ id, at });
    return found.sort((a, b) => a.at - b.at);
  }
  const isIdChar = idCharTable(format.charClass);
  let runStart = 0;
  for (let p = 0; p <= text.length; p++) {
    const c = p < text.length ? text.charCodeAt(p) : 0;
    if (c < 128 && isIdChar[c] === 1) continue;
    for (let k = runStart; k + format.length <= p; k++) {
      const window = text.slice(k, k + format.length);
      if (ids.has(window)) found.push({ id: window, at: k });
    }
    runStart = p + 1;
  }
  return found;
}

const tables = new Map<string, Uint8Array>();

/** ASCII lookup table of a character class (ids are ASCII). */
function idCharTable(charClass: string): Uint8Array {
  let table = tables.get(charClass);
  if (!table) {
    const re = new RegExp(charClass);
    table = new Uint8Array(128);
    for (let c = 0; c < 128; c++) table[c] = re.test(String.fromCharCode(c)) ? 1 : 0;
    tables.set(charClass, table);
  }
  return table;
}

/** A parsed `topology` field: `chain`, or `tree:B` where each key may have up to B children. */
export type Topology = { kind: "chain" } | { kind: "tree"; branching: number };

/** Parses `chain` or `tree:B` (B ≥ 1); `undefined` for anything else. */
export function parseTopology(topology: string): Topology | undefined {
  if (topology === "chain") return { kind: "chain" };
  const m = /^tree:([1-9][0-9]{0,5})$/.exec(topology);
  return m ? { kind: "tree", branching: Number(m[1]) } : undefined;
}
