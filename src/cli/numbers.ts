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

/** Parse a flag whose value must be one of `allowed`. */
export function choiceOption<T extends string>(flag: string, allowed: readonly T[]): (value: string) => T {
  return (value) => {
    const choice = allowed.find((a) => a === value);
    if (choice === undefined)
      throw new ConfigError(`${flag} must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
    return choice;
  };
}

/** Parse a finite number flag (≥ `min` when given). */
export function numberOption(flag: string, min = Number.NEGATIVE_INFINITY): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < min)
      throw new ConfigError(
        `${flag} expects a number${min > Number.NEGATIVE_INFINITY ? ` ≥ ${min}` : ""}, got ${JSON.stringify(value)}`,
      );
    return n;
  };
}
