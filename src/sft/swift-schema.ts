import { z } from "zod";

const role = z.enum(["system", "user", "assistant"]);
const message = z.object({ role, content: z.string().min(1, "expected a non-empty string") });
const zeroOne = z.union([z.literal(0), z.literal(1)], { error: "expected 0 or 1" });
const count = z.number().int().nonnegative();

/**
 * The conversation rules of an SFT row: an optional system message first, then user and assistant turns
 * alternating, starting with the user and ending with the assistant.
 */
export const swiftMessagesSchema = z
  .array(message)
  .min(1, "expected at least one message")
  .superRefine((messages, ctx) => {
    const start = messages[0]?.role === "system" ? 1 : 0;
    messages.forEach((m, i) => {
      if (i < start) return;
      const expected = (i - start) % 2 === 0 ? "user" : "assistant";
      if (m.role === "system")
        ctx.addIssue({ code: "custom", path: [i, "role"], message: "a system message may only come first" });
      else if (m.role !== expected)
        ctx.addIssue({
          code: "custom",
          path: [i, "role"],
          message: `expected "${expected}" (user and assistant turns alternate, starting with the user), got "${m.role}"`,
        });
    });
    const last = messages[messages.length - 1];
    if (last !== undefined && last.role !== "assistant" && messages.length > start)
      ctx.addIssue({
        code: "custom",
        path: [messages.length - 1, "role"],
        message: `expected the last message to be from the assistant, got "${last.role}"`,
      });
  });

/** Every field of a {@link import("./row.js").SwiftRow}, typed; extra fields are allowed. */
export const swiftRowSchema = z.object({
  messages: swiftMessagesSchema,
  is_correct: zeroOne,
  sub_em: zeroOne,
  em: zeroOne,
  f1: z.number().min(0).max(1),
  extracted_answer: z.string().nullable(),
  answers: z.array(z.string()),
  source_index: count,
  id: z.string().min(1, "expected a non-empty string"),
  dataset: z.string(),
  length: count,
  model: z.string().min(1, "expected a non-empty string"),
});

/** Only the conversation, for SFT files that are not SwiftRows (e.g. `extract-summaries` output). */
export const messagesRowSchema = z.object({ messages: swiftMessagesSchema });

/** Zod's issues as `field: message` lines, the field written as `messages[1].role`. */
export function schemaProblems(schema: z.ZodType, row: unknown): string[] {
  const r = schema.safeParse(row);
  if (r.success) return [];
  return r.error.issues.map((issue) => {
    const field = issue.path
      .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
      .join("");
    return field === "" ? issue.message : `${field}: ${issue.message}`;
  });
}
