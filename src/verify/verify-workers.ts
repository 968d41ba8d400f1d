/**
 * Verifying a file in worker threads (main side; worker.ts is the worker side): the file is read as blocks
 * of whole lines, which move to the workers undecoded; each worker decodes, parses and checks its blocks
 * (re-counting prompts through the main thread's counter) and sends the verdicts back,
 * which are added up in file order — so the summary is the one the main thread alone would make.
 */
import { pooledMap } from "../async/pool.js";
import { WorkerPool } from "../async/worker-pool.js";
import type { PassageLayout } from "../compose/layout.js";
import { jsonlRecordCount, readLineBlocks } from "../io/line-blocks.js";
import { type CounterShape, counterServices } from "../tokenizer/thread-counter.js";
import type { TokenCounter } from "../tokenizer/types.js";
import type { RecordVerdict, RecountPolicy } from "./record-checker.js";

/** The compiled worker entry; missing under the TypeScript sources (then verifying stays on the main thread). */
export const VERIFY_WORKER_ENTRY = new URL("./worker.js", import.meta.url);

/** What every verify worker is started with. */
export interface VerifyWorkerInit {
  path: string;
  recount: RecountPolicy;
  layout: PassageLayout;
  batchSize: number;
  /** The counter prompts are re-counted with (the main thread's, served to the workers); absent without. */
  tokenizer: CounterShape | undefined;
  /** A chat template to re-count through and the hash it must resolve to; absent: each record's own. */
  forced: { spec: string; hash: string } | undefined;
}

/** A block of lines for a worker: its bytes (moved), where it starts, and the records before it. */
export interface VerifyBlock {
  bytes: ArrayBuffer;
  line: number;
  offset: number;
  ordinal: number;
}

/**
 * Verify `path` with `size` workers; `onVerdicts` gets each block's verdicts in file order, with the bytes read
 * up to the block's end.
 */
export async function verifyInWorkers(
  path: string,
  init: VerifyWorkerInit,
  size: number,
  onVerdicts: (verdicts: RecordVerdict[], bytes: number) => void,
  counter: TokenCounter | undefined,
  signal?: AbortSignal,
): Promise<void> {
  const pool = await WorkerPool.start(VERIFY_WORKER_ENTRY, {
    size,
    name: "verify",
    init,
    ...(counter ? { services: counterServices(counter) } : {}),
    ...(signal ? { signal } : {}),
  });
  try {
    let ordinal = 0;
    async function* blocks(): AsyncGenerator<{ block: VerifyBlock; end: number }> {
      for await (const b of readLineBlocks(path)) {
        const block: VerifyBlock = {
          bytes: b.bytes.buffer as ArrayBuffer,
          line: b.line,
          offset: b.offset,
          ordinal,
        };
        ordinal += jsonlRecordCount(b);
        yield { block, end: b.offset + b.bytes.byteLength };
      }
    }
    const results = pooledMap(
      2 * size,
      blocks(),
      async ({ block, end }, _i, stop) => ({
        verdicts: await pool.call<RecordVerdict[]>("block", block, { transfer: [block.bytes], signal: stop }),
        end,
      }),
      signal ? { signal } : {},
    );
    for await (const { verdicts, end } of results) onVerdicts(verdicts, end);
  } finally {
    await pool.close();
  }
}
