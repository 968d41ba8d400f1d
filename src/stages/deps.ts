import type { ChatPool } from "../llm/index.js";

/** What an LLM stage (rollout, reason, filter) needs from its caller. */
export interface StageDeps {
  pool: Pick<ChatPool, "chat" | "options">;
  /** Aborts in-flight requests; finished records stay in the journal. */
  signal?: AbortSignal;
  /** Called after each record is safely in the journal. */
  onProgress?: (done: number, total: number) => void;
  /** @default Date.now */
  now?: () => number;
}
