import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { loadHfTokenizer } from "../../src/tokenizer/hf.js";
import { hfHubCache, locateHfTokenizer, parseHfRepoRef } from "../../src/tokenizer/hf-cache.js";
import { resolveTokenizer } from "../../src/tokenizer/resolve.js";

const TINY = fileURLToPath(new URL("../fixtures/tokenizer/tiny-bytelevel-bpe.json", import.meta.url));
const MAIN = "0123456789abcdef0123456789abcdef01234567";
const OLD = "fedcba9876543210fedcba9876543210fedcba98";
const TEMPLATE = "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}";
const TEXT = "hello there, the end\n\nPassage 2: 中文 🙂";

/** Writes a snapshot folder holding the tiny tokenizer (and, optionally, a tokenizer_config.json). */
async function snapshot(repoDir: string, commit: string, template?: string): Promise<string> {
  const folder = join(repoDir, "snapshots", commit);
  await mkdir(folder, { recursive: true });
  await copyFile(TINY, join(folder, "tokenizer.json"));
  if (template !== undefined) {
    await writeFile(join(folder, "tokenizer_config.json"), JSON.stringify({ chat_template: template }));
  }
  return folder;
}

async function ref(repoDir: string, name: string, commit: string): Promise<void> {
  const file = join(repoDir, "refs", name);
  await mkdir(join(file, ".."), { recursive: true });
  await writeFile(file, commit);
}

describe("parseHfRepoRef", () => {
  it.each([
    ["Qwen/Qwen3-8B", { repoId: "Qwen/Qwen3-8B", revision: undefined }],
    ["meta-llama/Llama-3.1-8B_x.v2", { repoId: "meta-llama/Llama-3.1-8B_x.v2", revision: undefined }],
    ["Org/Tiny@v1.0", { repoId: "Org/Tiny", revision: "v1.0" }],
    ["Org/Tiny@refs/pr/1", { repoId: "Org/Tiny", revision: "refs/pr/1" }],
    [`Org/Tiny@${MAIN}`, { repoId: "Org/Tiny", revision: MAIN }],
  ])("reads %s", (text, parsed) => {
    expect(parseHfRepoRef(text)).toEqual(parsed);
  });

  it.each([
    "Qwen3",
    "a/b/c",
    "./Org/Tiny",
    "/Org/Tiny",
    "Org/",
    "/Tiny",
    "Org/.hidden",
    "Org/-x",
    "Org/Ti ny",
    "Org/Tiny@",
    "Org/Tiny@../x",
    "Org/Tiny@a//b",
    "C:/tok",
    "Org/Tiny@a@b",
  ])("rejects %j", (text) => {
    expect(parseHfRepoRef(text)).toBeUndefined();
  });
});

describe("hfHubCache", () => {
  const home = "/home/u";
  it.each([
    [
      "HF_HUB_CACHE over everything",
      { HF_HUB_CACHE: "/a", HUGGINGFACE_HUB_CACHE: "/b", HF_HOME: "/c", XDG_CACHE_HOME: "/d" },
      { dir: "/a", source: "HF_HUB_CACHE" },
    ],
    [
      "legacy HUGGINGFACE_HUB_CACHE over HF_HOME",
      { HUGGINGFACE_HUB_CACHE: "/b", HF_HOME: "/c", XDG_CACHE_HOME: "/d" },
      { dir: "/b", source: "HUGGINGFACE_HUB_CACHE" },
    ],
    ["HF_HOME/hub over XDG", { HF_HOME: "/c", XDG_CACHE_HOME: "/d" }, { dir: "/c/hub", source: "HF_HOME" }],
    [
      "XDG_CACHE_HOME/huggingface/hub",
      { XDG_CACHE_HOME: "/d" },
      { dir: "/d/huggingface/hub", source: "XDG_CACHE_HOME" },
    ],
    ["the default", {}, { dir: "/home/u/.cache/huggingface/hub", source: "default" }],
    [
      "empty values as unset",
      { HF_HUB_CACHE: "", HF_HOME: "" },
      { dir: "/home/u/.cache/huggingface/hub", source: "default" },
    ],
    ["~ as the home folder", { HF_HOME: "~/hf" }, { dir: "/home/u/hf/hub", source: "HF_HOME" }],
  ])("%s", (_, env, expected) => {
    expect(hfHubCache(env, home)).toEqual(expected);
  });
});

describe("tokenizers from the Hugging Face cache", () => {
  let dir: string;
  let hub: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kc-hf-cache-"));
    hub = join(dir, "hub");
    env = { HF_HUB_CACHE: hub };
    const tiny = join(hub, "models--Org--Tiny");
    await snapshot(tiny, MAIN, TEMPLATE);
    await snapshot(tiny, OLD);
    await ref(tiny, "main", `${MAIN}\n`);
    await ref(tiny, "v0", OLD);
    // Copied without its refs: one snapshot, no refs/main.
    await snapshot(join(hub, "models--Org--Lone"), OLD, TEMPLATE);
    // Two snapshots and no refs/main: ambiguous.
    await snapshot(join(hub, "models--Org--Twins"), MAIN);
    await snapshot(join(hub, "models--Org--Twins"), OLD);
    // The model was cached without its tokenizer.
    await mkdir(join(hub, "models--Org--Weights", "snapshots", MAIN), { recursive: true });
    await ref(join(hub, "models--Org--Weights"), "main", MAIN);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(["hf:Org/Tiny", "Org/Tiny"])("%s counts as loading its tokenizer.json by path", async (spec) => {
    const byPath = await loadHfTokenizer(TINY);
    const cached = await resolveTokenizer(spec, { env });
    expect(cached.name).toBe("hf:Org/Tiny");
    expect(cached.id).toBe(byPath.id);
    expect(await cached.count(TEXT)).toBe(await byPath.count(TEXT));
    expect(await cached.encode(TEXT)).toEqual(await byPath.encode(TEXT));
    expect(cached.newlineAdditive).toBe(byPath.newlineAdditive);
  });

  it("finds the chat template of the snapshot folder", async () => {
    const counter = await resolveTokenizer("Org/Tiny", { env });
    expect(counter.chatTemplate?.source).toBe(TEMPLATE);
    expect(counter.chatTemplate?.origin).toBe(
      join(hub, "models--Org--Tiny", "snapshots", MAIN, "tokenizer_config.json"),
    );
  });

  // The old snapshot has no tokenizer_config.json: no chat template tells the snapshots apart.
  it.each([
    ["a ref name", "Org/Tiny@v0", "hf:Org/Tiny@v0", OLD],
    ["a commit hash", `hf:Org/Tiny@${OLD}`, `hf:Org/Tiny@${OLD}`, OLD],
    ["main by name", "Org/Tiny@main", "hf:Org/Tiny@main", MAIN],
  ])("@revision selects a snapshot by %s", async (_, spec, name, commit) => {
    const counter = await resolveTokenizer(spec, { env });
    expect(counter.name).toBe(name);
    expect(counter.chatTemplate?.source).toBe(commit === MAIN ? TEMPLATE : undefined);
  });

  it("uses the only snapshot when refs/main is missing, and names its commit", async () => {
    const found = await locateHfTokenizer("Org/Lone", { repoId: "Org/Lone", revision: undefined }, { env });
    expect(found).toEqual({
      path: join(hub, "models--Org--Lone", "snapshots", OLD),
      name: `hf:Org/Lone@${OLD}`,
      commit: OLD,
    });
    const counter = await resolveTokenizer("Org/Lone", { env });
    expect(counter.name).toBe(`hf:Org/Lone@${OLD}`);
    expect(counter.chatTemplate?.source).toBe(TEMPLATE);
  });

  it("reads the cache folder HF_HUB_CACHE names before HF_HOME/hub and the default", async () => {
    const other = join(dir, "elsewhere");
    await snapshot(join(other, "hub", "models--Org--Tiny"), OLD, "{{ 'home' }}");
    await ref(join(other, "hub", "models--Org--Tiny"), "main", OLD);
    const fromHubCache = await resolveTokenizer("Org/Tiny", { env: { HF_HUB_CACHE: hub, HF_HOME: other } });
    expect(fromHubCache.chatTemplate?.source).toBe(TEMPLATE);
    const fromHome = await resolveTokenizer("Org/Tiny", { env: { HF_HOME: other, XDG_CACHE_HOME: dir } });
    expect(fromHome.chatTemplate?.source).toBe("{{ 'home' }}");
    const fromDefault = await locateHfTokenizer(
      "Org/Tiny",
      { repoId: "Org/Tiny", revision: undefined },
      { env: {}, home: join(dir, "home") },
    ).catch((error: Error) => error.message);
    expect(fromDefault).toContain(`"${join(dir, "home", ".cache", "huggingface", "hub")}"`);
  });

  it("loads an existing local path before the cache", async () => {
    const cwd = join(dir, "work");
    await mkdir(join(cwd, "Org", "Tiny"), { recursive: true });
    await copyFile(TINY, join(cwd, "Org", "Tiny", "tokenizer.json"));
    const found = await locateHfTokenizer(
      "Org/Tiny",
      { repoId: "Org/Tiny", revision: undefined },
      { env, cwd },
    );
    expect(found).toEqual({ path: join(cwd, "Org", "Tiny"), name: "hf:Org/Tiny", commit: undefined });
  });

  it("lists every folder it looked in when the model is not cached, and how to fix it", async () => {
    const cwd = join(dir, "work");
    const error = await locateHfTokenizer(
      "Org/Absent",
      { repoId: "Org/Absent", revision: undefined },
      { env, cwd },
    )
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message.replaceAll(dir, "<tmp>")).toMatchInlineSnapshot(`
      "Cannot find tokenizer "hf:Org/Absent" in the local Hugging Face cache "<tmp>/hub" (from HF_HUB_CACHE); nothing is downloaded. Looked in:
        "<tmp>/work/Org/Absent": no such file or folder
        "<tmp>/hub/models--Org--Absent": no such folder
      To fix: on a machine with network, run \`huggingface-cli download Org/Absent tokenizer.json tokenizer_config.json\` and bring that cache here (the same HF_HUB_CACHE or HF_HOME); or pass hf:PATH with a tokenizer.json file or a folder holding one."
    `);
  });

  it("names the ref and snapshot folders for an unknown revision, with the ones there", async () => {
    const error = resolveTokenizer("hf:Org/Tiny@v9", { env });
    await expect(error).rejects.toThrow(ConfigError);
    await expect(error).rejects.toThrow(
      `"${join(hub, "models--Org--Tiny", "refs", "v9")}": no such ref (refs here: main, v0)`,
    );
    await expect(error).rejects.toThrow(
      `"${join(hub, "models--Org--Tiny", "snapshots", "v9")}": no such snapshot (snapshots here: ${MAIN}, ${OLD})`,
    );
    await expect(error).rejects.toThrow(
      "huggingface-cli download Org/Tiny tokenizer.json tokenizer_config.json --revision v9",
    );
  });

  it("asks to choose when refs/main is missing and there are several snapshots", async () => {
    const error = resolveTokenizer("Org/Twins", { env });
    await expect(error).rejects.toThrow(ConfigError);
    await expect(error).rejects.toThrow(`"${join(hub, "models--Org--Twins", "refs", "main")}": no such file`);
    await expect(error).rejects.toThrow(`choose a snapshot with Org/Twins@HASH (e.g. Org/Twins@${MAIN})`);
  });

  it("names the missing tokenizer.json of a snapshot", async () => {
    await expect(resolveTokenizer("Org/Weights", { env })).rejects.toThrow(
      `"${join(hub, "models--Org--Weights", "snapshots", MAIN, "tokenizer.json")}": no such file (the model is cached without its tokenizer)`,
    );
  });

  it("rejects a ref file that does not hold a commit hash", async () => {
    const repo = join(hub, "models--Org--Broken");
    await snapshot(repo, MAIN);
    await ref(repo, "main", "../../etc");
    await expect(resolveTokenizer("Org/Broken", { env })).rejects.toThrow(
      `Cannot read "${join(repo, "refs", "main")}": expected a commit hash`,
    );
  });
});
