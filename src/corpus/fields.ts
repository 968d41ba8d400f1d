import { describeType, InputError, type Place } from "../errors.js";

/** A check of {@link FieldReader.expect}: the words for what is expected (`a number`), and the test. */
export interface ValueCheck<T> {
  expected: string;
  accepts: (value: unknown) => value is T;
}

/**
 * Type checks for the fields of one source record. Every failed check throws an {@link InputError} that names
 * the file, the line or record, the record id (once known) and the field, e.g.
 * `Cannot read "hotpot.json" line 1 record 12 (id "5a8b…"), field "question": expected a string, got null`.
 */
export class FieldReader {
  constructor(readonly place: Place) {}

  /** The same reader with the record's id added to every later message. */
  withId(id: string): FieldReader {
    return new FieldReader({ ...this.place, id });
  }

  /** An InputError at `field` (the whole record when `field` is undefined). */
  error(field: string | undefined, message: string): InputError {
    return new InputError(message, field === undefined ? this.place : { ...this.place, field });
  }

  /** A JSON object; `field` undefined means the record itself. */
  object(value: unknown, field?: string): Record<string, unknown> {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
    throw this.mismatch(field, "an object", value);
  }

  array(value: unknown, field: string): unknown[] {
    if (Array.isArray(value)) return value;
    throw this.mismatch(field, "an array", value);
  }

  string(value: unknown, field: string): string {
    if (typeof value === "string") return value;
    throw this.mismatch(field, "a string", value);
  }

  /** A string with something besides whitespace in it (a question, an answer): blank text is an error. */
  text(value: unknown, field: string): string {
    const text = this.string(value, field);
    if (text.trim() !== "") return text;
    throw this.error(field, `expected a non-blank text, got ${quoteValue(text)}`);
  }

  /** A non-empty array of {@link text}s (the answers); elements are reported as `field[i]`. */
  texts(value: unknown, field: string, what = "answer"): string[] {
    const items = this.array(value, field);
    if (items.length === 0) throw this.error(field, `expected at least one ${what}, got an empty array`);
    return items.map((item, i) => this.text(item, `${field}[${i}]`));
  }

  boolean(value: unknown, field: string): boolean {
    if (typeof value === "boolean") return value;
    throw this.mismatch(field, "a boolean", value);
  }

  /** A non-negative integer (array indices, counts). */
  index(value: unknown, field: string): number {
    if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
    throw this.mismatch(field, "a non-negative integer", value);
  }

  optionalString(value: unknown, field: string): string | undefined {
    return value === undefined ? undefined : this.string(value, field);
  }

  optionalBoolean(value: unknown, field: string): boolean | undefined {
    return value === undefined ? undefined : this.boolean(value, field);
  }

  /**
   * `value` when `check` accepts it, else an InputError `expected {check.expected}, got {type}` that names the
   * JSON type only (`got null`, `got a string`, `got undefined`), not the value: the wording of the `stats`
   * and `report` readers. `field` undefined means the record itself.
   */
  expect<T>(value: unknown, field: string | undefined, check: ValueCheck<T>): T {
    if (check.accepts(value)) return value;
    throw this.error(field, `expected ${check.expected}, got ${describeType(value)}`);
  }

  /** An array of strings; elements are reported as `field[i]`. */
  strings(value: unknown, field: string): string[] {
    return this.array(value, field).map((item, i) => this.string(item, `${field}[${i}]`));
  }

  private mismatch(field: string | undefined, expected: string, value: unknown): InputError {
    const got = value === undefined ? "but the field is missing" : `got ${quoteValue(value)}`;
    return this.error(field, `expected ${expected}, ${got}`);
  }
}

/** `null`, `a number (12)`, `a string ("abc")`: the type, plus short scalar values to help find the line. */
function quoteValue(value: unknown): string {
  const type = describeType(value);
  if (typeof value === "number" || typeof value === "boolean") return `${type} (${String(value)})`;
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `${type} (${JSON.stringify(shown)})`;
  }
  return type;
}
