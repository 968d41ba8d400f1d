/**
 * The worker side of a datasets × lengths run (sample-workers.ts is the main side): a kind's worker entry
 * calls {@link serveSamples} with its maker factory. The worker counts through the main thread's counter
 * and builds its maker from the kind's spec, refusing to start when the maker is not the main thread's; then it keeps the data sets it is sent (shared memory, nothing copied but the questions) and
 * answers chunks of questions with their JSONL lines' bytes, in shared buffers the main thread gives back once
 * it has written them.
 */
import { serveWorker, WorkerReply } from "../async/serve-worker.js";
import { serializeError } from "../async/worker-errors.js";
import { SharedDocuments } from "../compose/documents.js";
import { SizedCorpus } from "../compose/sized-corpus.js";
import { ConfigError } from "../errors.js";
import { LineBuffers } from "../io/line-buffers.js";
import { ThreadCounter } from "../tokenizer/thread-counter.js";
import { type SampleMakerFactory, type SampleSource, synthesizeChunk } from "./sample-maker.js";
import type {
  SampleWorkerChunk,
  SampleWorkerDataset,
  SampleWorkerInit,
  SampleWorkerReply,
} from "./sample-workers.js";
import type { WindowItem } from "./windows.js";

export function serveSamples<R>(factory: SampleMakerFactory<R>): void {
  serveWorker(async (raw, host) => {
    const init = raw as SampleWorkerInit;
    const counter = new ThreadCounter(init.counter, host.request);
    const maker = await factory(init.spec, counter);
    if (maker.identity !== init.identity)
      throw new ConfigError(
        `A worker thread resolved the prompt framing as ${maker.identity}, but the run uses ${init.identity} (a chat template or system prompt file changed while the run started?)`,
      );
    const sources = new Map<number, SampleSource>();
    // The main thread writes a chunk's lines from shared memory and gives the buffer back.
    const lineBuffers = new LineBuffers(true);
    return {
      dataset(d: SampleWorkerDataset): void {
        const docs = new SharedDocuments(d.sized.docs);
        sources.set(d.key, { name: d.name, sized: SizedCorpus.fromShared(d.sized, docs), qas: d.qas });
      },
      drop(key: number): void {
        sources.delete(key);
      },
      async chunk(c: SampleWorkerChunk): Promise<WorkerReply<SampleWorkerReply>> {
        const source = sources.get(c.key);
        if (!source) throw new Error(`no data set ${c.key} in this worker`);
        const items: WindowItem[] = [];
        for (let k = 0; k < c.items.length; k += 3)
          items.push({
            qa: source.qas[c.items[k] as number] as WindowItem["qa"],
            sourceIndex: c.items[k + 1] as number,
            index: c.items[k + 2] as number,
          });
        const out = await synthesizeChunk((part) => maker.synthesize(source, c.length, part), items);
        if ("failed" in out) return new WorkerReply({ failed: out.failed, error: serializeError(out.error) });
        return new WorkerReply({ samples: out.samples, lines: lineBuffers.fillShared(out.lines) });
      },
    };
  });
}
