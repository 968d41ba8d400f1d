import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { readSidecarSkips } from "../../src/report/sidecar-skips.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kcs-sidecar-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function sidecar(name: string, value: unknown): Promise<string> {
  const path = join(dir, `${name}.meta.json`);
  await writeFile(path, typeof value === "string" ? value : JSON.stringify(value));
  return path;
}

const meta = {
  dataset: "squad",
  options: { max_seq_length: 4096 },
  summary: { skipped: [{ reason: "too long 12" }, { reason: "no gold" }] },
};

describe("readSidecarSkips", () => {
  it("reads the dataset, the length and every skip reason in order", async () => {
    const path = await sidecar("ok", { ...meta, kind: "keychain" });
    expect(await readSidecarSkips(path, "keychain")).toEqual({
      path,
      dataset: "squad",
      kind: "keychain",
      maxSeqLength: 4096,
      reasons: ["too long 12", "no gold"],
    });
  });

  it("takes the kind of the data file when the sidecar has none", async () => {
    const path = await sidecar("nokind", meta);
    expect((await readSidecarSkips(path, "plain"))?.kind).toBe("plain");
  });

  it("is undefined when there is no sidecar", async () => {
    expect(await readSidecarSkips(join(dir, "absent.meta.json"), "plain")).toBeUndefined();
  });

  it.each<[string, unknown, string]>([
    ["not JSON", "{oops", "not valid JSON"],
    ["not an object", [1], "expected an object, got an array"],
    [
      "a bad skip",
      { ...meta, summary: { skipped: [{ reason: 3 }] } },
      'field "summary.skipped[0].reason": expected a string, got a number',
    ],
    [
      "no length",
      { ...meta, options: {} },
      'field "options.max_seq_length": expected a number, got undefined',
    ],
  ])("names the sidecar and the field (%s)", async (name, value, message) => {
    const path = await sidecar(name.replace(/\W+/g, "-"), value);
    const error = await readSidecarSkips(path, "plain").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(`Cannot read "${path}"`);
    expect((error as Error).message).toContain(message);
  });
});
