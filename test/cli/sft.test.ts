import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, useCliSandbox } from "../support/cli.js";

const PLAIN = "trajectories/hotpotqa/train-num_sample_3-max_seq_4096-qwen14b_ckpt.jsonl";
const KEYCHAIN = "trajectories/musique/dev-num_sample_2-max_seq_8192-qwen14b_ckpt.jsonl";

const sandbox = useCliSandbox("kcs-cli-sft-");
const { run } = sandbox;

beforeAll(async () => {
  await cp(join(ROOT, "test/fixtures/sft/hotpotqa"), join(sandbox.dir, "trajectories/hotpotqa"), {
    recursive: true,
  });
  await cp(join(ROOT, "test/fixtures/sft/musique"), join(sandbox.dir, "trajectories/musique"), {
    recursive: true,
  });
  await cp(join(ROOT, "test/fixtures/sft/chatqa2"), join(sandbox.dir, "chatqa2"), { recursive: true });
});

describe("keychain-synth sft", () => {
  it.each(["convert", "filter", "clean", "validate", "extract-summaries"])("sft %s --help exits 0", (cmd) => {
    const r = run("sft", cmd, "--help");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`Usage: keychain-synth sft ${cmd}`));
  });

  it("convert → filter → validate on plain and KeyChain rollout files", async () => {
    const convert = run("sft", "convert", PLAIN, KEYCHAIN, "-o", "sft", "--by-dataset");
    expect(convert.err).toBe("");
    expect(convert.code).toBe(0);
    expect(convert.out).toMatchInlineSnapshot(`
      "trajectories/hotpotqa/train-num_sample_3-max_seq_4096-qwen14b_ckpt.jsonl: 3 records → 6 rows (2 empty trajectories skipped) → sft/hotpotqa/train-num_sample_3-max_seq_4096-qwen14b_ckpt-swift.jsonl
      trajectories/musique/dev-num_sample_2-max_seq_8192-qwen14b_ckpt.jsonl: 2 records → 4 rows (0 empty trajectories skipped) → sft/musique/dev-num_sample_2-max_seq_8192-qwen14b_ckpt-swift.jsonl
      "
    `);
    const filter = run(
      "sft",
      "filter",
      "sft/hotpotqa/train-num_sample_3-max_seq_4096-qwen14b_ckpt-swift.jsonl",
      "sft/musique/dev-num_sample_2-max_seq_8192-qwen14b_ckpt-swift.jsonl",
    );
    expect(filter.code).toBe(0);
    expect(filter.out).toMatchInlineSnapshot(`
      "sft/hotpotqa/train-num_sample_3-max_seq_4096-qwen14b_ckpt-swift.jsonl: 3 questions, 2 kept, 1 dropped (no correct row) → sft/hotpotqa/train-num_sample_3-max_seq_4096-qwen14b_ckpt-swift-filtered.jsonl
      sft/musique/dev-num_sample_2-max_seq_8192-qwen14b_ckpt-swift.jsonl: 2 questions, 2 kept, 0 dropped (no correct row) → sft/musique/dev-num_sample_2-max_seq_8192-qwen14b_ckpt-swift-filtered.jsonl
      "
    `);
    const filtered = (
      await readFile(
        join(sandbox.dir, "sft/hotpotqa/train-num_sample_3-max_seq_4096-qwen14b_ckpt-swift-filtered.jsonl"),
        "utf8",
      )
    )
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { source_index: number; f1: number });
    expect(filtered.map((r) => [r.source_index, r.f1])).toEqual([
      [10, 1],
      [12, 1],
    ]);
    const validate = run(
      "sft",
      "validate",
      "sft/hotpotqa/train-num_sample_3-max_seq_4096-qwen14b_ckpt-swift-filtered.jsonl",
      "-t",
      "approx",
      "-q",
    );
    expect(validate.code).toBe(0);
    expect(validate.out).toMatchInlineSnapshot(`
      "sft/hotpotqa/train-num_sample_3-max_seq_4096-qwen14b_ckpt-swift-filtered.jsonl: 2 rows, valid
        tokens            min    mean     p50     p95     max
        conversation       34      41      34      47      47
        assistant           7      10       7      12      12
      "
    `);
  });

  it("convert twice gives byte-identical files", async () => {
    expect(run("sft", "convert", KEYCHAIN, "-o", "det1").code).toBe(0);
    expect(run("sft", "convert", KEYCHAIN, "-o", "det2").code).toBe(0);
    const name = "dev-num_sample_2-max_seq_8192-qwen14b_ckpt-swift.jsonl";
    expect(await readFile(join(sandbox.dir, "det1", name), "utf8")).toBe(
      await readFile(join(sandbox.dir, "det2", name), "utf8"),
    );
  });

  it("clean reports a trajectory without </think> and goes on; --keep-boxed keeps the box", async () => {
    const r = run("sft", "clean", PLAIN, KEYCHAIN, "-o", "clean", "--keep-boxed");
    expect(r.code).toBe(0);
    expect(r.out).toMatchInlineSnapshot(`
      "trajectories/hotpotqa/train-num_sample_3-max_seq_4096-qwen14b_ckpt.jsonl: 3 records → 1 rows (1 without a correct trajectory, 1 whose correct trajectories all lack </think>) → clean/train-num_sample_3-max_seq_4096-qwen14b_ckpt-cleaned.jsonl
      trajectories/musique/dev-num_sample_2-max_seq_8192-qwen14b_ckpt.jsonl: 2 records → 2 rows (0 without a correct trajectory, 0 whose correct trajectories all lack </think>) → clean/dev-num_sample_2-max_seq_8192-qwen14b_ckpt-cleaned.jsonl
      "
    `);
    expect(r.err).toBe(`${PLAIN}:3: source_index 12: correct trajectory 0 has no </think>; passed over\n`);
    const row = JSON.parse(
      (
        await readFile(
          join(sandbox.dir, "clean/train-num_sample_3-max_seq_4096-qwen14b_ckpt-cleaned.jsonl"),
          "utf8",
        )
      ).trim(),
    ) as { messages: { role: string; content: string }[] };
    expect(row.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(row.messages[1]?.content).toBe("<think>The passage says Paris.</think>\\boxed{Paris}");
  });

  it("bad lines are listed with line numbers and fail the run unless --allow-bad-lines", async () => {
    const good = (await readFile(join(sandbox.dir, KEYCHAIN), "utf8")).split("\n")[0] as string;
    const bad = JSON.parse(good) as Record<string, unknown>;
    delete bad.trajectories;
    await writeFile(
      join(sandbox.dir, "trajectories/musique/bad-max_seq_8192-m.jsonl"),
      `${good}\nnot json\n${JSON.stringify(bad)}\n`,
    );
    const r = run("sft", "convert", "trajectories/musique/bad-max_seq_8192-m.jsonl", "-o", "badout");
    expect(r.code).toBe(1);
    expect(r.out).toContain("1 records → 2 rows (0 empty trajectories skipped, 2 bad lines)");
    expect(r.err).toMatchInlineSnapshot(`
      "trajectories/musique/bad-max_seq_8192-m.jsonl:2: invalid JSON: Unexpected token 'o', "not json" is not valid JSON
      trajectories/musique/bad-max_seq_8192-m.jsonl:3: field "trajectories": expected an array, but the field is missing
      keychain-synth: "trajectories/musique/bad-max_seq_8192-m.jsonl" has lines that could not be used (listed above; the rest was written). Fix them or pass --allow-bad-lines.
      "
    `);
    expect(
      run(
        "sft",
        "convert",
        "trajectories/musique/bad-max_seq_8192-m.jsonl",
        "-o",
        "badout",
        "--allow-bad-lines",
      ).code,
    ).toBe(0);
  });

  it("--model-tag overrides the recorded model in the rows and the output name", async () => {
    const r = run("sft", "convert", KEYCHAIN, "-o", "tagged", "--model-tag", "my-sft");
    expect(r.code).toBe(0);
    expect(r.out).toContain("→ tagged/dev-num_sample_2-max_seq_8192-my-sft-swift.jsonl");
    const rows = (
      await readFile(join(sandbox.dir, "tagged/dev-num_sample_2-max_seq_8192-my-sft-swift.jsonl"), "utf8")
    )
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { model: string });
    expect(rows.map((row) => row.model)).toEqual(["my-sft", "my-sft", "my-sft", "my-sft"]);
  });

  it("a rollout file whose records name no model needs --model-tag (exit 2)", async () => {
    const lines = (await readFile(join(sandbox.dir, KEYCHAIN), "utf8")).trim().split("\n");
    const untagged = lines.map((line) => {
      const { model: _, ...rest } = JSON.parse(line) as Record<string, unknown>;
      return JSON.stringify(rest);
    });
    await writeFile(
      join(sandbox.dir, "trajectories/musique/untagged-max_seq_8192-x.jsonl"),
      `${untagged.join("\n")}\n`,
    );
    const r = run("sft", "clean", "trajectories/musique/untagged-max_seq_8192-x.jsonl", "-o", "untagged");
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'keychain-synth: No record of "trajectories/musique/untagged-max_seq_8192-x.jsonl" names the model that wrote it (no "model" field): pass --model-tag (modelTag) to label its rows.\n',
    );
    const tagged = run(
      "sft",
      "clean",
      "trajectories/musique/untagged-max_seq_8192-x.jsonl",
      "-o",
      "untagged",
      "--model-tag",
      "t",
    );
    expect(tagged.code).toBe(0);
    expect(tagged.out).toContain("→ untagged/untagged-max_seq_8192-t-cleaned.jsonl");
  });

  it("validate lists errors as file:line: message and exits 1", async () => {
    await writeFile(
      join(sandbox.dir, "broken.jsonl"),
      `${JSON.stringify({ messages: [{ role: "user", content: "q" }] })}\n{"messages": []}\n`,
    );
    const r = run(
      "sft",
      "validate",
      "broken.jsonl",
      "--no-tokens",
      "--schema",
      "messages",
      "--max-errors",
      "2",
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatchInlineSnapshot(`
      "broken.jsonl:1: last message role must be 'assistant', got 'user'
      broken.jsonl:1: messages[0].role: expected the last message to be from the assistant, got "user"
      … 2 more errors not shown
      broken.jsonl: 2 rows, 2 invalid (4 errors)
      "
    `);
    expect(r.err).toBe("keychain-synth: 1 of 1 files failed validation\n");
  });

  it.each([
    [
      [
        "sft",
        "convert",
        PLAIN,
        "trajectories/hotpotqa/../hotpotqa/train-num_sample_3-max_seq_4096-qwen14b_ckpt.jsonl",
      ],
      /would both be written to/,
    ],
    [["sft", "convert", "trajectories/hotpotqa/x.jsonl"], /its name has no "max_seq_<N>" part/],
    [
      ["sft", "convert", PLAIN, "--system", "S"],
      /--system is no longer needed: each row holds the prompt stored in the rollout file/,
    ],
    [["sft", "convert", PLAIN, "--prompt", "keychain"], /--prompt is no longer needed/],
  ])("configuration errors exit 2: %j", (args, message) => {
    const r = run(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it("extract-summaries prints the count after each filter", async () => {
    const r = run(
      "sft",
      "extract-summaries",
      "-i",
      "chatqa2/long_sft_sample.jsonl",
      "-o",
      "summaries",
      "-t",
      "approx",
      "--min-input-tokens",
      "50",
      "--min-output-tokens",
      "5",
      "-q",
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatchInlineSnapshot(`
      "rows read                          4
      with a summary keyword             3
      non-empty after cleaning           3
      ≥ 50 input tokens                  2
      ≥ 5 output tokens                  1
      → summaries/long_sft_train_summary.jsonl
      "
    `);
    const rows = (await readFile(join(sandbox.dir, "summaries/long_sft_train_summary.jsonl"), "utf8"))
      .trim()
      .split("\n");
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0] as string)).toMatchObject({ dataset: "chatqa2_summary", word_count: 11 });
    expect(
      run("sft", "validate", "summaries/long_sft_train_summary.jsonl", "--schema", "messages", "--no-tokens")
        .code,
    ).toBe(0);
  });

  it.each(["convert", "clean"])(
    "%s: --out and its old spelling --out-dir write the same files (-o is --out)",
    async (cmd) => {
      const outputs = await Promise.all(
        ["--out", "--out-dir", "-o"].map(async (flag, i) => {
          const dir = `${cmd}-spelling-${i}`;
          const r = run("sft", cmd, PLAIN, KEYCHAIN, flag, dir, "--by-dataset");
          expect(r.code, r.err).toBe(0);
          const files = [];
          for (const line of r.out.trim().split("\n")) {
            const path = line.slice(line.lastIndexOf("→ ") + 2);
            expect(path.startsWith(`${dir}/`)).toBe(true);
            files.push({
              name: path.slice(dir.length),
              text: await readFile(join(sandbox.dir, path), "utf8"),
            });
          }
          return { out: r.out.replaceAll(dir, "OUT"), files };
        }),
      );
      expect(outputs[1]).toEqual(outputs[0]);
      expect(outputs[2]).toEqual(outputs[0]);
    },
  );

  it("filter: --out and --out-dir write to the folder given", async () => {
    expect(run("sft", "convert", KEYCHAIN, "-o", "tofilter").code).toBe(0);
    const input = "tofilter/dev-num_sample_2-max_seq_8192-qwen14b_ckpt-swift.jsonl";
    const name = "dev-num_sample_2-max_seq_8192-qwen14b_ckpt-swift-filtered.jsonl";
    const texts = [];
    for (const flag of ["--out", "--out-dir"]) {
      const r = run("sft", "filter", input, flag, `filtered${flag}`);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain(`→ filtered${flag}/${name}`);
      texts.push(await readFile(join(sandbox.dir, `filtered${flag}`, name), "utf8"));
    }
    expect(texts[1]).toBe(texts[0]);
  });

  it("convert --json prints every input's summary as JSON, and nothing else on stdout", () => {
    const r = run("sft", "convert", PLAIN, KEYCHAIN, "-o", "json", "--by-dataset", "--json");
    expect(r.code, r.err).toBe(0);
    const json = JSON.parse(r.out) as {
      files: { input: string; records: number; rows: number; skippedEmpty: number; outputPath: string }[];
    };
    expect(json.files.map((f) => [f.input, f.records, f.rows, f.skippedEmpty, f.outputPath])).toEqual([
      [PLAIN, 3, 6, 2, "json/hotpotqa/train-num_sample_3-max_seq_4096-qwen14b_ckpt-swift.jsonl"],
      [KEYCHAIN, 2, 4, 0, "json/musique/dev-num_sample_2-max_seq_8192-qwen14b_ckpt-swift.jsonl"],
    ]);
  });

  it("clean -q keeps the notes off stderr; the summary is still printed", () => {
    const loud = run("sft", "clean", PLAIN, "-o", "quiet-clean");
    expect(loud.err).toContain("has no </think>; passed over");
    const quiet = run("sft", "clean", PLAIN, "-o", "quiet-clean", "-q");
    expect(quiet.code).toBe(0);
    expect(quiet.err).toBe("");
    expect(quiet.out).toBe(loud.out);
  });

  it("filter, clean and validate print JSON with --json", () => {
    const clean = run("sft", "clean", KEYCHAIN, "-o", "json-clean", "--json", "-q");
    expect(clean.code, clean.err).toBe(0);
    expect(JSON.parse(clean.out).files[0]).toMatchObject({ input: KEYCHAIN, records: 2, kept: 2 });
    expect(run("sft", "convert", KEYCHAIN, "-o", "json-filter", "-q").code).toBe(0);
    const converted = "json-filter/dev-num_sample_2-max_seq_8192-qwen14b_ckpt-swift.jsonl";
    const filter = run("sft", "filter", converted, "--json");
    expect(filter.code, filter.err).toBe(0);
    expect(JSON.parse(filter.out).files[0]).toMatchObject({ input: converted, questions: 2, kept: 2 });
    const validate = run("sft", "validate", converted, "--no-tokens", "--json");
    expect(validate.code, validate.err).toBe(0);
    expect(JSON.parse(validate.out).files[0]).toMatchObject({ file: converted, rows: 4, errorCount: 0 });
  });

  it("extract-summaries: --out and --out-dir write the same file; --json prints the counts", async () => {
    const args = ["-i", "chatqa2/long_sft_sample.jsonl", "-t", "approx", "--min-input-tokens", "50", "-q"];
    const texts = [];
    for (const flag of ["--out", "--out-dir"]) {
      const r = run("sft", "extract-summaries", ...args, flag, `sum${flag}`, "--json");
      expect(r.code, r.err).toBe(0);
      const json = JSON.parse(r.out) as { read: number; afterOutputTokens: number; outputPath: string };
      expect(json).toMatchObject({ read: 4, afterInputTokens: 2 });
      expect(json.outputPath).toBe(`sum${flag}/long_sft_train_summary.jsonl`);
      texts.push(await readFile(join(sandbox.dir, json.outputPath), "utf8"));
    }
    expect(texts[1]).toBe(texts[0]);
  });
});
