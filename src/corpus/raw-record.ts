import type { Place } from "../errors.js";

/** One parsed JSON value of a source file (a JSON array element or a JSON Lines line), before validation. */
export interface RawRecord {
  value: unknown;
  /** 0-based position among the file's records (blank JSONL lines are not records). */
  index: number;
  /** Where it came from: the file plus the line (JSONL, JSON arrays) and record number (JSON arrays). */
  place: Place;
}
