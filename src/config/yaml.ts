import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { ConfigError } from "../errors.js";
import type { ConfigPath, ConfigProblem, ConfigProblemsError } from "./problems.js";

/**
 * Most alias expansions a config may make: far more than any real config repeats an anchor, far fewer than
 * a "billion laughs" document needs to exhaust memory (each level multiplies the expansions).
 */
export const MAX_ALIAS_COUNT = 100;

/** Where a config file came from: its path and the SHA-256 of its bytes. */
export interface ConfigSource {
  path: string;
  sha256: string;
}

export interface YamlConfigLoader<T> {
  /** Which config, for messages: `Cannot read the {what} config "…"`. */
  what: string;
  /** The error every problem is reported with; the loader rebuilds it with lines and the file name. */
  error: new (
    problems: readonly ConfigProblem[],
    file?: string,
  ) => ConfigProblemsError;
  /** Check and resolve the parsed YAML; relative paths are against `baseDir` (the file's folder). */
  resolve(raw: unknown, from: { baseDir: string; source: ConfigSource }): T | Promise<T>;
}

/**
 * Read a YAML config file and resolve it. A syntax error, or the problems `resolve` throws, come back as one
 * `loader.error` naming the file, with each problem's line where its YAML path is found, in file order
 * (problems without a line, such as missing keys, last in the order found).
 */
export async function loadYamlConfig<T>(path: string, loader: YamlConfigLoader<T>): Promise<T> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new ConfigError(`Cannot read the ${loader.what} config "${path}": ${(e as Error).message}`, {
      cause: e,
    });
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(bytes.toString("utf8"), { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0)
    throw new loader.error(
      doc.errors.map((e) => ({
        path: [],
        message: `YAML syntax: ${e.message.split("\n")[0]}`,
        line: lineCounter.linePos(e.pos[0]).line,
      })),
      path,
    );
  const locate = (p: ConfigPath): number | undefined => {
    for (let n = p.length; n >= 1; n--) {
      const node = doc.getIn(p.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === "object" && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // The yaml package refuses a document whose aliases expand too often (a "billion laughs").
    const message = (e as Error).message;
    throw new loader.error(
      [
        {
          path: [],
          message: /alias/i.test(message)
            ? `YAML aliases: the anchors expand more often than the limit of ${MAX_ALIAS_COUNT} allows (a "billion laughs" document?); write the repeated values out instead`
            : `YAML: ${message}`,
        },
      ],
      path,
    );
  }
  try {
    return await loader.resolve(raw, {
      baseDir: dirname(path),
      source: { path, sha256: createHash("sha256").update(bytes).digest("hex") },
    });
  } catch (e) {
    if (!(e instanceof loader.error)) throw e;
    const located = e.problems.map((p) => {
      const line = locate(p.path);
      return line === undefined ? p : { ...p, line };
    });
    located.sort((a, b) => (a.line ?? Number.POSITIVE_INFINITY) - (b.line ?? Number.POSITIVE_INFINITY));
    throw new loader.error(located, path);
  }
}
