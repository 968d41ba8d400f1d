/**
 * Fixed-decimal cell text, chosen per column where the tables are built, so that a column reads evenly
 * (`0.450`, not `0.45` next to `0.521`) and the terminal and the HTML page show the same text.
 */

/** A ratio as a percentage with `digits` decimals: `percent(0.99374, 2)` → `99.37%`. */
export function percent(x: number, digits: number): string {
  return `${(100 * x).toFixed(digits)}%`;
}

/** A number with exactly `digits` decimals: `fixed(0.45, 3)` → `0.450`. */
export function fixed(x: number, digits: number): string {
  return x.toFixed(digits);
}

/** Fill (prompt tokens / budget): a percentage with 2 decimals, `99.37%`. */
export const fillText = (x: number): string => percent(x, 2);

/** Mean reward (sub_em, em, f1): 3 decimals, `0.450`. */
export const rewardText = (x: number): string => fixed(x, 3);

/** Share of prompts or rows: a percentage with 1 decimal, `62.0%`. */
export const shareText = (x: number): string => percent(x, 1);
