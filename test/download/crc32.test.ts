import { crc32 as zlibCrc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32Portable } from "../../src/download/crc32.js";

describe("crc32Portable", () => {
  it("agrees with zlib, in one piece and continued", () => {
    const data = Buffer.from("The quick brown fox jumps over the lazy dog".repeat(37));
    expect(crc32Portable(data)).toBe(zlibCrc32(data));
    expect(crc32Portable(data.subarray(500), crc32Portable(data.subarray(0, 500)))).toBe(zlibCrc32(data));
  });
});
