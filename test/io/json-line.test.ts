import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapedBody, joinsUnchanged, jsonLineParts, type SharedText } from "../../src/io/json-line.js";

const plain = (v: unknown) => Buffer.from(`${JSON.stringify(v)}\n`);
/** Whether the line of `value` is the plain bytes. */
const lineOf = (value: unknown, shared?: SharedText[]) => Buffer.concat(jsonLineParts(value, shared));
const same = (value: unknown, shared?: SharedText[]) => lineOf(value, shared).equals(plain(value));

/** Text with what JSON escapes, what UTF-8 widens, lone and paired surrogates, and U+0001. */
const unit = fc.constantFrom(
  "a",
  " ",
  "\n",
  "\t",
  '"',
  "\\",
  "\u0000",
  "\u0001",
  "\u001f",
  "é",
  "中",
  "😀",
  "\ud83d",
  "\ude00",
  "\u2028",
  "u0001",
  "0",
);
const text = fc.string({ unit, maxLength: 12 });
const marks = fc.constantFrom("", "\u00010\u0001", "\u0001");
/** A text long enough to be shared, with random ends (a surrogate may sit at either). */
const long = fc.tuple(text, text).map(([a, b]) => `${a}${"y\n".repeat(600)}${b}`);

describe("jsonLineParts", () => {
  it("is byte for byte JSON.stringify + newline, with the shared text anywhere in the value", () => {
    fc.assert(
      fc.property(long, text, text, text, marks, (big, before, after, other, mark) => {
        const user = before + big + after;
        const value = {
          context: big,
          n: 3,
          nested: [{ role: "user", content: user }, { content: other + mark }],
          missing: undefined,
          list: [undefined, null, big],
        };
        const shared: SharedText[] = [{ text: big, within: [{ string: user, before, after }] }];
        expect(same(value, shared)).toBe(true);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it("keeps a surrogate pair that a shared text's edge splits (JSON.stringify escapes only lone ones)", () => {
    const mid = "y".repeat(2000);
    for (const [before, big, after] of [
      ["\ud83d", `\ude00${mid}`, ""],
      ["", `${mid}\ud83d`, "\ude00"],
      ["\ud83d", `\ude00${mid}\ud83d`, "\ude00"],
    ] as const) {
      const user = before + big + after;
      const value = { context: big, user };
      expect(same(value, [{ text: big, within: [{ string: user, before, after }] }])).toBe(true);
    }
  });

  it("is still the plain bytes when a `within` is wrong, or the text is short", () => {
    const big = "x".repeat(2000);
    const user = `a${big}b`;
    const wrong = { context: big, user };
    expect(same(wrong, [{ text: big, within: [{ string: user, before: "", after: "b" }] }])).toBe(true);
    const short = { context: "abc", user: "<abc>" };
    expect(lineOf(short, [{ text: "abc", within: [{ string: "<abc>", before: "<", after: ">" }] }])).toEqual(
      plain(short),
    );
  });

  it("with no shared text is JSON.stringify + newline", () => {
    const value = { a: [1, "two", { three: "\u0001" }] };
    expect(same(value)).toBe(true);
  });

  it("copies a shared text's given escaped form instead of escaping it, into each place it occurs", () => {
    fc.assert(
      fc.property(long, text, text, (big, before, after) => {
        fc.pre(joinsUnchanged(big));
        const user = before + big + after;
        const value = { context: big, prompt: [{ role: "user", content: user }] };
        const json = escapedBody(big);
        const parts = jsonLineParts(value, [{ text: big, json, within: [{ string: user, before, after }] }]);
        expect(Buffer.concat(parts).equals(plain(value))).toBe(true);
        // The given bytes themselves are parts of the line, twice: not a copy of them (unless the text
        // around them reads as the marker once escaped, which sends the line the plain way).
        if (!JSON.stringify(before + after).includes("\\u0001"))
          expect(parts.filter((p) => p === json)).toHaveLength(2);
      }),
      { numRuns: 200, seed: 12 },
    );
  });
});

describe("escapedBody and joinsUnchanged", () => {
  it("escaping the parts and joining them is escaping the whole, when every part joins unchanged", () => {
    fc.assert(
      fc.property(fc.array(text, { maxLength: 6 }), (parts) => {
        fc.pre(parts.every(joinsUnchanged));
        const joined = Buffer.concat(parts.map(escapedBody));
        expect(joined.equals(escapedBody(parts.join("")))).toBe(true);
      }),
      { numRuns: 500, seed: 13 },
    );
  });

  it("refuses a text with a surrogate at an edge, where a neighbour could pair with it", () => {
    expect(joinsUnchanged("\ude00abc")).toBe(false);
    expect(joinsUnchanged("abc\ud83d")).toBe(false);
    expect(joinsUnchanged("\ud83d\ude00")).toBe(true);
    expect(joinsUnchanged("")).toBe(true);
    // The pair across the edge is kept whole by JSON.stringify, so the escaped parts differ from the whole.
    expect(Buffer.concat([escapedBody("a\ud83d"), escapedBody("\ude00b")]).equals(escapedBody("a😀b"))).toBe(
      false,
    );
  });
});
