import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonLineBytes, type SharedText } from "../../src/io/json-line.js";

const plain = (v: unknown) => Buffer.from(`${JSON.stringify(v)}\n`);
/** Whether the line of `value` is the plain bytes. */
const same = (value: unknown, shared?: SharedText[]) =>
  Buffer.from(jsonLineBytes(value, shared)).equals(plain(value));

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

describe("jsonLineBytes", () => {
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
    expect(
      Buffer.from(
        jsonLineBytes(short, [{ text: "abc", within: [{ string: "<abc>", before: "<", after: ">" }] }]),
      ),
    ).toEqual(plain(short));
  });

  it("with no shared text is JSON.stringify + newline", () => {
    const value = { a: [1, "two", { three: "\u0001" }] };
    expect(same(value)).toBe(true);
  });
});
