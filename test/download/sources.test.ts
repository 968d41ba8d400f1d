import { describe, expect, it } from "vitest";
import { mirrorUrl } from "../../src/download/sources.js";

describe("mirrorUrl", () => {
  it("appends the file name to the base, with or without a trailing slash", () => {
    expect(mirrorUrl("http://127.0.0.1:9/m", "a b.zip")).toBe("http://127.0.0.1:9/m/a%20b.zip");
    expect(mirrorUrl("http://127.0.0.1:9/m/", "train.json")).toBe("http://127.0.0.1:9/m/train.json");
  });
});
