import { readFile } from "node:fs/promises";
import { FieldReader } from "../corpus/fields.js";
import { InputError } from "../errors.js";
import { ARRAY, NUMBER, OBJECT, optional, STRING } from "./field-checks.js";
import type { GroupKind } from "./group-kind.js";
import type { RecordKind } from "./kinds.js";

/** The skipped samples a `<file>.meta.json` sidecar lists, and the group they belong to. */
export interface SidecarSkips {
  /** The sidecar's path. */
  path: string;
  dataset: string;
  kind: GroupKind;
  /** `options.max_seq_length`: the group's target length. */
  maxSeqLength: number;
  /** The reason of each skipped sample, in order. */
  reasons: string[];
}

/**
 * Reads the sidecar at `path` (`undefined` when there is none). `fileKind` is the kind of the data file it sits
 * next to (`null` when that file is empty): the sidecar's `kind` must agree with it, and stands in for it when
 * absent. A bad sidecar is an {@link InputError} naming the sidecar and the field.
 */
export async function readSidecarSkips(
  path: string,
  fileKind: RecordKind | null,
): Promise<SidecarSkips | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new InputError(`cannot open the sidecar: ${(e as Error).message}`, { file: path }, { cause: e });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`not valid JSON: ${(e as Error).message}`, { file: path }, { cause: e });
  }
  const f = new FieldReader({ file: path });
  const sidecar = f.expect(value, undefined, OBJECT);
  const options = f.expect(sidecar.options, "options", OBJECT);
  const summary = f.expect(sidecar.summary, "summary", OBJECT);
  const skipped = f.expect(summary.skipped, "summary.skipped", ARRAY);
  const dataset = f.expect(sidecar.dataset, "dataset", STRING);
  const kind = sidecarKind(sidecar, f, fileKind);
  const maxSeqLength = f.expect(options.max_seq_length, "options.max_seq_length", NUMBER);
  const reasons = skipped.map((s, i) => {
    const at = `summary.skipped[${i}]`;
    return f.expect(f.expect(s, at, OBJECT).reason, `${at}.reason`, STRING);
  });
  return { path, dataset, kind, maxSeqLength, reasons };
}

/**
 * The kind a sidecar's skips belong to: its `kind` field (`run/matrix.ts` writes `plain` or `keychain`), else
 * the kind of the data file it sits next to. It must agree with that file.
 */
function sidecarKind(
  sidecar: Record<string, unknown>,
  f: FieldReader,
  dataKind: RecordKind | null,
): GroupKind {
  const kind = optional(f, sidecar.kind, "kind", STRING);
  const fileKind = dataKind === "plain" || dataKind === "keychain" ? dataKind : undefined;
  if (kind === undefined) {
    if (fileKind !== undefined) return fileKind;
    throw f.error("kind", 'missing: needed to tell "plain" from "keychain" as the data file is empty');
  }
  if (kind !== "plain" && kind !== "keychain")
    throw f.error("kind", `expected "plain" or "keychain", got ${JSON.stringify(kind)}`);
  if (fileKind !== undefined && kind !== fileKind)
    throw f.error("kind", `says "${kind}" but the data file next to it holds ${fileKind} records`);
  return kind;
}
