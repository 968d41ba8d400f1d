import { describe, expect, it } from "vitest";
import { schemaProblems, swiftRowSchema, validateSwiftRow } from "../../src/sft/index.js";

const valid = {
  messages: [
    { role: "user", content: "The following are given passages.\nP\n\nQuestion: Q" },
    { role: "assistant", content: "<think>r</think>A" },
  ],
  is_correct: 1,
  sub_em: 1,
  em: 0,
  f1: 0.5,
  extracted_answer: "A",
  answers: ["A"],
  source_index: 3,
  id: "q3",
  dataset: "hotpotqa",
  length: 4000,
  model: "LoongRL-14b",
};

describe("validateSwiftRow (§11.3 layer 1: the original's messages)", () => {
  it.each<[string, unknown, string[]]>([
    ["a valid row", valid, []],
    ["no messages", { answers: [] }, ["missing 'messages' field"]],
    ["messages not a list", { messages: "hi" }, ["'messages' must be a non-empty list"]],
    ["messages empty", { messages: [] }, ["'messages' must be a non-empty list"]],
    [
      "last role user",
      { messages: [{ role: "user", content: "q" }] },
      ["last message role must be 'assistant', got 'user'"],
    ],
    [
      "empty content",
      {
        messages: [
          { role: "user", content: "" },
          { role: "assistant", content: "a" },
        ],
      },
      ["message[0] has empty content"],
    ],
    [
      "a message without role (and so no assistant last)",
      { messages: [{ role: "user", content: "q" }, { content: "a" }] },
      ["message[1] missing 'role' or 'content'", "last message role must be 'assistant', got 'None'"],
    ],
    ["not an object", [1], ["row must be a JSON object"]],
  ])("%s", (_name, row, expected) => {
    expect(validateSwiftRow(row)).toEqual(expected);
  });

  it("the §11.6 checks: errors mention messages / assistant / empty", () => {
    expect(validateSwiftRow({})[0]).toMatch(/messages/);
    expect(validateSwiftRow({ messages: [{ role: "user", content: "q" }] })[0]).toMatch(/assistant/);
    expect(validateSwiftRow({ messages: [{ role: "assistant", content: "" }] })[0]).toMatch(/empty/);
  });
});

describe("swiftRowSchema (layer 2)", () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ["a valid row", valid, []],
    [
      "a system message first is fine",
      { ...valid, messages: [{ role: "system", content: "S" }, ...valid.messages] },
      [],
    ],
    [
      "a system message later is not",
      { ...valid, messages: [valid.messages[0], { role: "system", content: "S" }, valid.messages[1]] },
      [
        "messages[1].role: a system message may only come first",
        'messages[2].role: expected "user" (user and assistant turns alternate, starting with the user), got "assistant"',
      ],
    ],
    [
      "an unknown role",
      { ...valid, messages: [{ role: "bot", content: "x" }, valid.messages[1]] },
      ['messages[0].role: Invalid option: expected one of "system"|"user"|"assistant"'],
    ],
    [
      "scores out of range",
      { ...valid, sub_em: 2, f1: 1.5 },
      ["sub_em: expected 0 or 1", "f1: Too big: expected number to be <=1"],
    ],
    [
      "missing fields",
      { messages: valid.messages },
      [
        "is_correct: expected 0 or 1",
        "sub_em: expected 0 or 1",
        "em: expected 0 or 1",
        "f1: Invalid input: expected number, received undefined",
        "extracted_answer: Invalid input: expected string, received undefined",
        "answers: Invalid input: expected array, received undefined",
        "source_index: Invalid input: expected number, received undefined",
        "id: Invalid input: expected string, received undefined",
        "dataset: Invalid input: expected string, received undefined",
        "length: Invalid input: expected number, received undefined",
        "model: Invalid input: expected string, received undefined",
      ],
    ],
    [
      "two user turns in a row",
      { ...valid, messages: [valid.messages[0], valid.messages[0], valid.messages[1]] },
      [
        'messages[1].role: expected "assistant" (user and assistant turns alternate, starting with the user), got "user"',
        'messages[2].role: expected "user" (user and assistant turns alternate, starting with the user), got "assistant"',
      ],
    ],
  ])("%s", (_name, row, expected) => {
    expect(schemaProblems(swiftRowSchema, row)).toEqual(expected);
  });
});
