import { describe, expect, it } from "vitest";
import { documentString, joinSentences } from "../../src/corpus/document.js";

describe("documentString", () => {
  it.each([
    ["Title", "Body text.", "Title\nBody text."],
    ["", "Body only.", "Body only."],
    ["", "  Indented body.", "Indented body."],
    [" Spaced title", "Body.", "Spaced title\nBody."],
    ["   ", "Body.", "Body."],
    ["Title", "", ""],
    ["Title", " \n\t", ""],
    ["", "", ""],
  ])("renders title %j and body %j as %j", (title, body, expected) => {
    expect(documentString(title, body)).toBe(expected);
  });
});

describe("joinSentences", () => {
  it.each([
    [["One.", "Two."], "One. Two."],
    [["Its producer.", "In France it was a hit."], "Its producer. In France it was a hit."],
    [["Left ends with a space. ", "Right."], "Left ends with a space. Right."],
    [["Left.", " Right starts with a space."], "Left. Right starts with a space."],
    [["Line one.\n", "Line two."], "Line one.\nLine two."],
    [["A.", "", "B."], "A. B."],
    [["", "A."], "A."],
    [[], ""],
  ])("joins %j as %j", (sentences, expected) => {
    expect(joinSentences(sentences)).toBe(expected);
  });
});
