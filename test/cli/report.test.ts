import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, useCliSandbox } from "../support/cli.js";

const FIX = join(ROOT, "test/fixtures/report");
const LOGS = join(ROOT, "test/fixtures/rollout-logs/basic");
const FILES = ["plain.jsonl", "keychain.jsonl", "rollout.jsonl", "rollout-keychain.jsonl", "sft.jsonl"];

/** Runs the CLI in the fixture folder so that file names print short; outputs go to the sandbox folder. */
const sandbox = useCliSandbox("kcs-report-cli-", { cwd: FIX });
const { run } = sandbox;

describe("keychain-synth stats", () => {
  it("prints aligned tables for every section", () => {
    const r = run("stats", ...FILES, "-q");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatchInlineSnapshot(`
      "== Overview ==

      Files
      file                    kind              records  skipped
      ──────────────────────  ────────────────  ───────  ───────
      plain.jsonl             plain                   3        3
      keychain.jsonl          keychain                3        –
      rollout.jsonl           rollout-plain           3        –
      rollout-keychain.jsonl  rollout-keychain        2        –
      sft.jsonl               sft                     5        –
        skipped: samples listed in the file's .meta.json sidecar (– when there is none).

      Records per group
      dataset   kind      length  samples  skipped  rollout prompts  sft rows
      ────────  ────────  ──────  ───────  ───────  ───────────────  ────────
      hotpotqa  plain       1000        3        3                3         0
      hotpotqa  plain          –        0        0                0         4
      hotpotqa  keychain    1000        0        0                2         0
      hotpotqa  keychain       –        0        0                0         1
      musique   keychain    2000        3        0                0         0

      == Token lengths ==

      Prompt tokens
      dataset   kind      length  records    G   min    p5   p50   p95   max  over budget
      ────────  ────────  ──────  ───────  ───  ────  ────  ────  ────  ────  ───────────
      hotpotqa  plain       1000        3  100   880   880   890   905   905            1
      musique   keychain    2000        3  200  1700  1700  1750  1800  1800            0
        prompt_length in tokens; G = length − prompt_length (tokens left for generation); over budget = records with length > target length (must be 0). Percentiles are nearest-rank.

      Fill of the prompt budget
      dataset   kind      length     min      p5     p50      p95      max    mean
      ────────  ────────  ──────  ──────  ──────  ──────  ───────  ───────  ──────
      hotpotqa  plain       1000  97.78%  97.78%  98.89%  100.56%  100.56%  99.07%
      musique   keychain    2000  94.44%  94.44%  97.22%  100.00%  100.00%  97.22%
        fill = prompt_length / (target length − G): 100% means the prompt uses its whole budget; over 100% is over budget.

      == Gold document depth ==

      Gold documents per depth bin
      dataset   kind      length  docs p50  gold docs  0.0–0.1  0.1–0.2  0.2–0.3  0.3–0.4  0.4–0.5  0.5–0.6  0.6–0.7  0.7–0.8  0.8–0.9  0.9–1.0
      ────────  ────────  ──────  ────────  ─────────  ───────  ───────  ───────  ───────  ───────  ───────  ───────  ───────  ───────  ───────
      hotpotqa  plain       1000        10          5        1        1        0        0        1        1        0        0        0        1
      musique   keychain    2000         5          4        0        1        0        0        0        1        0        0        1        1
        docs p50: median passages per context; then counts of gold documents per depth bin.

      == KeyChain instances ==

      Chains and pairs
      dataset  kind      length  records  chains  hops  pairs p50  pairs max  distractor q p50  chain pairs  missing
      ───────  ────────  ──────  ───────  ──────  ────  ─────────  ─────────  ────────────────  ───────────  ───────
      musique  keychain    2000        3       2     2          4          4                 1            5        1
        chains, hops: per instance (min–max); chain pairs: true-chain pairs found in the context; missing must be 0.

      True-chain pairs per depth bin
      dataset  kind      length  0.0–0.1  0.1–0.2  0.2–0.3  0.3–0.4  0.4–0.5  0.5–0.6  0.6–0.7  0.7–0.8  0.8–0.9  0.9–1.0
      ───────  ────────  ──────  ───────  ───────  ───────  ───────  ───────  ───────  ───────  ───────  ───────  ───────
      musique  keychain    2000        1        1        0        0        0        2        0        1        0        0

      == Skipped samples ==

      Skips by reason
      dataset   kind   length  reason                                                    count
      ────────  ─────  ──────  ────────────────────────────────────────────────────────  ─────
      hotpotqa  plain    1000  no room for the gold documents: needs N tokens, budget N      2
      hotpotqa  plain    1000  question has no answer                                        1
        Digits in reasons are replaced by N so that equal reasons add up.

      == Rollouts ==

      Rewards
      dataset   kind      length  prompts  trajectories  sub_em     em     f1  non-constant  all correct  all wrong
      ────────  ────────  ──────  ───────  ────────────  ──────  ─────  ─────  ────────────  ───────────  ─────────
      hotpotqa  plain       1000        3            12   0.500  0.417  0.521         33.3%            1          1
      hotpotqa  keychain    1000        2             8   0.125  0.125  0.150         50.0%            0          1
        sub_em, em, f1: means over all trajectories; non-constant: share of prompts whose trajectories are not all scored the same (only these give a GRPO-style learning signal).

      Prompts by number of correct trajectories
      dataset   kind      length  0  1  2  3  4
      ────────  ────────  ──────  ─  ─  ─  ─  ─
      hotpotqa  plain       1000  1  0  1  0  1
      hotpotqa  keychain    1000  1  1  0  0  0

      == SFT rows ==

      Rows and kept prompts
      dataset   kind      length  rows  prompts  correct rows  kept prompts  f1 mean  f1 p50
      ────────  ────────  ──────  ────  ───────  ────────────  ────────────  ───────  ──────
      hotpotqa  plain          –     4        3             2             2    0.563   0.500
      hotpotqa  keychain       –     1        1             1             1    1.000   1.000
        prompts: distinct source_index (else id); kept prompts: prompts with at least one correct row (the best-trajectory rule keeps one row for each).

      Rows per f1 bin
      dataset   kind      length  0.0–0.1  0.1–0.2  0.2–0.3  0.3–0.4  0.4–0.5  0.5–0.6  0.6–0.7  0.7–0.8  0.8–0.9  0.9–1.0
      ────────  ────────  ──────  ───────  ───────  ───────  ───────  ───────  ───────  ───────  ───────  ───────  ───────
      hotpotqa  plain          –        1        0        0        0        0        1        0        1        0        1
      hotpotqa  keychain       –        0        0        0        0        0        0        0        0        0        1
      "
    `);
  });

  it("--json prints the collected numbers", () => {
    const r = run("stats", ...FILES, "--json");
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    const data = JSON.parse(r.out) as {
      files: { kind: string }[];
      groups: { dataset: string; kind: string; length: number | null }[];
    };
    expect(data.files.map((f) => f.kind)).toEqual([
      "plain",
      "keychain",
      "rollout-plain",
      "rollout-keychain",
      "sft",
    ]);
    expect(data.groups.map((g) => `${g.dataset} ${g.kind} ${g.length}`)).toEqual([
      "hotpotqa plain 1000",
      "hotpotqa plain null",
      "hotpotqa keychain 1000",
      "hotpotqa keychain null",
      "musique keychain 2000",
    ]);
  });

  it("reports progress on stderr unless --quiet", () => {
    const r = run("stats", "plain.jsonl");
    expect(r.err).toMatch(/^read plain\.jsonl: plain, 3 records\ncollected in \d+\.\d\d s\n$/);
  });

  it("names the file and line of a bad record and exits 1", async () => {
    const bad = join(sandbox.dir, "bad.jsonl");
    const good = (await readFile(join(FIX, "plain.jsonl"), "utf8")).split("\n")[0];
    await writeFile(bad, `${good}\n\n{"context": "c", "prompt_length": 1, "x": }\n`);
    const r = run("stats", bad);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`keychain-synth: Cannot read "${bad}" line 3: not valid JSON`);
  });

  it("needs a file or --rollout-logs (exit 2)", () => {
    const r = run("stats");
    expect(r.code).toBe(2);
    expect(r.err).toContain("Give at least one JSONL file or --rollout-logs DIR");
  });

  it.runIf(existsSync(LOGS))("--rollout-logs adds the rollout-log tables", () => {
    const r = run("stats", "plain.jsonl", "--rollout-logs", LOGS, "--repeats", "4", "-q");
    expect(r.code).toBe(0);
    expect(r.out).toContain("== Token lengths ==");
    expect(r.out).toMatch(/== Rollout-log/);
  });

  it.runIf(existsSync(LOGS))("--csv-dir writes the rollout-log CSVs and prints their paths", async () => {
    const csv = join(sandbox.dir, "stats-csv");
    const r = run("stats", "--rollout-logs", LOGS, "--repeats", "4", "--csv-dir", csv, "--json");
    expect(r.code).toBe(0);
    const names = ["reward_stats.csv", "longqa_bins.csv", "longqa_dis_bins.csv"];
    expect(r.err).toBe(names.map((n) => `wrote ${join(csv, n)}\n`).join(""));
    expect((await readdir(csv)).sort()).toEqual([...names].sort());
    // The fixture logs hold steps 1, 2 and 4 (step 3 is partial); bins 0..4 for --repeats 4.
    const bins = (await readFile(join(csv, "longqa_bins.csv"), "utf8")).trimEnd().split("\n");
    expect(bins[0]).toBe("step,bin_0,bin_1,bin_2,bin_3,bin_4");
    expect(bins.slice(1).map((l) => l.split(",")[0])).toEqual(["1", "2", "4"]);
    expect(await readFile(join(csv, "reward_stats.csv"), "utf8")).toMatch(/^step,all_samples,/);
    expect(JSON.parse(r.out)).toHaveProperty("rolloutLogs");
  });

  it("--csv-dir without --rollout-logs is a usage error (exit 2)", () => {
    const r = run("stats", "plain.jsonl", "--csv-dir", join(sandbox.dir, "nope"));
    expect(r.code).toBe(2);
    expect(r.err).toContain("--csv-dir writes the rollout-log CSVs: give --rollout-logs DIR too");
    expect(existsSync(join(sandbox.dir, "nope"))).toBe(false);
  });
});

describe("keychain-synth report", () => {
  it("writes one self-contained page atomically, the same bytes every time", async () => {
    const out = join(sandbox.dir, "site", "report.html");
    const a = run("report", ...FILES, "--out", out, "--title", "Fixture & co", "-q");
    expect(a.code).toBe(0);
    const first = await readFile(out, "utf8");
    const b = run("report", ...FILES, "--out", out, "--title", "Fixture & co", "-q");
    expect(b.code).toBe(0);
    expect(await readFile(out, "utf8")).toBe(first);
    expect(await readdir(join(sandbox.dir, "site"))).toEqual(["report.html"]);
    expect(first).toContain("<title>Fixture &amp; co</title>");
    expect(first.match(/<svg /g)).toHaveLength(9);
    expect(first).not.toMatch(/https?:\/\/|<script/);
  });

  it("says what it wrote on stderr", () => {
    const r = run("report", "plain.jsonl", "--out", join(sandbox.dir, "one.html"));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/wrote .*one\.html \(4 sections, \d+ chars\)\n$/);
  });

  it.runIf(existsSync(LOGS))("--rollout-logs adds the rollout-log section and its charts", async () => {
    const out = join(sandbox.dir, "logs.html");
    const r = run("report", "--rollout-logs", LOGS, "--repeats", "4", "--out", out, "-q");
    expect(r.code).toBe(0);
    const html = await readFile(out, "utf8");
    expect(html).toContain('<section id="rollout-logs">');
    expect(html.match(/<svg /g)?.length).toBeGreaterThan(0);
    expect(html).not.toMatch(/https?:\/\/|<script/);
  });

  it.runIf(existsSync(LOGS))("--csv-dir writes the same CSVs as stats, next to the page", async () => {
    const out = join(sandbox.dir, "csv-report", "report.html");
    const csv = join(sandbox.dir, "csv-report");
    const r = run("report", "--rollout-logs", LOGS, "--repeats", "4", "--csv-dir", csv, "--out", out);
    expect(r.code).toBe(0);
    expect(r.err).toContain(`wrote ${join(csv, "reward_stats.csv")}\n`);
    expect(r.err).toContain(`wrote ${join(csv, "longqa_dis_bins.csv")}\n`);
    expect((await readdir(csv)).sort()).toEqual([
      "longqa_bins.csv",
      "longqa_dis_bins.csv",
      "report.html",
      "reward_stats.csv",
    ]);
    const again = join(sandbox.dir, "csv-again");
    expect(run("stats", "--rollout-logs", LOGS, "--repeats", "4", "--csv-dir", again, "-q").code).toBe(0);
    for (const name of ["reward_stats.csv", "longqa_bins.csv", "longqa_dis_bins.csv"])
      expect(await readFile(join(again, name), "utf8")).toBe(await readFile(join(csv, name), "utf8"));
  });

  it("requires --out", () => {
    const r = run("report", "plain.jsonl");
    expect(r.code).not.toBe(0);
    expect(r.err).toContain("required option '-o, --out <file>' not specified");
  });
});
