import { describe, expect, it } from "vitest";
import { FieldReader } from "../../src/corpus/fields.js";

const reader = new FieldReader({ file: "data/hotpot.json", line: 1, record: 1234 }).withId("5a8b");

function messageOf(check: () => unknown): string {
  try {
    check();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected the check to throw");
}

describe("FieldReader", () => {
  it("returns values of the expected type", () => {
    expect(reader.string("q", "question")).toBe("q");
    expect(reader.array([1], "context")).toEqual([1]);
    expect(reader.object({ a: 1 }, "x")).toEqual({ a: 1 });
    expect(reader.boolean(false, "answerable")).toBe(false);
    expect(reader.index(3, "supporting[0]")).toBe(3);
    expect(reader.strings(["a", "b"], "answers")).toEqual(["a", "b"]);
    expect(reader.optionalString(undefined, "type")).toBeUndefined();
    expect(reader.optionalBoolean(undefined, "answerable")).toBeUndefined();
  });

  it.each([
    [() => reader.string(null, "question"), 'field "question": expected a string, got null'],
    [
      () => reader.string(undefined, "question"),
      'field "question": expected a string, but the field is missing',
    ],
    [() => reader.string(12, "answer"), 'field "answer": expected a string, got a number (12)'],
    [() => reader.array("abc", "context"), 'field "context": expected an array, got a string ("abc")'],
    [
      () => reader.boolean("yes", "answerable"),
      'field "answerable": expected a boolean, got a string ("yes")',
    ],
    [
      () => reader.index(1.5, "supporting[0]"),
      'field "supporting[0]": expected a non-negative integer, got a number (1.5)',
    ],
    [() => reader.index(-1, "hops"), 'field "hops": expected a non-negative integer, got a number (-1)'],
    [() => reader.strings(["a", {}], "answers"), 'field "answers[1]": expected a string, got an object'],
    [() => reader.optionalString(true, "type"), 'field "type": expected a string, got a boolean (true)'],
    [() => reader.object([], "paragraphs[0]"), 'field "paragraphs[0]": expected an object, got an array'],
  ])("names file, line, record, id and field: %#", (check, detail) => {
    expect(messageOf(check)).toBe(`Cannot read "data/hotpot.json" line 1 record 1234 (id "5a8b"), ${detail}`);
  });

  it("describes the record itself when no field is given, and shortens long strings", () => {
    const plain = new FieldReader({ file: "f.jsonl", line: 7 });
    expect(messageOf(() => plain.object("x".repeat(50)))).toBe(
      `Cannot read "f.jsonl" line 7: expected an object, got a string ("${"x".repeat(40)}…")`,
    );
  });
});
