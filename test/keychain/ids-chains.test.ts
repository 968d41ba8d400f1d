import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { buildRoutes, idsNeeded, pairsNeeded, parseTopology } from "../../src/keychain/chains.js";
import {
  assertIdSpace,
  drawId,
  drawIds,
  idFormatFileTag,
  idsOccurringIn,
  parseIdFormat,
} from "../../src/keychain/ids.js";
import { serializePair } from "../../src/keychain/pairs.js";
import { Rng } from "../../src/rng.js";

describe("id formats", () => {
  it("draws reproducible, valid version-4 UUIDs from the seeded RNG", () => {
    const a = drawIds({ kind: "uuid" }, Rng.derive(1), 50);
    const b = drawIds({ kind: "uuid" }, Rng.derive(1), 50);
    expect(a).toEqual(b);
    for (const id of a)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(a).size).toBe(50);
  });

  it.each([
    ["hex:8", /^[0-9a-f]{8}$/, "default_8"],
    ["nano:21", /^[\w-]{21}$/, "nano_21"],
    ["uuid", /^[0-9a-f-]{36}$/, "default"],
  ])("%s draws matching ids and names files like the original", (spec, re, tag) => {
    const f = parseIdFormat(spec);
    expect(drawId(f, Rng.derive(spec))).toMatch(re);
    expect(idFormatFileTag(f)).toBe(tag);
  });

  it.each(["hex:0", "hex:33", "nano", "guid", "hex:x"])("rejects %s", (spec) => {
    expect(() => parseIdFormat(spec)).toThrow(ConfigError);
  });

  it("refuses an id format too short for the instance", () => {
    expect(() => assertIdSpace(parseIdFormat("hex:2"), 640)).toThrow(
      /hex:2 is too short to be unique: it has 256 values/,
    );
    expect(() => assertIdSpace(parseIdFormat("hex:8"), 2048)).not.toThrow();
  });

  it("finds ids that occur in a text, in one pass", () => {
    const f = parseIdFormat("hex:4");
    expect(idsOccurringIn(f, ["beef", "cafe", "1234"], "the cafe at 12345 served beefy food").sort()).toEqual(
      ["1234", "beef", "cafe"],
    );
    expect(idsOccurringIn(f, ["dead"], "nothing here")).toEqual([]);
  });
});

describe("routes", () => {
  it("chain: head → … → question in hops ids, distractor chains to other questions", () => {
    const ids = drawIds({ kind: "hex", length: 8 }, Rng.derive(2), idsNeeded({ kind: "chain" }, 3, 4));
    const r = buildRoutes({ kind: "chain" }, ids, 3, 4, "True?", ["D1?", "D2?"], Rng.derive(3));
    expect(r.pairs).toHaveLength(pairsNeeded({ kind: "chain" }, 3, 4));
    expect(r.path).toHaveLength(4);
    expect(r.head).toBe(r.path[0]);
    const map = new Map(r.pairs.map((p) => [p.key, p.value]));
    let at = r.head;
    for (let i = 0; i < 3; i++) at = map.get(at)!;
    expect(map.get(at)).toBe("True?");
    expect(
      r.pairs
        .filter((p) => p.value.endsWith("?"))
        .map((p) => p.value)
        .sort(),
    ).toEqual(["D1?", "D2?", "True?"]);
  });

  it("tree: the head branches; exactly one leaf leads to the question, the others to dead ends", () => {
    const t = parseTopology("tree:2");
    const ids = drawIds({ kind: "uuid" }, Rng.derive(4), idsNeeded(t, 2, 4));
    const r = buildRoutes(t, ids, 2, 4, "True?", ["D1?"], Rng.derive(5));
    expect(r.pairs).toHaveLength(22 + 4); // the original's 15-node tree: 14 links + 8 leaves; plus one chain of 4
    const children = new Map<string, string[]>();
    for (const p of r.pairs) children.set(p.key, [...(children.get(p.key) ?? []), p.value]);
    const reached: string[] = [];
    const queue = [r.head];
    while (queue.length) {
      const k = queue.shift()!;
      for (const v of children.get(k) ?? []) {
        if (children.has(v)) queue.push(v);
        else reached.push(v);
      }
    }
    expect(reached.filter((v) => v.endsWith("?"))).toEqual(["True?"]);
    expect(reached).toHaveLength(8);
    expect(r.path).toHaveLength(4);
  });
});

describe("serializePair", () => {
  it("matches the original's shape and escapes quotes so the pair stays valid JSON", () => {
    expect(serializePair("ab12", "cd34")).toBe('{"ab12": "cd34"}');
    const q = 'Who wrote about the "The Simpsons" character Milhouse?';
    const s = serializePair("k", q);
    expect(s).toBe('{"k": "Who wrote about the \\"The Simpsons\\" character Milhouse?"}');
    expect(JSON.parse(s)).toEqual({ k: q });
  });
});
