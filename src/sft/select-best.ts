/**
 * The best trajectory of one question (§11.2): among the rows with `sub_em === 1`, the one with the highest
 * `f1`, the first on ties; `undefined` when none is correct (the question is dropped).
 */
export function selectBest<T extends { sub_em: number; f1: number }>(rows: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const row of rows) {
    if (row.sub_em !== 1) continue;
    if (best === undefined || row.f1 > best.f1) best = row;
  }
  return best;
}

/**
 * Indexes of the correct trajectories (`sub_em === 1`) from best to worst under the {@link selectBest} rule:
 * highest `f1` first, earlier first on ties. `rankCorrect(rows)[0]` is the index of `selectBest(rows)`.
 */
export function rankCorrect(rows: readonly { sub_em: number; f1: number }[]): number[] {
  const correct: number[] = [];
  rows.forEach((row, i) => {
    if (row.sub_em === 1) correct.push(i);
  });
  return correct.sort((a, b) => rows[b]!.f1 - rows[a]!.f1 || a - b);
}
