/**
 * The options of a plain run, as a library user, the CLI, the pipeline and grow configs and the demo write
 * them: defaults written once here, one resolver that reports every problem at once.
 */

import { type OptionsError, Problems } from "../config/problems.js";
import { PLAIN_USER_TEMPLATE } from "../prompt/templates.js";
import { parseTemplate } from "../prompt/user-template.js";
import {
  int,
  MATRIX_DEFAULTS,
  type MatrixOptions,
  type ResolvedMatrix,
  resolveMatrixOptions,
} from "../run/options.js";
import type { PlainSampleOptions } from "./synthesize.js";

/** What a plain run takes. */
export interface PlainOptions extends MatrixOptions {
  /** The user message, with `{context}` and optionally `{input}`. @default LoongRL's plain RL wording */
  template?: string;
  /** Collapse newlines and tabs to spaces before measuring (the original's `--remove_newline_tab`). @default false */
  removeNewlineTab?: boolean;
  /** Other questions stored per record as `distract_questions`; −1: none. @default -1 */
  distractorQuestions?: number;
}

/** Every default of {@link PlainOptions}. */
export const PLAIN_DEFAULTS = {
  ...MATRIX_DEFAULTS,
  template: PLAIN_USER_TEMPLATE,
  removeNewlineTab: false,
  distractorQuestions: -1,
} as const;

/** Resolved configuration of a plain run over datasets × lengths (every default filled in); the framing is
 * resolved against the tokenizer when the run starts. */
export interface PlainRunConfig
  extends ResolvedMatrix,
    Pick<PlainSampleOptions, "template" | "removeNewlineTab" | "distractQuestions"> {}

/** The resolved run configuration, or an {@link OptionsError} listing every problem with its option path. */
export function resolvePlainOptions(o: PlainOptions): PlainRunConfig {
  const problems = new Problems();
  const matrix = resolveMatrixOptions(o, problems);
  const template = problems.try(["template"], () => parseTemplate(o.template ?? PLAIN_DEFAULTS.template));
  const distractQuestions = int(
    problems,
    ["distractorQuestions"],
    o.distractorQuestions,
    PLAIN_DEFAULTS.distractorQuestions,
    -1,
  );
  problems.throwIfAny("plain");
  const { checkBudget, tokenizer, ...rest } = matrix;
  return {
    ...rest,
    template: template as NonNullable<typeof template>,
    removeNewlineTab: o.removeNewlineTab ?? PLAIN_DEFAULTS.removeNewlineTab,
    distractQuestions,
    checkBudget,
    tokenizer,
  };
}
