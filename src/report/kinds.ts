/** Which kind of pipeline output a JSONL record is, told by its fields (not by the file name). */

import { recordKind } from "../prompt/messages.js";

/**
 * - `plain`: a plain long-context sample (`context`, `prompt_length`).
 * - `keychain`: a KeyChain instance.
 * Plain and KeyChain are told apart by the one rule of {@link recordKind} (the `kind` field, or the fields of
 * records written before it).
 * - `rollout-plain` / `rollout-keychain`: a rollout output (`trajectories`) over a plain or KeyChain record.
 * - `sft`: an SFT row (`messages`).
 */
export type RecordKind = "plain" | "keychain" | "rollout-plain" | "rollout-keychain" | "sft";

export const RECORD_KINDS: readonly RecordKind[] = [
  "plain",
  "keychain",
  "rollout-plain",
  "rollout-keychain",
  "sft",
];

/** The kind of one parsed JSONL value, or `undefined` when it looks like none of them. */
export function detectRecordKind(value: unknown): RecordKind | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  if (Array.isArray(r.messages)) return "sft";
  if (r.kind !== undefined && r.kind !== "plain" && r.kind !== "keychain") return undefined;
  const keychain = recordKind(r) === "keychain";
  if (Array.isArray(r.trajectories)) return keychain ? "rollout-keychain" : "rollout-plain";
  if (keychain) return "keychain";
  if ("context" in r && "prompt_length" in r) return "plain";
  return undefined;
}
