import { InputError } from "../errors.js";
import { AtomicFile } from "../io/atomic.js";
import { readLines } from "../io/lines.js";
import type { KeyField } from "./existing.js";

/**
 * Copies the plain records of `input` whose question key (`id`, or `source_index` under that key field) is not
 * in `taken` to `output`, atomically, in file order; each key copied is added to `taken`, so a question is kept
 * once. Returns how many records were kept and dropped.
 */
export async function writeFreshRecords(
  input: string,
  output: string,
  taken: Set<string>,
  keyField: KeyField,
): Promise<{ kept: number; dropped: number }> {
  const file = await AtomicFile.open(output);
  let kept = 0;
  let dropped = 0;
  try {
    for await (const { line, text } of readLines(input)) {
      if (text.trim() === "") continue;
      let r: { id?: unknown; source_index?: unknown };
      try {
        r = JSON.parse(text) as typeof r;
      } catch (e) {
        throw new InputError(`not valid JSON (${(e as Error).message})`, { file: input, line }, { cause: e });
      }
      if (typeof r.id !== "string" || typeof r.source_index !== "number")
        throw new InputError("a plain record needs id and source_index", {
          file: input,
          line,
          field: "id",
        });
      const key = keyField === "id" ? r.id : String(r.source_index);
      if (taken.has(key)) {
        dropped++;
        continue;
      }
      taken.add(key);
      await file.write(`${text}\n`);
      kept++;
    }
    await file.commit();
  } catch (e) {
    await file.abort();
    throw e;
  }
  return { kept, dropped };
}
