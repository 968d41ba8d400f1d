import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import type { PlainOptions } from "../../src/plain/options.js";
import { runPlain } from "../../src/plain/run.js";
import type { RunEvent } from "../../src/run/matrix.js";
import { MATRIX_DEFAULTS } from "../../src/run/options.js";
import { wordCounter } from "../support/word-counter.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ks-dropped-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A MuSiQue record: one supporting and one other paragraph. */
function musique(id: string, answerable = true, text = `Fact number ${id} is here.`): string {
  return JSON.stringify({
    id,
    question: `Question ${id}?`,
    answer: `answer ${id}`,
    answerable,
    paragraphs: [
      { title: `T${id}`, paragraph_text: text, is_supporting: true },
      { title: `N${id}`, paragraph_text: `Noise about ${id} and more words.`, is_supporting: false },
    ],
  });
}

async function run(name: string, lines: string[], over: Partial<PlainOptions> = {}) {
  const path = join(dir, `${name}.jsonl`);
  await writeFile(path, `${lines.join("\n")}\n`);
  const events: RunEvent[] = [];
  const summaries = await runPlain(
    {
      input: { name, path },
      lengths: [120],
      tokensToGenerate: 10,
      numSamples: 3,
      out: join(dir, "out"),
      cacheDir: false,
      ...over,
    },
    { counter: wordCounter(), onEvent: (e) => events.push(e) },
  );
  const [summary] = summaries;
  const sidecar = await readFile(`${summary?.path}.meta.json`, "utf8");
  return { path, events, sidecar, meta: JSON.parse(sidecar) as Record<string, unknown> };
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `2hop__${i}`);

describe("a run reports the records its data sets dropped", () => {
  it("in the corpus event and, last, in the sidecar", async () => {
    const lines = ids(4).flatMap((id) => [musique(id, false), musique(id)]);
    lines.push(musique("2hop__1"));
    const { path, events, meta } = await run("twins", lines, { duplicateIds: "keep-first" });
    const corpus = events.find((e) => e.type === "corpus");
    const dropped = [
      {
        reason: "unanswerable",
        count: 4,
        places: [1, 3, 5, 7].map((line, i) => ({ file: path, line, id: `2hop__${i}` })),
      },
      { reason: "duplicate_id", count: 1, places: [{ file: path, line: 9, id: "2hop__1" }] },
    ];
    expect(corpus).toMatchObject({ type: "corpus", questions: 4, dropped });
    expect(Object.keys(meta).at(-1)).toBe("dropped");
    expect(meta.dropped).toEqual(dropped);
  });

  it("adds no dropped section when nothing was dropped: the sidecar keeps its keys and order", async () => {
    const { events, meta } = await run(
      "clean",
      ids(4).map((id) => musique(id)),
    );
    expect(events.find((e) => e.type === "corpus")).toMatchObject({ dropped: [] });
    expect(Object.keys(meta)).toEqual([
      "kind",
      "file",
      "dataset",
      "source",
      "source_fingerprint",
      "tokenizer",
      "options",
      "window",
      "summary",
    ]);
  });

  it("refuses a repeated id by default, and a document over the limit, before writing anything", async () => {
    const twice = [...ids(4).map((id) => musique(id)), musique("2hop__2")];
    const dup = await run("dup", twice).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(InputError);
    expect((dup as Error).message).toContain('the question id "2hop__2" is used twice in this data set');
    const big = await run(
      "big",
      [...ids(4).map((id) => musique(id)), musique("x", true, "word ".repeat(300))],
      {
        maxDocumentBytes: 1000,
      },
    ).catch((e: unknown) => e);
    expect(big).toBeInstanceOf(InputError);
    expect((big as Error).message).toMatch(
      /big\.jsonl" line 5 \(id "x"\), field "paragraphs\[0\]": the document is 1,503 bytes of text, more than the limit of 1,000 bytes/,
    );
  });

  it("has the defaults error and 4 MiB, and records them in the config only when changed", async () => {
    expect([MATRIX_DEFAULTS.duplicateIds, MATRIX_DEFAULTS.maxDocumentBytes]).toEqual([
      "error",
      4 * 1024 * 1024,
    ]);
    const { resolvePlainOptions } = await import("../../src/plain/options.js");
    const base = { input: join(dir, "clean.jsonl"), lengths: "4k" };
    const d = resolvePlainOptions(base);
    expect("duplicateIds" in d || "maxDocumentBytes" in d).toBe(false);
    const given = resolvePlainOptions({ ...base, duplicateIds: "keep-first", maxDocumentBytes: 10 });
    expect([given.duplicateIds, given.maxDocumentBytes]).toEqual(["keep-first", 10]);
    expect(() =>
      resolvePlainOptions({ ...base, duplicateIds: "maybe" as "error", maxDocumentBytes: 0 }),
    ).toThrow(/duplicate-ids|duplicateIds/);
  });
});
