/**
 * A small grow setup: a generic JSONL corpus of numbered questions, existing SFT sets cut from the shuffled
 * question list, a config file, and an answerer that gets every even-numbered question wrong (so filtering
 * drops about half the window and more rounds are needed).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readCorpus } from "../../src/corpus/read.js";
import type { QaRecord } from "../../src/corpus/types.js";
import { selectQuestions } from "../../src/run/windows.js";
import type { ChatBody } from "../support/openai-server.js";

export const QUESTIONS = 100;

/** Question N asks for "Person N"; its one document names them. */
export async function writeCorpus(path: string, n = QUESTIONS): Promise<string> {
  const lines = Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      id: `q${i}`,
      question: `Who is number ${i}?`,
      answers: [`Person ${i}`],
      documents: [{ title: `Doc ${i}`, text: `Number ${i} is Person ${i} of town ${i}.` }],
      supporting: [0],
    }),
  );
  await writeFile(path, `${lines.join("\n")}\n`);
  return path;
}

/** The shuffled question list grow and plain cut windows from (seed 42, shuffled). */
export async function shuffledQuestions(corpus: string): Promise<QaRecord[]> {
  const c = await readCorpus(corpus);
  return selectQuestions(c.qas, { shuffle: true, seed: 42 });
}

/** An SFT row as filter writes it (only the fields grow reads matter). */
export function sftRow(q: QaRecord, position: number, length: number): Record<string, unknown> {
  return {
    messages: [
      { role: "user", content: q.question },
      { role: "assistant", content: `<think>x</think>\\boxed{${q.answers[0]}}` },
    ],
    is_correct: 1,
    sub_em: 1,
    em: 1,
    f1: 1,
    extracted_answer: q.answers[0],
    answers: q.answers,
    source_index: position,
    id: q.id,
    dataset: "toy",
    length,
    model: "LoongRL-14b",
  };
}

/** Write an existing set of the given shuffled positions. */
export async function writeExisting(
  dir: string,
  questions: readonly QaRecord[],
  positions: readonly number[],
  length: number,
): Promise<string> {
  await mkdir(join(dir, "toy"), { recursive: true });
  const path = join(
    dir,
    "toy",
    `train-num_sample_${positions.length}-max_seq_${length}-LoongRL-14b-swift-filtered.jsonl`,
  );
  const rows = positions.map((p) => JSON.stringify(sftRow(questions[p] as QaRecord, p, length)));
  await writeFile(path, `${rows.join("\n")}\n`);
  return path;
}

export const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

/** Thinking-format answers: right for odd question numbers, wrong for even ones (every choice). */
export function parityAnswer(body: ChatBody): string {
  const user = body.messages.find((m) => m.role === "user")?.content ?? "";
  const q = /Question: Who is number (\d+)\?/.exec(user);
  const k = Number(q?.[1] ?? "0");
  const answer = k % 2 === 1 ? `Person ${k}` : `Nobody ${k}`;
  return `<think>the passage about number ${k}</think> \\boxed{${answer}}`;
}

/** The YAML of a grow config; `extra` lines are appended at the top level. */
export function growYaml(o: {
  out: string;
  corpus: string;
  existing: string;
  url: string;
  extra?: string;
}): string {
  return `out: ${o.out}
datasets:
  - name: toy
    path: ${o.corpus}
lengths: [64, 128]
target: 20
existing:
  dir: ${o.existing}
  pattern: "{dataset}/train-num_sample_*-max_seq_{length}-*-filtered.jsonl"
start_position: 20
plain:
  tokens_to_generate: 8
  cache_dir: false
rollout:
  model: toy-model
  base_url: ${o.url}
  n: 2
  temperature: 0
  max_tokens: 64
  concurrency: 4
  retries: 0
${o.extra ?? ""}`;
}
