import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

/** Lines of a UTF-8 text file with their 1-based numbers, streamed. A trailing "\r" is removed. */
export async function* readLines(path: string): AsyncGenerator<{ line: number; text: string }> {
  const rl = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    yield { line, text };
  }
}
