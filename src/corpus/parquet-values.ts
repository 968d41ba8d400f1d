import { isUtf8 } from "node:buffer";
import { InputError, type Place } from "../errors.js";
import { firstInvalidUtf8 } from "../io/lines.js";

/**
 * The bytes of a parquet string that are not valid UTF-8, kept undecoded by {@link strictStringFromBytes}
 * until {@link jsonRow} knows the row and the field to name in the error.
 */
export class InvalidUtf8 {
  constructor(readonly bytes: Uint8Array) {}
}

/**
 * hyparquet's `stringFromBytes` parser, made strict. hyparquet's own decodes with a default `TextDecoder`,
 * which turns bad bytes into U+FFFD without a word and drops a leading byte-order mark; this one decodes
 * exactly (a byte-order mark stays, as `JSON.parse` keeps `\uFEFF`) and returns an {@link InvalidUtf8} for
 * bytes that are not UTF-8. hyparquet calls it for every string value, dictionary pages included.
 */
export function strictStringFromBytes(bytes: Uint8Array | undefined): string | InvalidUtf8 | undefined {
  if (bytes === undefined || bytes === null) return bytes;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isUtf8(buffer) ? buffer.toString("utf8") : new InvalidUtf8(bytes);
}

/**
 * A row as hyparquet assembles it (its keys are the top-level columns), turned into the value `JSON.parse`
 * gives for the same record in JSON Lines: lists become arrays, structs objects, a null or absent value
 * `null`, INT64 (a `bigint`) a number, a date its ISO string. A string that is not UTF-8, or an integer
 * beyond what a number holds exactly (±2^53), is an {@link InputError} at `place`, naming the field by its
 * path (`context.sentences[3][1]`).
 */
export function jsonRow(row: Record<string, unknown>, place: Place): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) out[key] = jsonValue(value, key, place);
  return out;
}

function jsonValue(value: unknown, field: string, place: Place): unknown {
  if (value === undefined || value === null) return null;
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
      return value;
    case "bigint":
      if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) {
        return Number(value);
      }
      throw new InputError(`the integer ${value} is too large to be read exactly`, { ...place, field });
  }
  if (value instanceof InvalidUtf8) throw invalidUtf8(value.bytes, field, place);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item, i) => jsonValue(item, `${field}[${i}]`, place));
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<unknown>, (item, i) =>
      jsonValue(item, `${field}[${i}]`, place),
    );
  }
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = jsonValue(item, `${field}.${key}`, place);
    return out;
  }
  return value;
}

/** `not valid UTF-8: byte 0xff at byte 3 of the string`, in the words of the JSON readers. */
function invalidUtf8(bytes: Uint8Array, field: string, place: Place): InputError {
  const bad = firstInvalidUtf8(bytes) ?? { index: 0, length: 1, truncated: false };
  const shown = [...bytes.subarray(bad.index, bad.index + bad.length)]
    .map((b) => `0x${b.toString(16).padStart(2, "0")}`)
    .join(" ");
  const what = bad.truncated
    ? `an incomplete character (${shown})`
    : `${bad.length > 1 ? "bytes" : "byte"} ${shown}`;
  return new InputError(`not valid UTF-8: ${what} at byte ${bad.index} of the string`, { ...place, field });
}
