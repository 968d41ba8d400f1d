import { ConfigError, InputError } from "../errors.js";
import {
  CorpusBuilder,
  DEFAULT_MAX_DOCUMENT_BYTES,
  DUPLICATE_ID_MODES,
  type DuplicateIds,
} from "./corpus-builder.js";
import { detectFormat } from "./detect.js";
import { parseGenericRecord } from "./generic.js";
import { parseHotpotQaRecord } from "./hotpotqa.js";
import { parseMusiqueRecord } from "./musique.js";
import { isParquetFile } from "./parquet-records.js";
import type { RawRecord } from "./raw-record.js";
import { readRecords } from "./records.js";
import { firstSignificantByte } from "./source-file.js";
import type { SourceItem } from "./source-qa.js";
import { parseSquadArticle, readSquadArticles } from "./squad.js";
import { parseTwoWikiRecord } from "./twowiki.js";
import { type Corpus, FORMAT_NAMES, type FormatName } from "./types.js";

export { DEFAULT_MAX_DOCUMENT_BYTES, DUPLICATE_ID_MODES, type DuplicateIds } from "./corpus-builder.js";
export { detectFormat } from "./detect.js";
export { corpusFingerprint } from "./fingerprint.js";
export { readIdList } from "./id-list.js";

/** Options of {@link readCorpus}. */
export interface ReadCorpusOptions {
  /** The source format. @default detected from the file's content (see {@link detectFormat}) */
  format?: FormatName;
  /** Called with the number of source questions read so far (kept or dropped): every 10,000, and at the end. */
  onProgress?: (recordsRead: number) => void;
  /**
   * A question id used twice in the file (among the questions kept): `error` (an {@link InputError} naming
   * both places) or `keep-first` (the others are dropped as `duplicate_id`). @default "error"
   */
  duplicateIds?: DuplicateIds;
  /** The largest document accepted; a larger one is an {@link InputError}. @unit bytes @default 4194304 (4 MiB) */
  maxDocumentBytes?: number;
}

const PROGRESS_EVERY = 10_000;

/** The record parsers of the formats stored as one record per JSON array element or JSON line. */
const RECORD_PARSERS: Record<Exclude<FormatName, "squad">, (raw: RawRecord) => SourceItem> = {
  hotpotqa: parseHotpotQaRecord,
  "2wikimqa": parseTwoWikiRecord,
  musique: parseMusiqueRecord,
  jsonl: parseGenericRecord,
};

/**
 * Reads a whole QA data set into a deduplicated {@link Corpus}, streaming the file: a JSON array (larger than a
 * V8 string is fine), JSON Lines, or parquet (told by its magic bytes `PAR1`; read one row group at a time),
 * each record in the data set's original layout or a Hugging Face Hub one. Bad input (invalid UTF-8,
 * malformed JSON or parquet, a wrongly typed field, a blank question or answer, a repeated id, a document over
 * the size limit) is an {@link InputError} naming the file, line or record (parquet: the row), id and field;
 * records the data set marks as unusable are dropped and counted in `Corpus.dropped`. An unknown `format` or a
 * bad option is a {@link ConfigError}.
 */
export async function readCorpus(path: string, options: ReadCorpusOptions = {}): Promise<Corpus> {
  const { onProgress } = options;
  if (options.format !== undefined && !FORMAT_NAMES.includes(options.format)) {
    throw new ConfigError(`unknown format "${options.format}"; known formats: ${FORMAT_NAMES.join(", ")}`);
  }
  const duplicateIds = options.duplicateIds ?? "error";
  if (!DUPLICATE_ID_MODES.includes(duplicateIds)) {
    throw new ConfigError(
      `unknown duplicate id mode ${JSON.stringify(duplicateIds)}; use ${DUPLICATE_ID_MODES.join(" or ")}`,
    );
  }
  const maxDocumentBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  if (!Number.isSafeInteger(maxDocumentBytes) || maxDocumentBytes < 1) {
    throw new ConfigError(
      `the document size limit must be a positive number of bytes, got ${maxDocumentBytes}`,
    );
  }
  if ((await firstSignificantByte(path)) === undefined) throw new InputError("file is empty", { file: path });
  const format = options.format ?? (await detectFormat(path));
  const builder = new CorpusBuilder(format, path, { duplicateIds, maxDocumentBytes });
  for await (const item of sourceItems(path, format)) {
    builder.add(item);
    if (onProgress !== undefined && builder.recordsRead % PROGRESS_EVERY === 0) {
      onProgress(builder.recordsRead);
    }
  }
  onProgress?.(builder.recordsRead);
  return builder.finish();
}

/** The source questions of `path`, one per record (SQuAD: one per question of each article). */
async function* sourceItems(path: string, format: FormatName): AsyncGenerator<SourceItem> {
  if (format === "squad") {
    if (await isParquetFile(path)) {
      throw new InputError(
        "a SQuAD file is one JSON object with a `data` array of articles; this is a parquet file",
        { file: path },
      );
    }
    for await (const article of readSquadArticles(path)) yield* parseSquadArticle(article);
    return;
  }
  const parse = RECORD_PARSERS[format];
  for await (const raw of readRecords(path)) yield parse(raw);
}
