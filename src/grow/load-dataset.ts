import type { QaRecord } from "../corpus/types.js";
import { InputError } from "../errors.js";
import type { CorpusMemo } from "../run/corpus-memo.js";
import { selectQuestions } from "../run/windows.js";
import type { GrowConfig } from "./config.js";
import { type ExistingSet, type KeyField, keyFieldOf, readExistingSets, usedKeys } from "./existing.js";

/** A data set loaded for growing: its shuffled question list and existing sets. */
export interface LoadedGrowDataset {
  name: string;
  questions: QaRecord[];
  /** One per length of the config, in its order. */
  existing: ExistingSet[];
  keyField: KeyField;
  /** The keys of every question the existing sets hold. */
  used: Set<string>;
}

/**
 * Read data set `index` of the config: its questions (filtered and shuffled as plain does) and its existing sets.
 * An existing set with more rows than the target is an {@link InputError}.
 */
export async function loadGrowDataset(
  config: GrowConfig,
  index: number,
  memo: CorpusMemo,
): Promise<LoadedGrowDataset> {
  const spec = config.datasets[index] as GrowConfig["datasets"][number];
  const { corpus } = await memo.read(spec.path, spec.format);
  const questions = selectQuestions(corpus.qas, { shuffle: config.plain.shuffleQa, seed: config.plain.seed });
  const existing = await readExistingSets(
    config.existing.dir,
    config.existing.pattern,
    spec.name,
    config.lengths,
  );
  for (const s of existing)
    if (s.rows.length > config.target)
      throw new InputError(
        `the existing set has ${s.rows.length} rows, more than the target ${config.target}; raise target or trim the set`,
        { file: s.path ?? "" },
      );
  const keyField = keyFieldOf(existing);
  return { name: spec.name, questions, existing, keyField, used: usedKeys(existing, keyField) };
}
