import { describe, expect, it } from "vitest";
import { findIdsInText, idPattern, parseIdFormat, parseTopology } from "../../src/verify/ids.js";

describe("id formats", () => {
  it.each([
    ["uuid", "3f2b0c1d-9a8b-4c7d-8e6f-0123456789ab", true],
    ["uuid", "3f2b0c1d-9a8b-1c7d-8e6f-0123456789ab", false],
    ["uuid", "3F2B0C1D-9A8B-4C7D-8E6F-0123456789AB", false],
    ["hex:8", "0a1b2c3d", true],
    ["hex:8", "0a1b2c3", false],
    ["nano:5", "a_-Z9", true],
    ["nano:5", "a b c", false],
  ])("%s accepts %j: %s", (format, id, ok) => {
    expect(idPattern(format)?.test(id)).toBe(ok);
  });

  it.each(["default_8", "hex:0", "hex", "nano:x", "uuid4"])("%j is not a known id format", (format) => {
    expect(parseIdFormat(format)).toBeUndefined();
  });

  it("parses topologies", () => {
    expect(parseTopology("chain")).toEqual({ kind: "chain" });
    expect(parseTopology("tree:3")).toEqual({ kind: "tree", branching: 3 });
    expect(parseTopology("tree:0")).toBeUndefined();
    expect(parseTopology("tree")).toBeUndefined();
  });
});

describe("findIdsInText", () => {
  const hex = parseIdFormat("hex:6")!;
  it("finds ids anywhere, also inside longer runs of id characters", () => {
    const ids = new Set(["abc123", "def456"]);
    expect(findIdsInText("x abc123 y 00def4567 z abc12", ids, hex)).toEqual([
      { id: "abc123", at: 2 },
      { id: "def456", at: 13 },
    ]);
    expect(findIdsInText("no ids here", ids, hex)).toEqual([]);
  });

  it("agrees with indexOf on uuids", () => {
    const uuid = parseIdFormat("uuid")!;
    const id = "3f2b0c1d-9a8b-4c7d-8e6f-0123456789ab";
    const text = `See ref-${id}-x and more.`;
    expect(findIdsInText(text, new Set([id]), uuid)).toEqual([{ id, at: text.indexOf(id) }]);
  });
});

describe("findIdsInText with many ids (one pass over the text)", () => {
  it("finds the same occurrences as indexOf", () => {
    const hex = parseIdFormat("hex:8")!;
    const ids = new Set(Array.from({ length: 200 }, (_, i) => (0x10000000 + i * 7919).toString(16)));
    const [a, b] = [...ids].slice(150, 152) as [string, string];
    const text = `start ${a} middle x${b}ff ${a}. end ${a.slice(0, 7)}`;
    expect(findIdsInText(text, ids, hex)).toEqual([
      { id: a, at: text.indexOf(a) },
      { id: b, at: text.indexOf(b) },
      { id: a, at: text.lastIndexOf(a) },
    ]);
  });
});
