import { ConfigError } from "../errors.js";
import { pathPartProblem } from "../io/paths.js";
import { fileStem, maxSeqPrefix } from "./names.js";

/** The defaults {@link resolveConvertOptions} fills in. */
export const CONVERT_DEFAULTS = { skipEmpty: true } as const;

/** What callers write. */
export interface ConvertOptions {
  /** A rollout output file (`{out}/{dataset}/{stem}-{model}.jsonl`). */
  input: string;
  /** Output folder. */
  outDir: string;
  /**
   * Written as each row's `model` and into the output name: not empty, `.` or `..`; no "/", "\\" or control
   * character.
   * @default the model the rollout file records (see {@link resolveRowModel})
   */
  modelTag?: string;
  /**
   * Skip trajectories whose text is empty or whitespace (a separate `reasoning_content` does not count: with
   * no answer after the thinking, the output was cut short). @default true
   */
  skipEmpty?: boolean;
}

/** Every default filled in. */
export interface ResolvedConvertOptions {
  input: string;
  outDir: string;
  /** `undefined`: the model the rollout file records ({@link resolveRowModel}). */
  modelTag: string | undefined;
  skipEmpty: boolean;
}

/**
 * Checks the options (the input's name too: it must give an output name, so this fails before anything is
 * read) and fills in the defaults, except the model tag, which needs the file ({@link resolveRowModel}).
 */
export function resolveConvertOptions(o: ConvertOptions): ResolvedConvertOptions {
  const problems: string[] = [];
  const { modelTag } = o;
  const tagProblem = modelTag === undefined ? undefined : pathPartProblem(modelTag);
  if (tagProblem !== undefined)
    problems.push(`model tag ${JSON.stringify(modelTag)} cannot be part of a file name: ${tagProblem}`);
  if (problems.length > 0) throw new ConfigError(`Invalid SFT options: ${problems.join("; ")}.`);
  maxSeqPrefix(fileStem(o.input), o.input);
  return {
    input: o.input,
    outDir: o.outDir,
    modelTag,
    skipEmpty: o.skipEmpty ?? CONVERT_DEFAULTS.skipEmpty,
  };
}
