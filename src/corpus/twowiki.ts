import { joinSentences } from "./document.js";
import type { RawRecord } from "./raw-record.js";
import type { SourceItem } from "./source-qa.js";
import { parseTitleContextRecord } from "./title-context.js";

/**
 * One 2WikiMultihopQA record (HotpotQA shape; `evidences` is ignored). Its sentences carry no leading space,
 * so they are joined with {@link joinSentences}, which puts a space between them where one is missing.
 */
export function parseTwoWikiRecord(raw: RawRecord): SourceItem {
  return parseTitleContextRecord(raw, joinSentences);
}
