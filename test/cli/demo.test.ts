import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useCliSandbox } from "../support/cli.js";

const sandbox = useCliSandbox("kcs-demo-");

describe("keychain-synth demo", () => {
  it("builds, verifies and exports samples, and writes a report about them", async () => {
    const out = join(sandbox.dir, "demo");
    const r = sandbox.run("demo", "-o", out, "--questions", "300", "-n", "6", "--lengths", "4k", "-q");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/6\/6 records passed, 0 failed/);
    expect(r.out).toContain(
      `Report (token lengths, fill, gold and chain-pair depth, skips): ${out}/report.html`,
    );
    expect((await readdir(join(out, "verl", "keychain-4096"))).sort()).toEqual([
      "test.parquet",
      "train.parquet",
      "valid.parquet",
    ]);
    const html = await readFile(join(out, "report.html"), "utf8");
    expect(html).toMatch(/^<!DOCTYPE html>/i);
    expect(html).toContain("<title>keychain-synth demo</title>");
    for (const section of ["Token lengths", "Gold document depth", "KeyChain instances"])
      expect(html).toContain(section);
    expect(html.match(/<svg/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
    expect(html).not.toMatch(/https?:\/\//);
  });
});
