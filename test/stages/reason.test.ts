import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REASONING_TEMPLATES } from "../../src/prompt/stage-templates.js";
import { type ReasonOptions, runReason } from "../../src/stages/reason.js";
import { type ChatBody, type OpenAIServer, startOpenAIServer } from "../support/openai-server.js";
import { readJsonl, testPool, writeJsonl as writeJsonlFile } from "../support/stage-helpers.js";

/** Answers `Reasoning about <question> #<choice>`, the question read back from the prompt. */
function reasoningAnswer(body: ChatBody, choice: number): string {
  const user = body.messages[0]?.content ?? "";
  return `Reasoning about ${/^Question: (.*)$/m.exec(user)?.[1] ?? "?"} #${choice}`;
}

const record = (i: number) => ({
  index: 100 + i,
  input: `Who is number ${i}?`,
  context: `Passage 1: filler.\nPassage 2: it is Person ${i}.`,
  answers: [`Person ${i}`, `P${i}`],
});

let dir: string;
let server: OpenAIServer | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ks-reason-"));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function writeInput(records: Record<string, unknown>[]): Promise<string> {
  const path = join(dir, "relevant.jsonl");
  return writeJsonlFile(path, records);
}

function pool(url: string, concurrency = 4, maxRetries = 3) {
  return testPool(url, { concurrency, maxRetries });
}

const lines = readJsonl;

const userOf = (server: OpenAIServer) => server.requests.map((r) => r.body?.messages[0]?.content ?? "");

describe("runReason", () => {
  it("keeps input order under concurrency with random latency; rows as the original", async () => {
    // Deterministic "random" latency: a hash of the arrival index.
    server = await startOpenAIServer({
      answer: reasoningAnswer,
      latencyMs: (r) => (r.index * 7919) % 37,
    });
    const input = await writeInput(Array.from({ length: 20 }, (_, i) => record(i)));
    const output = join(dir, "out", "relevant_answer.jsonl");
    const s = await runReason(
      { input, output, model: "gpt-4o", numSequences: 2 },
      { pool: pool(server.url, 8) },
    );
    const got = await lines(output);
    expect(got.map((r) => r.index)).toEqual(Array.from({ length: 20 }, (_, i) => 100 + i));
    expect(got[3]).toEqual({
      index: 103,
      input: "Who is number 3?",
      context: "Passage 1: filler.\nPassage 2: it is Person 3.",
      answer: "Person 3",
      reasonings: ["Reasoning about Who is number 3? #0", "Reasoning about Who is number 3? #1"],
    });
    expect(server.requests[0]?.body).toMatchObject({ model: "gpt-4o", n: 2, temperature: 0 });
    expect(s).toMatchObject({ rows: 20, requests: 20, failures: 0, nullContents: 0, resumed: 0 });
    expect(s.promptTokens).toBeGreaterThan(0);
    expect(s.completionTokens).toBeGreaterThan(0);
    expect(existsSync(`${output}.partial.jsonl`)).toBe(false);
  });

  it("numbers rows by position when the input has no index", async () => {
    server = await startOpenAIServer({ answer: reasoningAnswer });
    const input = await writeInput([0, 1, 2].map((i) => ({ ...record(i), index: undefined })));
    const output = join(dir, "o.jsonl");
    await runReason({ input, output, model: "m" }, { pool: pool(server.url) });
    expect((await lines(output)).map((r) => r.index)).toEqual([0, 1, 2]);
  });

  it("sends the template bytes exactly: one user message per record", async () => {
    server = await startOpenAIServer({ answer: reasoningAnswer });
    const input = await writeInput([record(7)]);
    const question = "Who is number 7?";
    const context = "Passage 1: filler.\nPassage 2: it is Person 7.";
    const head = `Question: ${question}\n\nContext: ${context}\n\nAnswer: Person 7\n\n`;
    const expected = {
      basic: `${head}Provide a detailed reasoning process to arrive at the answer based on the given context.`,
      cot: `${head}Your task:\nPlease produce a step-by-step reasoning that uncovers the path from the context to the final answer. Clearly demonstrate each inference or sub-action in your explanation. Finally, present your final conclusion after "Final answer:"`,
      "cot-cite": `${head}Your task:\nPlease produce a structured, step-by-step reasoning that references any relevant parts only (without indicating which passages they're from) of the context in quotes ("") whenever you use them. Finally, present your final conclusion after "Final answer:".`,
    } as const;
    for (const template of Object.keys(REASONING_TEMPLATES) as (keyof typeof REASONING_TEMPLATES)[]) {
      const before = server.requests.length;
      await runReason(
        { input, output: join(dir, `${template}.jsonl`), model: "m", template },
        { pool: pool(server.url) },
      );
      const sent = server.requests.slice(before);
      expect(sent).toHaveLength(1);
      expect(sent[0]?.body?.messages).toHaveLength(1);
      expect(sent[0]?.body?.messages[0]?.role).toBe("user");
      const user = sent[0]?.body?.messages[0]?.content ?? "";
      expect(user.startsWith(head)).toBe(true);
      if (template in expected) expect(user).toBe(expected[template as keyof typeof expected]);
    }
  });

  it("records a request that keeps failing as a failure row, never as a reasoning", async () => {
    server = await startOpenAIServer({
      answer: reasoningAnswer,
      fault: (r) =>
        r.body?.messages[0]?.content?.includes("number 2?")
          ? { kind: "status", status: 500, message: "boom" }
          : undefined,
    });
    const input = await writeInput(Array.from({ length: 4 }, (_, i) => record(i)));
    const output = join(dir, "f.jsonl");
    const s = await runReason({ input, output, model: "m" }, { pool: pool(server.url, 2, 0) });
    const got = await lines(output);
    expect(got.map((r) => r.index)).toEqual([100, 101, 102, 103]);
    expect(got[2]).toMatchObject({ index: 102, reasonings: [] });
    expect(got[2]?.error).toMatch(/status 500.*boom/);
    expect(JSON.stringify(got[2])).not.toContain("Error:");
    for (const k of [0, 1, 3]) expect(got[k]?.error).toBeUndefined();
    expect(s.failures).toBe(1);
    expect(server.requests).toHaveLength(4);
  });

  it("drops content: null choices and counts them", async () => {
    server = await startOpenAIServer({
      answer: (body, choice) => (choice === 1 ? null : reasoningAnswer(body, choice)),
    });
    server.inject({ kind: "null-content" });
    const input = await writeInput([record(0), record(1)]);
    const output = join(dir, "n.jsonl");
    const s = await runReason({ input, output, model: "m", numSequences: 3 }, { pool: pool(server.url, 1) });
    const got = await lines(output);
    expect(got[0]?.reasonings).toEqual([]);
    expect(got[1]?.reasonings).toEqual([
      "Reasoning about Who is number 1? #0",
      "Reasoning about Who is number 1? #2",
    ]);
    expect(s.nullContents).toBe(4);
  });

  it("resumes after an abort: only the missing requests are sent, output identical", async () => {
    server = await startOpenAIServer({ answer: reasoningAnswer, latencyMs: () => 5 });
    const input = await writeInput(Array.from({ length: 10 }, (_, i) => record(i)));
    const options: ReasonOptions = { input, output: join(dir, "r.jsonl"), model: "m", template: "cot" };
    const reference = await runReason(
      { ...options, output: join(dir, "ref.jsonl") },
      { pool: pool(server.url) },
    );
    const sentBefore = server.requests.length;

    const controller = new AbortController();
    await expect(
      runReason(options, {
        pool: pool(server.url, 1),
        signal: controller.signal,
        onProgress: (done) => done === 4 && controller.abort(new Error("stop")),
      }),
    ).rejects.toThrow(/interrupted: 4 of 10 records are kept .*rerun the same command/);
    const journal = `${options.output}.partial.jsonl`;
    expect((await lines(journal)).slice(1).map((e) => e.i)).toEqual([0, 1, 2, 3]);
    const firstRun = userOf(server).slice(sentBefore);

    const resumed = await runReason(options, { pool: pool(server.url) });
    expect(resumed).toMatchObject({ resumed: 4, requests: 6 });
    const secondRun = userOf(server).slice(sentBefore + firstRun.length);
    expect(secondRun).toHaveLength(6);
    expect(secondRun.filter((u) => firstRun.slice(0, 4).includes(u))).toEqual([]);
    expect(await readFile(options.output, "utf8")).toBe(await readFile(reference.outputPath, "utf8"));
    expect(existsSync(journal)).toBe(false);

    await expect(
      runReason({ ...options, template: "mcts" }, { pool: pool(server.url) }),
    ).resolves.toMatchObject({ alreadyComplete: true });
  });

  it("re-sends journaled failures on resume and refuses a journal of other settings", async () => {
    server = await startOpenAIServer({ answer: reasoningAnswer });
    const input = await writeInput([record(0), record(1)]);
    const output = join(dir, "j.jsonl");
    const journal = `${output}.partial.jsonl`;
    // Run once to learn the header, then fake a crash after a failure and a success were journaled.
    server.inject({ kind: "status", status: 500 });
    const controller = new AbortController();
    await expect(
      runReason(
        { input, output, model: "m" },
        {
          pool: pool(server.url, 1, 0),
          signal: controller.signal,
          onProgress: (d) => d === 1 && controller.abort(),
        },
      ),
    ).rejects.toThrow(/interrupted/);
    const [entry] = (await lines(journal)).slice(1);
    expect(entry).toMatchObject({ i: 0, r: { reasonings: [], error: expect.stringMatching(/500/) } });

    await expect(
      runReason({ input, output, model: "m", temperature: 0.5 }, { pool: pool(server.url) }),
    ).rejects.toThrow(/Cannot resume from the journal .*temperature: journal 0, now 0\.5/);
    const sent = server.requests.length;
    const s = await runReason({ input, output, model: "m" }, { pool: pool(server.url) });
    expect(s).toMatchObject({ resumed: 0, requests: 2, failures: 0 });
    expect(server.requests.length - sent).toBe(2);
    expect((await lines(output)).map((r) => r.reasonings)).toEqual([
      ["Reasoning about Who is number 0? #0"],
      ["Reasoning about Who is number 1? #0"],
    ]);
  });

  it("stops on 401 with a clear error, keeping the journal; rejects bad records with file and line", async () => {
    server = await startOpenAIServer({ answer: reasoningAnswer, apiKey: "secret" });
    const input = await writeInput([record(0)]);
    const output = join(dir, "e.jsonl");
    await expect(runReason({ input, output, model: "m" }, { pool: pool(server.url) })).rejects.toThrow(
      /401 Unauthorized.*0 of 1 records are kept/,
    );
    expect(existsSync(output)).toBe(false);
    const bad = await writeInput([record(0), { input: "q", context: "c", answers: [] }]);
    await expect(runReason({ input: bad, output, model: "m" }, { pool: pool(server.url) })).rejects.toThrow(
      /Cannot read ".*relevant\.jsonl" line 2, field "answers"/,
    );
  });
});
