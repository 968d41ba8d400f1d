import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { resolveShard } from "../../src/pipeline/shard-env.js";

describe("resolveShard", () => {
  it.each([
    ["no flag, no environment", undefined, {}, undefined],
    [
      "--shard wins over the environment",
      "1/4",
      { SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_COUNT: "8" },
      { shard: { index: 1, count: 4 }, from: "--shard" },
    ],
    [
      "--shard none ignores the environment",
      "none",
      { JOB_COMPLETION_INDEX: "0", KEYCHAIN_SYNTH_SHARDS: "2" },
      undefined,
    ],
    [
      "Slurm --array=0-7",
      undefined,
      {
        SLURM_ARRAY_TASK_ID: "5",
        SLURM_ARRAY_TASK_COUNT: "8",
        SLURM_ARRAY_TASK_MIN: "0",
        SLURM_ARRAY_TASK_MAX: "7",
      },
      { shard: { index: 5, count: 8 }, from: "slurm" },
    ],
    [
      "Slurm --array=1-4 (ids from 1)",
      undefined,
      {
        SLURM_ARRAY_TASK_ID: "1",
        SLURM_ARRAY_TASK_COUNT: "4",
        SLURM_ARRAY_TASK_MIN: "1",
        SLURM_ARRAY_TASK_MAX: "4",
      },
      { shard: { index: 0, count: 4 }, from: "slurm" },
    ],
    [
      "Slurm with MIN/MAX only",
      undefined,
      { SLURM_ARRAY_TASK_ID: "12", SLURM_ARRAY_TASK_MIN: "10", SLURM_ARRAY_TASK_MAX: "13" },
      { shard: { index: 2, count: 4 }, from: "slurm" },
    ],
    [
      "Slurm with COUNT only",
      undefined,
      { SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_COUNT: "3" },
      { shard: { index: 2, count: 3 }, from: "slurm" },
    ],
    [
      "Kubernetes Indexed Job",
      undefined,
      { JOB_COMPLETION_INDEX: "3", KEYCHAIN_SYNTH_SHARDS: "4" },
      { shard: { index: 3, count: 4 }, from: "kubernetes" },
    ],
  ])("%s", (_, flag, env, expected) => {
    expect(resolveShard(flag, env)).toEqual(expected);
  });

  it.each([
    ["a bad --shard", "4/4", {}, /Bad shard "4\/4"/],
    [
      "a Slurm array without a count",
      undefined,
      { SLURM_ARRAY_TASK_ID: "1" },
      /cannot tell the number of shards/,
    ],
    [
      "a stepped Slurm array (--array=0-6:2)",
      undefined,
      {
        SLURM_ARRAY_TASK_ID: "2",
        SLURM_ARRAY_TASK_COUNT: "4",
        SLURM_ARRAY_TASK_MIN: "0",
        SLURM_ARRAY_TASK_MAX: "6",
      },
      /not a contiguous range \(4 tasks between ids 0 and 6\)/,
    ],
    [
      "a Slurm id outside the array",
      undefined,
      { SLURM_ARRAY_TASK_ID: "9", SLURM_ARRAY_TASK_COUNT: "4" },
      /outside the array/,
    ],
    [
      "a non-numeric Slurm id",
      undefined,
      { SLURM_ARRAY_TASK_ID: "x", SLURM_ARRAY_TASK_COUNT: "4" },
      /Bad SLURM_ARRAY_TASK_ID="x"/,
    ],
    [
      "an Indexed Job without KEYCHAIN_SYNTH_SHARDS",
      undefined,
      { JOB_COMPLETION_INDEX: "0" },
      /KEYCHAIN_SYNTH_SHARDS is not/,
    ],
    [
      "an index not below the shard count",
      undefined,
      { JOB_COMPLETION_INDEX: "4", KEYCHAIN_SYNTH_SHARDS: "4" },
      /not below KEYCHAIN_SYNTH_SHARDS=4/,
    ],
    ["KEYCHAIN_SYNTH_SHARDS without an index", undefined, { KEYCHAIN_SYNTH_SHARDS: "4" }, /no shard index/],
  ])("refuses %s", (_, flag, env, message) => {
    expect(() => resolveShard(flag, env)).toThrow(ConfigError);
    expect(() => resolveShard(flag, env)).toThrow(message);
  });
});
