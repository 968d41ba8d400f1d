/**
 * The chat template a Hugging Face tokenizer folder carries: `chat_template.jinja` when present (what recent
 * `transformers` save), else the `chat_template` of `tokenizer_config.json` (a string, or a list of named
 * templates of which `default` is used), with the special token strings the template may print.
 */

import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ConfigError } from "../errors.js";

/** A tokenizer's own chat template, as read from its folder. */
export interface TokenizerChatTemplate {
  /** The Jinja source. */
  source: string;
  /** The file it was read from, for messages. */
  origin: string;
  /** `bos_token` / `eos_token` of tokenizer_config.json, which templates may print. */
  bosToken?: string;
  eosToken?: string;
}

/**
 * The chat template next to a `tokenizer.json` file, or `undefined` when the folder has none. A
 * tokenizer_config.json that is not JSON, or whose `chat_template` has an unexpected type, is a ConfigError
 * naming the file.
 */
export async function readTokenizerChatTemplate(
  tokenizerJson: string,
): Promise<TokenizerChatTemplate | undefined> {
  const folder = dirname(tokenizerJson);
  const configPath = join(folder, "tokenizer_config.json");
  const config = await readJsonObject(configPath);
  const tokens: Pick<TokenizerChatTemplate, "bosToken" | "eosToken"> = {};
  const bos = tokenText(config?.bos_token);
  const eos = tokenText(config?.eos_token);
  if (bos !== undefined) tokens.bosToken = bos;
  if (eos !== undefined) tokens.eosToken = eos;

  const jinjaPath = join(folder, "chat_template.jinja");
  const jinja = await readOptional(jinjaPath);
  if (jinja !== undefined) return { source: jinja, origin: jinjaPath, ...tokens };

  const raw = config?.chat_template;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === "string") return { source: raw, origin: configPath, ...tokens };
  if (Array.isArray(raw)) {
    const named = raw.filter(
      (t): t is { name: string; template: string } =>
        typeof t === "object" && t !== null && typeof t.name === "string" && typeof t.template === "string",
    );
    const chosen = named.find((t) => t.name === "default") ?? named[0];
    if (chosen)
      return { source: chosen.template, origin: `${configPath} (template "${chosen.name}")`, ...tokens };
  }
  throw new ConfigError(
    `Cannot read the chat template of "${configPath}": "chat_template" is neither a string nor a list of {name, template}`,
  );
}

/** The text of a special token given as a string or as `{content: "…"}`. */
function tokenText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { content?: unknown }).content === "string"
  )
    return (value as { content: string }).content;
  return undefined;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new ConfigError(`Cannot read "${path}": ${(error as Error).message}`, { cause: error });
  }
}

async function readJsonObject(path: string): Promise<Record<string, unknown> | undefined> {
  const text = await readOptional(path);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Cannot read "${path}": not JSON (${(error as Error).message})`, { cause: error });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ConfigError(`Cannot read "${path}": expected a JSON object`);
  return value as Record<string, unknown>;
}
