/**
 * Token counting with a SentencePiece `.model` file through `@sctg/sentencepiece-js`: the SentencePiece
 * C++ library compiled to WebAssembly, with the wasm binary inlined in the package (nothing is fetched).
 */

import { ConfigError } from "../errors.js";
import { contentHash, readModelFile } from "./model-file.js";
import { SyncCounter } from "./sync-batch.js";
import type { TokenCounter } from "./types.js";

/** The parts of the embind `SentencePieceProcessor` this module uses. */
interface NativeProcessor {
  status(): { ToString(): string; delete(): void };
  delete(): void;
}

export interface SentencePieceOptions {
  /** Human name for messages. @default `sentencepiece:<path as given>` */
  name?: string;
}

/**
 * Loads a SentencePiece model. Counts are of `EncodeAsIds` with the model's own normalisation and no
 * BOS/EOS. Not additive at newline boundaries (the dummy-prefix `▁` and unigram segmentation see the
 * whole text), so `newlineAdditive` is false.
 */
export async function loadSentencePiece(
  path: string,
  options: SentencePieceOptions = {},
): Promise<TokenCounter> {
  const bytes = await readModelFile(path, "SentencePiece model");
  const { SentencePieceProcessor } = await import("@sctg/sentencepiece-js");
  const processor = new SentencePieceProcessor();
  await processor.loadFromB64StringModel(bytes.toString("base64"));
  const native = processor.processor as NativeProcessor;
  const status = native.status();
  const message = status.ToString();
  status.delete();
  if (message !== "OK") {
    native.delete();
    throw new ConfigError(`Cannot load SentencePiece model "${path}": ${message}`);
  }
  return new SentencePieceCounter(
    processor,
    native,
    `spm:${contentHash(bytes)}`,
    options.name ?? `sentencepiece:${path}`,
  );
}

interface Processor {
  encodeIds(text: string): number[];
}

class SentencePieceCounter extends SyncCounter implements TokenCounter {
  readonly newlineAdditive = false;
  private closed = false;

  constructor(
    private readonly processor: Processor,
    private readonly native: NativeProcessor,
    readonly id: string,
    readonly name: string,
  ) {
    super();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.native.delete();
  }

  protected ids(text: string): number[] {
    if (this.closed) throw new Error(`The SentencePiece counter ${this.name} is closed`);
    return this.processor.encodeIds(text);
  }
}
