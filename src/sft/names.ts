import { basename, dirname, extname, join, resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { assertPathPart } from "../io/paths.js";

/** The part of a file stem through its `max_seq_N`, e.g. `train-num_sample_1000-max_seq_4096`. */
const MAX_SEQ_PREFIX = /^(.*max_seq_\d+)/;

/**
 * The `…max_seq_N` prefix of a rollout file stem (Python `re.match(r"(.*max_seq_\d+)", stem)`). Throws a
 * {@link ConfigError} naming `file` (or the stem) when the stem has no `max_seq_N`.
 */
export function maxSeqPrefix(inputStem: string, file?: string): string {
  const m = MAX_SEQ_PREFIX.exec(inputStem);
  if (m?.[1] === undefined)
    throw new ConfigError(
      `Cannot name the output for "${file ?? inputStem}": its name has no "max_seq_<N>" part (expected a rollout file like train-num_sample_1000-max_seq_4096-<model>.jsonl)`,
    );
  return m[1];
}

/**
 * `{…max_seq_N}-{modelTag}-swift`, the stem of a converted file.
 *
 * @example swiftOutputStem("train-num_sample_1000-max_seq_4096-qwen14b_ckpt", "LoongRL-14b")
 *   === "train-num_sample_1000-max_seq_4096-LoongRL-14b-swift"
 */
export function swiftOutputStem(inputStem: string, modelTag: string, file?: string): string {
  return `${maxSeqPrefix(inputStem, file)}-${modelTag}-swift`;
}

/** `{…max_seq_N}-{modelTag}-cleaned`, the stem of a cleaned file. */
export function cleanedOutputStem(inputStem: string, modelTag: string, file?: string): string {
  return `${maxSeqPrefix(inputStem, file)}-${modelTag}-cleaned`;
}

/**
 * A model name as a part of a file name: every "/" replaced by "_", as `rollout` names its output files. A
 * name that still cannot be part of a path (empty, `.`, `..`, a `\` or a control character) is a
 * {@link ConfigError} ({@link assertPathPart}).
 *
 * @example modelFileTag("Qwen/Qwen3-8B") === "Qwen_Qwen3-8B"
 */
export function modelFileTag(model: string): string {
  return assertPathPart(model.replaceAll("/", "_"), "model name (as a file name part)");
}

/** The file name without folder and extension. */
export function fileStem(path: string): string {
  return basename(path, extname(path));
}

/** The data set name of an input file: the name of the folder it sits in. */
export function datasetOf(path: string): string {
  return basename(dirname(resolve(path)));
}

/** `{outDir ?? dirname(input)}/{stem}-filtered.jsonl` */
export function filteredOutputPath(input: string, outDir?: string): string {
  return join(outDir ?? dirname(input), `${fileStem(input)}-filtered.jsonl`);
}
