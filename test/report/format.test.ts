import { describe, expect, it } from "vitest";
import { fillText, fixed, percent, rewardText, shareText } from "../../src/report/format.js";

describe("cell formats", () => {
  it.each<[string, string, string]>([
    ["fill", fillText(0.99374), "99.37%"],
    ["fill of exactly 1", fillText(1), "100.00%"],
    ["fill over budget", fillText(905 / 900), "100.56%"],
    ["reward with a trailing zero", rewardText(0.45), "0.450"],
    ["reward 1", rewardText(1), "1.000"],
    ["reward rounds half up", rewardText(0.5625), "0.563"],
    ["reward 0", rewardText(0), "0.000"],
    ["share", shareText(0.62), "62.0%"],
    ["share of a third", shareText(1 / 3), "33.3%"],
    ["percent with no decimals", percent(0.5, 0), "50%"],
    ["fixed", fixed(2, 1), "2.0"],
  ])("%s", (_name, text, expected) => {
    expect(text).toBe(expected);
  });
});
