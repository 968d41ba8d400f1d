import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerVerify, VerificationFailedError } from "../../src/cli/verify.js";
import { ConfigError, type KeychainError } from "../../src/errors.js";
import { buildRecord } from "./make-record.js";

let dir: string;
let good: string;
let bad: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kcs-verify-cli-"));
  const records = [1, 2, 3].map((seed) => buildRecord({ seed }).record);
  good = join(dir, "good.jsonl");
  bad = join(dir, "bad.jsonl");
  await writeFile(good, records.map((r) => JSON.stringify(r)).join("\n"));
  await writeFile(
    bad,
    [records[0], { ...records[1], id: "broken", num_pairs: 1 }, records[2]]
      .map((r) => JSON.stringify(r))
      .join("\n"),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<{ out: string; error: unknown }> {
  let out = "";
  const stdout = new Writable({
    write(chunk, _encoding, done) {
      out += String(chunk);
      done();
    },
  });
  const stderr = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
  const program = new Command().exitOverride();
  registerVerify(program, { stdout, stderr });
  let error: unknown;
  try {
    await program.parseAsync(["node", "keychain-synth", "verify", ...args]);
  } catch (e) {
    error = e;
  }
  return { out, error };
}

describe("keychain-synth verify", () => {
  it("prints a summary with the speed and exits normally when every record passes", async () => {
    const r = await run(good, "-q");
    expect(r.error).toBeUndefined();
    expect(r.out).toMatch(
      /good\.jsonl\n {2}3\/3 records passed, 0 failed; \d+ pairs; re-counted 0; [\d.]+ s/,
    );
  });

  it("lists every failing line and fails with exit code 1", async () => {
    const r = await run(bad, good, "-q");
    expect(r.error).toBeInstanceOf(VerificationFailedError);
    expect((r.error as KeychainError).exitCode).toBe(1);
    expect((r.error as Error).message).toBe("1 of 6 records failed verification");
    expect(r.out).toContain("failures by check: chain_count 1\n");
    expect(r.out).toMatch(/ {2}line 2 \(id "broken"\):\n {4}chain_count: \d+ pairs found, num_pairs is 1\n/);
    expect(r.out).toContain("total: 5/6 records passed\n");
  });

  it("--json prints the summaries as JSON", async () => {
    const r = await run(bad, "--json");
    const json = JSON.parse(r.out) as {
      lines: number;
      failed: number;
      files: { failing: { line: number }[] }[];
    };
    expect(json.lines).toBe(3);
    expect(json.failed).toBe(1);
    expect(json.files[0]?.failing.map((f) => f.line)).toEqual([2]);
  });

  it("--tokenizer re-counts every prompt by default", async () => {
    const r = await run(good, "--tokenizer", "approx", "-q");
    expect(r.error).toBeUndefined();
    expect(r.out).toContain("re-counted 3;");
    const every2 = await run(good, "--tokenizer", "approx", "--recount", "2", "-q");
    expect(every2.out).toContain("re-counted 2;");
  });

  it.each([
    [["--recount", "all"], /needs --tokenizer/],
    [["--recount", "0", "-t", "approx"], /--recount must be all, none or an integer ≥ 1, got "0"/],
    [["--recount", "some", "-t", "approx"], /--recount must be/],
  ])("%j is a ConfigError", async (flags, message) => {
    const r = await run(good, ...flags);
    expect(r.error).toBeInstanceOf(ConfigError);
    expect((r.error as Error).message).toMatch(message);
  });
});
