import { createReadStream } from "node:fs";
import { pipeline } from "node:stream";
import { parser, type Token } from "stream-json/parser.js";
import { InputError } from "../errors.js";
import { decodeUtf8Chunks } from "../io/lines.js";

/** Where the first record sits: inside a top-level array, or as the first top-level object. */
export type Container = "array" | "object";

/**
 * The shallow outline of a file's first record, as far as format detection needs it: each top-level field's
 * scalar value, or `[]` / `{}` standing for an array or object (whose contents are not kept).
 */
export type RecordOutline = Record<string, unknown>;

/**
 * The outline of the first record of `path`, read with a streaming tokenizer that stops as soon as the record
 * is complete, so only the start of the file is read. For an `"object"` container it also stops at a
 * top-level `"data"` array (the articles of a SQuAD file, which may be the whole file). `undefined` when the
 * array is empty or its first element is not an object.
 */
export async function probeFirstRecord(
  path: string,
  container: Container,
): Promise<RecordOutline | undefined> {
  const recordDepth = container === "array" ? 2 : 1;
  const outline: RecordOutline = {};
  let depth = 0;
  let key: string | undefined;
  const tokens = pipeline(
    createReadStream(path, { highWaterMark: 64 * 1024 }),
    (bytes: AsyncIterable<Uint8Array>) => decodeUtf8Chunks(bytes, { file: path }),
    parser.asStream({ jsonStreaming: true, streamValues: false }),
    () => {},
  );
  const set = (value: unknown): void => {
    if (key !== undefined && depth === recordDepth) outline[key] = value;
    key = undefined;
  };
  try {
    for await (const token of tokens as AsyncIterable<Token>) {
      switch (token.name) {
        case "keyValue":
          if (depth === recordDepth) key = token.value;
          break;
        case "startObject":
        case "startArray":
          if (depth === recordDepth - 1 && token.name !== "startObject") return undefined;
          if (container === "object" && depth === 1 && key === "data" && token.name === "startArray") {
            outline.data = [];
            return outline;
          }
          set(token.name === "startArray" ? [] : {});
          depth++;
          break;
        case "endObject":
        case "endArray":
          depth--;
          if (depth < recordDepth) return depth === recordDepth - 1 ? outline : undefined;
          break;
        case "stringValue":
        case "nullValue":
        case "trueValue":
        case "falseValue":
          if (depth === recordDepth - 1) return undefined;
          set(token.value);
          break;
        case "numberValue":
          if (depth === recordDepth - 1) return undefined;
          set(Number(token.value));
          break;
      }
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    const message = `not valid JSON near the start of the file: ${(error as Error).message}`;
    throw new InputError(message, { file: path }, { cause: error });
  } finally {
    tokens.destroy();
  }
  return depth === 0 ? undefined : outline;
}
