import { ConfigError } from "../errors.js";

/** Parse an integer flag value, naming the flag in the error. */
export function intOption(flag: string, min = Number.MIN_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min)
      throw new ConfigError(
        `${flag} expects an integer${min > Number.MIN_SAFE_INTEGER ? ` ≥ ${min}` : ""}, got ${JSON.stringify(value)}`,
      );
    return n;
  };
}
