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
export { createLimiter, type Limiter } from "./limiter.js";
export { mapOrdered } from "./map-ordered.js";
export { DEFAULT_REPLICA_BACKOFF, type ReplicaBackoff, ReplicaSet } from "./replicas.js";
export { sleep } from "./sleep.js";
