/**
 * What makes a run's output the same whatever the number of worker threads, tested on the main thread (the
 * real threads run from the compiled files: test/cli/workers.test.ts): a sample depends on its own question
 * only, so any split of a window into chunks, handed to any number of makers, gives the same bytes; a failing
 * chunk names its failing sample; `workers` resolves and validates as documented.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { autoWorkerCount, parseWorkerCount, WORKER_MEMORY } from "../../src/async/worker-pool.js";
import { docTokenCounts } from "../../src/cache/doc-counts.js";
import { EscapedDocuments, SharedDocuments } from "../../src/compose/documents.js";
import { DEFAULT_LAYOUT } from "../../src/compose/layout.js";
import { SizedCorpus } from "../../src/compose/sized-corpus.js";
import { corpusFingerprint, readCorpus } from "../../src/corpus/read.js";
import type { Corpus } from "../../src/corpus/types.js";
import { ConfigError, InputError } from "../../src/errors.js";
import { KeychainMaker } from "../../src/keychain/maker.js";
import { resolveKeychainOptions } from "../../src/keychain/options.js";
import { PlainMaker } from "../../src/plain/maker.js";
import { resolvePlainOptions } from "../../src/plain/options.js";
import { resolveRunWorkers } from "../../src/run/matrix.js";
import {
  type BuiltChunk,
  SampleError,
  type SampleMaker,
  type SampleSource,
  synthesizeChunk,
} from "../../src/run/sample-maker.js";
import { selectQuestions, type WindowItem } from "../../src/run/windows.js";
import { writeWorldJsonl } from "../../src/synthetic/index.js";
import { createApproxCounter } from "../../src/tokenizer/approx.js";
import { resolveTokenizer } from "../../src/tokenizer/resolve.js";
import type { TokenCounter } from "../../src/tokenizer/types.js";

let dir: string;
let corpus: Corpus;
let qwen3: TokenCounter;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kcs-workers-"));
  const path = join(dir, "world.jsonl");
  await writeWorldJsonl(path, { seed: 7, questions: 240 });
  corpus = await readCorpus(path);
  qwen3 = await resolveTokenizer("qwen3");
});
afterAll(async () => {
  await qwen3.close();
  await rm(dir, { recursive: true, force: true });
});

const LENGTH = 4096;

const counted = new Map<string, Promise<Uint32Array>>();

async function sourceOf(counter: TokenCounter, shared: boolean): Promise<SampleSource> {
  let counts = counted.get(counter.id);
  if (!counts) {
    counts = docTokenCounts(corpus.docs, corpusFingerprint(corpus), counter, {
      cacheDir: undefined,
      suffix: DEFAULT_LAYOUT.separator,
    }).then((r) => r.counts);
    counted.set(counter.id, counts);
  }
  // The main thread's view: documents as strings, escaped once (what a run writes its lines from).
  const sized = new SizedCorpus(corpus.docs, await counts, DEFAULT_LAYOUT, {
    ...(shared ? { escaped: EscapedDocuments.from(corpus.docs) } : {}),
  });
  if (!shared) return { name: "world", sized, qas: corpus.qas };
  // A worker's view: documents decoded from shared memory, indexes as they are.
  const docs = SharedDocuments.from(corpus.docs);
  return { name: "world", sized: SizedCorpus.fromShared(sized.shared(docs.parts), docs), qas: corpus.qas };
}

type MakerFactory = (counter: TokenCounter) => Promise<SampleMaker<{ prompt_length: number }>>;

const MAKERS: [string, MakerFactory][] = [
  [
    "plain",
    (counter) =>
      PlainMaker.create(
        resolvePlainOptions({ input: "x", lengths: LENGTH, distractorQuestions: 3, checkBudget: "all" }),
        counter,
      ),
  ],
  [
    "keychain",
    (counter) =>
      KeychainMaker.create(
        resolveKeychainOptions({ input: "x", lengths: LENGTH, chains: 3, distractorQuestions: 5 }),
        counter,
      ),
  ],
];

function window(count: number): WindowItem[] {
  const questions = selectQuestions(corpus.qas, { shuffle: true, seed: 42 });
  return questions.slice(0, count).map((qa, i) => ({ qa, sourceIndex: i, index: i }));
}

/**
 * The window's bytes when `makers` take its chunks of `size` in turn (as workers do: each maker sees every
 * `makers.length`-th chunk), joined in window order.
 */
async function bytesOf(
  makers: SampleMaker<{ prompt_length: number }>[],
  sources: SampleSource[],
  items: readonly WindowItem[],
  size: number,
): Promise<string> {
  const chunks: BuiltChunk[] = [];
  for (let start = 0, k = 0; start < items.length; start += size, k++) {
    const m = k % makers.length;
    const maker = makers[m] as SampleMaker<{ prompt_length: number }>;
    const out = await synthesizeChunk(
      (part) => maker.synthesize(sources[m] as SampleSource, LENGTH, part),
      items.slice(start, start + size),
    );
    if ("failed" in out) throw out.error;
    chunks.push(out);
  }
  return Buffer.concat(chunks.flatMap((c) => c.lines)).toString("utf8");
}

describe("samples of a window", () => {
  const counters: [string, () => TokenCounter][] = [
    ["qwen3 (exact by construction)", () => qwen3],
    ["approx (counted in full)", createApproxCounter],
  ];
  describe.each(MAKERS)("%s", (_kind, make) => {
    it.each(counters)(
      "are the same bytes whatever the chunks and however many makers share them, with %s",
      async (_name, counterOf) => {
        const counter = counterOf();
        const items = window(40);
        const whole = await bytesOf([await make(counter)], [await sourceOf(counter, false)], items, 40);
        expect(whole.split("\n").length).toBeGreaterThan(30);
        for (const [makers, size] of [
          [2, 1],
          [2, 7],
          [3, 5],
        ] as const) {
          const ms = await Promise.all(Array.from({ length: makers }, () => make(counter)));
          const sources = await Promise.all(ms.map(() => sourceOf(counter, true)));
          expect(await bytesOf(ms, sources, items, size)).toBe(whole);
        }
      },
    );
  });
});

describe("synthesizeChunk", () => {
  const items = () => window(6);
  async function* fails(part: readonly WindowItem[], bad: string): AsyncGenerator<never> {
    for (const item of part) if (item.qa.id === bad) throw new InputError("no such document", { field: "x" });
    yield* [];
  }

  it("names the first question that fails on its own, with its error", async () => {
    const bad = items()[3]?.qa.id as string;
    const out = await synthesizeChunk((part) => fails(part, bad), items());
    expect(out).toMatchObject({ failed: { index: 3, sourceIndex: 3, id: bad } });
    expect((out as { error: unknown }).error).toBeInstanceOf(InputError);
  });

  it("names the chunk's first question when none fails alone", async () => {
    async function* together(part: readonly WindowItem[]): AsyncGenerator<never> {
      if (part.length > 1) throw new Error("only in company");
      yield* [];
    }
    const out = await synthesizeChunk(together, items());
    expect(out).toMatchObject({ failed: { index: 0, id: items()[0]?.qa.id } });
  });

  it("lets an abort through as it is", async () => {
    const stop = new AbortController();
    stop.abort(new Error("stopped"));
    async function* slow(): AsyncGenerator<never> {
      yield* [];
      throw new Error("any");
    }
    await expect(synthesizeChunk(slow, items(), stop.signal)).rejects.toThrow("any");
  });
});

describe("SampleError", () => {
  it.each([
    [new ConfigError("the template trims"), 2, "the template trims"],
    [new InputError("bad", { file: "f", line: 3 }), 1, 'Cannot read "f" line 3: bad'],
    [new TypeError("x is undefined"), 70, "TypeError: x is undefined"],
  ])("names the data set, length and sample, and keeps the exit code of %s", (cause, code, text) => {
    const e = new SampleError("hotpotqa", 32768, { index: 12, sourceIndex: 1012, id: "q-12" }, cause);
    expect(e.message).toBe(
      `Cannot build sample 12 of "hotpotqa" at length 32768 (source index 1012, id "q-12"): ${text}`,
    );
    expect(e.exitCode).toBe(code);
    expect(e.cause).toBe(cause);
  });
});

describe("workers option", () => {
  it.each([
    ["auto", "auto"],
    [3, 3],
    ["2", 2],
  ] as const)("accepts %j", (value, expected) => {
    expect(parseWorkerCount(value)).toBe(expected);
  });

  it.each([0, -1, 1.5, "x", "", null])("refuses %j, naming what is expected", (value) => {
    expect(() => parseWorkerCount(value, "--workers")).toThrow(ConfigError);
    expect(() => parseWorkerCount(value, "--workers")).toThrow(
      /--workers: expected a positive integer or auto/,
    );
  });

  it.each([
    [{ cores: 2, availableMemory: 20 * 2 ** 30 }, 2],
    [{ cores: 16, availableMemory: 2 * 2 ** 30 }, 4],
    [{ cores: 8, availableMemory: 100 * 2 ** 20 }, 1],
  ])("auto on %j is %i (one per core, workers at most half the free memory)", (machine, expected) => {
    expect(autoWorkerCount(WORKER_MEMORY.synthesis, machine)).toBe(expected);
  });

  it("is recorded in the resolved config only when not auto (step keys and manifests stay as they were)", () => {
    expect("workers" in resolvePlainOptions({ input: "x", lengths: 4096 })).toBe(false);
    expect("workers" in resolvePlainOptions({ input: "x", lengths: 4096, workers: "auto" })).toBe(false);
    expect(resolvePlainOptions({ input: "x", lengths: 4096, workers: 3 }).workers).toBe(3);
    expect(() => resolvePlainOptions({ input: "x", lengths: 4096, workers: 0 })).toThrow(/workers/);
  });

  it("builds on the main thread when the kind's compiled worker entry is missing (the sources)", () => {
    const worker = {
      entry: new URL("./no-such-worker.js", import.meta.url),
      spec: null,
      identity: "",
    };
    expect(resolveRunWorkers(4, 1000, worker)).toBe(1);
    expect(resolveRunWorkers("auto", 1000, undefined)).toBe(1);
  });
});
