import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { collectStats } from "../../src/report/collect.js";
import { escapeHtml, renderReportHtml } from "../../src/report/html.js";
import type { ReportSection } from "../../src/report/section.js";
import { statsSections } from "../../src/report/sections.js";

const FIX = join(import.meta.dirname, "../fixtures/report");
const FILES = ["plain.jsonl", "keychain.jsonl", "rollout.jsonl", "rollout-keychain.jsonl", "sft.jsonl"].map(
  (f) => join(FIX, f),
);

let sections: ReportSection[];
let html: string;
beforeAll(async () => {
  sections = statsSections(await collectStats(FILES));
  html = await renderReportHtml(sections, { title: "Fixture <report> & co" });
});

/** The text of every row of the table titled `title`, cells joined by `|`. */
function tableRows(page: string, title: string): string[] {
  const start = page.indexOf(`<h3>${escapeHtml(title)}</h3>`);
  expect(start).toBeGreaterThan(0);
  const body = page.slice(page.indexOf("<tbody>", start), page.indexOf("</tbody>", start));
  return [...body.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) =>
    [...(m[1] ?? "").matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => c[1]).join("|"),
  );
}

describe("renderReportHtml on the fixture files", () => {
  it("has every section, in order, with a table of contents linking to each", () => {
    expect(sections.map((s) => s.id)).toEqual([
      "overview",
      "lengths",
      "gold-depth",
      "keychain",
      "skips",
      "rollouts",
      "sft",
    ]);
    for (const s of sections) {
      expect(html).toContain(`<section id="${s.id}">`);
      expect(html).toContain(`<li><a href="#${s.id}">${escapeHtml(s.title)}</a></li>`);
    }
  });

  it("renders one inline <svg> per chart, each with its caption", () => {
    const charts = sections.flatMap((s) => s.charts);
    // Two length charts (L = 1000, 2000), gold depth, pair depth, pass rates, the difficulty charts, SFT f1.
    expect(charts.map((c) => c.title)).toEqual([
      "Prompt tokens at target length 1000",
      "Prompt tokens at target length 2000",
      "Gold document depth",
      "True-chain pair depth",
      "Pass-rate distribution",
      "Pass rate by target length × gold-document depth (plain rollouts)",
      "Pass rate by target length × true-chain depth (KeyChain rollouts)",
      "KeyChain pass rate by hops and by chains",
      "SFT f1 distribution",
    ]);
    expect(html.match(/<svg /g)).toHaveLength(charts.length);
    expect(html.match(/<figcaption>/g)).toHaveLength(charts.length);
    expect(html).toContain("target L = 1000");
    expect(html).toContain("budget L − G = 900");
  });

  it("is self-contained: no URL, no script, no external font or stylesheet", () => {
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/@import|url\(/);
    expect(html).toContain("<style>");
  });

  it("escapes the title", () => {
    expect(html).toContain("<title>Fixture &lt;report&gt; &amp; co</title>");
    expect(html).toContain("<h1>Fixture &lt;report&gt; &amp; co</h1>");
  });

  it("puts the hand-computed numbers in the tables, with fixed decimals per column", () => {
    // Groups are dataset × kind × length: the rollouts and SFT rows over KeyChain prompts stay apart.
    expect(tableRows(html, "Records per group")).toEqual([
      "hotpotqa|plain|1000|3|3|3|0",
      "hotpotqa|plain|–|0|0|0|4",
      "hotpotqa|keychain|1000|0|0|2|0",
      "hotpotqa|keychain|–|0|0|0|1",
      "musique|keychain|2000|3|0|0|0",
    ]);
    expect(tableRows(html, "Prompt tokens")).toEqual([
      "hotpotqa|plain|1000|3|100|880|880|890|905|905|1",
      "musique|keychain|2000|3|200|1700|1700|1750|1800|1800|0",
    ]);
    // Fill: 880/900, 890/900, 905/900, mean 2675/2700; 1700/1800, 1750/1800, 1800/1800, mean 1750/1800.
    expect(tableRows(html, "Fill of the prompt budget")).toEqual([
      "hotpotqa|plain|1000|97.78%|97.78%|98.89%|100.56%|100.56%|99.07%",
      "musique|keychain|2000|94.44%|94.44%|97.22%|100.00%|100.00%|97.22%",
    ]);
    expect(tableRows(html, "Gold documents per depth bin")).toEqual([
      "hotpotqa|plain|1000|10|5|1|1|0|0|1|1|0|0|0|1",
      "musique|keychain|2000|5|4|0|1|0|0|0|1|0|0|1|1",
    ]);
    expect(tableRows(html, "Chains and pairs")).toEqual(["musique|keychain|2000|3|2|2|4|4|1|5|1"]);
    expect(tableRows(html, "True-chain pairs per depth bin")).toEqual([
      "musique|keychain|2000|1|1|0|0|0|2|0|1|0|0",
    ]);
    expect(tableRows(html, "Skips by reason")).toEqual([
      "hotpotqa|plain|1000|no room for the gold documents: needs N tokens, budget N|2",
      "hotpotqa|plain|1000|question has no answer|1",
    ]);
    // Plain: sub_em 6/12, em 5/12, f1 6.25/12, 1 of 3 prompts non-constant; KeyChain: 1/8, 1/8, 1.2/8, 1 of 2.
    expect(tableRows(html, "Rewards")).toEqual([
      "hotpotqa|plain|1000|3|12|0.500|0.417|0.521|33.3%|1|1",
      "hotpotqa|keychain|1000|2|8|0.125|0.125|0.150|50.0%|0|1",
    ]);
    expect(tableRows(html, "Prompts by number of correct trajectories")).toEqual([
      "hotpotqa|plain|1000|1|0|1|0|1",
      "hotpotqa|keychain|1000|1|1|0|0|0",
    ]);
    expect(tableRows(html, "Rows and kept prompts")).toEqual([
      "hotpotqa|plain|–|4|3|2|2|0.563|0.500",
      "hotpotqa|keychain|–|1|1|1|1|1.000|1.000",
    ]);
    expect(tableRows(html, "Rows per f1 bin")).toEqual([
      "hotpotqa|plain|–|1|0|0|0|0|1|0|1|0|1",
      "hotpotqa|keychain|–|0|0|0|0|0|0|0|0|0|1",
    ]);
  });

  it("labels chart series by dataset, kind and length", () => {
    const pass = sections.flatMap((s) => s.charts).find((c) => c.title === "Pass-rate distribution")!;
    const groups = (pass.spec.data as { values: { group: string }[] }).values.map((v) => v.group);
    expect([...new Set(groups)]).toEqual(["hotpotqa plain 1000", "hotpotqa keychain 1000"]);
  });

  it("right-aligns numeric columns only", () => {
    expect(html).toContain(
      '<th scope="col">dataset</th><th scope="col">kind</th><th scope="col" class="num">length</th>',
    );
    expect(html).toContain('<td>hotpotqa</td><td>plain</td><td class="num">1000</td>');
  });

  it("lets long text columns (file paths, skip reasons) wrap so the table fits the page", async () => {
    expect(html).toContain(`<td class="wrap">${FILES[0]}</td>`);
    const page = await renderReportHtml(
      [
        {
          id: "t",
          title: "T",
          tables: [
            {
              title: "Paths",
              columns: ["file", "kind", "n"],
              rows: [
                [`out/${"very-long-name_".repeat(3)}.jsonl`, "plain", 1],
                ["a.jsonl", "keychain", 2],
              ],
            },
          ],
          charts: [],
        },
      ],
      { renderChart: async () => "" },
    );
    expect(page).toContain(
      '<thead><tr><th scope="col">file</th><th scope="col">kind</th><th scope="col" class="num">n</th></tr></thead>',
    );
    expect(page).toContain('<tr><td class="wrap">a.jsonl</td><td>keychain</td><td class="num">2</td></tr>');
    expect(page).toMatch(/td\.wrap \{ white-space: normal; overflow-wrap: anywhere;/);
  });

  it("is deterministic: rendering twice gives identical bytes", async () => {
    const again = await renderReportHtml(statsSections(await collectStats(FILES)), {
      title: "Fixture <report> & co",
    });
    expect(again).toBe(html);
  });

  it("shows a subtitle only when given one", async () => {
    const page = await renderReportHtml([], { subtitle: "built 2026-01-01", renderChart: async () => "" });
    expect(page).toContain('<p class="subtitle">built 2026-01-01</p>');
    expect(page).toContain("<title>keychain-synth report</title>");
    expect(await renderReportHtml([], {})).not.toContain('subtitle">');
  });
});
