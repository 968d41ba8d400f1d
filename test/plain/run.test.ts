import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, InputError } from "../../src/errors.js";
import type { PlainOptions } from "../../src/plain/options.js";
import { runPlain } from "../../src/plain/run.js";
import { wordCounter } from "../support/word-counter.js";

const FIXTURE = join(import.meta.dirname, "../fixtures/plain/small.jsonl");
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kcs-run-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The options a library user writes; everything else takes the CLI's defaults. */
function config(over: Partial<PlainOptions> = {}): PlainOptions {
  return {
    input: { name: "small", path: FIXTURE },
    lengths: [400, 800],
    tokensToGenerate: 50,
    numSamples: 10,
    shuffleQa: true,
    template: "{context}",
    checkBudget: "all",
    out: dir,
    cacheDir: join(dir, "cache"),
    ...over,
  };
}

const lines = async (p: string) => (await readFile(p, "utf8")).trimEnd().split("\n");

describe("runPlain", () => {
  it("writes one file per length with disjoint question windows and the original's naming", async () => {
    const summaries = await runPlain(config(), { counter: wordCounter() });
    expect(summaries.map((s) => s.path)).toEqual([
      join(dir, "small", "train-num_sample_10-max_seq_400.jsonl"),
      join(dir, "small", "train-num_sample_10-max_seq_800.jsonl"),
    ]);
    const a = (await lines(summaries[0]!.path)).map((l) => JSON.parse(l));
    const b = (await lines(summaries[1]!.path)).map((l) => JSON.parse(l));
    expect(a.map((r) => r.source_index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(b.map((r) => r.source_index)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    const ids = new Set(a.map((r) => r.id));
    for (const r of b) expect(ids.has(r.id)).toBe(false);
    expect(Object.keys(a[0])).toEqual([
      "index",
      "source_index",
      "id",
      "kind",
      "input",
      "context",
      "answers",
      "answer_aliases",
      "length",
      "prompt_length",
      "target_length",
      "num_docs",
      "gold_positions",
      "dataset",
      "seed",
      "placement",
      "chat_template",
      "chat_template_hash",
      "prompt",
    ]);
    // The word counter has no chat template: auto means none, and the prompt is the user message alone.
    expect([a[0].kind, a[0].chat_template, a[0].chat_template_hash]).toEqual(["plain", "none", ""]);
    for (const r of [...a, ...b]) expect(r.prompt_length).toBeLessThanOrEqual(r.target_length - 50);
    const meta = JSON.parse(await readFile(`${summaries[0]!.path}.meta.json`, "utf8"));
    expect(meta.summary.written).toBe(10);
    expect(meta.tokenizer.id).toBe("test:words");
  });

  it("is byte-identical across runs, and shards concatenate to the unsharded file", async () => {
    const whole = await runPlain(config({ lengths: [600], numSamples: 23 }), { counter: wordCounter() });
    const wholeBytes = await readFile(whole[0]!.path);
    const again = await runPlain(config({ lengths: [600], numSamples: 23, out: join(dir, "again") }), {
      counter: wordCounter(),
    });
    expect((await readFile(again[0]!.path)).equals(wholeBytes)).toBe(true);
    const parts: Buffer[] = [];
    for (let i = 0; i < 4; i++) {
      const s = await runPlain(
        config({ lengths: [600], numSamples: 23, out: join(dir, "sh"), shard: `${i}/4` }),
        {
          counter: wordCounter(),
        },
      );
      expect(s[0]!.path).toMatch(new RegExp(`\\.shard-${i}-of-4\\.jsonl$`));
      parts.push(await readFile(s[0]!.path));
    }
    expect(Buffer.concat(parts).equals(wholeBytes)).toBe(true);
  });

  it("reuses the token count cache across runs", async () => {
    const first = wordCounter();
    await runPlain(config({ lengths: [600] }), { counter: first });
    const second = wordCounter();
    const events: string[] = [];
    await runPlain(config({ lengths: [600], out: join(dir, "b") }), {
      counter: second,
      onEvent: (e) => {
        if (e.type === "token-cache-done") events.push(e.cached ? "hit" : "miss");
      },
    });
    expect(events).toEqual(["hit"]);
    expect(second.texts).toBeLessThan(first.texts);
  });

  it("skips questions whose gold documents cannot fit and records why", async () => {
    const [s] = await runPlain(config({ lengths: [140], numSamples: 30, tokensToGenerate: 20 }), {
      counter: wordCounter(),
    });
    expect(s!.skipped.length).toBeGreaterThan(0);
    expect(s!.written + s!.skipped.length).toBe(30);
    const meta = JSON.parse(await readFile(`${s!.path}.meta.json`, "utf8"));
    expect(meta.summary.skipped[0].reason).toMatch(/gold documents need \d+ tokens/);
    for (const l of await lines(s!.path)) expect(JSON.parse(l).prompt_length).toBeLessThanOrEqual(120);
  });

  it("refuses more samples than questions before writing anything", async () => {
    await expect(runPlain(config({ numSamples: 20 }), { counter: wordCounter() })).rejects.toThrow(
      /Requested questions \[20, 40\) but only 30 are available/,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it("leaves no file behind when the input is malformed", async () => {
    const bad = join(dir, "bad.jsonl");
    const good = (await readFile(FIXTURE, "utf8")).split("\n");
    await writeFile(bad, `${good[0]}\n${good[1]}\n{"id": "x", "question": 3}\n`);
    const err = await runPlain(config({ input: bad, out: join(dir, "o") }), {
      counter: wordCounter(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(String((err as Error).message)).toMatch(/bad\.jsonl" line 3 \(id "x"\), field "question"/);
    expect((await readdir(dir)).includes("o")).toBe(false);
  });

  it("rejects a filter that leaves no questions", async () => {
    const ids = join(dir, "ids.txt");
    await writeFile(ids, "nope\n");
    await expect(runPlain(config({ filterIds: ids }), { counter: wordCounter() })).rejects.toThrow(
      ConfigError,
    );
  });

  it("keeps only listed ids, in source order", async () => {
    const ids = join(dir, "ids.jsonl");
    await writeFile(ids, ['{"id": "g7"}', '{"id": "g3"}', '{"id": "g5"}'].join("\n"));
    const [s] = await runPlain(config({ filterIds: ids, numSamples: 3, lengths: [600], shuffleQa: false }), {
      counter: wordCounter(),
    });
    expect((await lines(s!.path)).map((l) => JSON.parse(l).id)).toEqual(["g3", "g5", "g7"]);
  });
});
