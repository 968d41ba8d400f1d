import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parquetWriteBuffer, type SchemaElement } from "hyparquet-writer";
import { describe, expect, it } from "vitest";
import { detectFormat } from "../../src/corpus/detect.js";
import { readCorpus } from "../../src/corpus/read.js";
import type { Corpus } from "../../src/corpus/types.js";
import { InputError } from "../../src/errors.js";
import { runPlain } from "../../src/plain/run.js";
import { wordCounter } from "../support/word-counter.js";
import { fixture, useTempFiles } from "./temp-files.js";

const hub = (name: string) => fixture(`hub/${name}`);
const write = useTempFiles();

/** What must not depend on the file the corpus came from: everything but the source and the places. */
function content(corpus: Corpus) {
  const { source: _source, dropped, ...rest } = corpus;
  return { ...rest, dropped: dropped.map(({ reason, count }) => ({ reason, count })) };
}

async function readError(path: string, format?: Corpus["format"]): Promise<InputError> {
  const error = await readCorpus(path, format === undefined ? {} : { format }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

// Parquet schema elements as pyarrow writes them for `datasets` features (see hub/generate.mjs).
type Build = (name: string) => SchemaElement[];
const string: Build = (name) => [
  { name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
];
const int64: Build = (name) => [{ name, type: "INT64", repetition_type: "OPTIONAL" }];
const list =
  (element: Build): Build =>
  (name) => [
    { name, repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
    { name: "list", repetition_type: "REPEATED", num_children: 1 },
    ...element("element"),
  ];
const struct =
  (fields: Record<string, Build>): Build =>
  (name) => [
    { name, repetition_type: "OPTIONAL", num_children: Object.keys(fields).length },
    ...Object.entries(fields).flatMap(([field, build]) => build(field)),
  ];

/** A parquet file of `rows` whose columns are `columns`, in row groups of two rows. */
function parquet(rows: Record<string, unknown>[], columns: Record<string, Build>): Uint8Array {
  const schema: SchemaElement[] = [{ name: "schema", num_children: Object.keys(columns).length }];
  for (const [name, build] of Object.entries(columns)) schema.push(...build(name));
  const columnData = Object.keys(columns).map((name) => ({ name, data: rows.map((row) => row[name]) }));
  return new Uint8Array(parquetWriteBuffer({ columnData, schema, rowGroupSize: 2 }));
}

/** The columns of the `hotpotqa/hotpot_qa` distractor configuration. */
const HOTPOT_COLUMNS = {
  id: string,
  question: string,
  answer: string,
  type: string,
  level: string,
  supporting_facts: struct({ title: list(string), sent_id: list(int64) }),
  context: struct({ title: list(string), sentences: list(list(string)) }),
};

function hotpotRow(id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    question: `Question ${id}?`,
    answer: "yes",
    type: "comparison",
    level: "easy",
    supporting_facts: { title: ["A"], sent_id: [0n] },
    context: { title: ["A", "B"], sentences: [["A is a.", " It is."], ["B is b."]] },
    ...over,
  };
}

describe("the Hugging Face Hub layouts", () => {
  it.each([
    ["hotpotqa-hub.parquet", "hotpotqa.json"],
    ["hotpotqa-hub.jsonl", "hotpotqa.json"],
    ["2wikimqa-hub.parquet", "2wikimqa.json"],
    ["2wikimqa-hub.jsonl", "2wikimqa.json"],
    ["musique.parquet", "../musique.jsonl"],
  ])("%s gives the same corpus as the original layout (%s)", async (hubName, originalName) => {
    const original = await readCorpus(hub(originalName));
    const copy = await readCorpus(hub(hubName));
    expect(content(copy)).toEqual(content(original));
    expect(copy.qas.length).toBeGreaterThan(0);
  });

  it("reads the HotpotQA questions as the original reader builds them", async () => {
    const corpus = await readCorpus(hub("hotpotqa-hub.parquet"));
    expect(corpus.format).toBe("hotpotqa");
    expect(corpus.qas.map((qa) => [qa.id, qa.answers, qa.hops, qa.meta])).toEqual([
      ["5a8b57f25542995d1e6f1371", ["the Ex"], 2, { type: "bridge", level: "medium" }],
      ["5a8c7595554299585d9e36b6", ["yes"], 2, { type: "comparison", level: "hard" }],
      ["5a85ea095542994775f606a8", ["Jean Dupré"], 1, { type: "bridge", level: "easy" }],
      ["5adbf0a255429947ff17385a", ["東京 (Tokyo)"], 2, { type: "bridge", level: "medium" }],
    ]);
    const fourth = corpus.qas[3]!;
    expect(fourth.docs.map((d) => corpus.docs[d])).toEqual([
      "Osaka\nOsaka is a large city.",
      "Ōtori shrine\nThe Ōtori shrine stands in 東京. It is old 🏯.",
      "東京\n東京 is the capital of Japan.",
    ]);
    expect(fourth.gold).toEqual(fourth.docs.slice(1));
    expect(corpus.skipped).toEqual({ empty_paragraph: 1, unknown_supporting_title: 1 });
    expect(corpus.dropped).toEqual([
      {
        reason: "unknown_supporting_title",
        count: 1,
        places: [{ file: hub("hotpotqa-hub.parquet"), record: 5, id: "5ae0185b55429942ec259c1b" }],
      },
    ]);
  });

  it("plain synthesis writes byte-identical samples from the Hub parquet, the Hub JSONL and the original JSON", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kcs-hub-"));
    try {
      // Each run writes the same output path (read before the next run replaces it), so the sidecars compare whole.
      const run = async (file: string) => {
        const [summary] = await runPlain(
          {
            input: { name: "hotpotqa", path: hub(file) },
            lengths: [60],
            tokensToGenerate: 10,
            numSamples: 4,
            shuffleQa: true,
            template: "{context}\n\n{input}",
            checkBudget: "all",
            out: join(dir, "out"),
            cacheDir: join(dir, "cache"),
          },
          { counter: wordCounter() },
        );
        const data = await readFile(summary!.path);
        const meta = JSON.parse(await readFile(`${summary!.path}.meta.json`, "utf8"));
        return { summary: summary!, data, meta };
      };
      const original = await run("hotpotqa.json");
      expect(original.summary.written).toBe(4);
      for (const file of ["hotpotqa-hub.parquet", "hotpotqa-hub.jsonl"]) {
        const copy = await run(file);
        expect(copy.summary.path).toBe(original.summary.path);
        expect(copy.data.equals(original.data)).toBe(true);
        // The sidecar differs only where it names the source file and the places of dropped records.
        const strip = (meta: Record<string, unknown>) => ({ ...meta, source: undefined, dropped: undefined });
        expect(strip(copy.meta)).toEqual(strip(original.meta));
        expect(copy.meta.source_fingerprint).toBe(original.meta.source_fingerprint);
      }
      const lines = original.data.toString("utf8").trimEnd().split("\n");
      expect(lines).toHaveLength(4);
      expect(lines.join("\n")).toContain("東京 is the capital of Japan.");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ["hotpotqa-hub.parquet", "hotpotqa"],
    ["hotpotqa-hub.jsonl", "hotpotqa"],
    ["2wikimqa-hub.parquet", "2wikimqa"],
    ["2wikimqa-hub.jsonl", "2wikimqa"],
    ["musique.parquet", "musique"],
  ])("detects %s as %s", async (name, format) => {
    expect(await detectFormat(hub(name))).toBe(format);
  });

  it("reads a parquet file whatever its name, and a forced --format reads it too", async () => {
    const bytes = await readFile(hub("musique.parquet"));
    const path = await write("musique.jsonl", bytes);
    expect(await detectFormat(path)).toBe("musique");
    expect((await readCorpus(path, { format: "musique" })).qas.map((qa) => qa.id)).toEqual([
      "2hop__11_22",
      "3hop1__1_2_3",
    ]);
  });

  it("the committed fixtures are what generate.mjs writes", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kcs-hub-gen-"));
    try {
      await promisify(execFile)(process.execPath, [hub("generate.mjs"), dir]);
      const written = (await readdir(dir)).sort();
      expect(written).toEqual([
        "2wikimqa-hub.jsonl",
        "2wikimqa-hub.parquet",
        "hotpotqa-hub.jsonl",
        "hotpotqa-hub.parquet",
        "musique.parquet",
      ]);
      for (const name of written) {
        expect((await readFile(join(dir, name))).equals(await readFile(hub(name))), name).toBe(true);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("malformed Hub records", () => {
  it("names the file, row, id and field of a wrongly shaped parquet value", async () => {
    const path = await write(
      "short.parquet",
      parquet(
        [
          hotpotRow("h1"),
          hotpotRow("h2"),
          hotpotRow("h3", { context: { title: ["A", "B"], sentences: [["A is a."]] } }),
        ],
        HOTPOT_COLUMNS,
      ),
    );
    expect((await readError(path)).message).toBe(
      `Cannot read "${path}" record 3 (id "h3"), field "context.sentences": ` +
        'expected one list of sentences per title: 1 lists for the 2 titles of "context.title"',
    );
  });

  it("reports a null parquet value as JSON's null", async () => {
    const path = await write(
      "null.parquet",
      parquet([hotpotRow("h1"), hotpotRow("h2", { question: null })], HOTPOT_COLUMNS),
    );
    expect((await readError(path)).message).toBe(
      `Cannot read "${path}" record 2 (id "h2"), field "question": expected a string, got null`,
    );
  });

  it.each([
    [
      "question",
      { question: new Uint8Array([0x57, 0x68, 0x6f, 0xff, 0x3f]) },
      "question",
      "byte 0xff at byte 3",
    ],
    [
      "a nested sentence",
      {
        context: {
          title: ["A", "B"],
          sentences: [["A is a."], ["B is ", new Uint8Array([0x62, 0xe6, 0x9d])]],
        },
      },
      "context.sentences[1][1]",
      "an incomplete character (0xe6 0x9d) at byte 1",
    ],
  ])("rejects invalid UTF-8 in %s, naming the row and field", async (_what, over, field, bad) => {
    const path = await write(
      "utf8.parquet",
      parquet([hotpotRow("h1"), hotpotRow("h2"), hotpotRow("h3", over)], HOTPOT_COLUMNS),
    );
    expect((await readError(path)).message).toBe(
      `Cannot read "${path}" record 3, field "${field}": not valid UTF-8: ${bad} of the string`,
    );
  });

  it("rejects invalid UTF-8 in a dictionary-encoded column", async () => {
    const bad = new Uint8Array([0x62, 0x72, 0x69, 0x64, 0x67, 0x65, 0xc0]);
    const rows = ["h1", "h2", "h3", "h4"].map((id, i) => hotpotRow(id, { type: i === 1 ? bad : "bridge" }));
    const path = await write("dict.parquet", parquet(rows, HOTPOT_COLUMNS));
    expect((await readError(path, "hotpotqa")).message).toBe(
      `Cannot read "${path}" record 2, field "type": not valid UTF-8: byte 0xc0 at byte 6 of the string`,
    );
  });

  it("rejects an integer a number cannot hold exactly", async () => {
    const path = await write(
      "big.parquet",
      parquet(
        [hotpotRow("h1", { supporting_facts: { title: ["A"], sent_id: [2n ** 60n] } })],
        HOTPOT_COLUMNS,
      ),
    );
    expect((await readError(path, "hotpotqa")).message).toBe(
      `Cannot read "${path}" record 1, field "supporting_facts.sent_id[0]": ` +
        "the integer 1152921504606846976 is too large to be read exactly",
    );
  });

  it("names the line and field of a malformed Hub JSONL record", async () => {
    const good = JSON.stringify({ ...hotpotRow("h1"), supporting_facts: { title: ["A"], sent_id: [0] } });
    const bad = JSON.stringify({
      ...hotpotRow("h2"),
      supporting_facts: { title: ["A", 3], sent_id: [0, 1] },
    });
    const path = await write("bad-hub.jsonl", `${good}\n${bad}\n`);
    expect((await readError(path)).message).toBe(
      `Cannot read "${path}" line 2 (id "h2"), field "supporting_facts.title[1]": expected a string, got a number (3)`,
    );
  });

  it("rejects a file that starts like parquet but is not", async () => {
    const path = await write("broken.parquet", "PAR1 and then nothing parquet-like");
    const error = await readError(path, "hotpotqa");
    expect(error.place).toEqual({ file: path });
    expect(error.message).toMatch(/^Cannot read ".*broken\.parquet": not a valid parquet file: /);
    await expect(detectFormat(path)).rejects.toThrow(/not a valid parquet file/);
  });

  it("rejects a parquet file as SQuAD", async () => {
    expect((await readError(hub("musique.parquet"), "squad")).message).toMatch(/this is a parquet file$/);
  });

  it("says when a parquet file has no rows", async () => {
    const path = await write("empty.parquet", parquet([], { id: string }));
    expect((await detectFormat(path).catch((e: Error) => e.message)) as string).toContain(
      "cannot tell the data set format: its parquet file has no rows.",
    );
  });
});
