/** The worker thread entry of `verify` (compiled to dist/verify/worker.js; see verify-workers.ts). */
import { serveWorker } from "../async/serve-worker.js";
import { ConfigError } from "../errors.js";
import { blockLines } from "../io/line-blocks.js";
import { resolveChatTemplate } from "../prompt/chat-template.js";
import { ThreadCounter } from "../tokenizer/thread-counter.js";
import { RecordChecker, type RecordVerdict } from "./record-checker.js";
import type { VerifyBlock, VerifyWorkerInit } from "./verify-workers.js";

serveWorker(async (raw, host) => {
  const init = raw as VerifyWorkerInit;
  // Prompts are re-counted by the main thread's counter.
  const tokenizer = init.tokenizer ? new ThreadCounter(init.tokenizer, host.request) : undefined;
  const forced =
    init.forced && tokenizer ? await resolveChatTemplate(init.forced.spec, tokenizer) : undefined;
  if (init.forced && forced && forced.hash !== init.forced.hash)
    throw new ConfigError(
      `A worker thread resolved the chat template "${init.forced.spec}" to hash ${forced.hash}, but the main thread to ${init.forced.hash}`,
    );
  const options = { ...init, tokenizer, forced };
  return {
    async block(b: VerifyBlock): Promise<RecordVerdict[]> {
      const checker = new RecordChecker(options, b.ordinal);
      const out: RecordVerdict[] = [];
      const place = { file: init.path };
      for (const { line, text } of blockLines(
        { bytes: new Uint8Array(b.bytes), line: b.line, offset: b.offset },
        place,
      ))
        out.push(...(await checker.add(line, text)));
      out.push(...(await checker.flush()));
      return out;
    },
  };
});
