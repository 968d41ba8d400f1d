/**
 * The original validator's rule checks (§11.3 layer 1), with its exact messages: `messages` present, a
 * non-empty list, every message with `role` and non-empty `content`, the last one from the assistant.
 * Returns `[]` for a valid row.
 */
export function validateSwiftRow(row: unknown): string[] {
  if (typeof row !== "object" || row === null || Array.isArray(row)) return ["row must be a JSON object"];
  if (!("messages" in row)) return ["missing 'messages' field"];
  const messages = (row as { messages: unknown }).messages;
  if (!Array.isArray(messages) || messages.length === 0) return ["'messages' must be a non-empty list"];
  const errors: string[] = [];
  messages.forEach((m: unknown, i) => {
    if (!isObject(m) || !("role" in m) || !("content" in m))
      errors.push(`message[${i}] missing 'role' or 'content'`);
    else if (!truthy(m.content)) errors.push(`message[${i}] has empty content`);
  });
  const last: unknown = messages[messages.length - 1];
  const role = isObject(last) ? last.role : undefined;
  if (role !== "assistant") errors.push(`last message role must be 'assistant', got '${pyStr(role)}'`);
  return errors;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Python truthiness of a JSON value. */
function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

/** How Python's `str()` shows a JSON value in an f-string (enough for the role message). */
function pyStr(v: unknown): string {
  if (v === undefined || v === null) return "None";
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "True" : "False";
  return JSON.stringify(v);
}
