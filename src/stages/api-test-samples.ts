/** The QA samples `api-test` sends: the built-in synthetic items, or the first records of a JSONL file. */

import { InputError } from "../errors.js";
import { type ExportKind, parseExportLine } from "../export/records.js";
import { readLines } from "../io/lines.js";
import type { ChatMessage } from "../prompt/chat-template.js";

/** One QA sample to send. */
export interface ApiTestSample {
  question: string;
  context: string;
  golds: string[];
  aliases: string[];
  /** Records read from a file: their kind and stored prompt (KeyChain records are always sent with it). */
  stored?: { kind: ExportKind; messages: ChatMessage[] };
}

/** Small built-in QA items, used when no input file is given. */
export const SYNTHETIC_QA: readonly { fact: string; question: string; gold: string }[] = [
  { fact: "The capital of France is Paris.", question: "What is the capital of France?", gold: "Paris" },
  {
    fact: "Mount Everest is the highest mountain above sea level.",
    question: "Which mountain is the highest above sea level?",
    gold: "Mount Everest",
  },
  {
    fact: "Water boils at 100 degrees Celsius at sea level.",
    question: "At how many degrees Celsius does water boil at sea level?",
    gold: "100",
  },
  {
    fact: "The Pacific is the largest ocean on Earth.",
    question: "Which is the largest ocean?",
    gold: "Pacific",
  },
  {
    fact: "Jupiter is the largest planet in the Solar System.",
    question: "Which planet is the largest in the Solar System?",
    gold: "Jupiter",
  },
  { fact: "A week has seven days.", question: "How many days does a week have?", gold: "seven" },
  {
    fact: "Canberra is the capital city of Australia.",
    question: "What is the capital city of Australia?",
    gold: "Canberra",
  },
  {
    fact: "The chemical symbol of gold is Au.",
    question: "What is the chemical symbol of gold?",
    gold: "Au",
  },
  {
    fact: "The Nile flows into the Mediterranean Sea.",
    question: "Into which sea does the Nile flow?",
    gold: "Mediterranean Sea",
  },
  { fact: "Spiders have eight legs.", question: "How many legs does a spider have?", gold: "eight" },
];

/** `count` synthetic samples (the built-in items, repeated when more are asked). Each context holds the fact among two others. */
export function syntheticApiTestSamples(count: number): ApiTestSample[] {
  const items = SYNTHETIC_QA;
  return Array.from({ length: count }, (_, i) => {
    const item = items[i % items.length] as (typeof items)[number];
    const others = [items[(i + 3) % items.length], items[(i + 7) % items.length]].map((o) => o?.fact ?? "");
    const docs = [others[0], item.fact, others[1]];
    return {
      question: item.question,
      context: docs.map((d, k) => `Passage ${k + 1}:\n${d}`).join("\n\n"),
      golds: [item.gold],
      aliases: [],
    };
  });
}

/** The first `count` records of a plain or KeyChain JSONL file, as samples with their stored prompts. */
export async function readApiTestSamples(path: string, count: number): Promise<ApiTestSample[]> {
  const samples: ApiTestSample[] = [];
  for await (const { line, text } of readLines(path)) {
    if (samples.length >= count) break;
    if (text.trim() === "") continue;
    const record = parseExportLine(text, undefined, { file: path, line });
    samples.push({
      question: record.input,
      context: record.context,
      golds: record.answers,
      aliases: record.aliases,
      stored: { kind: record.kind, messages: record.prompt },
    });
  }
  if (samples.length === 0) throw new InputError("the file holds no records", { file: path });
  return samples;
}
