/**
 * The files the documented commands expect to find, under the names the documents use: the public data
 * sets as `keychain-synth download` leaves them (generated from the built-in synthetic world in each data
 * set's own format, large enough to fill 64K-token prompts), your own data in the generic format, and small
 * fixtures for the commands that read other tools' outputs.
 */
import { cp, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { type GenericRecord, generateWorld } from "../../src/synthetic/index.js";
import { ROOT } from "../support/cli.js";

/** Questions per generated data set: enough for every documented window and for 64K-token contexts. */
const QUESTIONS = 200;

const FIXTURES = join(ROOT, "test/fixtures");

/** A generic record's documents as HotpotQA/2Wiki `context` and `supporting_facts` (one sentence each). */
function titleContext(r: GenericRecord) {
  return {
    context: r.documents.map((d) => [d.title, [d.text]]),
    supporting_facts: r.supporting.map((i) => [r.documents[i]?.title, 0]),
  };
}

function hotpotqa(r: GenericRecord, i: number) {
  const type = i % 4 === 0 ? "comparison" : "bridge";
  return {
    _id: `hp-${r.id}`,
    question: r.question,
    answer: r.answers[0],
    type,
    level: "medium",
    ...titleContext(r),
  };
}

function twoWiki(r: GenericRecord) {
  return {
    _id: `tw-${r.id}`,
    type: "compositional",
    question: r.question,
    answer: r.answers[0],
    evidences: [],
    ...titleContext(r),
  };
}

function musique(r: GenericRecord) {
  return {
    id: `${r.supporting.length}hop__${r.id}`,
    question: r.question,
    answer: r.answers[0],
    answer_aliases: [],
    answerable: true,
    question_decomposition: [],
    paragraphs: r.documents.map((d, idx) => ({
      idx,
      title: d.title,
      paragraph_text: d.text,
      is_supporting: r.supporting.includes(idx),
    })),
  };
}

async function write(path: string, text: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

const jsonLines = (rows: unknown[]): string => rows.map((r) => `${JSON.stringify(r)}\n`).join("");

/**
 * A local copy of the ChatQA2 `long_sft` split (parquet): long documents with a summary request, each over
 * the 4,096-token floor of `sft extract-summaries`, and a few rows that ask something else.
 */
function longSftParquet(records: GenericRecord[]): Uint8Array {
  const rows = records.slice(0, 12).map((r, i) => {
    const text = records
      .slice(i, i + 4)
      .flatMap((x) => x.documents.map((d) => d.text))
      .join(" ");
    const ask =
      i % 4 === 3
        ? "Who is mentioned first?"
        : "Can you write an appropriate summary of the above paragraphs?";
    return {
      question: `User: ${text}\n${ask}\n\nAssistant:`,
      answers: [
        `The paragraphs describe ${r.documents.map((d) => d.title).join(", ")} and how they are related.`,
      ],
    };
  });
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: "question", data: rows.map((r) => r.question) },
        { name: "answers", data: rows.map((r) => r.answers) },
      ],
    }),
  );
}

/**
 * verl rollout logs (`global_step_{N}.json`) of a GRPO run with 16 rollouts per prompt: plain long-context
 * prompts and KeyChain ones, each rollout's score drawn from the step, prompt and rollout.
 */
function rolloutLogSteps(records: GenericRecord[]): string[] {
  const prompt = (r: GenericRecord, keychain: boolean) =>
    [
      "<|im_start|>user\nThe following are given passages.",
      ...r.documents.slice(0, 3).map((d, i) => `Passage ${i + 1}:\n${d.title}\n${d.text}`),
      keychain ? "Follow the chain of key:value pairs encoded with UUID strings." : `Question: ${r.question}`,
    ].join("\n\n");
  return [1, 2, 3].map((step) =>
    JSON.stringify(
      records.slice(0, 8).flatMap((r, p) =>
        Array.from({ length: 16 }, (_, k) => ({
          input: `${prompt(r, p % 2 === 1)}<|im_end|>\n<|im_start|>assistant\n<think>…</think> \\boxed{${r.answers[0]}}`,
          score: (step * 7 + p * 3 + k) % (p + 2) === 0 ? 1 : 0,
        })),
      ),
    ),
  );
}

/**
 * Write every input under `dir`. Returns the answer of every generated question (question text → answer),
 * which the fake model server answers from.
 */
export async function writeDocInputs(dir: string): Promise<Map<string, string>> {
  const sets = {
    hotpotqa: [...generateWorld({ seed: 11, questions: QUESTIONS })],
    hotpotDev: [...generateWorld({ seed: 12, questions: 20 })],
    musique: [...generateWorld({ seed: 13, questions: QUESTIONS })],
    twoWiki: [...generateWorld({ seed: 14, questions: QUESTIONS })],
    mine: [...generateWorld({ seed: 15, questions: QUESTIONS })],
  };
  const data = join(dir, "data");
  // As `keychain-synth download hotpotqa musique 2wikimqa --data-dir data` leaves them.
  await write(join(data, "hotpotqa/hotpot_train_v1.1.json"), JSON.stringify(sets.hotpotqa.map(hotpotqa)));
  await write(
    join(data, "hotpotqa/hotpot_dev_distractor_v1.json"),
    JSON.stringify(sets.hotpotDev.map(hotpotqa)),
  );
  await write(join(data, "musique/musique_full_v1.0_train.jsonl"), jsonLines(sets.musique.map(musique)));
  await write(join(data, "2wikimqa/train.json"), JSON.stringify(sets.twoWiki.map(twoWiki)));
  // Your own data, in the generic format.
  await write(join(data, "mine.jsonl"), jsonLines(sets.mine));

  // Model outputs for `score`; rollout files of a model tagged qwen14b_ckpt for `sft`; verl rollout logs.
  await cp(join(FIXTURES, "scoring/outputs.jsonl"), join(dir, "outputs.jsonl"));
  for (const name of ["hotpotqa", "musique"])
    await cp(join(FIXTURES, "sft", name), join(dir, "trajectories", name), { recursive: true });
  const steps = rolloutLogSteps(sets.hotpotDev);
  for (const [i, text] of steps.entries())
    await write(join(dir, `train_gen_log/global_step_${i + 1}.json`), text);
  await write(join(dir, "long_sft/train.parquet"), longSftParquet(sets.mine));

  const answers = new Map<string, string>();
  for (const records of Object.values(sets))
    for (const r of records) answers.set(r.question.trim(), r.answers[0] ?? "");
  return answers;
}
