/**
 * One tokenizer for every thread: worker threads count through the main thread's counter instead of loading
 * their own (a native tokenizer is 100–200 MB resident and 1–1.5 s to load, per thread). The main thread
 * serves {@link counterServices}; a worker builds a {@link ThreadCounter} from the counter's
 * {@link CounterShape} and the function that asks the main thread. Short texts (KeyChain pairs) are split
 * into pre-tokens in the worker, which remembers their counts and asks only for pre-tokens it has not seen.
 */
import type { TokenizerChatTemplate } from "./chat-config.js";
import { PieceMemo, type PieceRule } from "./piece-memo.js";
import type { TokenCounter } from "./types.js";

/** A counter as plain data, for a worker to mirror it. */
export interface CounterShape {
  id: string;
  name: string;
  newlineAdditive: boolean;
  chatTemplate: TokenizerChatTemplate | undefined;
  /** The counter has a `countShort` of its own. */
  short: boolean;
  pieceRule: PieceRule | undefined;
}

export function counterShape(counter: TokenCounter): CounterShape {
  return {
    id: counter.id,
    name: counter.name,
    newlineAdditive: counter.newlineAdditive,
    chatTemplate: counter.chatTemplate,
    short: counter.countShort !== undefined,
    pieceRule: counter.pieceRule,
  };
}

/** The services a worker's {@link ThreadCounter} asks for, served by `counter` on the main thread. */
export function counterServices(counter: TokenCounter): Record<string, (payload: never) => unknown> {
  return {
    "counter.countBatch": (texts: string[]) => counter.countBatch(texts),
    "counter.countShort": (texts: string[]) =>
      counter.countShort ? counter.countShort(texts) : counter.countBatch(texts),
    "counter.encode": (text: string) => counter.encode(text),
  };
}

/** Asks the main thread's service `method` (a worker's `host.request`). */
export type AskMainThread = <R>(method: string, payload: unknown) => Promise<R>;

/** A worker thread's counter: the main thread's, counted there. Counts are the main counter's, exactly. */
export class ThreadCounter implements TokenCounter {
  readonly id: string;
  readonly name: string;
  readonly newlineAdditive: boolean;
  readonly chatTemplate: TokenizerChatTemplate | undefined;
  readonly pieceRule: PieceRule | undefined;
  readonly countShort: ((texts: readonly string[]) => Promise<number[]>) | undefined;

  constructor(
    shape: CounterShape,
    private readonly ask: AskMainThread,
  ) {
    this.id = shape.id;
    this.name = shape.name;
    this.newlineAdditive = shape.newlineAdditive;
    this.chatTemplate = shape.chatTemplate;
    this.pieceRule = shape.pieceRule;
    if (shape.pieceRule) {
      const memo = new PieceMemo(this, shape.pieceRule);
      this.countShort = (texts) => memo.countBatch(texts);
    } else if (shape.short) this.countShort = (texts) => this.ask("counter.countShort", texts);
    else this.countShort = undefined;
  }

  countBatch(texts: readonly string[]): Promise<number[]> {
    return texts.length === 0 ? Promise.resolve([]) : this.ask("counter.countBatch", texts);
  }

  async count(text: string): Promise<number> {
    return (await this.countBatch([text]))[0] as number;
  }

  encode(text: string): Promise<number[]> {
    return this.ask("counter.encode", text);
  }

  async close(): Promise<void> {
    // The main thread's counter is the main thread's to close.
  }
}
