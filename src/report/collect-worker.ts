/** The worker thread entry of `stats` and `report` (compiled to dist/report/collect-worker.js; see collect-workers.ts). */
import { serveWorker } from "../async/serve-worker.js";
import { serializeError } from "../async/worker-errors.js";
import { FieldReader } from "../corpus/fields.js";
import { parseJsonLine } from "../corpus/json-lines.js";
import { blockLines } from "../io/line-blocks.js";
import type { CollectBlock, CollectedBlock } from "./collect-workers.js";
import type { RecordKind } from "./kinds.js";
import { detectKind, readRecordRow } from "./record-row.js";

serveWorker(() => ({
  block(b: CollectBlock): CollectedBlock {
    const out: CollectedBlock = { rows: [] };
    const place = { file: b.path };
    let line = b.line;
    let kind: RecordKind | undefined;
    try {
      for (const l of blockLines({ bytes: new Uint8Array(b.bytes), line: b.line, offset: b.offset }, place)) {
        line = l.line;
        kind = undefined;
        const at = { file: b.path, line };
        const value = parseJsonLine(l.text, at);
        if (value === undefined) continue;
        kind = detectKind(value, at);
        const row = readRecordRow(
          value as Record<string, unknown>,
          new FieldReader(at),
          kind,
          b.fallbackDataset,
        );
        out.rows.push({ line, row });
      }
    } catch (e) {
      out.failure = { line, kind, error: serializeError(e) };
    }
    return out;
  },
}));
