/**
 * The options of a KeyChain run, as a library user, the CLI, the pipeline config and the demo write them:
 * defaults written once here, one resolver that reports every problem at once.
 */

import { type OptionsError, Problems } from "../config/problems.js";
import { ConfigError } from "../errors.js";
import { PROMPT_VARIANTS } from "../prompt/messages.js";
import type { KeychainPromptVariant } from "../prompt/templates.js";
import {
  int,
  MATRIX_DEFAULTS,
  type MatrixOptions,
  type ResolvedMatrix,
  resolveMatrixOptions,
} from "../run/options.js";
import { idsNeeded, parseTopology, type Topology } from "./chains.js";
import { assertIdSpace, type IdFormat, parseIdFormat } from "./ids.js";

/** The two published configurations (reference §5.2). */
export const KEYCHAIN_PRESETS = {
  /** The published 16K RL data: one chain per 1K tokens, full UUIDs. */
  paper: { chainsPer1k: 1, idFormat: "uuid" },
  /** The repository's later code: four chains per 1K tokens, 8-hex ids. */
  repo: { chainsPer1k: 4, idFormat: "hex:8" },
} as const;

export type KeychainPreset = keyof typeof KEYCHAIN_PRESETS;

/** What a KeyChain run takes. */
export interface KeychainOptions extends MatrixOptions {
  /** `paper` (1 chain per 1K tokens, uuid ids) or `repo` (4 per 1K, hex:8). @default "paper" */
  preset?: string;
  /** Routes per instance (1 true + distractors), or `auto` (following the preset). @default "auto" */
  chains?: number | "auto";
  /** Ids per chain: hops − 1 key→key links, then key→question. @default 4 */
  hops?: number;
  /** `uuid`, `hex:N`, `nano:N`. @default the preset's */
  idFormat?: string;
  /** `chain` or `tree[:B]`. @default "chain" */
  topology?: string;
  /** Distractor questions sampled per instance, or `auto` (L/64, at most the data set's other questions); chains − 1 are used. @default "auto" */
  distractorQuestions?: number | "auto";
  /** `default` or `find-first`. @default "default" */
  promptVariant?: string;
}

/** Every default of {@link KeychainOptions}. */
export const KEYCHAIN_DEFAULTS = {
  ...MATRIX_DEFAULTS,
  preset: "paper",
  chains: "auto",
  hops: 4,
  topology: "chain",
  distractorQuestions: "auto",
  promptVariant: "default",
} as const;

/** Resolved configuration of a KeyChain run over datasets × lengths (every default filled in); the framing
 * (system prompt, chat template) is resolved against the tokenizer when the run starts. */
export interface KeychainRunConfig extends ResolvedMatrix {
  /** A number, or `auto`: `chainsPer1k` chains per 1,024 tokens of L (at least 1). */
  chains: number | "auto";
  /** 1 = the published 16K data (16 chains at 16K); 4 = the repository's later code. */
  chainsPer1k: number;
  hops: number;
  idFormat: IdFormat;
  topology: Topology;
  /** A number, or `auto`: L/64 sampled (16 per 1K, as the original), never fewer than chains − 1, at most the
   * data set's distinct questions − 1. */
  distractorQuestions: number | "auto";
  promptVariant: KeychainPromptVariant;
}

export function chainsFor(config: Pick<KeychainRunConfig, "chains" | "chainsPer1k">, length: number): number {
  return config.chains === "auto"
    ? Math.max(1, Math.floor((config.chainsPer1k * length) / 1024))
    : config.chains;
}

/**
 * Distractor questions sampled per instance at `length`; a ConfigError when fewer than the chains use. With
 * `distinct` (the data set's distinct questions), `auto` takes at most `distinct − 1` (every question but the
 * sample's own), never fewer than the chains use: a small data set still makes instances when its questions
 * can fill the chains.
 */
export function distractorsFor(
  config: Pick<KeychainRunConfig, "chains" | "chainsPer1k" | "distractorQuestions">,
  length: number,
  distinct?: number,
): number {
  const used = chainsFor(config, length) - 1;
  if (config.distractorQuestions === "auto") {
    const wanted = autoDistractors(config, length);
    return distinct === undefined ? wanted : Math.max(used, Math.min(wanted, distinct - 1));
  }
  if (config.distractorQuestions < used)
    throw new ConfigError(
      `${config.distractorQuestions} is fewer than the ${used} distractor chains at length ${length} (chains − 1)`,
    );
  return config.distractorQuestions;
}

/** What `auto` asks for at `length` whatever the data set: L/64 (16 per 1K, as the original), at least chains − 1. */
export function autoDistractors(
  config: Pick<KeychainRunConfig, "chains" | "chainsPer1k">,
  length: number,
): number {
  return Math.max(chainsFor(config, length) - 1, Math.max(1, Math.floor(length / 1024)) * 16);
}

/** The resolved run configuration, or an {@link OptionsError} listing every problem with its option path. */
export function resolveKeychainOptions(o: KeychainOptions): KeychainRunConfig {
  const problems = new Problems();
  const d = KEYCHAIN_DEFAULTS;
  const matrix = resolveMatrixOptions(o, problems);
  const presetName = o.preset ?? d.preset;
  const preset = Object.hasOwn(KEYCHAIN_PRESETS, presetName)
    ? KEYCHAIN_PRESETS[presetName as KeychainPreset]
    : undefined;
  if (!preset) problems.add(["preset"], `expected paper or repo, got ${JSON.stringify(presetName)}`);
  const chains =
    o.chains === undefined || o.chains === "auto" ? "auto" : int(problems, ["chains"], o.chains, 1, 1);
  const hops = int(problems, ["hops"], o.hops, d.hops, 1);
  const idFormat = problems.try(["idFormat"], () =>
    parseIdFormat(o.idFormat ?? preset?.idFormat ?? KEYCHAIN_PRESETS.paper.idFormat),
  );
  const topology = problems.try(["topology"], () => parseTopology(o.topology ?? d.topology));
  const distractorQuestions =
    o.distractorQuestions === undefined || o.distractorQuestions === "auto"
      ? "auto"
      : int(problems, ["distractorQuestions"], o.distractorQuestions, 1, 1);
  const variant = o.promptVariant ?? d.promptVariant;
  if (!(PROMPT_VARIANTS as readonly string[]).includes(variant))
    problems.add(["promptVariant"], `expected default or find-first, got ${JSON.stringify(variant)}`);
  const { checkBudget, tokenizer, ...rest } = matrix;
  const config: KeychainRunConfig = {
    ...rest,
    chains,
    chainsPer1k: preset?.chainsPer1k ?? KEYCHAIN_PRESETS.paper.chainsPer1k,
    hops,
    idFormat: idFormat ?? { kind: "uuid" },
    topology: topology ?? { kind: "chain" },
    distractorQuestions,
    promptVariant: variant as KeychainPromptVariant,
    checkBudget,
    tokenizer,
  };
  // Per length: the id space must hold the ids, and enough distractor questions must be sampled.
  if (idFormat && topology)
    for (const length of matrix.lengths) {
      const n = chainsFor(config, length);
      problems.try(["idFormat"], () => assertIdSpace(idFormat, idsNeeded(topology, n, hops)));
      problems.try(["distractorQuestions"], () => distractorsFor(config, length));
    }
  problems.throwIfAny("KeyChain");
  return config;
}
