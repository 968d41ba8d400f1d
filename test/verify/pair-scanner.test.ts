import { describe, expect, it } from "vitest";
import { scanPairAt } from "../../src/verify/pair-scanner.js";

describe("scanPairAt", () => {
  it.each([
    ['{"3f2b": "Who founded Varlo Press?"}', "3f2b", "Who founded Varlo Press?"],
    ['{"k": "Who said \\"hi\\"?"}', "k", 'Who said "hi"?'],
    ['{"k": "a \\\\ b \\u00e9 \\n"}', "k", "a \\ b é \n"],
    ['{"k": ""}', "k", ""],
  ])("reads %s", (text, key, value) => {
    const r = scanPairAt(`xx${text}. yy`, 2);
    expect(r).toEqual({ ok: true, pair: { key, value, start: 2, end: 2 + text.length } });
  });

  it.each([
    ['{"k":"v"}', "expected `: `"],
    ['{"k":  "v"}', "opening quote"],
    ['{"k": v}', "opening quote"],
    ['{"k": "v", "x": "y"}', "expected `}`"],
    ['{"k": "Who said "hi"?"}', "unescaped quote"],
    ['{"k": "line\nbreak"}', "raw control character"],
    ['{"k": "bad \\x escape"}', "invalid escape"],
    ['{"k": "never closed', "unterminated"],
    ['{"catalogue": 1}', "opening quote"],
  ])("rejects %j", (text, reason) => {
    const r = scanPairAt(text, 0);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });
});
