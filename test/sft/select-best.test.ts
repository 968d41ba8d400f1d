import { describe, expect, it } from "vitest";
import { rankCorrect, selectBest } from "../../src/sft/index.js";

type Row = { name: string; sub_em: number; f1: number };
const row = (name: string, sub_em: number, f1: number): Row => ({ name, sub_em, f1 });

describe("selectBest (§11.2, cases of test_sft_filter.py)", () => {
  it.each<[string, Row[], string | undefined]>([
    ["correct beats wrong", [row("wrong", 0, 0.9), row("right", 1, 0.5)], "right"],
    ["highest f1 among correct", [row("a", 1, 0.7), row("b", 1, 1.0), row("c", 1, 0.8)], "b"],
    ["tie → first", [row("first", 1, 0.8), row("second", 1, 0.8)], "first"],
    ["all wrong → none", [row("a", 0, 0.9), row("b", 0, 0.1)], undefined],
    ["empty → none", [], undefined],
    [
      "a wrong row with higher f1 after the correct one does not win",
      [row("a", 1, 0.2), row("b", 0, 1.0)],
      "a",
    ],
  ])("%s", (_name, rows, expected) => {
    expect(selectBest(rows)?.name).toBe(expected);
  });
});

describe("rankCorrect", () => {
  it.each<[string, Row[], number[]]>([
    ["correct rows by f1, wrong rows left out", [row("a", 1, 0.5), row("b", 0, 1), row("c", 1, 0.9)], [2, 0]],
    ["ties keep file order", [row("a", 1, 0.8), row("b", 1, 1), row("c", 1, 0.8)], [1, 0, 2]],
    ["none correct", [row("a", 0, 1)], []],
  ])("%s", (_name, rows, expected) => {
    expect(rankCorrect(rows)).toEqual(expected);
  });

  it("its first index is selectBest's row", () => {
    const rows = [row("a", 1, 0.7), row("b", 1, 1.0), row("c", 0, 1), row("d", 1, 1.0)];
    expect(rows[rankCorrect(rows)[0]!]).toBe(selectBest(rows));
  });
});
