/** `"…before" ⟨here⟩ "after…"`: about `2 × radius` characters of `text` around `at`, JSON-quoted. */
export function excerpt(text: string, at: number, radius = 20): string {
  const from = Math.max(0, at - radius);
  const to = Math.min(text.length, at + radius);
  const before = (from > 0 ? "…" : "") + text.slice(from, at);
  const after = text.slice(at, to) + (to < text.length ? "…" : "");
  return `${JSON.stringify(before)} ⟨here⟩ ${JSON.stringify(after)}`;
}
