/** Which shard this machine makes: from `--shard`, else from a Slurm array or a Kubernetes Indexed Job. */
import { ConfigError } from "../errors.js";
import { parseShard, type Shard } from "../run/windows.js";

/** A shard and where it came from (`--shard`, `slurm`, `kubernetes`), for messages and the manifest. */
export interface ShardChoice {
  shard: Shard;
  from: "--shard" | "slurm" | "kubernetes";
}

type Env = Readonly<Record<string, string | undefined>>;

function envInt(env: Env, name: string, min: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min)
    throw new ConfigError(`Bad ${name}=${JSON.stringify(raw)}: expected an integer ≥ ${min}`);
  return n;
}

/**
 * The shard to make, or undefined for the whole run.
 *
 * 1. `--shard i/n` (0-based); `--shard none` ignores the environment.
 * 2. Slurm job array: i = `SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` (0 when unset); n =
 *    `SLURM_ARRAY_TASK_COUNT`, else `SLURM_ARRAY_TASK_MAX` − `SLURM_ARRAY_TASK_MIN` + 1. The array must be a
 *    contiguous range (`--array=0-7` or `1-8`, any `%` limit); stepped or listed arrays are refused.
 * 3. Kubernetes Indexed Job: i = `JOB_COMPLETION_INDEX`; n = `KEYCHAIN_SYNTH_SHARDS` (set it to the Job's
 *    `completions`).
 */
export function resolveShard(flag: string | undefined, env: Env): ShardChoice | undefined {
  if (flag !== undefined) {
    if (flag.trim() === "none") return undefined;
    return { shard: parseShard(flag), from: "--shard" };
  }
  const taskId = envInt(env, "SLURM_ARRAY_TASK_ID", 0);
  if (taskId !== undefined) {
    const min = envInt(env, "SLURM_ARRAY_TASK_MIN", 0);
    const max = envInt(env, "SLURM_ARRAY_TASK_MAX", 0);
    const count = envInt(env, "SLURM_ARRAY_TASK_COUNT", 1);
    const span = min !== undefined && max !== undefined ? max - min + 1 : undefined;
    const n = count ?? span;
    if (n === undefined)
      throw new ConfigError(
        "SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MIN/MAX: cannot tell the number of shards; pass --shard i/n",
      );
    if (count !== undefined && span !== undefined && count !== span)
      throw new ConfigError(
        `The Slurm array is not a contiguous range (${count} tasks between ids ${min} and ${max}): submit it as --array=0-${count - 1}, or pass --shard i/n`,
      );
    const index = taskId - (min ?? 0);
    if (index < 0 || index >= n)
      throw new ConfigError(
        `SLURM_ARRAY_TASK_ID=${taskId} is outside the array (${n} tasks from ${min ?? 0}); pass --shard i/n`,
      );
    return { shard: { index, count: n }, from: "slurm" };
  }
  const completion = envInt(env, "JOB_COMPLETION_INDEX", 0);
  const shards = envInt(env, "KEYCHAIN_SYNTH_SHARDS", 1);
  if (completion !== undefined) {
    if (shards === undefined)
      throw new ConfigError(
        "JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but KEYCHAIN_SYNTH_SHARDS is not: set it to the Job's completions, or pass --shard i/n",
      );
    if (completion >= shards)
      throw new ConfigError(
        `JOB_COMPLETION_INDEX=${completion} is not below KEYCHAIN_SYNTH_SHARDS=${shards}`,
      );
    return { shard: { index: completion, count: shards }, from: "kubernetes" };
  }
  if (shards !== undefined)
    throw new ConfigError(
      `KEYCHAIN_SYNTH_SHARDS=${shards} is set but no shard index (JOB_COMPLETION_INDEX): pass --shard i/n, or --shard none to run everything`,
    );
  return undefined;
}
