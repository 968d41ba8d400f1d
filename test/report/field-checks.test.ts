import { describe, expect, it } from "vitest";
import { FieldReader } from "../../src/corpus/fields.js";
import { InputError } from "../../src/errors.js";
import { ARRAY, arrayOf, NUMBER, OBJECT, optional, STRING } from "../../src/report/field-checks.js";

const f = new FieldReader({ file: "x.jsonl", line: 3 });

function messageOf(check: () => unknown): string {
  try {
    check();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error("expected the check to throw");
}

describe("FieldReader.expect with the statistics checks", () => {
  it("returns accepted values unchanged", () => {
    expect(f.expect(1.5, "a", NUMBER)).toBe(1.5);
    expect(f.expect("s", "a", STRING)).toBe("s");
    expect(f.expect([1], "a", ARRAY)).toEqual([1]);
    expect(f.expect({ k: 1 }, undefined, OBJECT)).toEqual({ k: 1 });
    expect(arrayOf(f, [1, 2], "a", NUMBER)).toEqual([1, 2]);
    expect(optional(f, null, "a", NUMBER)).toBeUndefined();
    expect(optional(f, undefined, "a", NUMBER)).toBeUndefined();
    expect(optional(f, 2, "a", NUMBER)).toBe(2);
  });

  it.each<[string, () => unknown, string]>([
    [
      "null",
      () => f.expect(null, "n", NUMBER),
      'Cannot read "x.jsonl" line 3, field "n": expected a number, got null',
    ],
    ["missing", () => f.expect(undefined, "n", NUMBER), 'field "n": expected a number, got undefined'],
    ["the type only", () => f.expect("12", "n", NUMBER), 'field "n": expected a number, got a string'],
    ["not finite", () => f.expect(Number.NaN, "n", NUMBER), 'field "n": expected a number, got a number'],
    [
      "the record",
      () => f.expect([], undefined, OBJECT),
      'Cannot read "x.jsonl" line 3: expected an object, got an array',
    ],
    ["an element", () => arrayOf(f, ["a", 2], "l", STRING), 'field "l[1]": expected a string, got a number'],
    [
      "an optional present",
      () => optional(f, false, "o", STRING),
      'field "o": expected a string, got a boolean',
    ],
  ])("names the field and the JSON type only (%s)", (_name, check, message) => {
    expect(messageOf(check)).toContain(message);
  });
});
