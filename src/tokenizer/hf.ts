/** Token counting with a Hugging Face `tokenizer.json` through the native `tokenizers` package. */

import { stat } from "node:fs/promises";
import { join } from "node:path";
import { Tokenizer } from "tokenizers";
import { collect, pooledMap } from "../async/pool.js";
import { ConfigError } from "../errors.js";
import { analyseTokenizerJson } from "./additivity.js";
import { readTokenizerChatTemplate, type TokenizerChatTemplate } from "./chat-config.js";
import { contentHash, readModelFile } from "./model-file.js";
import { jsSplitPattern, PieceMemo, type PieceRule } from "./piece-memo.js";
import type { TokenCounter } from "./types.js";

/**
 * Texts per native `encodeBatch` call. The native side spreads one call over its own threads; chunks
 * bound the memory held in `Encoding` objects and let two calls overlap so the threads never idle
 * while JavaScript reads lengths.
 */
export const HF_CHUNK_SIZE = 1024;
/** Native `encodeBatch` calls in flight at once. */
export const HF_CALLS_IN_FLIGHT = 2;

const NO_SPECIAL_TOKENS = { addSpecialTokens: false } as const;

/** An HF counter also says why it is, or is not, newline-additive. */
export interface HfTokenCounter extends TokenCounter {
  readonly additivityReason: string;
}

export interface HfTokenizerOptions {
  /** Human name for messages. @default `hf:<path as given>` */
  name?: string;
}

/**
 * Loads a `tokenizer.json` (or a folder that holds one). Truncation and padding configured in the file
 * are switched off, so counts are of the whole text, and special tokens are never added (special tokens
 * written in the text, such as `<|im_start|>`, are recognised as the model's tokenizer does). The chat
 * template of the folder, when it has one, is read too.
 */
export async function loadHfTokenizer(
  path: string,
  options: HfTokenizerOptions = {},
): Promise<HfTokenCounter> {
  const file = await tokenizerJsonPath(path);
  const bytes = await readModelFile(file, "tokenizer file");
  const text = bytes.toString("utf8");
  let json: unknown;
  let tokenizer: Tokenizer;
  try {
    json = JSON.parse(text);
    // From the file rather than the string: the native side then never holds a copy of the text, which
    // saves about 70 MB of resident memory per tokenizer (one per worker thread).
    tokenizer = Tokenizer.fromFile(file);
  } catch (error) {
    throw new ConfigError(`Cannot load tokenizer file "${file}": ${(error as Error).message}`, {
      cause: error,
    });
  }
  tokenizer.disableTruncation();
  tokenizer.disablePadding();
  const chat = await readTokenizerChatTemplate(file);
  return new HfCounter(tokenizer, `hf:${contentHash(bytes)}`, options.name ?? `hf:${path}`, json, chat);
}

/** `path` itself when it is a file, else `path/tokenizer.json`. */
async function tokenizerJsonPath(path: string): Promise<string> {
  const info = await stat(path).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file or folder" : (error as Error).message;
    throw new ConfigError(`Cannot read tokenizer file "${path}": ${reason}`, { cause: error });
  });
  if (!info.isDirectory()) return path;
  const file = join(path, "tokenizer.json");
  const inner = await stat(file).catch(() => undefined);
  if (!inner?.isFile()) {
    throw new ConfigError(`Cannot find a tokenizer in folder "${path}": expected "${file}"`);
  }
  return file;
}

class HfCounter implements HfTokenCounter {
  readonly newlineAdditive: boolean;
  readonly additivityReason: string;
  private readonly pieces: PieceMemo | undefined;

  constructor(
    private readonly tokenizer: Tokenizer,
    readonly id: string,
    readonly name: string,
    json: unknown,
    readonly chatTemplate: TokenizerChatTemplate | undefined,
  ) {
    const verdict = analyseTokenizerJson(json);
    this.newlineAdditive = verdict.additive;
    this.additivityReason = verdict.reason;
    this.pieces = verdict.additive ? pieceMemoFor(json, this) : undefined;
  }

  async countShort(texts: readonly string[]): Promise<number[]> {
    return this.pieces ? this.pieces.countBatch(texts) : this.countBatch(texts);
  }

  get pieceRule(): PieceRule | undefined {
    return this.pieces?.rule;
  }

  async countBatch(texts: readonly string[]): Promise<number[]> {
    const starts: number[] = [];
    for (let start = 0; start < texts.length; start += HF_CHUNK_SIZE) starts.push(start);
    const chunks = await collect(
      pooledMap(HF_CALLS_IN_FLIGHT, starts, async (start) => {
        const encodings = await this.tokenizer.encodeBatch(
          texts.slice(start, start + HF_CHUNK_SIZE),
          NO_SPECIAL_TOKENS,
        );
        return encodings.map((encoding) => encoding.getLength());
      }),
    );
    return chunks.flat();
  }

  async count(text: string): Promise<number> {
    return (await this.tokenizer.encode(text, null, NO_SPECIAL_TOKENS)).getLength();
  }

  async encode(text: string): Promise<number[]> {
    return (await this.tokenizer.encode(text, null, NO_SPECIAL_TOKENS)).getIds();
  }

  async close(): Promise<void> {
    // The native tokenizer is freed by the garbage collector; nothing to release eagerly.
  }
}

/**
 * The pre-token memo for a tokenizer.json the additivity analysis accepted (one regex Split, then ByteLevel;
 * NFC or no normalizer; BPE): undefined when its pattern does not translate to a JavaScript RegExp.
 */
function pieceMemoFor(json: unknown, counter: HfCounter): PieceMemo | undefined {
  const j = json as {
    normalizer?: { type?: string } | null;
    pre_tokenizer?: { pretokenizers?: { type?: string; pattern?: { Regex?: string } }[] };
    added_tokens?: {
      content?: string;
      single_word?: boolean;
      lstrip?: boolean;
      rstrip?: boolean;
      normalized?: boolean;
    }[];
  };
  const split = j.pre_tokenizer?.pretokenizers?.find((p) => p.type === "Split")?.pattern?.Regex;
  const re = split === undefined ? undefined : jsSplitPattern(split);
  if (!re) return undefined;
  const tokens = j.added_tokens ?? [];
  const added = tokens.flatMap((t) => (typeof t.content === "string" ? [t.content] : []));
  const plainAdded = tokens.every(
    (t) => t.single_word === false && t.lstrip === false && t.rstrip === false && t.normalized === false,
  );
  return new PieceMemo(counter, {
    pattern: re.source,
    addedTokens: added,
    plainAdded,
    nfc: j.normalizer?.type === "NFC",
  });
}
