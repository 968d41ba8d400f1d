import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "dist/cli/main.js");
let dir: string;

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "npm run build" first (npm test does)`);
  dir = await mkdtemp(join(tmpdir(), "kcs-demo-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("keychain-synth demo", () => {
  it("builds, verifies and exports samples, and writes a report about them", async () => {
    const out = join(dir, "demo");
    const r = spawnSync(
      process.execPath,
      [BIN, "demo", "-o", out, "--questions", "300", "-n", "6", "--lengths", "4k", "-q"],
      { cwd: dir, encoding: "utf8", timeout: 120_000 },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/6\/6 records passed, 0 failed/);
    expect(r.stdout).toContain(
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
