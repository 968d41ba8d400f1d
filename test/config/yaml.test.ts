import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConfigProblem, ConfigProblemsError } from "../../src/config/problems.js";
import { loadYamlConfig, MAX_ALIAS_COUNT, type YamlConfigLoader } from "../../src/config/yaml.js";
import { ConfigError } from "../../src/errors.js";
import { loadGrowConfig } from "../../src/grow/config.js";
import { loadPipelineConfig } from "../../src/pipeline/config.js";

class TestConfigError extends ConfigProblemsError {
  constructor(problems: readonly ConfigProblem[], file?: string) {
    super("test", problems, file);
  }
}

const loader: YamlConfigLoader<unknown> = { what: "test", error: TestConfigError, resolve: (raw) => raw };

/** "Billion laughs": each level repeats the one before nine times, 9^levels strings in all. */
function billionLaughs(levels: number): string {
  const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i <= levels; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(",")}]`,
    );
  return `${lines.join("\n")}\n`;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ks-yaml-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe("loadYamlConfig and aliases", () => {
  it("refuses a billion-laughs document at once with a ConfigError naming the file (exit 2)", async () => {
    const path = await file("bomb.yaml", billionLaughs(9));
    const t0 = performance.now();
    const error = await loadYamlConfig(path, loader).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(error).toBeInstanceOf(TestConfigError);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(2);
    expect((error as Error).message).toBe(
      `Invalid test config "${path}": 1 problem\n  YAML aliases: the anchors expand more often than the limit of ${MAX_ALIAS_COUNT} allows (a "billion laughs" document?); write the repeated values out instead`,
    );
  });

  it("the pipeline and grow configs refuse it the same way", async () => {
    const path = await file("bomb2.yaml", billionLaughs(6));
    for (const load of [loadPipelineConfig, loadGrowConfig]) {
      const error = await load(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigProblemsError);
      expect((error as Error).message).toContain(`"${path}"`);
      expect((error as Error).message).toContain("YAML aliases");
    }
  });

  it("keeps ordinary anchors and aliases working", async () => {
    const path = await file("ok.yaml", "base: &b {n: 1}\nx: *b\ny: *b\nz: [*b, *b]\n");
    expect(await loadYamlConfig(path, loader)).toEqual({
      base: { n: 1 },
      x: { n: 1 },
      y: { n: 1 },
      z: [{ n: 1 }, { n: 1 }],
    });
  });
});
