import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, useCliSandbox } from "../support/cli.js";

const FIXTURE = join(ROOT, "test/fixtures/plain/small.jsonl");

const sandbox = useCliSandbox("kcs-cli-");
const { run } = sandbox;

describe("keychain-synth CLI", () => {
  it.each(["plain", "keychain", "download", "demo"])("%s --help describes the command and exits 0", (cmd) => {
    const r = run(cmd, "--help");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`Usage: keychain-synth ${cmd}`));
  });

  it("plain writes the file and prints a summary", async () => {
    const r = run(
      "plain",
      "-i",
      FIXTURE,
      "-L",
      "600",
      "-G",
      "50",
      "-n",
      "5",
      "-t",
      "approx",
      "--no-cache",
      "-o",
      "out1",
      "-q",
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/5\/5 samples written, 0 skipped/);
    const lines = (
      await readFile(join(sandbox.dir, "out1/small/train-num_sample_5-max_seq_600.jsonl"), "utf8")
    )
      .trim()
      .split("\n");
    expect(lines).toHaveLength(5);
    for (const l of lines) expect(JSON.parse(l).prompt_length).toBeLessThanOrEqual(550);
  });

  it("plain --json prints the file summaries as JSON, and the same file as without it", async () => {
    const args = ["-i", FIXTURE, "-L", "600", "-G", "50", "-n", "5", "-t", "approx", "--no-cache", "-q"];
    const r = run("plain", ...args, "-o", "outjson", "--json");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as {
      files: { path: string; written: number; requested: number; skipped: unknown[]; withinBudget: number }[];
    };
    expect(json.files).toHaveLength(1);
    expect(json.files[0]).toMatchObject({
      path: join("outjson", "small", "train-num_sample_5-max_seq_600.jsonl"),
      written: 5,
      requested: 5,
      skipped: [],
      withinBudget: 5,
    });
    expect(run("plain", ...args, "-o", "outtext").code).toBe(0);
    const file = "small/train-num_sample_5-max_seq_600.jsonl";
    expect(await readFile(join(sandbox.dir, "outjson", file), "utf8")).toBe(
      await readFile(join(sandbox.dir, "outtext", file), "utf8"),
    );
  });

  it("keychain --json prints the file summaries and their verification as JSON", () => {
    const r = run(
      "keychain",
      ...["-i", FIXTURE, "-L", "1500", "-G", "50", "-n", "2", "--chains", "3", "--distractor-questions", "5"],
      ...["-t", "approx", "--no-cache", "-o", "kcjson", "-q", "--json"],
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as {
      files: { path: string; written: number }[];
      verification: { path: string; lines: number; failed: number }[];
    };
    expect(json.files.map((f) => f.written)).toEqual([2]);
    expect(json.verification).toMatchObject([{ path: json.files[0]?.path, lines: 2, failed: 0 }]);
  });

  it("keychain writes verifiable-looking instances within budget (approx tokenizer: counted, not additive)", async () => {
    const r = run(
      "keychain",
      "-i",
      FIXTURE,
      "-L",
      "1500",
      "-G",
      "50",
      "-n",
      "4",
      "--chains",
      "3",
      "--distractor-questions",
      "5",
      "-t",
      "approx",
      "--no-cache",
      "-o",
      "kc",
      "-q",
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const path = join(
      sandbox.dir,
      "kc/small/small_train-num_sample_4-max_seq_1500-uuid_len_default-numchain_3-numhop-4-distractor.jsonl",
    );
    const recs = (await readFile(path, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(recs).toHaveLength(4);
    for (const rec of recs) {
      expect(rec.num_pairs).toBe(12);
      expect(rec.prompt_length).toBeLessThanOrEqual(1450);
      expect(rec.distractor_context).toContain(`{"${rec.chain.at(-1)}": ${JSON.stringify(rec.input)}}.`);
    }
  });

  it.each([
    [["--id-format", "hex:2", "--chains", "60"], /hex:2 is too short to be unique/],
    [
      ["--chains", "3", "--distractor-questions", "50"],
      /asks for 50 distractor questions, but the data set has only 30 distinct questions/,
    ],
    [["--chains", "3", "--distractor-questions", "1"], /fewer than the 2 distractor chains/],
    [["--topology", "star"], /--topology: Bad topology "star"/],
  ])("keychain rejects %j before writing anything", (extra, msg) => {
    const r = run(
      "keychain",
      "-i",
      FIXTURE,
      "-L",
      "1500",
      "-n",
      "2",
      "-t",
      "approx",
      "--no-cache",
      "-o",
      "kcbad",
      ...(extra as string[]),
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg as RegExp);
    expect(existsSync(join(sandbox.dir, "kcbad"))).toBe(false);
  });

  it("keychain with auto distractor questions adapts to a small data set and says so", async () => {
    // 4096 tokens: 4 chains (3 distractor chains); auto asks 64 distractor questions, the fixture has 30.
    const args = [
      "keychain",
      "-i",
      FIXTURE,
      "-L",
      "4096",
      "-G",
      "100",
      "-n",
      "2",
      "-t",
      "approx",
      "--no-cache",
    ];
    const r = run(...args, "-o", "kcauto");
    expect(r.code).toBe(0);
    expect(r.err).toContain(
      "note: KeyChain at length 4096: 29 distractor questions per instance (auto asks 64; small has 30 distinct questions)",
    );
    const path = join(
      sandbox.dir,
      "kcauto/small/small_train-num_sample_2-max_seq_4096-uuid_len_default-numchain_4-numhop-4-distractor.jsonl.meta.json",
    );
    expect(JSON.parse(await readFile(path, "utf8")).options.distractor_questions).toBe(29);
    // Too small even for the chains: 31 chains need 30 other questions.
    const few = run(...args, "--chains", "31", "-o", "kcfew");
    expect(few.code).toBe(2);
    expect(few.err).toMatch(
      /asks for 30 distractor questions, but the data set has only 30 distinct questions/,
    );
  });

  it("malformed input: exit 1, names file, line and field, leaves no output", async () => {
    await writeFile(
      join(sandbox.dir, "bad.jsonl"),
      '{"id": "a", "question": "q?", "answers": "x", "documents": [], "supporting": []}\n',
    );
    const r = run(
      "plain",
      "-i",
      "bad.jsonl",
      "-L",
      "600",
      "-n",
      "1",
      "-t",
      "approx",
      "--no-cache",
      "-o",
      "out2",
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^keychain-synth: Cannot read "bad\.jsonl" line 1 \(id "a"\), field "answers": expected an array/,
    );
    expect(existsSync(join(sandbox.dir, "out2"))).toBe(false);
  });

  it("an empty file is named as empty", async () => {
    await writeFile(join(sandbox.dir, "empty.json"), "  \n");
    const r = run("plain", "-i", "empty.json", "-L", "600", "-t", "approx", "--no-cache", "-o", "out3");
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/"empty\.json".*file is empty/);
  });

  it("an unrecognised format asks for --format", async () => {
    await writeFile(join(sandbox.dir, "odd.jsonl"), '{"foo": 1}\n');
    const r = run("plain", "-i", "odd.jsonl", "-L", "600", "-t", "approx", "--no-cache", "-o", "out4");
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--format/);
  });

  it("too many samples: exit 2 with the counts, no output", () => {
    const r = run(
      "plain",
      "-i",
      FIXTURE,
      "-L",
      "600",
      "-n",
      "31",
      "-t",
      "approx",
      "--no-cache",
      "-o",
      "out5",
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Requested questions \[0, 31\) but only 30 are available/);
    expect(existsSync(join(sandbox.dir, "out5"))).toBe(false);
  });

  it.each([
    [["--placement", "middle"], /Unknown placement "middle"/],
    [["--template", "{ctx}"], /unknown placeholder \{ctx\}/],
    [["--shard", "4/4"], /Bad shard "4\/4"/],
    [["--tokenizer", "nope"], /nope/],
  ])("bad option %j: exit 2 with a message", (extra, msg) => {
    const r = run("plain", "-i", FIXTURE, "-L", "600", "--no-cache", "-o", "out6", ...(extra as string[]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg as RegExp);
  });

  it.each([
    [["hotpotqa", "--retries", "x"], /--retries expects an integer ≥ 0, got "x"/],
    [["nq"], /Unknown data set "nq": use hotpotqa, musique, 2wikimqa/],
  ])("download rejects %j: exit 2, nothing fetched", async (args, msg) => {
    const r = run("download", ...(args as string[]), "--data-dir", "never", "--mirror", "http://127.0.0.1:9");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg as RegExp);
    expect(existsSync(join(sandbox.dir, "never"))).toBe(false);
  });

  it("download says when the host cannot be reached", async () => {
    // A port that was just free: nothing listens there, so the connection is refused.
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, "127.0.0.1", () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => resolve(port));
      });
    });
    const mirror = `http://127.0.0.1:${port}`;
    const r = run("download", "hotpotqa", "--data-dir", "d", "--mirror", mirror, "--retries", "0", "-q");
    expect(r.code).not.toBe(0);
    expect(r.err, r.err).toMatch(/could not be reached/);
    expect(await readdir(sandbox.dir)).not.toContain("hotpot_train_v1.1.json");
  });
});

describe("keychain-synth score", () => {
  const OUTPUTS = join(ROOT, "test/fixtures/scoring/outputs.jsonl");
  it("scores outputs and lists where default and compat modes differ", async () => {
    const r = run("score", OUTPUTS, "--compare", "-o", "scored.jsonl");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/5 lines, answer extracted from 4; mean sub_em 0\.2000/);
    // compat rewards the empty "\boxed{the}", the wrong letter and "Norway" for "no"; default does not
    expect(r.out).toMatch(/sub_em differs between default and compat on 3 lines/);
    const scored = (await readFile(join(sandbox.dir, "scored.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(scored[0].score).toEqual({
      extracted_answer: "Arthur's Magazine",
      sub_em: 1,
      em: 1,
      f1: 1,
      is_correct: 1,
    });
    expect(scored[4].score.extracted_answer).toBeNull();
  });

  it("--json prints the scores as JSON; -q changes nothing on stdout", () => {
    const r = run("score", OUTPUTS, "--compare", "--json");
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as {
      mode: string;
      files: {
        path: string;
        lines: number;
        extracted: number;
        mean: { sub_em: number };
        differences: unknown[];
      }[];
    };
    expect(json.mode).toBe("default");
    expect(json.files).toHaveLength(1);
    expect(json.files[0]).toMatchObject({ path: OUTPUTS, lines: 5, extracted: 4, mean: { sub_em: 0.2 } });
    expect(json.files[0]?.differences).toHaveLength(3);
    const quiet = run("score", OUTPUTS, "--compare", "-q");
    expect(quiet.err).toBe("");
    expect(quiet.out).toBe(run("score", OUTPUTS, "--compare").out);
  });

  it.each([
    [["--extractor", "cot"], /--extractor must be thinking, answer-is or auto, got "cot"/],
    [["--mode", "strict"], /--mode must be default or compat, got "strict"/],
  ])("score rejects %j: exit 2", (extra, msg) => {
    const r = run("score", OUTPUTS, ...(extra as string[]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg as RegExp);
  });

  it("compat mode reproduces the original's rewards", () => {
    const r = run("score", OUTPUTS, "--mode", "compat");
    expect(r.out).toMatch(/mean sub_em 0\.8000/);
  });

  it("names the line and field of a bad record", async () => {
    await writeFile(join(sandbox.dir, "bad-out.jsonl"), '{"text": "x", "gold": "y"}\n');
    const r = run("score", "bad-out.jsonl");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/"bad-out\.jsonl" line 1, field "gold": expected an array of strings/);
  });
});
