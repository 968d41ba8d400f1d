import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { registerExport } from "../../src/cli/export.js";
import { ConfigError } from "../../src/errors.js";

const KEYCHAIN = join(import.meta.dirname, "../fixtures/export/keychain.jsonl");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kcs-export-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Run `export verl …` in-process; returns what it printed to stdout. */
async function run(...args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerExport(program);
  let out = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(["export", "verl", ...args], { from: "user" });
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe("keychain-synth export verl", () => {
  it("writes the three files and prints the rows per split", async () => {
    const out = join(dir, "a");
    const printed = await run(
      "-i",
      KEYCHAIN,
      "-o",
      out,
      "--start-index",
      "2",
      "--end-index",
      "5",
      "--valid-size",
      "1",
    );
    for (const s of ["train", "test", "valid"]) expect(existsSync(join(out, `${s}.parquet`))).toBe(true);
    expect(printed).toBe(
      [
        "KeyChain records → data_source custom_longcontext_needle_qa_keychain",
        `  ${join(out, "train.parquet")}: 3 rows`,
        `  ${join(out, "test.parquet")}: 3 rows`,
        `  ${join(out, "valid.parquet")}: 1 rows`,
        "",
      ].join("\n"),
    );
  });

  it.each([
    [["--system-prompt", "chatml"], /Unknown system prompt "chatml": use none \| qwen_orz_boxed \| @FILE/],
    [["--remeasure"], /remeasure needs a tokenizer/],
    [["--chat-template", "auto"], /chatTemplate "auto" \(the tokenizer's own template\) needs a tokenizer/],
    [["--prompt-variant", "1line"], /--prompt-variant must be default or find-first, got "1line"/],
    [["--valid-size", "-3"], /--valid-size expects an integer ≥ 0, got "-3"/],
  ])("rejects %j with a ConfigError", async (args, message) => {
    const err = await run("-i", KEYCHAIN, "-o", join(dir, "never"), ...args).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(message);
  });
});
