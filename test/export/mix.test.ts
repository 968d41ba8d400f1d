import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { Command } from "commander";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { registerExport } from "../../src/cli/export.js";
import { ConfigError } from "../../src/errors.js";
import { apportion, planMix } from "../../src/export/mix-plan.js";
import { planSplits } from "../../src/export/splits.js";
import { type ExportVerlMixOptions, exportVerlMix } from "../../src/export/verl-mix.js";
import { presetTemplate } from "../../src/prompt/chat-template.js";
import { createApproxCounter } from "../../src/tokenizer/approx.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/export");

let dir: string;
let db: DuckDBInstance;
let con: DuckDBConnection;
let runs = 0;
/** Three inputs with different stems, built from the fixtures; their question ids overlap across files. */
let KC: string;
let PLAIN: string;
let FF: string;
const DS = {
  kc: "custom_longcontext_needle_qa_hotpot-kc",
  plain: "custom_longcontextqa_hotpot-plain",
  ff: "custom_longcontext_needle_qa_hotpot-ff",
};

type Row = Record<string, unknown>;

async function jsonl(path: string): Promise<Row[]> {
  return (await readFile(path, "utf8"))
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));
}

/** `copies` copies of a fixture's records; copy c > 0 has ids suffixed `-c` (copy 0 keeps the fixture's ids). */
async function build(name: string, fixture: string, copies: number): Promise<string> {
  const records = await jsonl(join(FIXTURES, fixture));
  const out: Row[] = [];
  for (let c = 0; c < copies; c++)
    out.push(...records.map((r) => ({ ...r, id: c === 0 ? r.id : `${r.id}-${c}` })));
  const path = join(dir, name);
  await writeFile(path, `${out.map((r) => JSON.stringify(r)).join("\n")}\n`);
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kcs-mix-"));
  db = await DuckDBInstance.create(":memory:");
  con = await db.connect();
  KC = await build("hotpot-kc.jsonl", "keychain.jsonl", 3); // 24 rows, 24 ids
  PLAIN = await build("hotpot-plain.jsonl", "plain-2lengths.jsonl", 2); // 24 rows, 12 ids at two lengths
  FF = await build("hotpot-ff.jsonl", "keychain-find-first.jsonl", 4); // 12 rows, 12 ids
});
afterAll(async () => {
  con?.closeSync();
  db?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

async function run(options: Omit<ExportVerlMixOptions, "outDir">) {
  const outDir = join(dir, `out${runs++}`);
  const result = await exportVerlMix({ ...options, outDir });
  return { outDir, result };
}

async function query(sql: string): Promise<Row[]> {
  return (await con.runAndReadAll(sql)).getRowObjectsJson() as Row[];
}

/** `data_source → rows` of a parquet file, counted by DuckDB. */
async function countBySource(path: string): Promise<Record<string, number>> {
  const rows = await query(`SELECT data_source, count(*) AS n FROM read_parquet('${path}') GROUP BY 1`);
  return Object.fromEntries(rows.map((r) => [r.data_source as string, Number(r.n)]));
}

const readParquet = (path: string) => query(`SELECT * FROM read_parquet('${path}')`);

const mix = (kc: number, plain: number, ff: number) => [
  { input: KC, count: kc },
  { input: PLAIN, count: plain },
  { input: FF, count: ff },
];

describe("exportVerlMix", () => {
  it("writes the asked training rows per input, read back by DuckDB, and reports rows per input and split", async () => {
    const { result } = await run({ sources: mix(6, 4, 2), testSize: 6, validSize: 6 });
    expect(await countBySource(result.files[0] as string)).toEqual({ [DS.kc]: 6, [DS.plain]: 4, [DS.ff]: 2 });
    expect(result.sources.map((s) => [s.dataSource, s.asked, s.train, s.short])).toEqual([
      [DS.kc, 6, 6, false],
      [DS.plain, 4, 4, false],
      [DS.ff, 2, 2, false],
    ]);
    for (const [k, split] of (["train", "test", "valid"] as const).entries()) {
      const counted = await countBySource(result.files[k] as string);
      for (const s of result.sources)
        expect(counted[s.dataSource] ?? 0, `${split} ${s.input}`).toBe(s[split]);
      expect(result[split]).toBe(result.sources.reduce((n, s) => n + s[split], 0));
    }
    // Test and valid sizes are shared 6 × (6, 4, 2) / 12 = (3, 2, 1): upper bounds per input.
    expect(result.sources.map((s) => s.test)).toEqual([3, 2, 1]);
    for (const [s, cap] of result.sources.map((s, k) => [s, [3, 2, 1][k] as number] as const))
      expect(s.valid).toBeLessThanOrEqual(cap);
    expect(result.valid).toBeGreaterThan(0);
  });

  it("shares a total by weights (largest remainder)", async () => {
    const { result } = await run({
      sources: [
        { input: KC, weight: 1 },
        { input: PLAIN, weight: 1 },
        { input: FF, weight: 2 },
      ],
      total: 9,
      validSize: 0,
    });
    // 9 × (1, 1, 2) / 4 = (2.25, 2.25, 4.5): floors (2, 2, 4), the unit left goes to the largest remainder.
    expect(result.sources.map((s) => s.train)).toEqual([2, 2, 5]);
    expect(await countBySource(result.files[0] as string)).toEqual({ [DS.kc]: 2, [DS.plain]: 2, [DS.ff]: 5 });
  });

  it("keeps the splits disjoint by question id across every input", async () => {
    // The inputs share question ids: PLAIN's rows 0-5 and 6-11 and FF's 0-2 are questions of KC's 0-5.
    const { result } = await run({ sources: mix(2, 4, 1), validSize: 100 });
    const [train, test, valid] = await Promise.all(result.files.map(readParquet));
    const ids = (rows: Row[] | undefined) => new Set((rows ?? []).map((r) => r.id as string));
    const [a, b, c] = [ids(train), ids(test), ids(valid)];
    expect(b.size + c.size).toBeGreaterThan(0);
    for (const x of a) expect(b.has(x) || c.has(x), x).toBe(false);
    for (const x of b) expect(c.has(x), x).toBe(false);
    // Every row of an input whose question trains anywhere is withheld, and counted.
    const trainIds = a;
    for (const [k, input] of [KC, PLAIN, FF].entries()) {
      const records = await jsonl(input);
      const count = [2, 4, 1][k] as number;
      const withheld = records.slice(count).filter((r) => trainIds.has(r.id as string)).length;
      expect(result.sources[k]?.withheld, input).toBe(withheld);
    }
    expect(result.sources[1]?.withheld).toBeGreaterThan(0);
  });

  it("writes every row's prompt equal to its record's stored prompt, with its input's data_source", async () => {
    const { result } = await run({ sources: mix(8, 6, 3), validSize: 100 });
    const records = new Map<string, Row>();
    for (const [input, ds] of [
      [KC, DS.kc],
      [PLAIN, DS.plain],
      [FF, DS.ff],
    ] as const)
      for (const r of await jsonl(input)) records.set(`${ds}|${r.id}|${r.length}`, r);
    const rows = (await Promise.all(result.files.map(readParquet))).flat();
    expect(rows.length).toBe(result.train + result.test + result.valid);
    for (const row of rows) {
      const record = records.get(`${row.data_source}|${row.id}|${Number(row.length)}`);
      expect(record, String(row.id)).toBeDefined();
      expect(row.prompt).toEqual(record?.prompt);
      expect(Number(row.prompt_length)).toBe(record?.prompt_length);
    }
  });

  it("interleaves the inputs at random, keeps each input's file order across row groups, shuffles within a row group", async () => {
    const { result } = await run({ sources: mix(12, 12, 6), rowGroupRows: 5, validSize: 0, testSize: 0 });
    const train = await query(
      `SELECT data_source, id, length, extra_info['index'] AS i FROM read_parquet('${result.files[0]}')`,
    );
    expect(train.map((r) => Number(r.i))).toEqual(train.map((_, k) => k));
    // Both halves hold rows of every input (inputs written one after the other would not).
    const sources = train.map((r) => r.data_source as string);
    for (const half of [sources.slice(0, 15), sources.slice(15)])
      expect(new Set(half)).toEqual(new Set(Object.values(DS)));
    const groups = await query(
      `SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata('${result.files[0]}')`,
    );
    expect(Number(groups[0]?.n)).toBe(6);
    // Position of each row in its input; within an input, a later row group holds only later rows, while
    // inside a row group the rows are shuffled (somewhere out of file order).
    let shuffled = false;
    for (const [input, ds] of [
      [KC, DS.kc],
      [PLAIN, DS.plain],
      [FF, DS.ff],
    ] as const) {
      const records = await jsonl(input);
      const at = (r: Row) => records.findIndex((x) => x.id === r.id && x.length === Number(r.length));
      const byGroup = new Map<number, number[]>();
      for (const r of train.filter((r) => r.data_source === ds)) {
        const g = Math.floor(Number(r.i) / 5);
        byGroup.set(g, [...(byGroup.get(g) ?? []), at(r)]);
      }
      const spans = [...byGroup.entries()].sort((p, q) => p[0] - q[0]).map(([, rows]) => rows);
      shuffled ||= spans.some((rows) => rows.some((r, k) => k > 0 && r < (rows[k - 1] as number)));
      for (let g = 1; g < spans.length; g++)
        expect(Math.min(...(spans[g] as number[]))).toBeGreaterThan(Math.max(...(spans[g - 1] as number[])));
      expect(spans.flat().sort((p, q) => p - q)).toEqual(
        Array.from({ length: ds === DS.ff ? 6 : 12 }, (_, k) => k),
      );
    }
    expect(shuffled).toBe(true);
  });

  it("gives byte-identical files for the same inputs and options, and another order with another seed", async () => {
    const options = { sources: mix(8, 6, 3), validSize: 4, seed: 7, withAliases: true };
    const one = await run(options);
    const two = await run(options);
    for (const [k, f] of one.result.files.entries()) {
      const a = await readFile(f);
      expect(a.length).toBeGreaterThan(0);
      expect(a.equals(await readFile(two.result.files[k] as string)), f).toBe(true);
    }
    const other = await run({ ...options, seed: 8 });
    const a = await readFile(one.result.files[0] as string);
    expect(a.equals(await readFile(other.result.files[0] as string))).toBe(false);
    expect(other.result.sources.map((s) => s.train)).toEqual([8, 6, 3]);
  });

  it("refuses an input with fewer records than asked, naming it; --allow-short takes what there is", async () => {
    const err = await run({ sources: mix(30, 4, 20) }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(
      `"${KC}" has 24 records, but the mix asks 30 training rows of it; "${FF}" has 12 records, but the mix asks 20 training rows of it. Ask fewer, or pass --allow-short to take all the records of a shorter input.`,
    );
    const { result } = await run({ sources: mix(30, 4, 2), allowShort: true });
    expect(result.sources[0]).toMatchObject({ asked: 30, train: 24, short: true, records: 24, test: 0 });
    expect(result.sources[1]).toMatchObject({ asked: 4, train: 4, short: false });
  });

  it("refuses records measured with another chat template than the set's, unless re-measured", async () => {
    const other = join(dir, "hotpot-orz.jsonl");
    const hash = presetTemplate("qwen_orz_boxed").hash;
    await writeFile(
      other,
      (await jsonl(FF))
        .map((r) => JSON.stringify({ ...r, chat_template: "qwen_orz_boxed", chat_template_hash: hash }))
        .join("\n"),
    );
    const sources = [
      { input: KC, count: 4 },
      { input: other, count: 2 },
    ];
    const err = await run({ sources }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(
      /^12 of 12 records of ".*hotpot-orz\.jsonl" were not measured for the prompt this export asks for, so their prompt_length would not hold in the trainer; first: line 1 \(id "[0-9a-f]+"\): measured with chat template "qwen_orz_boxed", asked "none" \(another template\)\. The rows of one set are read through one chat template: "none", that of the first record of ".*hotpot-kc\.jsonl"/,
    );
    // Asking the other template explicitly moves the refusal to the first input.
    const asked = await run({ sources, chatTemplate: "qwen_orz_boxed" }).catch((e) => e);
    expect(asked.message).toMatch(/^24 of 24 records of ".*hotpot-kc\.jsonl"/);
    const { result } = await run({
      sources,
      remeasure: true,
      tokenizer: createApproxCounter(),
      validSize: 0,
    });
    expect(result.chatTemplate).toBe("none");
    expect(result.sources.map((s) => s.remeasured)).toEqual([0, result.sources[1]?.remeasured]);
    const r = result.sources[1];
    expect((r?.remeasured ?? 0) - (r?.dropped.length ?? 0)).toBe((r?.train ?? 0) + (r?.test ?? 0));
    expect(r?.remeasured).toBeGreaterThan(0);
  });

  it.each<[string, Partial<ExportVerlMixOptions>, RegExp]>([
    ["no inputs", { sources: [] }, /sources must list at least one input/],
    ["a count and a weight", { sources: [{ input: "a", count: 1, weight: 1 }] }, /needs a count or a weight/],
    ["weights without a total", { sources: [{ input: "a", weight: 1 }] }, /weights need a total/],
    ["a total with counts", { sources: [{ input: "a", count: 1 }], total: 5 }, /total applies to weights/],
    [
      "a count of 0",
      { sources: [{ input: "a", count: 0 }] },
      /sources\[0\] \("a"\)\.count must be an integer ≥ 1/,
    ],
    [
      "the same input twice",
      {
        sources: [
          { input: "a", count: 1 },
          { input: "./a", count: 1 },
        ],
      },
      /sources\[1\] \("\.\/a"\) is sources\[0\] again/,
    ],
    [
      "a total too small for a weight",
      {
        sources: [
          { input: "a", weight: 10 },
          { input: "b", weight: 1 },
        ],
        total: 3,
      },
      /total 3 is too small for the weights: sources\[1\] \("b"\) would get no training row/,
    ],
  ])("rejects %s with a ConfigError", async (_name, options, message) => {
    const err = await exportVerlMix({ sources: [], outDir: join(dir, "never"), ...options }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(message);
  });
});

describe("planMix", () => {
  it.each<[number, number[], number[]]>([
    [5000, [1, 1], [2500, 2500]],
    [10, [1, 1, 1], [4, 3, 3]],
    [7, [0.5, 0.25, 0.25], [3, 2, 2]],
    [3, [2500, 2500, 2500], [1, 1, 1]],
    [0, [3, 1], [0, 0]],
  ])("apportion(%d, %j) = %j", (total, weights, shares) => {
    expect(apportion(total, weights)).toEqual(shares);
  });

  it("with one source is planSplits of the slice [0, count), and writes each of its rows once", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("a", "b", "c", "d", "e", "f", "g"), { maxLength: 40 }),
        fc.nat(),
        fc.option(fc.nat({ max: 20 }), { nil: undefined }),
        fc.nat({ max: 20 }),
        fc.integer(),
        (ids, x, testSize, validSize, seed) => {
          const count = x % (ids.length + 1);
          const options = { validSize, seed, ...(testSize === undefined ? {} : { testSize }) };
          const plan = planMix([{ ids, count }], options);
          expect(plan.sources[0]).toEqual(planSplits(ids, { start: 0, end: count, ...options }));
          const p = plan.sources[0];
          expect(plan.order).toEqual(
            Array((p?.train.length ?? 0) + (p?.test.length ?? 0) + (p?.valid.length ?? 0)).fill(0),
          );
        },
      ),
    );
  });

  it("keeps ids disjoint across splits and sources, and each source's test and valid within its share", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            ids: fc.array(fc.constantFrom("a", "b", "c", "d", "e", "f", "g", "h"), {
              minLength: 1,
              maxLength: 15,
            }),
            x: fc.nat(),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.nat({ max: 20 }),
        fc.nat({ max: 20 }),
        fc.integer(),
        (raw, testSize, validSize, seed) => {
          const sources = raw.map((s) => ({ ids: s.ids, count: 1 + (s.x % s.ids.length) }));
          const plan = planMix(sources, { testSize, validSize, seed });
          const idsOf = (split: "train" | "test" | "valid") =>
            new Set(plan.sources.flatMap((p, k) => p[split].map((r) => sources[k]?.ids[r])));
          const [a, b, c] = [idsOf("train"), idsOf("test"), idsOf("valid")];
          for (const x of a) expect(b.has(x) || c.has(x)).toBe(false);
          for (const x of b) expect(c.has(x)).toBe(false);
          const weights = sources.map((s) => s.count);
          const [testShare, validShare] = [apportion(testSize, weights), apportion(validSize, weights)];
          plan.sources.forEach((p, k) => {
            expect(p.train.length).toBe(sources[k]?.count);
            expect(p.test.length).toBeLessThanOrEqual(testShare[k] as number);
            expect(p.valid.length).toBeLessThanOrEqual(validShare[k] as number);
            const placed = [...p.train, ...p.test, ...p.valid, ...p.withheld];
            expect(new Set(placed).size).toBe(placed.length);
            expect(plan.order.filter((s) => s === k).length).toBe(
              p.train.length + p.test.length + p.valid.length,
            );
          });
        },
      ),
    );
  });
});

describe("keychain-synth export verl --mix", () => {
  /** Run `export verl …` in-process; returns what it printed to stdout. */
  async function cli(...args: string[]): Promise<string> {
    const program = new Command().exitOverride();
    registerExport(program);
    let out = "";
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    try {
      await program.parseAsync(["export", "verl", ...args], { from: "user" });
    } finally {
      spy.mockRestore();
    }
    return out;
  }

  it("writes one set from repeated --input and --mix counts and prints rows per input and split", async () => {
    const out = join(dir, "cli-mix");
    const printed = await cli(
      "-i",
      KC,
      "-i",
      PLAIN,
      "--mix",
      "3,2",
      "-o",
      out,
      "--test-size",
      "5",
      "--valid-size",
      "0",
    );
    const kc = `custom_longcontext_needle_qa_hotpot-kc`;
    expect(printed).toBe(
      [
        'mix of 2 inputs, one set (chat template "none")',
        `  ${join(out, "train.parquet")}: 5 rows`,
        `  ${join(out, "test.parquet")}: 5 rows`,
        `  ${join(out, "valid.parquet")}: 0 rows`,
        `  1. ${KC}`,
        `     data_source ${kc}`,
        "     train 3, test 3, valid 0, withheld 0",
        `  2. ${PLAIN}`,
        `     data_source ${DS.plain}`,
        "     train 2, test 2, valid 0, withheld 4",
        "",
      ].join("\n"),
    );
  });

  it("shares --total by --mix weights, says when --allow-short took less, and prints JSON with --json", async () => {
    const printed = await cli(
      "-i",
      KC,
      "-i",
      FF,
      "--mix",
      "1,3",
      "--total",
      "40",
      "--allow-short",
      "--json",
      "-o",
      join(dir, "cli-json"),
    );
    const result = JSON.parse(printed);
    expect(
      result.sources.map((s: { asked: number; train: number; short: boolean }) => [
        s.asked,
        s.train,
        s.short,
      ]),
    ).toEqual([
      [10, 10, false],
      [30, 12, true],
    ]);
    const text = await cli(
      "-i",
      KC,
      "-i",
      FF,
      "--mix",
      "1,3",
      "--total",
      "40",
      "--allow-short",
      "-o",
      join(dir, "cli-short"),
    );
    expect(text).toContain(`  short: "${FF}" has 12 records, 30 asked: all taken (--allow-short)\n`);
  });

  it.each([
    [["-i", "a.jsonl", "-i", "b.jsonl"], /2 inputs make one set only with --mix/],
    [["-i", "a.jsonl", "-i", "b.jsonl", "--mix", "1"], /--mix has 1 entries for 2 inputs/],
    [["-i", "a.jsonl", "--mix", "1,x"], /--mix\[2\]: expected a number, got "x"/],
    [
      ["-i", "a.jsonl", "--mix", "5", "--end-index", "3"],
      /--start-index\/--end-index choose one file's training slice/,
    ],
    [["-i", "a.jsonl", "--total", "5"], /--total and --allow-short apply to a mix/],
    [["-i", "a.jsonl", "--mix", "1.5"], /count must be an integer ≥ 1, got 1.5/],
  ])("rejects %j with a ConfigError", async (args, message) => {
    const err = await cli(...args, "-o", join(dir, "never")).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(message);
  });
});
