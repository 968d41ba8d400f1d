// The chat pool's request cap; re-exported from where the semaphore now lives.
export { createLimiter, type Limiter } from "../async/limiter.js";
export { type ChatNResult, chatN } from "./chat-n.js";
export {
  type ChatMessage,
  type ChatPool,
  type ChatPoolOptions,
  type ChatRequest,
  type ChatResult,
  type ChatStats,
  type ChatUsage,
  createChatPool,
  type ResolvedChatPoolOptions,
  resolveChatPoolOptions,
} from "./client.js";
export { BadResponseError, chatRetryDelay, failureOf, isServerFault } from "./failure.js";
export { DEFAULT_REPLICA_BACKOFF, type ReplicaBackoff, ReplicaSet } from "./replicas.js";
