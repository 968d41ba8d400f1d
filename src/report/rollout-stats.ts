import type { FieldReader } from "../corpus/fields.js";
import { bump } from "./distribution.js";
import { ARRAY, NUMBER, OBJECT } from "./field-checks.js";

export interface RolloutStats {
  prompts: number;
  trajectories: number;
  /** Largest number of trajectories per prompt (the histogram's last bin). */
  maxSamples: number;
  /** Prompts per number of correct trajectories (index 0 … maxSamples). */
  passHistogram: number[];
  /** Means over all trajectories. */
  meanSubEm: number;
  meanEm: number;
  meanF1: number;
  /** Prompts whose trajectories are not all scored the same (they carry a learning signal). */
  nonConstant: number;
  allCorrect: number;
  allWrong: number;
}

/** The scores of one trajectory of a rollout record. */
export interface TrajectoryScores {
  isCorrect: number;
  subEm: number;
  em: number;
  f1: number;
}

/** Reads the trajectory scores of a rollout record, in order; an InputError names the bad field. */
export function readTrajectoryScores(r: Record<string, unknown>, f: FieldReader): TrajectoryScores[] {
  return f.expect(r.trajectories, "trajectories", ARRAY).map((t, i) => {
    const at = `trajectories[${i}]`;
    const o = f.expect(t, at, OBJECT);
    return {
      isCorrect: f.expect(o.is_correct, `${at}.is_correct`, NUMBER),
      subEm: f.expect(o.sub_em, `${at}.sub_em`, NUMBER),
      em: f.expect(o.em, `${at}.em`, NUMBER),
      f1: f.expect(o.f1, `${at}.f1`, NUMBER),
    };
  });
}

/** The {@link RolloutStats} of one group, one rollout record (prompt) at a time. */
export class RolloutAccumulator {
  private prompts = 0;
  private trajectories = 0;
  private readonly passHistogram: number[] = [];
  private subEm = 0;
  private em = 0;
  private f1 = 0;
  private nonConstant = 0;
  private allCorrect = 0;
  private allWrong = 0;

  add(list: readonly TrajectoryScores[]): void {
    let correct = 0;
    let first: number | undefined;
    let constant = true;
    for (const t of list) {
      this.subEm += t.subEm;
      this.em += t.em;
      this.f1 += t.f1;
      correct += t.isCorrect;
      if (first === undefined) first = t.isCorrect;
      else if (t.isCorrect !== first) constant = false;
    }
    this.prompts++;
    this.trajectories += list.length;
    while (this.passHistogram.length <= list.length) this.passHistogram.push(0);
    bump(this.passHistogram, correct);
    if (!constant) this.nonConstant++;
    if (list.length > 0 && correct === list.length) this.allCorrect++;
    if (correct === 0) this.allWrong++;
  }

  /** `null` without rollouts. */
  finish(): RolloutStats | null {
    if (this.prompts === 0) return null;
    const n = this.trajectories;
    return {
      prompts: this.prompts,
      trajectories: n,
      maxSamples: this.passHistogram.length - 1,
      passHistogram: this.passHistogram,
      meanSubEm: n ? this.subEm / n : 0,
      meanEm: n ? this.em / n : 0,
      meanF1: n ? this.f1 / n : 0,
      nonConstant: this.nonConstant,
      allCorrect: this.allCorrect,
      allWrong: this.allWrong,
    };
  }
}
