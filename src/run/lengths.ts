import { ConfigError } from "../errors.js";

/** Parse one sequence length: `4096`, `4k`/`4K` (= 4096), `128k` (= 131072). */
export function parseLength(spec: string): number {
  const m = /^\s*(\d+)\s*([kK])?\s*$/.exec(spec);
  const n = m ? Number(m[1]) * (m[2] ? 1024 : 1) : Number.NaN;
  if (!m || !Number.isSafeInteger(n) || n <= 0)
    throw new ConfigError(`Bad length ${JSON.stringify(spec)}: use a token count such as 32768 or 32k`);
  return n;
}

/** Parse a comma-separated list of lengths; duplicates are an error. */
export function parseLengths(spec: string): number[] {
  const out = spec
    .split(",")
    .filter((s) => s.trim() !== "")
    .map(parseLength);
  if (out.length === 0) throw new ConfigError("No lengths given");
  if (new Set(out).size !== out.length)
    throw new ConfigError(`Lengths ${JSON.stringify(spec)} repeat a value`);
  return out;
}
