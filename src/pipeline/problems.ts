import { type ConfigProblem, ConfigProblemsError } from "../config/problems.js";
import { KeychainError } from "../errors.js";

/** Every problem of a pipeline config at once; the message lists them one per line. */
export class PipelineConfigError extends ConfigProblemsError {
  override name = "PipelineConfigError";
  constructor(problems: readonly ConfigProblem[], file?: string) {
    super("pipeline", problems, file);
  }
}

/** Shards that cannot be merged: every missing, incomplete or inconsistent shard, listed at once. */
export class ShardMergeError extends KeychainError {
  override name = "ShardMergeError";
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(
      `Cannot merge shards (nothing was written): ${problems.length} problem${problems.length === 1 ? "" : "s"}\n${problems.map((p) => `  ${p}`).join("\n")}`,
    );
    this.problems = problems;
  }
}
