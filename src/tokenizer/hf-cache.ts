/**
 * Tokenizers in the local Hugging Face cache: `hf:ORG/NAME[@REVISION]` (or a bare `ORG/NAME[@REVISION]`) to the
 * snapshot folder `huggingface_hub` downloaded the model into. Offline only: this reads folders, never the
 * network.
 *
 * Layout (as `huggingface_hub` writes it): `<hub>/models--ORG--NAME/refs/<ref>` holds a commit hash, and
 * `<hub>/models--ORG--NAME/snapshots/<hash>/` holds the files (`tokenizer.json`, `tokenizer_config.json`,
 * `chat_template.jinja`, usually as links into `blobs/`).
 */

import { readdir, readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { ConfigError } from "../errors.js";

/** One part of a Hub repo id (`ORG` or `NAME`), and one `/`-separated part of a revision. */
const REPO_ID_PART = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** What a ref file or snapshot folder name may be: a commit hash (huggingface_hub writes 40 hex digits). */
const COMMIT = /^[A-Za-z0-9]+$/;

/** A Hub model named in a tokenizer spec. */
export interface HfRepoRef {
  /** `ORG/NAME`. */
  repoId: string;
  /** A ref name under `refs/` (`main`, `v1.0`, `refs/pr/1`) or a commit hash under `snapshots/`; undefined = `main`. */
  revision: string | undefined;
}

/**
 * `ORG/NAME` or `ORG/NAME@REVISION` as a Hub repo reference, or `undefined` when the text is not one: exactly one
 * `/`, both parts of the Hub's repo-id characters `[A-Za-z0-9][A-Za-z0-9._-]*`, and a revision (when given)
 * made of `/`-separated parts of the same characters. Pure: it does not look at any file.
 */
export function parseHfRepoRef(text: string): HfRepoRef | undefined {
  const at = text.indexOf("@");
  const repoId = at < 0 ? text : text.slice(0, at);
  const revision = at < 0 ? undefined : text.slice(at + 1);
  const parts = repoId.split("/");
  if (parts.length !== 2 || !parts.every((part) => REPO_ID_PART.test(part))) return undefined;
  if (revision !== undefined && !revision.split("/").every((part) => REPO_ID_PART.test(part)))
    return undefined;
  return { repoId, revision };
}

/** The environment variable (or default) that chose the hub cache folder. */
export type HfHubCacheSource =
  | "HF_HUB_CACHE"
  | "HUGGINGFACE_HUB_CACHE"
  | "HF_HOME"
  | "XDG_CACHE_HOME"
  | "default";

/** The Hugging Face hub cache folder and what chose it. */
export interface HfHubCache {
  dir: string;
  source: HfHubCacheSource;
}

/**
 * The hub cache folder, with `huggingface_hub`'s precedence (its `constants.py`; documented on its
 * "Environment variables" page): `$HF_HUB_CACHE`, else the legacy `$HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`,
 * else `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`. A leading `~` is the home folder, as
 * there. Unlike there, a variable set to the empty string counts as unset. Only one folder is ever used: a
 * variable replaces the default rather than adding a place to look.
 */
export function hfHubCache(env: Record<string, string | undefined>, home: string = homedir()): HfHubCache {
  const value = (name: string): string | undefined => {
    const raw = env[name];
    return raw ? expandHome(raw, home) : undefined;
  };
  const hubCache = value("HF_HUB_CACHE");
  if (hubCache !== undefined) return { dir: hubCache, source: "HF_HUB_CACHE" };
  const legacy = value("HUGGINGFACE_HUB_CACHE");
  if (legacy !== undefined) return { dir: legacy, source: "HUGGINGFACE_HUB_CACHE" };
  const hfHome = value("HF_HOME");
  if (hfHome !== undefined) return { dir: join(hfHome, "hub"), source: "HF_HOME" };
  const xdg = value("XDG_CACHE_HOME");
  if (xdg !== undefined) return { dir: join(xdg, "huggingface", "hub"), source: "XDG_CACHE_HOME" };
  return { dir: join(home, ".cache", "huggingface", "hub"), source: "default" };
}

export interface LocateHfTokenizerOptions {
  /** Environment that chooses the cache folder (see `hfHubCache`). @default process.env */
  env?: Record<string, string | undefined>;
  /** Home folder for `~` and the default cache. @default os.homedir() */
  home?: string;
  /** Folder a relative local path is read from. @default process.cwd() */
  cwd?: string;
}

/** What `hf:ORG/NAME[@REVISION]` points at, for `loadHfTokenizer`. */
export interface HfTokenizerLocation {
  /**
   * A local file or folder (as given, or absolute when `cwd` was passed), or the cache's snapshot folder
   * (which holds `tokenizer.json`).
   */
  path: string;
  /**
   * Name for messages: `hf:ORG/NAME`, `hf:ORG/NAME@REVISION` when a revision was given, and
   * `hf:ORG/NAME@<commit>` when `refs/main` is missing and the only snapshot was taken instead.
   */
  name: string;
  /** The commit of the snapshot used; undefined for a local path. */
  commit: string | undefined;
}

/**
 * Finds what `hf:TEXT` names when TEXT reads as `ORG/NAME[@REVISION]`. An existing local file or folder at that
 * relative path wins, as for any `hf:PATH`. Otherwise the model's snapshot in the local Hugging Face cache:
 * `refs/<revision>` (default `main`) gives the commit, else the revision is taken as a commit under
 * `snapshots/`. When no revision was given and `refs/main` is missing (a cache copied without its refs, or
 * filled with `--revision HASH`), the only snapshot folder is used, and the name says which commit; with several
 * the user must choose. Anything missing is a ConfigError listing every place looked in and how to fix it.
 */
export async function locateHfTokenizer(
  text: string,
  ref: HfRepoRef,
  options: LocateHfTokenizerOptions = {},
): Promise<HfTokenizerLocation> {
  const local = resolve(options.cwd ?? process.cwd(), text);
  // The path as given (messages then quote it as the user wrote it), unless another working folder was given.
  const localPath = options.cwd === undefined ? text : local;
  if (await exists(local)) return { path: localPath, name: `hf:${text}`, commit: undefined };

  const hub = hfHubCache(options.env ?? process.env, options.home);
  const repoDir = join(hub.dir, `models--${ref.repoId.replace("/", "--")}`);
  const lookedIn = [`"${local}": no such file or folder`];
  const fail = (extraFix?: string): never => {
    throw notFound(ref, hub, lookedIn, extraFix);
  };
  if (!(await isDirectory(repoDir))) {
    lookedIn.push(`"${repoDir}": no such folder`);
    return fail();
  }

  const snapshotsDir = join(repoDir, "snapshots");
  const revision = ref.revision ?? "main";
  const refFile = join(repoDir, "refs", revision);
  const fromRef = await readRef(refFile);
  let commit: string;
  let name = ref.revision === undefined ? `hf:${ref.repoId}` : `hf:${ref.repoId}@${ref.revision}`;
  if (fromRef !== undefined) {
    commit = fromRef;
  } else if (ref.revision !== undefined) {
    commit = ref.revision;
    if (!(await isDirectory(join(snapshotsDir, commit)))) {
      lookedIn.push(`"${refFile}": no such ref (refs here: ${listOrNone(await listRefs(repoDir))})`);
      lookedIn.push(
        `"${join(snapshotsDir, commit)}": no such snapshot (snapshots here: ${listOrNone(await listSnapshots(snapshotsDir))})`,
      );
      return fail();
    }
  } else {
    const snapshots = await listSnapshots(snapshotsDir);
    lookedIn.push(`"${refFile}": no such file`);
    const only = snapshots.length === 1 ? snapshots[0] : undefined;
    if (only === undefined) {
      lookedIn.push(
        `"${snapshotsDir}": ${snapshots.length === 0 ? "no snapshot folders" : snapshots.join(", ")}`,
      );
      return fail(
        snapshots.length === 0
          ? undefined
          : `choose a snapshot with ${ref.repoId}@HASH (e.g. ${ref.repoId}@${snapshots[0]})`,
      );
    }
    commit = only;
    name = `hf:${ref.repoId}@${only}`;
  }

  const snapshotDir = join(snapshotsDir, commit);
  if (!(await isDirectory(snapshotDir))) {
    lookedIn.push(`"${snapshotDir}": no such folder (the commit of "${refFile}")`);
    return fail();
  }
  const tokenizerJson = join(snapshotDir, "tokenizer.json");
  if (!(await isFile(tokenizerJson))) {
    lookedIn.push(`"${tokenizerJson}": no such file (the model is cached without its tokenizer)`);
    return fail();
  }
  return { path: snapshotDir, name, commit };
}

/** The ConfigError for a model not in the cache: where the cache is, every place looked in, and the fixes. */
function notFound(
  ref: HfRepoRef,
  hub: HfHubCache,
  lookedIn: readonly string[],
  extraFix?: string,
): ConfigError {
  const spec = ref.revision === undefined ? ref.repoId : `${ref.repoId}@${ref.revision}`;
  const chosenBy =
    hub.source === "default"
      ? "the default, as HF_HUB_CACHE, HF_HOME and XDG_CACHE_HOME are unset"
      : `from ${hub.source}`;
  const download = [
    "huggingface-cli download",
    ref.repoId,
    "tokenizer.json tokenizer_config.json",
    ...(ref.revision === undefined ? [] : ["--revision", ref.revision]),
  ].join(" ");
  const fixes = [
    ...(extraFix === undefined ? [] : [extraFix]),
    `on a machine with network, run \`${download}\` and bring that cache here (the same HF_HUB_CACHE or HF_HOME)`,
    "or pass hf:PATH with a tokenizer.json file or a folder holding one",
  ];
  return new ConfigError(
    `Cannot find tokenizer "hf:${spec}" in the local Hugging Face cache "${hub.dir}" (${chosenBy}); nothing is downloaded. Looked in:\n` +
      lookedIn.map((line) => `  ${line}`).join("\n") +
      `\nTo fix: ${fixes.join("; ")}.`,
  );
}

/** The commit a ref file holds, or undefined when there is no such file. */
async function readRef(file: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return undefined;
    throw new ConfigError(`Cannot read "${file}": ${(error as Error).message}`, { cause: error });
  }
  const commit = text.trim();
  if (!COMMIT.test(commit)) {
    throw new ConfigError(
      `Cannot read "${file}": expected a commit hash, got ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  return commit;
}

/** Ref names under `refs/` (`main`, `refs/pr/1`, …), sorted. */
async function listRefs(repoDir: string): Promise<string[]> {
  const refsDir = join(repoDir, "refs");
  const entries = await readdir(refsDir, { recursive: true }).catch(() => [] as string[]);
  const files: string[] = [];
  for (const entry of entries)
    if (await isFile(join(refsDir, entry))) files.push(entry.split("\\").join("/"));
  return files.sort();
}

/** Snapshot folder names, sorted. */
async function listSnapshots(snapshotsDir: string): Promise<string[]> {
  const entries = await readdir(snapshotsDir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isDirectory() && COMMIT.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}

function listOrNone(names: readonly string[]): string {
  return names.length === 0 ? "none" : names.join(", ");
}

function expandHome(path: string, home: string): string {
  if (path === "~") return home;
  if (path.startsWith("~/") || path.startsWith("~\\")) return join(home, path.slice(2));
  return path;
}

/** True unless the path is missing (any other error is left for the loader to report). */
async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code !== "ENOENT" && code !== "ENOTDIR";
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}
