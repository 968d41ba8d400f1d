/**
 * A text file as blocks of whole lines, undecoded: how a JSONL file is handed to worker threads. The reading
 * thread only finds line ends (a native byte search); each block is decoded and split where it is used, with
 * exactly the rules of {@link readLines} (strict UTF-8 with the error at its line and byte offset, "\n" line
 * ends, a trailing "\r" removed, a last line without "\n" kept). Every block owns its ArrayBuffer, so it can be
 * moved to a worker without a copy.
 */
import { createReadStream } from "node:fs";
import type { Place } from "../errors.js";
import { decodeUtf8, jsonlLineText, type Line } from "./lines.js";

/** Whole lines of a file, as bytes. */
export interface LineBlock {
  /** The lines' bytes, each line with its "\n" (the file's last line may lack it). */
  bytes: Uint8Array;
  /** 1-based number of the block's first line. */
  line: number;
  /** Byte offset of the block in the file. */
  offset: number;
}

const NEWLINE = 0x0a;

/** Bytes per block, about: a block ends at the first line end after this many bytes. @unit bytes */
export const LINE_BLOCK_BYTES = 4 * 2 ** 20;

/**
 * The lines of the file at `path` in blocks of about `blockBytes` (a line longer than that is a block of its
 * own), streamed. Opening and reading errors pass through for the caller to word.
 */
export async function* readLineBlocks(
  path: string,
  blockBytes = LINE_BLOCK_BYTES,
): AsyncGenerator<LineBlock> {
  const input = createReadStream(path, { highWaterMark: Math.min(blockBytes, 2 ** 20) });
  let parts: Buffer[] = [];
  let size = 0;
  let line = 1;
  let offset = 0;
  /** The first `end` bytes of `parts` as a block; `rest` (the bytes after them) is kept for the next. */
  const take = (end: number, rest: Buffer): LineBlock => {
    // Buffer.concat may hand out a slice of a shared pool; a block must own its memory.
    const bytes = new Uint8Array(new ArrayBuffer(end));
    let at = 0;
    for (const p of parts) {
      const n = Math.min(p.length, end - at);
      bytes.set(p.subarray(0, n), at);
      at += n;
      if (at === end) break;
    }
    const block: LineBlock = { bytes, line, offset };
    line += countNewlines(bytes);
    offset += end;
    parts = rest.length > 0 ? [rest] : [];
    size = rest.length;
    return block;
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      parts.push(chunk);
      size += chunk.length;
      if (size < blockBytes) continue;
      const last = chunk.lastIndexOf(NEWLINE);
      if (last < 0) continue;
      yield take(size - chunk.length + last + 1, chunk.subarray(last + 1));
    }
    if (size > 0) yield take(size, Buffer.alloc(0));
  } finally {
    input.destroy();
  }
}

function countNewlines(bytes: Uint8Array): number {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  for (let i = b.indexOf(NEWLINE); i >= 0; i = b.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

/** The lines of a block, decoded strictly as {@link readLines} does; `place` names the file in errors. */
export function blockLines(block: LineBlock, place: Place = {}): Line[] {
  const text = decodeUtf8(block.bytes, { line: block.line, offset: block.offset, column: 0, place });
  const lines: Line[] = [];
  let start = 0;
  let line = block.line;
  const push = (s: string) => lines.push({ line: line++, text: s.endsWith("\r") ? s.slice(0, -1) : s });
  for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
    push(text.slice(start, nl));
    start = nl + 1;
  }
  if (start < text.length) push(text.slice(start));
  return lines;
}

/**
 * How many JSONL records (non-blank lines, {@link jsonlLineText}) a block holds, without decoding lines that
 * start with a printable ASCII character (a JSON line starts with `{`): what the reading thread needs to know
 * the ordinal of the next block's first record.
 */
export function jsonlRecordCount(block: LineBlock): number {
  const b = Buffer.from(block.bytes.buffer, block.bytes.byteOffset, block.bytes.byteLength);
  let records = 0;
  let line = block.line;
  for (let start = 0; start < b.length; line++) {
    const nl = b.indexOf(NEWLINE, start);
    const end = nl < 0 ? b.length : nl;
    const first = b[start];
    if (first !== undefined && first > 0x20 && first < 0x7f && end > start) records++;
    else if (end > start && jsonlLineText(b.toString("utf8", start, end), line) !== undefined) records++;
    if (nl < 0) break;
    start = nl + 1;
  }
  return records;
}
