import { describe, expect, it } from "vitest";
import { formatSections, formatTable } from "../../src/report/text-table.js";

describe("formatTable", () => {
  it("right-aligns numbers and number-like text, left-aligns text, shows null as –", () => {
    const text = formatTable({
      title: "Demo",
      columns: ["dataset", "length", "range", "share", "note"],
      rows: [
        ["hotpotqa", 16384, "12–16", "33.3%", "ok"],
        ["2wikimqa", null, "4", "5%", "long note"],
      ],
      note: "numbers are made up",
    });
    expect(text).toMatchInlineSnapshot(`
      "Demo
      dataset   length  range  share  note
      ────────  ──────  ─────  ─────  ─────────
      hotpotqa   16384  12–16  33.3%  ok
      2wikimqa       –      4     5%  long note
        numbers are made up"
    `);
  });

  it("says so when a table has no rows", () => {
    expect(formatTable({ title: "T", columns: ["a"], rows: [] })).toBe("T\na\n─\n(no rows)");
  });
});

describe("formatSections", () => {
  it("prints sections with tables, with a heading each; a section without tables prints its intro", () => {
    const text = formatSections([
      {
        id: "a",
        title: "A",
        intro: "not shown",
        tables: [{ title: "t", columns: ["n"], rows: [[1]] }],
        charts: [],
      },
      { id: "b", title: "B (charts only)", tables: [], charts: [{ title: "c", spec: {} }] },
      { id: "c", title: "C", intro: "None were skipped.", tables: [], charts: [] },
    ]);
    expect(text).toBe("== A ==\n\nt\nn\n─\n1\n\n== C ==\n\nNone were skipped.\n");
  });
});
