import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, InputError } from "../../src/errors.js";
import { type ExportVerlOptions, exportVerl } from "../../src/export/verl.js";
import { presetTemplate } from "../../src/prompt/chat-template.js";
import { promptMessages } from "../../src/prompt/messages.js";
import { QWEN_ORZ_BOXED_SYSTEM, renderKeychainUser, renderPlainUser } from "../../src/prompt/templates.js";
import { approxTokens, createApproxCounter } from "../../src/tokenizer/approx.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/export");
const KEYCHAIN = join(FIXTURES, "keychain.jsonl");
const KEYCHAIN_FIND_FIRST = join(FIXTURES, "keychain-find-first.jsonl");
/** Six questions at two lengths: rows 0-5 and 6-11 hold the same ids in the same order. */
const PLAIN = join(FIXTURES, "plain-2lengths.jsonl");

let dir: string;
let db: DuckDBInstance;
let con: DuckDBConnection;
let runs = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kcs-export-"));
  db = await DuckDBInstance.create(":memory:");
  con = await db.connect();
});
afterAll(async () => {
  con?.closeSync();
  db?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

/** Export into a fresh folder under the temp dir. */
async function run(options: Omit<ExportVerlOptions, "outDir">) {
  const outDir = join(dir, `out${runs++}`);
  const result = await exportVerl({ ...options, outDir });
  return { outDir, result };
}

/** Rows of a parquet file read by DuckDB (an independent reader), as plain JSON values. */
async function readParquet(path: string): Promise<Record<string, unknown>[]> {
  const r = await con.runAndReadAll(`SELECT * FROM read_parquet('${path}')`);
  return r.getRowObjectsJson() as Record<string, unknown>[];
}

/** `column name → DuckDB type` of a parquet file. */
async function describeParquet(path: string): Promise<Record<string, string>> {
  const r = await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
  return Object.fromEntries(
    r.getRowObjectsJson().map((x) => [x.column_name as string, x.column_type as string]),
  );
}

async function jsonl(path: string): Promise<Record<string, unknown>[]> {
  return (await readFile(path, "utf8"))
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));
}

const EXPECTED_TYPES = {
  data_source: "VARCHAR",
  prompt: 'STRUCT("role" VARCHAR, "content" VARCHAR)[]',
  ability: "VARCHAR",
  reward_model: "STRUCT(style VARCHAR, ground_truth VARCHAR[])",
  extra_info: 'STRUCT(split VARCHAR, "index" BIGINT, input_question VARCHAR)',
  id: "VARCHAR",
  source_index: "BIGINT",
  length: "BIGINT",
  prompt_length: "BIGINT",
  dataset: "VARCHAR",
};

describe("exportVerl, KeyChain records", () => {
  it("writes the verl columns with nested types, read back by DuckDB", async () => {
    const { outDir, result } = await run({ input: KEYCHAIN, startIndex: 2, endIndex: 5 });
    expect(result.files).toEqual(["train", "test", "valid"].map((s) => join(outDir, `${s}.parquet`)));
    expect((await readdir(outDir)).sort()).toEqual(["test.parquet", "train.parquet", "valid.parquet"]);
    for (const f of result.files) expect(await describeParquet(f)).toEqual(EXPECTED_TYPES);
  });

  it("renders the exact user prompt and the reward/extra_info structs of a row", async () => {
    const { result } = await run({ input: KEYCHAIN, startIndex: 2, endIndex: 5 });
    const records = await jsonl(KEYCHAIN);
    const train = await readParquet(result.files[0] as string);
    expect(train).toHaveLength(3);
    const src = records[2] as Record<string, unknown>;
    const row = train[0] as Record<string, unknown>;
    const expectedUser = renderKeychainUser(
      "default",
      src.distractor_context as string,
      src.chain_head_with_question as string,
    );
    expect(row.prompt).toEqual([{ role: "user", content: expectedUser }]);
    expect(
      (row.prompt as { content: string }[])[0]?.content.endsWith(
        `starting from ${src.chain_head_with_question}.`,
      ),
    ).toBe(true);
    expect(row).toMatchObject({
      data_source: "custom_longcontext_needle_qa_keychain",
      ability: "longcontext_qa",
      reward_model: { style: "rule", ground_truth: src.answers },
      extra_info: { split: "train", index: "0", input_question: src.input },
      id: src.id,
      source_index: String(src.source_index),
      length: String(src.length),
      prompt_length: String(src.prompt_length),
      dataset: "hotpotqa",
    });
    expect(train.map((r) => (r.extra_info as { index: string }).index)).toEqual(["0", "1", "2"]);
    expect(train.map((r) => r.id)).toEqual(records.slice(2, 5).map((r) => r.id));
  });

  it("takes train = [start, end), test from the leftover in file order, valid from what is left; disjoint by id", async () => {
    const { result } = await run({ input: KEYCHAIN, startIndex: 2, endIndex: 5, validSize: 2, seed: 1 });
    const ids = (await jsonl(KEYCHAIN)).map((r) => r.id as string);
    const [train, test, valid] = await Promise.all(result.files.map(readParquet));
    const idsOf = (rows: Record<string, unknown>[] | undefined) => (rows ?? []).map((r) => r.id as string);
    expect(idsOf(train)).toEqual(ids.slice(2, 5));
    // Leftover in file order is rows 0,1,5,6,7; test takes min(5, 3) = 3 of them.
    expect(idsOf(test)).toEqual([ids[0], ids[1], ids[5]]);
    expect(idsOf(valid).sort()).toEqual([ids[6], ids[7]].sort());
    expect(result).toMatchObject({ train: 3, test: 3, valid: 2, withheld: 0, kind: "keychain" });
    const all = [...idsOf(train), ...idsOf(test), ...idsOf(valid)];
    expect(new Set(all).size).toBe(all.length);
    for (const [k, rows] of [train, test, valid].entries()) {
      const split = ["train", "test", "valid"][k];
      expect((rows ?? []).map((r) => (r.extra_info as { split: string; index: string }).split)).toEqual(
        (rows ?? []).map(() => split),
      );
      expect((rows ?? []).map((r) => Number((r.extra_info as { index: string }).index))).toEqual(
        (rows ?? []).map((_, i) => i),
      );
    }
  });

  it("refuses a system prompt the records were not measured with; re-measures on request and drops rows over budget", async () => {
    const refused = await run({ input: KEYCHAIN, systemPrompt: "qwen_orz_boxed" }).catch((e) => e);
    expect(refused).toBeInstanceOf(ConfigError);
    expect(refused.message).toContain("8 of 8 records");
    expect(refused.message).toContain("built with no system message, asked a different one");
    const tokenizer = createApproxCounter();
    const template = presetTemplate("qwen_orz_boxed");
    // Even rows are built full (prompt_length = their budget), so the system message pushes them over.
    const records = (await jsonl(KEYCHAIN)).map((r, i) => {
      if (i % 2 === 1) return r;
      const full = approxTokens((r.prompt as { content: string }[])[0]?.content ?? "");
      return { ...r, prompt_length: full, length: full + 100, target_length: full + 100 };
    });
    const input = join(dir, "tight.jsonl");
    await writeFile(input, records.map((r) => JSON.stringify(r)).join("\n"));
    // Each row's budget is what its record was built for: target_length − G.
    const counts = records.map((r) =>
      approxTokens(
        template.render(
          promptMessages(QWEN_ORZ_BOXED_SYSTEM, (r.prompt as { content: string }[])[0]?.content ?? ""),
        ),
      ),
    );
    const budgets = records.map(
      (r) => (r.target_length as number) - ((r.length as number) - (r.prompt_length as number)),
    );
    const { result } = await run({
      input,
      systemPrompt: "qwen_orz_boxed",
      chatTemplate: "qwen_orz_boxed",
      remeasure: true,
      tokenizer,
      withAliases: true,
      endIndex: 8,
    });
    const over = counts.filter((c, i) => c > (budgets[i] as number)).length;
    expect(result.remeasured).toBe(8);
    expect(result.dropped).toHaveLength(over);
    expect(result.train).toBe(8 - over);
    const train = await readParquet(result.files[0] as string);
    expect(train).toHaveLength(8 - over);
    for (const row of train) {
      const i = records.findIndex((r) => r.id === row.id);
      expect(Number(row.prompt_length)).toBe(counts[i]);
      expect(Number(row.prompt_length)).toBeLessThanOrEqual(budgets[i] as number);
    }
    expect(over).toBe(4);
    expect(result.dropped.map((d) => d.line)).toEqual([1, 3, 5, 7]);

    // Records built with the system message are written as they are.
    const withSystem = join(dir, "with-system.jsonl");
    await writeFile(
      withSystem,
      records
        .map((r) =>
          JSON.stringify({
            ...r,
            prompt: promptMessages(
              QWEN_ORZ_BOXED_SYSTEM,
              (r.prompt as { content: string }[])[0]?.content ?? "",
            ),
          }),
        )
        .join("\n"),
    );
    const { result: kept } = await run({
      input: withSystem,
      systemPrompt: "qwen_orz_boxed",
      withAliases: true,
      endIndex: 8,
    });
    expect(kept.remeasured).toBe(0);
    const row = (await readParquet(kept.files[0] as string))[1] as {
      prompt: { role: string; content: string }[];
      reward_model: { ground_truth: string[] };
    };
    expect(row.prompt.map((m) => m.role)).toEqual(["system", "user"]);
    expect(row.prompt[0]?.content).toBe(QWEN_ORZ_BOXED_SYSTEM);
    expect(row.prompt[0]?.content).toContain("answer is enclosed within \\boxed{} tags");
    expect(row.reward_model.ground_truth).toEqual([
      "Chief of Protocol",
      "Chief of Protocol of the United States",
    ]);
    expect(records[1]?.answer_aliases).toEqual(["Chief of Protocol of the United States"]);
    // All rows in train, so test and valid are empty but valid files with the schema.
    expect(kept).toMatchObject({ train: 8, test: 0, valid: 0 });
    for (const f of kept.files.slice(1)) {
      expect(await readParquet(f)).toEqual([]);
      expect(await describeParquet(f)).toEqual(EXPECTED_TYPES);
    }
  });

  it("uses the records' find-first wording, and rejects a --prompt-variant that differs from the records", async () => {
    const { result } = await run({ input: KEYCHAIN_FIND_FIRST, endIndex: 1 });
    const src = (await jsonl(KEYCHAIN_FIND_FIRST))[0] as Record<string, string>;
    const row = (await readParquet(result.files[0] as string))[0] as { prompt: { content: string }[] };
    expect(row.prompt[0]?.content).toBe(
      renderKeychainUser(
        "find-first",
        src.distractor_context as string,
        src.chain_head_with_question as string,
      ),
    );
    expect(row.prompt[0]?.content.endsWith("\nFind the correct question first, then answer it.")).toBe(true);

    const err = await run({ input: KEYCHAIN_FIND_FIRST, promptVariant: "default" }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(
      /^3 of 3 records of ".*keychain-find-first.jsonl" were not measured for the prompt this export asks for, so their prompt_length would not hold in the trainer; first: line 1 \(id "[0-9a-f]+"\): built with prompt variant "find-first", asked "default"\. Pass --remeasure/,
    );
  });
});

describe("exportVerl writes the stored prompts", () => {
  it.each([
    ["KeyChain", KEYCHAIN],
    ["KeyChain find-first", KEYCHAIN_FIND_FIRST],
    ["plain", PLAIN],
  ])("%s: every row's prompt equals its record's stored prompt, byte for byte", async (_name, input) => {
    const { result } = await run({ input, validSize: 100 });
    const records = await jsonl(input);
    const rows = (await Promise.all(result.files.map(readParquet))).flat();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const i = records.findIndex(
        (r) =>
          r.id === row.id && r.source_index === Number(row.source_index) && Number(row.length) === r.length,
      );
      expect(i, String(row.id)).toBeGreaterThanOrEqual(0);
      expect(row.prompt).toEqual(records[i]?.prompt);
      expect(Number(row.prompt_length)).toBe(records[i]?.prompt_length);
    }
  });

  it("renders records written before prompts were stored by the same renderer, says how many, and asks plain ones to be re-measured", async () => {
    const old = (await jsonl(KEYCHAIN)).map(({ kind: _k, prompt: _p, chat_template_hash: _h, ...r }) => r);
    const input = join(dir, "old-keychain.jsonl");
    await writeFile(input, old.map((r) => JSON.stringify(r)).join("\n"));
    const { result } = await run({ input });
    expect(result.renderedPrompts).toBe(8);
    const rows = await readParquet(result.files[0] as string);
    const stored = await jsonl(KEYCHAIN);
    for (const row of rows) expect(row.prompt).toEqual(stored.find((r) => r.id === row.id)?.prompt);

    const oldPlain = (await jsonl(PLAIN)).map(
      ({ kind: _k, prompt: _p, chat_template: _t, chat_template_hash: _h, ...r }) => r,
    );
    const plainInput = join(dir, "old-plain.jsonl");
    await writeFile(plainInput, oldPlain.map((r) => JSON.stringify(r)).join("\n"));
    const err = await run({ input: plainInput }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(
      "written before prompts were stored: its prompt_length does not count the instruction and question",
    );
  });
});

describe("exportVerl, plain records", () => {
  it("renders the plain prompt and keeps a repeated question id in one split", async () => {
    // Train is rows 0-5 (the first length); rows 6-11 repeat the same ids, so they are withheld.
    const { result } = await run({ input: PLAIN, startIndex: 0, endIndex: 6 });
    expect(result).toMatchObject({ train: 6, test: 0, valid: 0, withheld: 6, kind: "plain" });
    const src = (await jsonl(PLAIN))[0] as Record<string, string>;
    const row = (await readParquet(result.files[0] as string))[0] as Record<string, unknown>;
    expect(row.data_source).toBe("custom_longcontextqa_plain-2lengths");
    expect(row.prompt).toEqual([
      { role: "user", content: renderPlainUser(src.context as string, src.input as string) },
    ]);
    expect((row.prompt as { content: string }[])[0]?.content).toMatch(
      /^The following are given passages\.\nPassage 1:\n/,
    );
    expect(row.extra_info).toEqual({ split: "train", index: "0", input_question: src.input });
  });

  it("splits whole id groups: a slice that holds no question twice leaves the others to test and valid", async () => {
    // Slice [0, 2) takes ids A, B at 512; their 1024 rows (6, 7) are withheld; the other 4 ids × 2 rows form
    // groups of 2: test takes min(8, 2) = 2 rows = one group, valid up to 4 rows = two groups.
    const { result } = await run({ input: PLAIN, startIndex: 0, endIndex: 2, validSize: 4 });
    expect(result).toMatchObject({ train: 2, test: 2, valid: 4, withheld: 2 });
    const [train, test, valid] = await Promise.all(result.files.map(readParquet));
    const ids = (rows: Record<string, unknown>[] | undefined) =>
      new Set((rows ?? []).map((r) => r.id as string));
    const [a, b, c] = [ids(train), ids(test), ids(valid)];
    expect(a.size).toBe(2);
    expect(b.size).toBe(1);
    expect(c.size).toBe(2);
    for (const x of a) expect(b.has(x) || c.has(x)).toBe(false);
    for (const x of b) expect(c.has(x)).toBe(false);
    // Each test/valid question comes with both of its lengths.
    expect(test?.map((r) => r.length).sort()).toEqual(["1004", "492"]);
  });
});

describe("exportVerl determinism and atomicity", () => {
  it("gives byte-identical files for the same input and options", async () => {
    const options = { input: KEYCHAIN, startIndex: 1, endIndex: 4, validSize: 3, seed: 7, withAliases: true };
    const one = await run(options);
    const two = await run(options);
    for (const [i, f] of one.result.files.entries()) {
      const a = await readFile(f);
      const b = await readFile(two.result.files[i] as string);
      expect(a.length).toBeGreaterThan(0);
      expect(a.equals(b)).toBe(true);
    }
  });

  it("draws a different valid set with a different seed", async () => {
    const pick = async (seed: number) => {
      const { result } = await run({
        input: PLAIN,
        startIndex: 0,
        endIndex: 1,
        testSize: 0,
        validSize: 2,
        seed,
      });
      return (await readParquet(result.files[2] as string)).map((r) => r.id).join(",");
    };
    const draws = new Set(await Promise.all([1, 2, 3, 4, 5, 6].map(pick)));
    expect(draws.size).toBeGreaterThan(1);
  });

  it("writes row groups that DuckDB reads back in order when a split spans several groups", async () => {
    const { result } = await run({ input: KEYCHAIN, rowGroupRows: 3 });
    const rows = await readParquet(result.files[0] as string);
    expect(rows.map((r) => r.id)).toEqual((await jsonl(KEYCHAIN)).map((r) => r.id));
    const meta = await con.runAndReadAll(
      `SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata('${result.files[0]}')`,
    );
    expect(meta.getRowObjectsJson()[0]?.n).toBe("3");
  });

  it("leaves no files behind when a record is bad", async () => {
    const bad = join(dir, "bad-late.jsonl");
    const lines = (await readFile(KEYCHAIN, "utf8")).trim().split("\n");
    lines[5] = JSON.stringify({ ...JSON.parse(lines[5] as string), answers: "yes" });
    await writeFile(bad, lines.join("\n"));
    const outDir = join(dir, "bad-out");
    const err = await exportVerl({ input: bad, outDir }).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/line 6 \(id "[0-9a-f]+"\), field "answers": expected an array/);
    expect(await readdir(outDir).catch(() => [])).toEqual([]);
  });
});

describe("exportVerl errors", () => {
  const write = async (name: string, text: string) => {
    const p = join(dir, name);
    await writeFile(p, text);
    return p;
  };
  const plainLine = (o: Record<string, unknown> = {}) =>
    JSON.stringify({ id: "q1", input: "Q?", context: "Passage 1:\nx", answers: ["a"], ...o });

  it.each([
    ["malformed JSON", `${plainLine()}\n{"id": "q2",`, /line 2: invalid JSON/],
    [
      "missing id",
      JSON.stringify({ input: "Q", context: "c", answers: ["a"] }),
      /line 1, field "id": expected a string, but the field is missing/,
    ],
    [
      "null input",
      plainLine({ input: null }),
      /line 1 \(id "q1"\), field "input": expected a string, got null/,
    ],
    [
      "answer not a string",
      plainLine({ answers: ["a", 3] }),
      /field "answers\[1\]": expected a string, got a number \(3\)/,
    ],
    ["empty answers", plainLine({ answers: [] }), /field "answers": expected at least one answer/],
    ["bad alias list", plainLine({ answer_aliases: "x" }), /field "answer_aliases": expected an array/],
    ["negative length", plainLine({ length: -1 }), /field "length": expected a non-negative integer/],
    [
      "plain after KeyChain",
      `${JSON.stringify({ id: "k", input: "Q", answers: ["a"], distractor_context: "c", chain_head_with_question: "h" })}\n${plainLine()}`,
      /line 2 \(id "q1"\), field "kind": expected a KeyChain record/,
    ],
    [
      "KeyChain head not a string",
      JSON.stringify({
        id: "k",
        input: "Q",
        answers: ["a"],
        distractor_context: "c",
        chain_head_with_question: 5,
      }),
      /field "chain_head_with_question": expected a string, got a number \(5\)/,
    ],
    [
      "unknown prompt variant",
      JSON.stringify({
        id: "k",
        input: "Q",
        answers: ["a"],
        distractor_context: "c",
        chain_head_with_question: "h",
        prompt_variant: "1line",
      }),
      /field "prompt_variant": expected "default" or "find-first", got "1line"/,
    ],
    ["empty file", "\n\n", /no records/],
  ])("rejects %s with an InputError naming the place", async (name, text, message) => {
    const p = await write(`${name.replace(/\W+/g, "-")}.jsonl`, text);
    const err = await exportVerl({ input: p, outDir: join(dir, "never") }).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(message);
    expect(err.message).toContain(`Cannot read "${p}"`);
  });

  it.each([
    ["a slice past the end", { endIndex: 99 }, /\[0, 99\) does not fit .* 8 records/],
    ["end before start", { startIndex: 4, endIndex: 2 }, /endIndex 2 is before startIndex 4/],
    ["a negative valid size", { validSize: -1 }, /validSize must be an integer ≥ 0/],
    [
      "--prompt-variant on plain records",
      { input: PLAIN, promptVariant: "default" as const },
      /applies to KeyChain/,
    ],
  ])("rejects %s with a ConfigError", async (_name, options, message) => {
    const err = await exportVerl({ input: KEYCHAIN, outDir: join(dir, "never"), ...options }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(message);
  });
});
