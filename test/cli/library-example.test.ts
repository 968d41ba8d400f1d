import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, ROOT } from "../support/cli.js";

// The README's library example (examples/library.mjs) runs as written, against the built package.
describe("examples/library.mjs", () => {
  it("builds, verifies and exports KeyChain instances with only the options it cares about", async () => {
    expect(existsSync(BIN), "run npm run build first").toBe(true);
    const out = await mkdtemp(join(tmpdir(), "ks-lib-"));
    try {
      const r = spawnSync(process.execPath, [join(ROOT, "examples/library.mjs"), out], {
        encoding: "utf8",
        timeout: 120_000,
      });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(
        /^20 instances, mean fill \d+\.\d % of L − G: .*\.jsonl\nverified 20\/20; verl rows train 16, test 4\n$/,
      );
      expect((await readdir(join(out, "verl"))).sort()).toEqual([
        "test.parquet",
        "train.parquet",
        "valid.parquet",
      ]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
