import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readIdList } from "../../src/corpus/read.js";
import { RemoteError } from "../../src/errors.js";
import {
  formatHistogram,
  formatStage1Report,
  parseBand,
  runFilterAgain,
  runFilterStage1,
  unionIdFiles,
} from "../../src/stages/filter.js";
import { type ChatBody, type OpenAIServer, startOpenAIServer } from "../support/openai-server.js";
import { readJsonl, testPool, writeJsonl as writeJsonlFile } from "../support/stage-helpers.js";

const GOLD = /\[gold:\s*([^\]]*)\]/;

/** Question k ("Person k") is answered correctly on choices 0..k-1 only: pass count min(k, n). */
function graded(body: ChatBody, choice: number): string {
  const user = body.messages.at(-1)?.content ?? "";
  const gold = GOLD.exec(user)?.[1]?.trim() ?? "none";
  const k = Number(gold.replace(/\D/g, ""));
  return `Let me think. The answer is ${choice < k ? gold : `wrong-${gold}`}.`;
}

function sourceRecord(k: number): Record<string, unknown> {
  return {
    id: `q${k}`,
    question: `Who is number ${k}?`,
    answers: [`Person ${k}`],
    documents: [
      { title: `Doc ${k}a`, text: "Filler." },
      { title: `Doc ${k}b`, text: `It is [gold: Person ${k}].` },
    ],
    supporting: [1],
  };
}

let dir: string;
let server: OpenAIServer | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ks-filter-"));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function writeJsonl(name: string, records: Record<string, unknown>[]): Promise<string> {
  const path = join(dir, name);
  return writeJsonlFile(path, records);
}

function pool(url: string, maxRetries = 3, concurrency = 2) {
  return testPool(url, { concurrency, maxRetries });
}

const lines = readJsonl;

describe("filter helpers", () => {
  it.each([
    ["1-6", 8, { min: 1, max: 6 }],
    ["0", 8, { min: 0, max: 0 }],
    [" 1 - 7 ", 8, { min: 1, max: 7 }],
  ])("parseBand(%j, %d)", (text, n, band) => {
    expect(parseBand(text, n)).toEqual(band);
  });

  it.each([["6-1"], ["1-9"], ["x"], ["-1"]])("parseBand rejects %j", (text) => {
    expect(() => parseBand(text, 8)).toThrow(/--keep/);
  });

  it("formats a histogram", () => {
    expect(formatHistogram([1, 0, 3], "pass counts")).toMatchInlineSnapshot(`
      "pass counts
        0/2: 1 (25.0%)
        1/2: 0 (0.0%)
        2/2: 3 (75.0%)
        total: 4
      "
    `);
  });
});

describe("runFilterStage1", () => {
  it("samples with the answer-is prompt, counts passes, writes pass counts, the band and the 0 band", async () => {
    server = await startOpenAIServer({ answer: graded });
    const input = await writeJsonl(
      "toy.jsonl",
      Array.from({ length: 6 }, (_, k) => sourceRecord(k)),
    );
    const out = join(dir, "out");
    const s = await runFilterStage1(
      { input, model: "qwen", n: 4, keep: "1-3", out },
      { pool: pool(server.url) },
    );

    expect(server.requests).toHaveLength(6);
    const body = server.requests[0]?.body;
    expect(body).toMatchObject({ model: "qwen", n: 4, temperature: 1, max_tokens: 2048 });
    expect(body?.messages.at(-1)?.content).toContain(
      "The following are given passages.\nDoc 0a\nFiller.\n\nDoc 0b\nIt is [gold: Person 0].\n\nAnswer the question",
    );

    expect(await lines(s.passCountsPath)).toEqual(
      [0, 1, 2, 3, 4, 4].map((c, k) => ({ id: `q${k}`, pass_count: c, n: 4 })),
    );
    expect(s.histogram).toEqual([1, 1, 1, 1, 2]);
    expect(s.passCountsPath).toBe(join(out, "toy_pass_counts.jsonl"));
    expect([...(await readIdList(s.keptIdsPath))]).toEqual(["q1", "q2", "q3"]);
    expect(await lines(s.keptIdsPath)).toEqual([{ id: "q1" }, { id: "q2" }, { id: "q3" }]);
    expect([...(await readIdList(s.band0IdsPath))]).toEqual(["q0"]);
    expect(formatStage1Report(s)).toMatchInlineSnapshot(`
      "pass counts (cem, n = 4) over 6 questions
        0/4: 1 (16.7%)
        1/4: 1 (16.7%)
        2/4: 1 (16.7%)
        3/4: 1 (16.7%)
        4/4: 2 (33.3%)
        total: 6
      kept 3 with pass count 1-3: ${join(out, "toy_kept_ids.jsonl")}
      pass count 0 (for a second model via --from-ids): ${join(out, "toy_band_0_ids.jsonl")}
      pass counts: ${join(out, "toy_pass_counts.jsonl")}
      "
    `);

    // a second run with another band re-reads the finished rollout: nothing is sent
    const again = await runFilterStage1(
      { input, model: "qwen", n: 4, keep: "4-4", out },
      { pool: pool(server.url) },
    );
    expect(again.rollout.alreadyComplete).toBe(true);
    expect(server.requests).toHaveLength(6);
    expect([...(await readIdList(again.keptIdsPath))]).toEqual(["q4", "q5"]);
  });

  it("--from-ids restricts the questions (second model on the 0 band); bands are disjoint; union joins them", async () => {
    server = await startOpenAIServer({
      answer: (body, choice) =>
        body.model === "qwq" ? graded(body, choice).replace("wrong-", "") : graded(body, choice),
    });
    const input = await writeJsonl(
      "toy.jsonl",
      Array.from({ length: 6 }, (_, k) => sourceRecord(k)),
    );
    const out = join(dir, "out");
    const first = await runFilterStage1(
      { input, model: "qwen", n: 4, keep: "1-3", out },
      { pool: pool(server.url) },
    );
    const ids = await writeJsonl("zero.jsonl", [{ id: "q0" }, { id: "q5" }, { id: "missing" }]);
    const second = await runFilterStage1(
      { input, model: "qwq", n: 4, keep: "1-4", fromIds: ids, out },
      { pool: pool(server.url) },
    );
    expect(second.name).toBe("toy_from_zero");
    expect(second.questions).toBe(2);
    expect(second.missingIds).toBe(1);
    const qwq = server.requests.filter((r) => r.body?.model === "qwq");
    expect(qwq).toHaveLength(2);
    expect([...(await readIdList(second.keptIdsPath))]).toEqual(["q0", "q5"]);

    const union = join(out, "union.jsonl");
    const r = await unionIdFiles(first.keptIdsPath, second.keptIdsPath, union);
    expect(r).toEqual({ a: 3, b: 2, overlap: 0, union: 5 });
    expect([...(await readIdList(union))]).toEqual(["q1", "q2", "q3", "q0", "q5"]);
  });

  it("metric cem reads the FIRST 'the answer is', sub_em the last", async () => {
    server = await startOpenAIServer({
      answer: (body) => {
        const gold = GOLD.exec(body.messages.at(-1)?.content ?? "")?.[1] ?? "";
        return `The answer is unclear. So the answer is ${gold}.`;
      },
    });
    const input = await writeJsonl("toy.jsonl", [sourceRecord(1)]);
    const out = join(dir, "out");
    const cem = await runFilterStage1({ input, model: "m", n: 2, out }, { pool: pool(server.url) });
    expect(cem.histogram).toEqual([1, 0, 0]);
    const sub = await runFilterStage1(
      { input, model: "m", n: 2, metric: "sub_em", out },
      { pool: pool(server.url) },
    );
    expect(sub.histogram).toEqual([0, 0, 1]);
    expect(server.requests).toHaveLength(1);
  });

  it("resumes from the rollout journal after a failed request without re-sending finished questions", async () => {
    server = await startOpenAIServer({
      answer: graded,
      fault: (r) => (r.index === 3 ? { kind: "status", status: 500 } : undefined),
    });
    const input = await writeJsonl(
      "toy.jsonl",
      Array.from({ length: 6 }, (_, k) => sourceRecord(k)),
    );
    const out = join(dir, "out");
    await expect(
      runFilterStage1({ input, model: "qwen", n: 4, out }, { pool: pool(server.url, 0, 1) }),
    ).rejects.toBeInstanceOf(RemoteError);
    expect(server.requests).toHaveLength(4);
    const s = await runFilterStage1({ input, model: "qwen", n: 4, out }, { pool: pool(server.url, 0, 1) });
    expect(s.rollout.resumed).toBe(3);
    expect(s.rollout.requests).toBe(3);
    expect(server.requests).toHaveLength(7);
    expect(s.histogram).toEqual([1, 1, 1, 1, 2]);
  });
});

describe("runFilterAgain", () => {
  it("drops the rows solved n/n and keeps the rest in input order, verbatim", async () => {
    server = await startOpenAIServer({ answer: graded });
    const rows = Array.from({ length: 4 }, (_, k) => ({
      id: `q${k * 2}`,
      input: `Who is ${k * 2}?`,
      context: `It is [gold: Person ${k * 2}].`,
      answers: [`Person ${k * 2}`],
    }));
    const input = await writeJsonl("plain.jsonl", rows);
    const out = join(dir, "out");
    const s = await runFilterAgain(
      { input, model: "ckpt", n: 4, prompt: "answer-is", out },
      { pool: pool(server.url) },
    );
    expect(s.histogram).toEqual([1, 0, 1, 0, 2]);
    expect(s.kept).toBe(2);
    expect(server.requests[0]?.body).toMatchObject({ n: 4, temperature: 0.6, max_tokens: 4096 });
    expect(await lines(s.outputPath)).toEqual([rows[0], rows[1]]);
    expect(s.outputPath).toBe(join(out, "plain_filter_again.jsonl"));
  });
});
