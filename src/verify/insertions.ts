/**
 * Finds the pairs inserted into a plain context and checks the insertions: removing every inserted
 * `{pair}.\n` / `{pair}. ` from `distractor_context` must give `context` byte for byte, and each insertion must
 * sit at an allowed point of the plain context.
 *
 * The two strings are walked together: text up to the next `{"` must match, and at a `{"` the scanner reads a
 * pair. A pair (or a `{"`) that the plain context also has at that point is document text, not an insertion.
 * After the first mismatch the walk cannot continue, so the rest is only scanned for pairs (a pair whose text
 * occurs in `context` is then taken for document text).
 */

export interface ScanInsertionsOptions {
  /** How `context` renders its passages (a pair may not sit between a header and its document).
   * @default DEFAULT_LAYOUT */
  layout?: PassageLayout;
  /** Whether the start of `context` is a line start: the prompt text before it ends with "\n" (true for the
   * KeyChain templates, whose instruction line ends with a newline). @default false */
  leadingLine?: boolean;
}

import { DEFAULT_LAYOUT, type PassageLayout } from "../compose/layout.js";
import { excerpt } from "./excerpt.js";
import { type PairShape, scanPairAt } from "./pair-scanner.js";

/** One offending position, as an offset into `distractor_context`. */
export interface Problem {
  at: number;
  message: string;
}

export interface InsertionScan {
  /** Inserted pairs in text order (offsets into `distractor_context`). */
  pairs: PairShape[];
  /** Inserted `{"…` spans that do not parse as a pair. */
  parse: Problem[];
  /** Mismatches against `context` and insertions at points that are not allowed. */
  removal: Problem[];
}

/** Closing quotes and brackets allowed between a sentence end and the space before a pair. */
const CLOSERS = new Set(['"', "'", "”", "’", ")", "]", "}", "»"]);
const SENTENCE_END = new Set([".", "?", "!"]);
/** How far to look for the end of a pair that does not parse, to resume the walk behind it. */
const RESYNC_WINDOW = 4096;
const RESYNC_TRIES = 8;
const RESYNC_CHECK = 64;

export function scanInsertions(
  distractorContext: string,
  context: string,
  options: ScanInsertionsOptions = {},
): InsertionScan {
  const dc = distractorContext;
  const ctx = context;
  const out: InsertionScan = { pairs: [], parse: [], removal: [] };
  const header = headerMatcher(options.layout ?? DEFAULT_LAYOUT);
  const leadingLine = options.leadingLine ?? false;
  let i = 0;
  let j = 0;
  for (;;) {
    const s = dc.indexOf('{"', i);
    const stop = s < 0 ? dc.length : s;
    const n = stop - i;
    if (dc.slice(i, stop) !== ctx.slice(j, j + n)) {
      out.removal.push(mismatch(dc, i, ctx, j, n));
      return scanRest(out, dc, ctx, i);
    }
    i = stop;
    j += n;
    if (s < 0) {
      if (j !== ctx.length)
        out.removal.push({
          at: dc.length,
          message: `distractor_context ends where context goes on (context offset ${j}: ${excerpt(ctx, j)})`,
        });
      return out;
    }
    const r = scanPairAt(dc, s);
    if (r.ok) {
      const pair = r.pair;
      if (ctx.startsWith(dc.slice(s, pair.end), j)) {
        i = pair.end;
        j += pair.end - s;
        continue;
      }
      out.pairs.push(pair);
      const sep = dc[pair.end + 1];
      if (dc[pair.end] !== "." || (sep !== "\n" && sep !== " ")) {
        out.removal.push({
          at: pair.end,
          message: `the pair at offset ${s} is not followed by ".\\n" or ". ": ${excerpt(dc, pair.end)}`,
        });
        return scanRest(out, dc, ctx, pair.end);
      }
      const bad = pointProblem(ctx, j, sep, header, leadingLine);
      if (bad) out.removal.push({ at: s, message: `${bad}: ${excerpt(dc, s)}` });
      i = pair.end + 2;
    } else {
      if (ctx.startsWith('{"', j)) {
        i = s + 2;
        j += 2;
        continue;
      }
      out.parse.push({ at: r.at, message: `${r.reason}: ${excerpt(dc, r.at)}` });
      const resumed = resync(dc, s, ctx, j);
      if (resumed < 0) {
        out.removal.push({
          at: s,
          message: `cannot find the end of the broken pair at offset ${s}: ${excerpt(dc, s)}`,
        });
        return scanRest(out, dc, ctx, s + 2);
      }
      i = resumed;
    }
  }
}

/** Why inserting at `ctx` offset `j` is not allowed, or undefined when it is. */
function pointProblem(
  ctx: string,
  j: number,
  sep: string,
  header: (ctx: string, j: number) => boolean,
  leadingLine: boolean,
) {
  const next = ctx[j];
  if (next === undefined || /\s/.test(next))
    return "a pair must be followed by a non-whitespace character of the context";
  if (sep === "\n") {
    if (j === 0 && !leadingLine)
      return 'a pair ending in ".\\n" at the start of the context, which the prompt does not start on a new line';
    if (j > 0 && ctx[j - 1] !== "\n") return 'a pair ending in ".\\n" must start a line (follow a newline)';
    if (header(ctx, j)) return "a pair between a passage header and its document";
    return undefined;
  }
  if (ctx[j - 1] !== " ") return 'a pair ending in ". " must follow a sentence end and one space';
  let k = j - 2;
  if (CLOSERS.has(ctx[k] ?? "")) k--;
  if (!SENTENCE_END.has(ctx[k] ?? "")) return "a pair inside a sentence (not after . ? or ! and one space)";
  return undefined;
}

/** Whether the plain context just before offset `j` is a passage header. */
function headerMatcher(layout: PassageLayout): (ctx: string, j: number) => boolean {
  const parts = layout.header.split("{i}").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const re = new RegExp(`${parts.join("[0-9]+")}$`);
  const window = layout.header.length + 16;
  return (ctx, j) => re.test(ctx.slice(Math.max(0, j - window), j));
}

function mismatch(dc: string, i: number, ctx: string, j: number, n: number): Problem {
  let k = 0;
  while (k < n && dc.charCodeAt(i + k) === ctx.charCodeAt(j + k)) k++;
  if (j + k >= ctx.length)
    return {
      at: i + k,
      message: `distractor_context has text that context does not (context ended): ${excerpt(dc, i + k)}`,
    };
  return {
    at: i + k,
    message: `removing the pairs does not give context back: distractor_context ${excerpt(dc, i + k)} vs context (offset ${j + k}) ${excerpt(ctx, j + k)}`,
  };
}

/**
 * After a `{"` that does not parse: the offset just behind the end of the broken insertion (`"}.` and a
 * newline or space, behind which the texts agree again), or -1.
 */
function resync(dc: string, s: number, ctx: string, j: number): number {
  let from = s + 2;
  for (let tries = 0; tries < RESYNC_TRIES; tries++) {
    const e = dc.indexOf('"}.', from);
    if (e < 0 || e - s > RESYNC_WINDOW) return -1;
    from = e + 1;
    const sep = dc[e + 3];
    if (sep !== "\n" && sep !== " ") continue;
    const after = e + 4;
    const nextPair = dc.indexOf('{"', after);
    const m = Math.min(RESYNC_CHECK, (nextPair < 0 ? dc.length : nextPair) - after);
    if (dc.slice(after, after + m) === ctx.slice(j, j + m)) return after;
  }
  return -1;
}

/** Scan-only mode behind the first mismatch: pairs and broken pairs that are not document text. */
function scanRest(out: InsertionScan, dc: string, ctx: string, from: number): InsertionScan {
  let i = from;
  for (;;) {
    const s = dc.indexOf('{"', i);
    if (s < 0) return out;
    const r = scanPairAt(dc, s);
    if (r.ok) {
      if (!ctx.includes(dc.slice(s, r.pair.end))) out.pairs.push(r.pair);
      i = r.pair.end;
    } else {
      if (!ctx.includes(dc.slice(s, Math.max(r.at, s + 24))))
        out.parse.push({ at: r.at, message: `${r.reason}: ${excerpt(dc, r.at)}` });
      i = s + 2;
    }
  }
}
