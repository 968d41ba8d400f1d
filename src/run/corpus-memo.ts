import { resolve } from "node:path";
import { type DocCountsOptions, type DocCountsResult, docTokenCounts } from "../cache/doc-counts.js";
import { corpusFingerprint, readCorpus } from "../corpus/read.js";
import type { Corpus, FormatName } from "../corpus/types.js";
import type { TokenCounter } from "../tokenizer/types.js";

/** A data set file read once, with its content fingerprint. */
export interface ReadDataset {
  corpus: Corpus;
  fingerprint: string;
}

/**
 * Data sets read, fingerprinted and token-counted once for a caller that runs the matrix several times over
 * the same files (grow's rounds, the pipeline's plain and KeyChain kinds). Entries are kept for the memo's
 * life, so one memo belongs to one run.
 */
export class CorpusMemo {
  private readonly reads = new Map<string, Promise<ReadDataset>>();
  private readonly counts = new Map<string, Promise<DocCountsResult>>();

  read(path: string, format?: FormatName): Promise<ReadDataset> {
    const key = JSON.stringify([resolve(path), format ?? null]);
    let read = this.reads.get(key);
    if (read === undefined) {
      read = readDataset(path, format);
      this.reads.set(key, read);
    }
    return read;
  }

  /** {@link docTokenCounts} of a read data set; progress is reported by the first call only. */
  tokenCounts(ds: ReadDataset, counter: TokenCounter, options: DocCountsOptions): Promise<DocCountsResult> {
    const key = JSON.stringify([ds.fingerprint, counter.id, options.suffix]);
    let counts = this.counts.get(key);
    if (counts === undefined) {
      counts = docTokenCounts(ds.corpus.docs, ds.fingerprint, counter, options);
      this.counts.set(key, counts);
    }
    return counts;
  }
}

/** Read a data set file and fingerprint it (what {@link CorpusMemo} keeps; also used without a memo). */
export async function readDataset(path: string, format?: FormatName): Promise<ReadDataset> {
  const corpus = await readCorpus(path, format ? { format } : {});
  return { corpus, fingerprint: corpusFingerprint(corpus) };
}
