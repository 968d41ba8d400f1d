import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { WriteError } from "../../src/errors.js";
import {
  type GenericRecord,
  generateSyntheticRecords,
  generateWorld,
  type SyntheticRecord,
  writeWorldJsonl,
} from "../../src/synthetic/index.js";
import { TEMPLATES } from "../../src/synthetic/questions.js";

const recordSchema = z.strictObject({
  id: z.string().min(1),
  question: z.string().min(10),
  answers: z.array(z.string().min(1)).length(1),
  documents: z.array(z.strictObject({ title: z.string().min(1), text: z.string().min(1) })).min(2),
  supporting: z.array(z.number().int().nonnegative()).min(2),
});

const SAMPLE = [...generateSyntheticRecords({ seed: 7, questions: 3000 })];
const gold = (r: GenericRecord) => r.supporting.map((i) => r.documents[i] as { title: string; text: string });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kc-synthetic-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("generateWorld: determinism", () => {
  it("writes byte-identical JSONL for the same options, and different bytes for another seed", async () => {
    const a = join(dir, "a.jsonl");
    const b = join(dir, "b.jsonl");
    const c = join(dir, "c.jsonl");
    const summary = await writeWorldJsonl(a, { seed: 3, questions: 400 });
    await writeWorldJsonl(b, { seed: 3, questions: 400 });
    await writeWorldJsonl(c, { seed: 4, questions: 400 });
    const [ta, tb, tc] = await Promise.all([a, b, c].map((p) => readFile(p, "utf8")));
    expect(ta).toBe(tb);
    expect(ta).not.toBe(tc);
    const lines = (ta as string).trimEnd().split("\n");
    expect(lines).toHaveLength(400);
    expect(summary.records).toBe(400);
    expect(lines.map((l) => JSON.parse(l))).toEqual([...generateWorld({ seed: 3, questions: 400 })]);
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("a corpus that cannot be written is a WriteError naming it; nothing is left behind", async () => {
    const folder = join(dir, "blocked");
    const path = join(folder, "corpus.jsonl");
    await mkdir(path, { recursive: true });
    const error = await writeWorldJsonl(path, { seed: 3, questions: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).path).toBe(path);
    expect(await readdir(folder)).toEqual(["corpus.jsonl"]);
  });

  it("iterates the same records each time the iterable is used", () => {
    const world = generateWorld({ seed: 11, questions: 30 });
    expect([...world]).toEqual([...world]);
  });
});

describe("generateWorld: schema", () => {
  it("gives valid records with the gold documents plus the distractors, titles unique in a record", () => {
    const ids = new Set<string>();
    for (const { record } of SAMPLE) {
      recordSchema.parse(record);
      ids.add(record.id);
      expect(record.documents.length).toBe(record.supporting.length + 8);
      expect(new Set(record.supporting).size).toBe(record.supporting.length);
      for (const i of record.supporting) expect(i).toBeLessThan(record.documents.length);
      expect(new Set(record.documents.map((d) => d.title)).size).toBe(record.documents.length);
      for (const d of record.documents) expect(d.text).toBe(d.text.trim());
    }
    expect(ids.size).toBe(SAMPLE.length);
  });

  it("honours distractorsPerQuestion, including 0", () => {
    for (const d of [0, 3, 20]) {
      for (const r of generateWorld({ seed: 1, questions: 50, distractorsPerQuestion: d })) {
        expect(r.documents.length).toBe(r.supporting.length + d);
      }
    }
    expect([...generateWorld({ seed: 1, questions: 0 })]).toEqual([]);
  });

  it("gives each title one text across the corpus, so a document is identified by its title", () => {
    const texts = new Map<string, string>();
    for (const { record } of SAMPLE) {
      for (const d of record.documents) {
        expect(texts.get(d.title) ?? d.text).toBe(d.text);
        texts.set(d.title, d.text);
      }
    }
  });

  it("writes paragraphs of Wikipedia-intro length (250–1,000 characters, 3–8 sentences)", () => {
    const docs = distinctDocs(SAMPLE);
    const lengths = docs.map((d) => d.text.length);
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(250);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(1000);
    const median = lengths.sort((a, b) => a - b)[lengths.length >> 1] as number;
    expect(median).toBeGreaterThan(400);
    expect(median).toBeLessThan(750);
  });

  it("rejects bad options with every problem named", () => {
    expect(() => generateWorld({ seed: 1.5, questions: -1, distractorsPerQuestion: Number.NaN })).toThrow(
      "Cannot generate the synthetic world: seed must be an integer, got 1.5; questions must be a whole number ≥ 0, " +
        "got -1; distractorsPerQuestion must be a whole number ≥ 0, got NaN.",
    );
  });
});

describe("generateWorld: answers follow from the gold documents", () => {
  const bridges = SAMPLE.filter((s) => s.kind === "bridge");
  const comparisons = SAMPLE.filter((s) => s.kind === "comparison");

  it("mixes bridge (2- and 3-hop) and comparison questions from every template", () => {
    expect(new Set(SAMPLE.map((s) => s.template))).toEqual(new Set(TEMPLATES.map((t) => t.name)));
    const hops = new Set(bridges.map((s) => s.record.supporting.length));
    expect(hops).toEqual(new Set([2, 3]));
    expect(comparisons.length / SAMPLE.length).toBeGreaterThan(0.2);
    expect(comparisons.length / SAMPLE.length).toBeLessThan(0.4);
  });

  it("bridge: each gold paragraph names the next one, and the last states the answer", () => {
    for (const { record } of bridges) {
      const g = gold(record);
      for (let i = 0; i + 1 < g.length; i++) expect(g[i]?.text).toContain(g[i + 1]?.title);
      expect(g.at(-1)?.text).toContain(record.answers[0]);
      expect(record.question).not.toContain(record.answers[0]);
      expect(record.question).toContain(g[0]?.title);
    }
  });

  it("bridge: a named answer is (almost always) absent from the earlier hops, so one paragraph is not enough", () => {
    const named = bridges.filter((s) => !/^\d{4}$/.test(s.record.answers[0] as string));
    const leaked = named.filter(({ record }) =>
      gold(record)
        .slice(0, -1)
        .some((d) => d.text.includes(record.answers[0] as string)),
    );
    expect(named.length).toBeGreaterThan(1000);
    expect(leaked.length / named.length).toBeLessThan(0.02);
  });

  it("comparison: both compared entities are gold, and their paragraphs' figures give the answer", () => {
    const figure: Record<string, { re: RegExp; smallerWins: boolean }> = {
      "compare-company-founded": { re: /founded in (\d{4})/, smallerWins: true },
      "compare-university-founded": { re: /founded in (\d{4})/, smallerWins: true },
      "compare-band-formed": { re: /band formed in .+? in (\d{4})\./, smallerWins: true },
      "compare-person-born": { re: /\((?:born )?\d+ [A-Z][a-z]+ (\d{4})/, smallerWins: true },
      "compare-film-year": { re: /is a (\d{4}) /, smallerWins: true },
      "compare-river-length": { re: /flows ([\d,]+\.\d) km/, smallerWins: false },
      "compare-city-population": { re: /population of ([\d,.]+(?: million)?)/, smallerWins: false },
    };
    for (const { record, template } of comparisons) {
      const [a, b] = gold(record);
      expect(record.question).toContain(a?.title);
      expect(record.question).toContain(b?.title);
      const rule = figure[template];
      if (!rule) throw new Error(`no figure rule for ${template}`);
      const va = readFigure(a?.text ?? "", rule.re);
      const vb = readFigure(b?.text ?? "", rule.re);
      expect(va).not.toBe(vb);
      const winner = va < vb === rule.smallerWins ? a : b;
      expect(record.answers[0]).toBe(winner?.title);
    }
  });
});

describe("generateWorld: text hazards", () => {
  it("puts decimals, initials, abbreviations, web addresses, quotes, ? and ! in many paragraphs", () => {
    const texts = distinctDocs(SAMPLE).map((d) => d.text);
    const share = (re: RegExp) => texts.filter((t) => re.test(t)).length / texts.length;
    expect(share(/\d\.\d/)).toBeGreaterThan(0.5);
    expect(share(/\b\d\.\d million\b/)).toBeGreaterThan(0.05);
    expect(share(/\d\.\d km\b/)).toBeGreaterThan(0.05);
    expect(share(/\b[A-Z]\. [A-Z]\. [A-Z][a-z]+/)).toBeGreaterThan(0.2);
    expect(share(/\bDr\. /)).toBeGreaterThan(0.1);
    expect(share(/\bSt\. /)).toBeGreaterThan(0.2);
    expect(share(/\be\.g\. /)).toBeGreaterThan(0.2);
    expect(share(/U\.S\.-style/)).toBeGreaterThan(0.2);
    expect(share(/\bwww\.[a-z0-9-]+\.example\b/)).toBeGreaterThan(0.2);
    expect(share(/"[^"]+"/)).toBeGreaterThan(0.3);
    expect(share(/\?/)).toBeGreaterThan(0.2);
    expect(share(/!/)).toBeGreaterThan(0.2);
  });

  it("starts each paragraph with the entity's name (after an optional Dr. or The)", () => {
    for (const d of distinctDocs(SAMPLE)) {
      expect(d.text.replace(/^(Dr\. |The )/, "")).toMatch(
        new RegExp(`^${escapeRegExp(d.title.replace(/^The /, ""))}`),
      );
    }
  });
});

describe("generateWorld: corpus size", () => {
  it("grows the number of distinct documents with the number of questions, with some repeats", () => {
    const counts = [200, 800, 3200].map((q) => {
      const recs = [...generateSyntheticRecords({ seed: 5, questions: q })];
      const slots = recs.reduce((n, r) => n + r.entities.length, 0);
      return { q, distinct: new Set(recs.flatMap((r) => r.entities)).size, slots };
    });
    for (const { q, distinct, slots } of counts) {
      expect(distinct).toBeGreaterThan(8 * q);
      expect(distinct).toBeLessThan(slots); // entities are shared between records
    }
  });

  it("reaches 100,000 distinct documents with 12,000 questions, in seconds", async () => {
    const started = performance.now();
    const summary = await writeWorldJsonl(join(dir, "big.jsonl"), { seed: 42, questions: 12_000 });
    const seconds = (performance.now() - started) / 1000;
    expect(summary.records).toBe(12_000);
    expect(summary.documents).toBeGreaterThanOrEqual(100_000);
    expect(seconds).toBeLessThan(30);
  }, 60_000);
});

function distinctDocs(records: readonly SyntheticRecord[]): { title: string; text: string }[] {
  const byTitle = new Map<string, { title: string; text: string }>();
  for (const { record } of records) for (const d of record.documents) byTitle.set(d.title, d);
  return [...byTitle.values()];
}

function readFigure(text: string, re: RegExp): number {
  const m = re.exec(text);
  if (!m) throw new Error(`no figure ${re} in: ${text}`);
  const raw = m[1] as string;
  if (raw.endsWith(" million")) return Number(raw.slice(0, -" million".length)) * 1_000_000;
  return Number(raw.replace(/,/g, ""));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
