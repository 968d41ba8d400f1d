import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as vega from "vega";
import * as vegaLite from "vega-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  analyzeRolloutLogs,
  type RolloutLogAnalysis,
  rolloutLogSection,
} from "../../src/report/rollout-logs.js";
import { formatRanges, spreadIndices } from "../../src/report/rollout-logs-section.js";
import type { ChartSpec } from "../../src/report/section.js";
import { formatTable } from "../../src/report/text-table.js";

const BASIC = join(import.meta.dirname, "../fixtures/rollout-logs/basic");

/** SVG text of a Vega-Lite spec, rendered headless as the report does. */
async function renderSvg(spec: ChartSpec): Promise<string> {
  const compiled = vegaLite.compile(spec as unknown as vegaLite.TopLevelSpec, {
    logger: {
      warn: (m: string) => {
        throw new Error(`vega-lite warning: ${m}`);
      },
    } as never,
  });
  const view = new vega.View(vega.parse(compiled.spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

describe("rolloutLogSection on the fixture", () => {
  let a: RolloutLogAnalysis;
  beforeAll(async () => {
    a = await analyzeRolloutLogs(BASIC, { repeats: 4 });
  });

  it("intro names the steps, the gap, irregular prompts and unseparated inputs", () => {
    const s = rolloutLogSection(a);
    expect(s.id).toBe("rollout-logs");
    expect(s.intro?.replace(BASIC, "BASIC")).toMatchInlineSnapshot(
      `"3 training steps (1–4) read from "BASIC" (global_step_{N}.json files), 4 rollouts per prompt. A prompt is the input up to the assistant turn; prompts with "Passage 2:" are long-context QA, KeyChain (LongQA-Dis) when they mention UUIDs or the KeyChain chain instruction, plain (LongQA) otherwise; the rest is "other". Missing steps (no log file): 3. 3 prompt-steps had a rollout count other than 4 (duplicated prompts, or a different rollout n); their score bin is scaled to 4 rollouts. 2 inputs have no assistant-turn separator and count whole as the prompt."`,
    );
  });

  it("the intro of verl's {N}.jsonl dumps says their input is the prompt alone", async () => {
    const jsonl = await analyzeRolloutLogs(join(BASIC, "../jsonl"), { repeats: 4 });
    const intro = rolloutLogSection(jsonl).intro ?? "";
    expect(intro).toContain("({N}.jsonl files), 4 rollouts per prompt.");
    expect(intro).toContain(
      "A prompt is the logged input (these dumps hold the prompt without the response);",
    );
    expect(intro).not.toContain("assistant-turn separator");
  });

  it("tables: an overview and a row per step for each class", () => {
    expect(rolloutLogSection(a).tables).toMatchInlineSnapshot(`
      [
        {
          "columns": [
            "class",
            "samples",
            "prompts",
            "reward",
            "first",
            "last",
            "non-constant",
            "all right",
            "all wrong",
            "irregular",
          ],
          "note": "Totals over all steps, each prompt counted once per step. "reward" is the mean over all rollouts; "first" and "last" are the mean rewards of the first and last step with samples; "non-constant", "all right" and "all wrong" are shares of the prompts: prompts that got different scores across their rollouts, that scored ≥ 1 in every rollout, that scored ≤ 0 in every rollout; "irregular" prompts had a rollout count other than 4.",
          "rows": [
            [
              "LongQA",
              21,
              5,
              "0.429",
              "0.250",
              "0.000",
              "40.0%",
              "20.0%",
              "40.0%",
              1,
            ],
            [
              "LongQA-Dis",
              19,
              5,
              "0.526",
              "0.625",
              "0.750",
              "60.0%",
              "20.0%",
              "20.0%",
              1,
            ],
            [
              "other",
              22,
              6,
              "0.659",
              "0.750",
              "0.333",
              "16.7%",
              "50.0%",
              "16.7%",
              1,
            ],
            [
              "all",
              62,
              16,
              "0.540",
              "0.542",
              "0.357",
              "37.5%",
              "31.3%",
              "25.0%",
              3,
            ],
          ],
          "title": "Rollout logs: overview",
        },
        {
          "columns": [
            "step",
            "samples",
            "prompts",
            "mean reward",
            "non-constant",
            "all right",
            "all wrong",
            "irregular",
          ],
          "note": "Mean reward is over rollouts; the other columns count prompts.",
          "rows": [
            [
              1,
              8,
              2,
              "0.250",
              1,
              0,
              1,
              0,
            ],
            [
              2,
              9,
              2,
              "0.778",
              1,
              1,
              0,
              1,
            ],
            [
              4,
              4,
              1,
              "0.000",
              0,
              0,
              1,
              0,
            ],
          ],
          "title": "Rollout logs: LongQA per step",
        },
        {
          "columns": [
            "step",
            "samples",
            "prompts",
            "mean reward",
            "non-constant",
            "all right",
            "all wrong",
            "irregular",
          ],
          "note": "Mean reward is over rollouts; the other columns count prompts.",
          "rows": [
            [
              1,
              8,
              2,
              "0.625",
              1,
              1,
              0,
              0,
            ],
            [
              2,
              7,
              2,
              "0.286",
              1,
              0,
              1,
              1,
            ],
            [
              4,
              4,
              1,
              "0.750",
              1,
              0,
              0,
              0,
            ],
          ],
          "title": "Rollout logs: LongQA-Dis per step",
        },
        {
          "columns": [
            "step",
            "samples",
            "prompts",
            "mean reward",
            "non-constant",
            "all right",
            "all wrong",
            "irregular",
          ],
          "note": "Mean reward is over rollouts; the other columns count prompts.",
          "rows": [
            [
              1,
              8,
              2,
              "0.750",
              0,
              1,
              0,
              0,
            ],
            [
              2,
              8,
              2,
              "0.813",
              1,
              1,
              0,
              0,
            ],
            [
              4,
              6,
              2,
              "0.333",
              0,
              1,
              1,
              1,
            ],
          ],
          "title": "Rollout logs: other per step",
        },
      ]
    `);
  });

  it("charts: titles and the data behind them", () => {
    const charts = rolloutLogSection(a).charts;
    expect(charts.map((c) => c.title)).toMatchInlineSnapshot(`
      [
        "Mean reward per step",
        "Prompts with non-constant scores per step",
        "LongQA: prompts by number of correct rollouts per step",
        "LongQA-Dis: prompts by number of correct rollouts per step",
        "All-right and all-wrong prompts per step",
      ]
    `);
    const data = (i: number) => (charts[i]!.spec.data as { values: unknown[] }).values;
    expect(data(0)).toMatchInlineSnapshot(`
      [
        {
          "class": "LongQA",
          "mean_reward": 0.25,
          "step": 1,
        },
        {
          "class": "LongQA-Dis",
          "mean_reward": 0.625,
          "step": 1,
        },
        {
          "class": "other",
          "mean_reward": 0.75,
          "step": 1,
        },
        {
          "class": "LongQA",
          "mean_reward": 0.777778,
          "step": 2,
        },
        {
          "class": "LongQA-Dis",
          "mean_reward": 0.285714,
          "step": 2,
        },
        {
          "class": "other",
          "mean_reward": 0.8125,
          "step": 2,
        },
        {
          "class": "LongQA",
          "mean_reward": null,
          "step": 3,
        },
        {
          "class": "LongQA-Dis",
          "mean_reward": null,
          "step": 3,
        },
        {
          "class": "other",
          "mean_reward": null,
          "step": 3,
        },
        {
          "class": "LongQA",
          "mean_reward": 0,
          "step": 4,
        },
        {
          "class": "LongQA-Dis",
          "mean_reward": 0.75,
          "step": 4,
        },
        {
          "class": "other",
          "mean_reward": 0.333333,
          "step": 4,
        },
      ]
    `);
    // Score bins of LongQA: 5 bins × 4 steps (1, 2, the missing 3 as nulls, 4).
    expect(data(2)).toHaveLength(20);
    expect(data(2).slice(10, 15)).toEqual([0, 1, 2, 3, 4].map((bin) => ({ step: 3, bin, prompts: null })));
    expect(data(2).slice(0, 5)).toMatchInlineSnapshot(`
      [
        {
          "bin": 0,
          "prompts": 1,
          "step": 1,
        },
        {
          "bin": 1,
          "prompts": 0,
          "step": 1,
        },
        {
          "bin": 2,
          "prompts": 1,
          "step": 1,
        },
        {
          "bin": 3,
          "prompts": 0,
          "step": 1,
        },
        {
          "bin": 4,
          "prompts": 0,
          "step": 1,
        },
      ]
    `);
  });

  it("each spec carries its chart's title, captions say what the gaps are", () => {
    for (const c of rolloutLogSection(a).charts) {
      expect(c.spec.title).toBe(c.title);
      expect(c.caption).toMatch(/Gaps in the (lines|areas) are missing steps \(no log file\)\.$/);
    }
  });

  it("a class has the same colour in every chart", () => {
    const scales = rolloutLogSection(a)
      .charts.map((c) => (c.spec.encoding as Record<string, { field?: string; scale?: unknown }>).color)
      .filter((color) => color?.field === "class")
      .map((color) => color?.scale);
    expect(scales).toHaveLength(3);
    for (const scale of scales) expect(scale).toEqual(scales[0]);
    expect(scales[0]).toMatchInlineSnapshot(`
      {
        "domain": [
          "LongQA",
          "LongQA-Dis",
          "other",
        ],
        "range": [
          "#4c78a8",
          "#f58518",
          "#54a24b",
        ],
      }
    `);
  });

  it("the terminal tables: fixed decimals, shares with %, columns aligned", () => {
    const tables = rolloutLogSection(a).tables;
    expect(
      `\n${formatTable(tables[0]!).split("\n").slice(0, -1).join("\n")}\n${formatTable(tables[1]!)}`,
    ).toMatchInlineSnapshot(`
        "
        Rollout logs: overview
        class       samples  prompts  reward  first   last  non-constant  all right  all wrong  irregular
        ──────────  ───────  ───────  ──────  ─────  ─────  ────────────  ─────────  ─────────  ─────────
        LongQA           21        5   0.429  0.250  0.000         40.0%      20.0%      40.0%          1
        LongQA-Dis       19        5   0.526  0.625  0.750         60.0%      20.0%      20.0%          1
        other            22        6   0.659  0.750  0.333         16.7%      50.0%      16.7%          1
        all              62       16   0.540  0.542  0.357         37.5%      31.3%      25.0%          3
        Rollout logs: LongQA per step
        step  samples  prompts  mean reward  non-constant  all right  all wrong  irregular
        ────  ───────  ───────  ───────────  ────────────  ─────────  ─────────  ─────────
           1        8        2        0.250             1          0          1          0
           2        9        2        0.778             1          1          0          1
           4        4        1        0.000             0          0          1          0
          Mean reward is over rollouts; the other columns count prompts."
      `);
  });

  it("every chart spec compiles with vega-lite and renders to SVG", async () => {
    for (const chart of rolloutLogSection(a).charts) {
      const svg = await renderSvg(chart.spec);
      expect(svg.startsWith("<svg")).toBe(true);
      expect(svg).toContain("training step");
    }
  });
});

describe("rolloutLogSection with many steps", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "keychain-rollout-many-"));
    const sep = "<|im_end|>\n<|im_start|>assistant\n";
    for (let step = 1; step <= 30; step++) {
      // One plain long-QA prompt, 2 rollouts; correct rollouts grow with the step.
      const entries = [0, 1].map((r) => ({
        input: `Passage 1: a Passage 2: b${sep}${r}`,
        score: r < step % 3 ? 1 : 0,
      }));
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, `global_step_${step}.json`), JSON.stringify(entries));
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("summarises the class table as 11 steps spread evenly and the totals", async () => {
    const s = rolloutLogSection(await analyzeRolloutLogs(dir, { repeats: 2 }));
    expect(s.tables.map((t) => t.title)).toEqual([
      "Rollout logs: overview",
      "Rollout logs: LongQA, 11 of 30 steps",
    ]);
    const rows = s.tables[1]!.rows;
    // spreadIndices(30, 11) = 0, 3, 6, …, 29 → steps 1, 4, …, 30.
    expect(rows.map((r) => r[0])).toEqual([1, 4, 7, 10, 13, 16, 18, 21, 24, 27, 30, "all 30"]);
    // Step ≡ 1 (mod 3): 1 of 2 right; ≡ 2: both right; ≡ 0: none right.
    expect(rows[0]).toEqual([1, 2, 1, "0.500", 1, 0, 0, 0]);
    expect(rows[10]).toEqual([30, 2, 1, "0.000", 0, 0, 1, 0]);
    // Totals: 10 steps of each kind; reward (10·1 + 10·2 + 10·0) / 60 = 0.5.
    expect(rows[11]).toEqual(["all 30", 60, 30, "0.500", 10, 10, 10, 0]);
    expect(s.charts.map((c) => c.title)).toMatchInlineSnapshot(`
      [
        "Mean reward per step",
        "Prompts with non-constant scores per step",
        "LongQA: prompts by number of correct rollouts per step",
        "All-right and all-wrong prompts per step",
      ]
    `);
  });
});

describe("spreadIndices", () => {
  it.each([
    [0, 11, []],
    [3, 11, [0, 1, 2]],
    [11, 11, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]],
    [30, 11, [0, 3, 6, 9, 12, 15, 17, 20, 23, 26, 29]],
    [58, 11, [0, 6, 11, 17, 23, 29, 34, 40, 46, 51, 57]],
  ])("n = %i, k = %i → %j", (n, k, indices) => {
    expect(spreadIndices(n, k)).toEqual(indices);
  });
});

describe("formatRanges", () => {
  it.each([
    [[], ""],
    [[3], "3"],
    [[3, 7, 8, 9], "3, 7–9"],
    [[1, 2, 4, 5, 7], "1–2, 4–5, 7"],
  ])("%j → %j", (ns, text) => {
    expect(formatRanges(ns)).toBe(text);
  });
});
