import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type PipelineConfig, resolvePipelineConfig } from "../../src/pipeline/config.js";
import { wordCounter } from "../support/word-counter.js";

export const SMALL = join(import.meta.dirname, "../fixtures/plain/small.jsonl");

/** A config over the 30-question fixture: 2 lengths × 5 samples per kind, tiny budgets. */
export function smallConfigYaml(extra = ""): string {
  return `out: out
tokenizer: approx
cache_dir: false
datasets:
  - {name: small, path: ${JSON.stringify(SMALL)}}
lengths: [600, 900]
tokens_to_generate: 50
num_samples: 5
shuffle_qa: true
check_budget: all
kinds:
  plain: {}
  keychain: {hops: 2}
export:
  verl: {test_size: 1, valid_size: 1}
${extra}`;
}

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Write `yaml` as `{dir}/pipeline.yaml` and resolve it (paths relative to `dir`). */
export async function configIn(dir: string, yaml: string): Promise<PipelineConfig> {
  const { parse } = await import("yaml");
  await writeFile(join(dir, "pipeline.yaml"), yaml);
  return resolvePipelineConfig(parse(yaml), { baseDir: dir });
}

export const counter = () => wordCounter();

export const readJson = async (path: string) => JSON.parse(await readFile(path, "utf8"));
