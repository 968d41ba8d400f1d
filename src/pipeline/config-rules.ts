/**
 * Cross-field rules of the pipeline config, each named, each returning every problem it finds. They run on
 * the keys that passed the field checks; a rule whose inputs failed them stays silent (the field problem is
 * already reported).
 */
import { type ConfigPath, type ConfigProblem, formatConfigPath } from "../config/problems.js";
import type { KeychainRunConfig } from "../keychain/options.js";
import { windowSpan } from "../run/windows.js";
import type { KindName, PipelineFile, VerlExportConfig } from "./config-schema.js";

/** The question-window settings of one kind, with the YAML path each value came from. */
export interface KindSettings {
  kind: KindName;
  lengths: number[] | undefined;
  lengthsPath: ConfigPath;
  numSamples: number;
  numSamplesPath: ConfigPath;
  preSamples: number;
  preSamplesPath: ConfigPath;
  disjointWindows: boolean;
  tokensToGenerate: number;
  tokensToGeneratePath: ConfigPath;
}

export interface RuleInput {
  file: Partial<PipelineFile>;
  /** Top-level keys that failed the field checks. */
  invalidKeys: ReadonlySet<string>;
  kinds: KindSettings[];
  /** Resolved data set names with the index of their entry in `datasets`. */
  datasets?: { name: string; entry: number }[];
  keychain?: KeychainRunConfig;
  verl?: VerlExportConfig;
}

export interface ConfigRule {
  name: string;
  check(input: RuleInput): ConfigProblem[];
}

const WINDOW_KEYS = ["lengths", "num_samples", "pre_samples", "disjoint_windows", "kinds"];

const anyInvalid = (input: RuleInput, keys: readonly string[]) => keys.some((k) => input.invalidKeys.has(k));

/** Questions [start, end) a kind's windows cover, over all its lengths. */
function questionRange(k: KindSettings): { start: number; end: number } {
  const span = windowSpan({ ...k, lengths: k.lengths?.length ?? 0 });
  return { start: k.preSamples, end: k.preSamples + span };
}

export const CONFIG_RULES: readonly ConfigRule[] = [
  {
    name: "at-least-one-kind",
    check: ({ file }) =>
      file.kinds && !file.kinds.plain && !file.kinds.keychain
        ? [{ path: ["kinds"], message: "give at least one of plain, keychain" }]
        : [],
  },
  {
    name: "lengths-given",
    check: (input) =>
      anyInvalid(input, ["lengths"])
        ? []
        : input.kinds
            .filter((k) => k.lengths === undefined)
            .map((k) => ({
              path: ["lengths"],
              message: `required for ${k.kind}: give lengths here or as ${formatConfigPath(k.lengthsPath)}`,
            })),
  },
  {
    name: "distinct-lengths",
    check: ({ kinds }) =>
      kinds.flatMap((k) => {
        const seen = new Set<number>();
        const repeated = new Set((k.lengths ?? []).filter((l) => seen.has(l) || !seen.add(l)));
        return [...repeated].map((l) => ({ path: k.lengthsPath, message: `${l} appears more than once` }));
      }),
  },
  {
    name: "prompt-budget",
    check: ({ kinds, file }) =>
      kinds.flatMap((k) => {
        const short = (k.lengths ?? []).filter((l) => l <= k.tokensToGenerate);
        const implicit = k.tokensToGeneratePath.length === 1 && file.tokens_to_generate === undefined;
        return short.length === 0
          ? []
          : [
              {
                path: k.tokensToGeneratePath,
                message: `${k.tokensToGenerate}${implicit ? " (the default)" : ""} leaves no prompt budget at length ${short.join(", ")} for ${k.kind}; every length must exceed tokens_to_generate`,
              },
            ];
      }),
  },
  {
    name: "distinct-dataset-names",
    check: ({ datasets }) => {
      const first = new Map<string, number>();
      const problems: ConfigProblem[] = [];
      for (const d of datasets ?? []) {
        const prior = first.get(d.name);
        if (prior === undefined) first.set(d.name, d.entry);
        else
          problems.push({
            path: ["datasets", d.entry],
            message: `the name "${d.name}" is already used by datasets[${prior}]; give each data set its own name (outputs go to {out}/{kind}/{name}/)`,
          });
      }
      return problems;
    },
  },
  {
    name: "disjoint-question-windows",
    check: (input) => {
      const plain = input.kinds.find((k) => k.kind === "plain");
      const keychain = input.kinds.find((k) => k.kind === "keychain");
      if (!plain || !keychain || anyInvalid(input, WINDOW_KEYS)) return [];
      const p = questionRange(plain);
      const c = questionRange(keychain);
      if (c.start >= p.end || c.end <= p.start) return [];
      return [
        {
          path: keychain.preSamplesPath,
          message: `the KeyChain questions [${c.start}, ${c.end}) overlap the plain ones [${p.start}, ${p.end}); plain and KeyChain files must use different questions: leave kinds.keychain.pre_samples unset (it then starts at ${p.end}) or set it to ≥ ${p.end}`,
        },
      ];
    },
  },
  {
    name: "export-keeps-training-rows",
    check: (input) => {
      const { verl } = input;
      if (!verl || anyInvalid(input, WINDOW_KEYS)) return [];
      const held = verl.testSize + verl.validSize;
      const starved = input.kinds.filter((k) => held >= k.numSamples);
      if (starved.length === 0) return [];
      const which = starved.map((k) => `${k.kind} (num_samples ${k.numSamples})`).join(" and ");
      return [
        {
          path: ["export", "verl", "test_size"],
          message: `test_size + valid_size = ${held} leaves no training rows in the ${which} files; keep it below num_samples`,
        },
      ];
    },
  },
];

/** Run every rule; all problems, in rule order. */
export function checkRules(input: RuleInput): ConfigProblem[] {
  return CONFIG_RULES.flatMap((rule) => rule.check(input));
}
