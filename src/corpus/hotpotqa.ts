import type { RawRecord } from "./raw-record.js";
import type { SourceItem } from "./source-qa.js";
import { parseTitleContextRecord } from "./title-context.js";

/**
 * One HotpotQA record. Its documents are `"{title}\n{sentences joined with ""}"`: HotpotQA sentences after
 * the first carry their own leading space, so plain concatenation reads well (as in the original).
 */
export function parseHotpotQaRecord(raw: RawRecord): SourceItem {
  return parseTitleContextRecord(raw, (sentences) => sentences.join(""));
}
