/** The value checks of the statistics readers, over {@link FieldReader.expect} (`expected a number, got null`). */

import type { FieldReader, ValueCheck } from "../corpus/fields.js";

/** A finite number. */
export const NUMBER: ValueCheck<number> = {
  expected: "a number",
  accepts: (v): v is number => typeof v === "number" && Number.isFinite(v),
};

export const STRING: ValueCheck<string> = {
  expected: "a string",
  accepts: (v): v is string => typeof v === "string",
};

export const ARRAY: ValueCheck<unknown[]> = {
  expected: "an array",
  accepts: (v): v is unknown[] => Array.isArray(v),
};

/** A JSON object (not null, not an array). */
export const OBJECT: ValueCheck<Record<string, unknown>> = {
  expected: "an object",
  accepts: (v): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v),
};

/** `undefined` when the field is absent or `null`, else the value `check` accepts. */
export function optional<T>(
  f: FieldReader,
  value: unknown,
  field: string,
  check: ValueCheck<T>,
): T | undefined {
  return value === undefined || value === null ? undefined : f.expect(value, field, check);
}

/** An array every element of which `check` accepts; a bad element is named `field[i]`. */
export function arrayOf<T>(f: FieldReader, value: unknown, field: string, check: ValueCheck<T>): T[] {
  return f.expect(value, field, ARRAY).map((x, i) => f.expect(x, `${field}[${i}]`, check));
}
