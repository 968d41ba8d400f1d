import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QaRecord } from "../../src/corpus/types.js";
import { ConfigError } from "../../src/errors.js";
import {
  type GrowConfig,
  type GrowDeps,
  type GrowEvent,
  loadGrowConfig,
  readManifest,
  renderStatus,
  runGrow,
} from "../../src/grow/index.js";
import { type OpenAIServer, startOpenAIServer } from "../support/openai-server.js";
import { readJsonl, testPool } from "../support/stage-helpers.js";
import { wordCounter } from "../support/word-counter.js";
import { growYaml, parityAnswer, range, shuffledQuestions, writeCorpus, writeExisting } from "./world.js";

let root: string;
let server: OpenAIServer;
let corpus: string;
let existing: string;
let questions: QaRecord[];
/** Every file of the uninterrupted reference run (relative path → bytes), manifest excluded. */
let reference: Map<string, string>;
let referenceOut: string | undefined;

const ref = () => referenceOut as string;
const CLOCK = () => new Date("2026-01-02T03:04:05.000Z");

function deps(extra: Partial<GrowDeps> = {}): GrowDeps {
  return {
    counter: wordCounter(),
    pool: testPool(server.url, { concurrency: 4, maxRetries: 0 }),
    now: CLOCK,
    ...extra,
  };
}

async function configFor(name: string, extra = ""): Promise<GrowConfig> {
  const file = join(root, `${name}.yaml`);
  await writeFile(file, growYaml({ out: join(root, name), corpus, existing, url: server.url, extra }));
  return loadGrowConfig(file);
}

/** Every file under a folder except the manifest: relative path → text. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name === "manifest.json") continue;
    const full = join(entry.parentPath, entry.name);
    // Plain sidecars name their own path: compare them with the out folder left out (copies name the reference's).
    const text = (await readFile(full, "utf8")).replaceAll(`${dir}/`, "<out>/");
    out.set(relative(dir, full), referenceOut ? text.replaceAll(`${referenceOut}/`, "<out>/") : text);
  }
  return out;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ks-grow-"));
  server = await startOpenAIServer({ answer: parityAnswer });
  corpus = await writeCorpus(join(root, "toy.jsonl"));
  questions = await shuffledQuestions(corpus);
  existing = join(root, "existing");
  await writeExisting(existing, questions, range(0, 10), 64);
  // Position 25 lies in the first new window: grow must drop it there.
  await writeExisting(existing, questions, [...range(10, 19), 25], 128);
  const config = await configFor("reference");
  const result = await runGrow(config, deps());
  expect(result.failed).toEqual([]);
  reference = await snapshot(config.out);
  referenceOut = config.out;
});

afterAll(async () => {
  await server.close();
  if (!process.env.KEEP_GROW) await rm(root, { recursive: true, force: true });
});

describe("runGrow", () => {
  it("grows every set to exactly the target with questions disjoint across all sets, new and existing", async () => {
    const merged = join(ref(), "merged", "toy");
    expect((await readdir(merged)).sort()).toEqual([
      "train-num_sample_20-max_seq_128-LoongRL-14b-swift-filtered.jsonl",
      "train-num_sample_20-max_seq_64-LoongRL-14b-swift-filtered.jsonl",
    ]);
    const ids: string[] = [];
    for (const [length, name] of [
      [64, "train-num_sample_20-max_seq_64-LoongRL-14b-swift-filtered.jsonl"],
      [128, "train-num_sample_20-max_seq_128-LoongRL-14b-swift-filtered.jsonl"],
    ] as const) {
      const rows = await readJsonl(join(merged, name));
      expect(rows).toHaveLength(20);
      // The existing rows come first, unchanged.
      const old = await readFile(
        join(existing, "toy", `train-num_sample_10-max_seq_${length}-LoongRL-14b-swift-filtered.jsonl`),
        "utf8",
      );
      expect((await readFile(join(merged, name), "utf8")).startsWith(old)).toBe(true);
      // Every new row is a correct answer (odd question numbers only).
      for (const r of rows.slice(10)) expect(Number(String(r.id).slice(1)) % 2).toBe(1);
      ids.push(...rows.map((r) => String(r.id)));
    }
    expect(new Set(ids).size).toBe(40);
  });

  it("records rounds, windows and counts in the manifest; a short first round is followed by another", async () => {
    const m = await readManifest(join(ref(), "manifest.json"));
    expect(m?.datasets.toy).toEqual({
      key_field: "id",
      questions: 100,
      start: 20,
      cursor: expect.any(Number),
      existing_rows: 20,
      unknown_used: 0,
    });
    const cells = m?.cells ?? [];
    expect(cells.map((c) => [c.length, c.status, c.need, c.counts.merged])).toEqual([
      [64, "complete", 10, 20],
      [128, "complete", 10, 20],
    ]);
    // Windows are contiguous from the start position and never reused.
    const windows = cells.flatMap((c) => c.rounds.map((r) => r.window));
    for (const [i, w] of windows.entries())
      expect(w.start).toBe(i === 0 ? 20 : (windows[i - 1] as { end: number }).end);
    expect(m?.datasets.toy?.cursor).toBe(windows.at(-1)?.end);
    expect(cells.some((c) => c.rounds.length > 1)).toBe(true);
    // Position 25 (an existing 128 question) fell in the first window and was dropped there.
    expect(cells[0]?.rounds[0]?.counts.dropped_used).toBe(1);
    expect(cells[0]?.rounds[0]?.window).toEqual({ start: 20, end: 35 });
  });

  it("prints a status table", async () => {
    const m = await readManifest(join(ref(), "manifest.json"));
    expect(renderStatus(m as NonNullable<typeof m>)).toMatchInlineSnapshot(`
      "dataset  length  status    stage  rows/target  rounds
      toy          64  complete  merge        20/20       3
      toy         128  complete  merge        20/20       4
      total: 2 complete, 0 in progress, 0 pending, 0 failed; 40/40 rows; 7 rounds
      "
    `);
  });

  it.each(["plain", "fresh", "rollout", "convert", "filter", "merge"])(
    "resumes after a crash at the %s stage with the same files byte for byte",
    async (stage) => {
      const config = await configFor(`crash-${stage}`);
      let seen = 0;
      const crash = (e: GrowEvent) => {
        // Crash at the second time the stage starts (the first round of the second length, or a later round).
        if (e.type === "stage-start" && e.stage === stage && ++seen === 2)
          throw new Error(`crash at ${stage}`);
      };
      await expect(runGrow(config, deps({ onEvent: crash }))).rejects.toThrow(`crash at ${stage}`);
      const stopped = await readManifest(join(config.out, "manifest.json"));
      expect(stopped?.cells.some((c) => c.status !== "complete")).toBe(true);
      const result = await runGrow(config, deps());
      expect(result.failed).toEqual([]);
      expect(await snapshot(config.out)).toEqual(reference);
    },
  );

  it("resumes a rollout stopped mid-file through its journal", async () => {
    const config = await configFor("abort-rollout");
    const controller = new AbortController();
    let done = 0;
    const stop = (e: GrowEvent) => {
      if (e.type === "rollout-progress" && ++done === 5) controller.abort(new Error("stop"));
    };
    await expect(runGrow(config, deps({ onEvent: stop, signal: controller.signal }))).rejects.toThrow();
    const partial = (await readdir(config.out, { recursive: true })).filter((f) =>
      f.endsWith(".partial.jsonl"),
    );
    expect(partial).toHaveLength(1);
    await runGrow(config, deps());
    expect(await snapshot(config.out)).toEqual(reference);
  });

  it("redoes deleted outputs (a rollout file and a merged set) and gets the same bytes", async () => {
    const config = await configFor("deleted");
    await cp(ref(), config.out, { recursive: true });
    // The copied manifest names files relative to the out folder, so it is valid here too.
    const m = await readManifest(join(config.out, "manifest.json"));
    const cell = m?.cells[0];
    await rm(join(config.out, cell?.rounds[0]?.files.rollout as string));
    await rm(join(config.out, cell?.files.merged as string));
    const requests = server.requests.length;
    const events: GrowEvent[] = [];
    await runGrow(config, deps({ onEvent: (e) => events.push(e) }));
    expect(server.requests.length).toBeGreaterThan(requests);
    expect(await snapshot(config.out)).toEqual(reference);
    const skipped = events.filter(
      (e) => e.type === "stage-done" && e.skipped && e.length === 64 && e.round === 1,
    );
    expect(skipped.map((e) => (e as { stage: string }).stage)).toEqual(["plain", "fresh"]);
  });

  it("refuses to resume with a changed setting, naming it; run settings may change", async () => {
    const config = await configFor("changed");
    await cp(ref(), config.out, { recursive: true });
    const changed = { ...config, rollout: { ...config.rollout, n: 3, temperature: 0.5 } };
    const error = await runGrow(changed, deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain("(rollout.n, rollout.temperature)");
    // Faster requests or more rounds do not change any output.
    const faster = { ...config, maxRounds: 9, rollout: { ...config.rollout, concurrency: 16 } };
    await expect(runGrow(faster, deps())).resolves.toMatchObject({ failed: [] });
  });

  it("grows in clean mode, and from nothing where no existing set matches", async () => {
    const only64 = join(root, "only-64");
    await writeExisting(only64, questions, range(0, 10), 64);
    const file = join(root, "clean.yaml");
    const yaml = growYaml({
      out: join(root, "clean"),
      corpus,
      existing: only64,
      url: server.url,
      extra: "sft: {mode: clean}\n",
    });
    await writeFile(file, yaml);
    const config = await loadGrowConfig(file);
    const result = await runGrow(config, deps());
    expect(result.failed).toEqual([]);
    const merged = join(config.out, "merged", "toy");
    expect((await readdir(merged)).sort()).toEqual([
      "train-num_sample_20-max_seq_128-toy-model-cleaned.jsonl",
      "train-num_sample_20-max_seq_64-LoongRL-14b-swift-filtered.jsonl",
    ]);
    const a = await readJsonl(join(merged, "train-num_sample_20-max_seq_128-toy-model-cleaned.jsonl"));
    const b = await readJsonl(
      join(merged, "train-num_sample_20-max_seq_64-LoongRL-14b-swift-filtered.jsonl"),
    );
    expect(a).toHaveLength(20);
    expect(b).toHaveLength(20);
    expect(new Set([...a, ...b].map((r) => r.id)).size).toBe(40);
    // clean writes the bare answer after the thinking part
    const messages = (a[0] as { messages: { content: string }[] }).messages;
    expect(messages[1]?.content).toMatch(/^<think>.*<\/think>Person \d+$/);
  });

  it("marks a data set × length failed when the questions run out, and goes on with the others", async () => {
    const config = await configFor("short", "max_rounds: 1\n");
    const result = await runGrow(config, deps());
    expect(result.failed.map((c) => [c.length, c.error])).toEqual([
      [
        64,
        "only 6 of 10 new rows after 1 round (max_rounds 1); raise max_rounds or oversample and run again",
      ],
      [128, expect.stringMatching(/^only \d+ of 10 new rows after 1 round/)],
    ]);
    // More rounds allowed: the same manifest finishes.
    const more = await configFor("short", "max_rounds: 4\n");
    await expect(runGrow(more, deps())).resolves.toMatchObject({ failed: [] });
  });
});

describe("existing sets", () => {
  it("refuses to resume when an existing set changed under the manifest", async () => {
    const config = await configFor("existing-changed");
    await cp(ref(), config.out, { recursive: true });
    const file = join(existing, "toy", "train-num_sample_10-max_seq_64-LoongRL-14b-swift-filtered.jsonl");
    const before = await readFile(file, "utf8");
    try {
      await writeFile(file, before.split("\n").slice(1).join("\n"));
      const m = await readManifest(join(config.out, "manifest.json"));
      // Only a cell that is not finished looks at its set again.
      const cell = m?.cells[0] as NonNullable<typeof m>["cells"][number];
      await rm(join(config.out, cell.files.merged as string));
      await expect(runGrow(config, deps())).rejects.toThrow("The existing set of toy 64 changed since");
    } finally {
      await writeFile(file, before);
    }
  });

  it("refuses sets that already share a question or exceed the target", async () => {
    const dir = join(root, "bad-existing");
    await writeExisting(dir, questions, [1, 2, 3], 64);
    await writeExisting(dir, questions, [4, 3], 128);
    const file = join(root, "bad.yaml");
    await writeFile(file, growYaml({ out: join(root, "bad"), corpus, existing: dir, url: server.url }));
    await expect(runGrow(await loadGrowConfig(file), deps())).rejects.toThrow(
      /line 2, field "id": question id "q\d+" already occurs in ".*max_seq_64.*" line 3/,
    );
    await rm(dir, { recursive: true });
    await writeExisting(dir, questions, range(0, 21), 64);
    await expect(runGrow(await loadGrowConfig(file), deps())).rejects.toThrow(
      "the existing set has 21 rows, more than the target 20",
    );
  });

  it("falls back to source_index when a row has no id", async () => {
    const dir = join(root, "no-ids");
    await mkdir(join(dir, "toy"), { recursive: true });
    await writeFile(
      join(dir, "toy", "train-num_sample_2-max_seq_64-x-filtered.jsonl"),
      '{"source_index": 3, "messages": []}\n{"source_index": 7, "messages": []}\n',
    );
    const file = join(root, "no-ids.yaml");
    await writeFile(
      file,
      growYaml({ out: join(root, "no-ids-out"), corpus, existing: dir, url: server.url }).replace(
        "start_position: 20\n",
        "",
      ),
    );
    const { planGrow } = await import("../../src/grow/index.js");
    const plan = await planGrow(await loadGrowConfig(file));
    expect(plan.datasets[0]).toMatchObject({ keyField: "source_index", start: 8 });
  });
});
