import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  answerTokens,
  type Extractor,
  extractAnswerIsAnswer,
  extractThinkingAnswer,
  lastBoxedOnlyString,
  normalizeAnswerCompat,
  removeBoxed,
  type ScoreMode,
  scoreAnswer,
  scoreTrajectory,
} from "../../src/scoring/index.js";

/**
 * Parity of python/keychain_synth_reward.py (the verl reward shipped in the package) with the TypeScript
 * scorer: every case below runs through both, the Python side in ONE python3 process (cases as JSON on
 * stdin, results as JSON on stdout), and the results must be equal field by field.
 */

const PYTHON = "python3";
const MODULE_DIR = fileURLToPath(new URL("../../python/", import.meta.url));
const HAS_PYTHON = spawnSync(PYTHON, ["--version"], { encoding: "utf8" }).status === 0;
if (!HAS_PYTHON)
  console.warn("python-reward.test.ts: python3 not found, skipping the Python reward parity tests");

type GroundTruthAs = "list" | "string" | "tuple" | "array";

type Case =
  | { kind: "extract"; text: string; extractor: Extractor }
  | { kind: "lastBoxed"; text: string }
  | { kind: "removeBoxed"; text: string }
  | { kind: "tokens"; text: string }
  | { kind: "normCompat"; text: string }
  | { kind: "score"; prediction: string | null; golds: string[]; mode: ScoreMode; aliases: string[] }
  | {
      kind: "compute";
      dataSource: string;
      text: string;
      golds: string[];
      as: GroundTruthAs;
      /** Passed as `extra_info`; `null` passes None. */
      extraInfo: Record<string, unknown> | null;
      /** Environment variables set for this call only. */
      env: Record<string, string>;
      /** What the TypeScript side scores with (the options `compute_score` should resolve). */
      expectMode: ScoreMode;
      expectExtractor: Extractor;
    };

// The Python side: runs every case in order and prints one JSON result per case.
const RUNNER = `
import json, os, sys
sys.path.insert(0, sys.argv[1])
import keychain_synth_reward as m

class FakeArray:
    """numpy's ndarray as far as compute_score sees it, for when numpy is not installed."""
    def __init__(self, values):
        self.values = list(values)
    def tolist(self):
        return list(self.values)

def ground_truth(golds, kind):
    if kind == "string":
        return golds[0]
    if kind == "tuple":
        return tuple(golds)
    if kind == "array":
        try:
            import numpy
            return numpy.array(golds, dtype=object)
        except ImportError:
            return FakeArray(golds)
    return list(golds)

def run(case):
    kind = case["kind"]
    if kind == "extract":
        return m.extract_answer(case["text"], case["extractor"])
    if kind == "lastBoxed":
        return m._last_boxed_only_string(case["text"])
    if kind == "removeBoxed":
        return m._remove_boxed(case["text"])
    if kind == "tokens":
        return m._answer_tokens(case["text"])
    if kind == "normCompat":
        return m._normalize_compat(case["text"])
    if kind == "score":
        return m.score_answer(case["prediction"], case["golds"], case["mode"], case["aliases"])
    if kind == "compute":
        saved = {k: os.environ.get(k) for k in case["env"]}
        os.environ.update(case["env"])
        try:
            gt = ground_truth(case["golds"], case["as"])
            return m.compute_score(case["dataSource"], case["text"], gt, case["extraInfo"])
        except ValueError as e:
            return {"error": "ValueError", "message": str(e)}
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    raise SystemExit("unknown case kind " + kind)

cases = json.load(sys.stdin)
json.dump([run(c) for c in cases], sys.stdout)
`;

function runPython(cases: readonly Case[]): unknown[] {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONIOENCODING: "utf-8" };
  delete env.KEYCHAIN_SYNTH_REWARD_MODE;
  delete env.KEYCHAIN_SYNTH_REWARD_EXTRACTOR;
  const run = spawnSync(PYTHON, ["-B", "-c", RUNNER, MODULE_DIR], {
    input: JSON.stringify(cases),
    encoding: "utf8",
    env,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`python3 failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as unknown[];
}

/** What the Python side must return for a case, computed with the TypeScript scorer. */
function expected(c: Case): unknown {
  switch (c.kind) {
    case "extract":
      return c.extractor === "thinking" ? extractThinkingAnswer(c.text) : extractAnswerIsAnswer(c.text);
    case "lastBoxed":
      return lastBoxedOnlyString(c.text);
    case "removeBoxed":
      return removeBoxed(c.text);
    case "tokens":
      return answerTokens(c.text);
    case "normCompat":
      return normalizeAnswerCompat(c.text);
    case "score":
      return scoreAnswer(c.prediction, c.golds, { mode: c.mode, aliases: c.aliases });
    case "compute": {
      const golds = c.as === "string" ? c.golds.slice(0, 1) : c.golds;
      const t = scoreTrajectory(c.text, golds, { mode: c.expectMode, extractor: c.expectExtractor });
      return {
        score: t.sub_em,
        sub_em: t.sub_em,
        em: t.em,
        f1: t.f1,
        extracted_answer: t.extracted_answer ?? "",
      };
    }
  }
}

// --- the hand-written table: every case of the other test/scoring files, then more --------------------

const cases: Case[] = [];
const MODES: readonly ScoreMode[] = ["default", "compat"];

const thinking = (text: string) => cases.push({ kind: "extract", text, extractor: "thinking" });
const answerIs = (text: string) => cases.push({ kind: "extract", text, extractor: "answer-is" });
/** Scores in both modes. */
const score = (prediction: string | null, golds: string[], aliases: string[] = []) => {
  for (const mode of MODES) cases.push({ kind: "score", prediction, golds, mode, aliases });
};
const normalized = (text: string) => {
  cases.push({ kind: "tokens", text });
  cases.push({ kind: "normCompat", text });
};
/** A whole rollout through compute_score, with both extractors and modes. */
const rollout = (text: string, golds: string[]) => {
  for (const mode of MODES)
    for (const extractor of ["thinking", "answer-is"] as const)
      cases.push({
        kind: "compute",
        dataSource: "custom_longcontext_needle_qa_test",
        text,
        golds,
        as: "list",
        extraInfo: { split: "train", index: 0, reward_mode: mode, extractor },
        env: {},
        expectMode: mode,
        expectExtractor: extractor,
      });
};

// extract.test.ts: extractThinkingAnswer
for (const text of [
  "<think>some reasoning</think>\\boxed{Arthur's Magazine}",
  "\\boxed{foo}",
  "<think>hmm</think>The answer is foo",
  "<think>a</think><think>b</think>\\boxed{final}",
  "<think>r</think>**\\boxed{yes}**",
  "<think>\\boxed{early}</think>no box here",
  "<think>r</think>\\boxed{one} then \\boxed{two}",
  "<think>r</think>\\boxed{A {b} c}",
  "<think>r</think>\\boxed{\\frac{4}{3}}",
  "<think>r</think>\\boxed{open",
  "<think>r</think>\\boxed{**bold**}",
  "<think>r</think>\\boxed{}",
  "<think>r</think>\\boxed {A}",
  "<think>r</think>\\boxed 5",
  "<think>r</think>\\boxed 5 and {x}",
  "<think>r</think>\\fbox{x}",
  // more: whitespace around, several </think>, unicode, braces
  "<think>r</think>\u3000\\boxed{ Oslo }\u00a0",
  "<think>a</think>\\boxed{x}</think>\\boxed{y}</think>",
  "<think>r</think>\\boxed{x}}",
  "<think>r</think>\\boxed{{a}{b}}",
  "<think>r</think>\\boxed{😀 Zoë}",
  "<think>r</think>\\boxed\\boxed{a}",
  "<think>r</think>\\boxed{a} \\boxed ",
  "<THINK>r</THINK>\\boxed{a}",
  "</think>",
  "",
])
  thinking(text);

// extract.test.ts: lastBoxedOnlyString and removeBoxed
for (const text of ["x \\boxed{a} y", "\\boxed{a}\\boxed{b{c}}", "\\boxed}{a}", "no box"])
  cases.push({ kind: "lastBoxed", text });
for (const text of ["\\boxed{a}", "\\boxed 5", "\\boxed{a", "\\boxed{}", "\\boxed{", "boxed{a}"])
  cases.push({ kind: "removeBoxed", text });

// extract.test.ts: extractAnswerIsAnswer
for (const text of [
  "Reasoning. So the answer is Paris.",
  "The answer is A. Wait, no: the answer is B.",
  "THE ANSWER IS (C).",
  "So **the answer is** **Oslo**.",
  "The answer is: 42",
  "The answer is Rome\nbecause…",
  "The answer is 3.14.",
  "The answer is U.S.A. today",
  "The final answer: 5",
  "The final answer is 5.",
  "So the answer is.",
  "the answer is   ",
  "İThe answer is😀 * -*. ",
  // more "The answer is" forms
  "The answer is :: Oslo",
  "The answer is\u00a0Oslo.\u00a0Really",
  "The answer is Oslo.\u2028Next",
  "The answer is Oslo\r\nmore",
  "The answer is \\boxed{Oslo}.",
  "theansweris Oslo",
  "The answer is\n\nOslo",
  "İİ the answer is Oslo",
  "<think>the answer is X</think>The answer is Y.",
])
  answerIs(text);

// normalize.test.ts
for (const text of [
  "The answer",
  "a cat and an owl",
  "Arthur's Magazine",
  "  foo   bar  ",
  "the-end",
  "a'b",
  "(A)",
  "\\boxed{x}",
  "Théâtre the",
  "éthe",
  "the\u00a0end",
  "x\u001cy",
  "a\ufeffb",
  "The Beatles",
  "A",
  "The",
  ")",
  "> > }",
  ".",
  "   ",
  "",
  // more: non-ASCII punctuation is kept, Unicode word characters, final sigma, dotted I
  "“Paris”",
  "Paris’",
  "¿Qué?",
  "the_end",
  "٣the",
  "the٣",
  "ΟΔΟΣ ΣΟΦΟΣ",
  "İstanbul",
  "an a the",
  "ANThe",
  "\u00a0\u3000\u2029",
])
  normalized(text);

// metrics.test.ts: the original's cases, partial f1, the zero dict
score("Arthur's Magazine", ["Arthur's Magazine"]);
score("Arthur's Magazine was the first", ["Arthur's Magazine"]);
score("First for Women", ["Arthur's Magazine"]);
score(null, ["Arthur's Magazine"]);
score("foo", []);
score("yes", ["no", "yes"]);
score("new york city", ["new york"]);
score(null, ["x"]);
score("", ["x"]);
// the W10 reward holes
for (const [pred, golds] of [
  ["a", ["Arthur's Magazine"]],
  ["the", ["Arthur's Magazine"]],
  [".", ["Arthur's Magazine"]],
  ["Norway", ["no"]],
  ["not", ["no"]],
  ["I do not know", ["no"]],
  ["no", ["Norway"]],
  ["", ["Arthur's Magazine"]],
  ["   ", ["Arthur's Magazine"]],
  ["cat", ["(A)"]],
  ["anything", [")"]],
  ["a", ["the"]],
  ["(A)", ["(A)"]],
  ["A", ["(A)"]],
  ["(E)", ["(A)"]],
] as [string, string[]][])
  score(pred, golds);
// word-boundary containment
for (const [pred, gold] of [
  ["Norway", "no"],
  ["not", "no"],
  ["no", "no"],
  ["No, it is not.", "no"],
  ["new york city", "New York"],
  ["york new", "new york"],
  ["the new york times", "New York"],
  ["Yorkshire", "York"],
  ["York", "New York City"],
  ["1990s", "1990"],
  ["in 1990.", "1990"],
  ["Paris, France", "paris"],
  ["Saint-Denis", "Denis"],
] as [string, string][])
  score(pred, [gold]);
// several golds and aliases
score("new york city", ["new york", "new york city area", "boston"]);
score("NYC", ["New York City"]);
score("NYC", ["New York City"], ["NYC", "the Big Apple"]);
score("NYC", [], ["NYC"]);
score("Paris", ["", "Paris"]);
score("Paris", [" "]);
score("magazine arthur's", ["Arthur's Magazine"]);
score("theend", ["the-end x"]);
// f1 rounding (Python round: half to even on the exact binary value)
score("x y z", ["x y z d e f g"]);
score("x y z", ["x q r"]);
score("a b c d e f g h i j k l m n o p", ["a q r s t u v w x y z aa bb cc dd ee"]); // 1/16
score("b c d e f g h i j k", ["b x y z"]); // 2/14
score("p q r", ["p q r s t u v w x"]); // 0.5
// the yes/no rule: none. The TS scorer (hence the Python) gives partial credit where HotpotQA's
// evaluator zeroes f1 when either side is "yes"/"no"/"noanswer" and they differ.
score("yes it is", ["yes"]);
score("no", ["yes"]);
score("yes", ["yes"]);
score("noanswer", ["no answer"]);
score("no", ["no way"]);
// unicode and punctuation, incl. non-ASCII punctuation (kept, so it splits nothing and matches nothing)
score("“Paris”", ["Paris"]);
score("Paris’", ["Paris"]);
score("Zoë", ["ZOË"]);
score("ΟΔΟΣ", ["οδος"]);
score("İstanbul", ["istanbul"]);
score("éthe", ["the"]);
score("the_end", ["end"]);
score("Paris\u00a0France", ["paris france"]);
score("a\ufeffb", ["b"]);
score("😀 face", ["😀"]);

// trajectory.test.ts, through compute_score with the options in extra_info
rollout("<think>r</think>\\boxed{Arthur's Magazine}", ["Arthur's Magazine"]);
rollout("I don't know", ["Arthur's Magazine"]);
rollout("x", ["y"]);
rollout("<think>hm</think>\\boxed{a}", ["Oslo"]);
rollout("Oslo is the capital. So the answer is **Oslo**.", ["Oslo"]);
rollout("<think>the answer is Bergen</think>So the answer is \\boxed{Oslo}.", ["Oslo"]);
rollout("<think>r</think>\\boxed{}", ["Oslo"]);
rollout("<think>r</think>\\boxed{NYC}", ["New York City", "NYC"]);

// compute_score: ground_truth forms, options from extra_info and from the environment, foreign data_source
const compute = (
  over: Partial<Extract<Case, { kind: "compute" }>> & Pick<Extract<Case, { kind: "compute" }>, "text">,
) =>
  cases.push({
    kind: "compute",
    dataSource: "custom_longcontextqa_test",
    golds: ["Oslo", "Christiania"],
    as: "list",
    extraInfo: null,
    env: {},
    expectMode: "default",
    expectExtractor: "thinking",
    ...over,
  });
const BOXED_A = "<think>hm</think>\\boxed{a}";
const OSLO = "<think>r</think>\\boxed{oslo}";
for (const as of ["list", "string", "tuple", "array"] as const) {
  compute({ text: OSLO, as });
  compute({ text: "<think>r</think>\\boxed{Christiania}", as });
  compute({ text: BOXED_A, as, extraInfo: { reward_mode: "compat" }, expectMode: "compat" });
}
compute({ text: BOXED_A, extraInfo: { reward_mode: "default" } });
compute({ text: BOXED_A, extraInfo: { index: 3 } });
compute({ text: BOXED_A, env: { KEYCHAIN_SYNTH_REWARD_MODE: "compat" }, expectMode: "compat" });
compute({
  text: BOXED_A,
  extraInfo: { reward_mode: "default" },
  env: { KEYCHAIN_SYNTH_REWARD_MODE: "compat" },
});
compute({
  text: "So the answer is oslo.",
  extraInfo: { extractor: "answer-is" },
  expectExtractor: "answer-is",
});
compute({
  text: "So the answer is oslo.",
  env: { KEYCHAIN_SYNTH_REWARD_EXTRACTOR: "answer-is" },
  expectExtractor: "answer-is",
});
compute({ text: "So the answer is oslo." });
compute({ text: OSLO, dataSource: "openai/gsm8k" });
compute({ text: OSLO, dataSource: "custom_longcontext_needle_qa_hotpotqa", golds: [] });

const handWritten = cases.length;

// --- generated: random strings over an alphabet of tricky tokens ---------------------------------------

const TOKEN = fc.constantFrom(
  "<think>",
  "</think>",
  "\\boxed{",
  "\\boxed ",
  "\\boxed",
  "{",
  "}",
  "*",
  "**",
  "the answer is",
  "The Answer Is",
  ":",
  ".",
  ". ",
  ",",
  "\n",
  " ",
  "  ",
  "\t",
  "\u00a0",
  "\u3000",
  "\u2028",
  "\ufeff",
  "\u001c",
  "a",
  "an",
  "the",
  "The",
  "A",
  "(A)",
  "no",
  "Norway",
  "yes",
  "new",
  "york",
  "city",
  "Arthur's",
  "magazine",
  "1990",
  "_",
  "-",
  "'",
  "’",
  "“x”",
  "İ",
  "é",
  "éthe",
  "ΟΔΟΣ",
  "😀",
  "\\frac{1}{2}",
);
/** Answer words: articles, prefixes of each other, case, ASCII and non-ASCII punctuation, Unicode. */
const WORD = fc.constantFrom(
  "a",
  "an",
  "the",
  "The",
  "A",
  "(A)",
  "(B)",
  "no",
  "No",
  "not",
  "Norway",
  "yes",
  "new",
  "york",
  "York,",
  "city",
  "Arthur's",
  "magazine",
  "1990",
  "1990s",
  "the-end",
  "_",
  "-",
  ".",
  "’",
  "“x”",
  "İ",
  "é",
  "éthe",
  "ΟΔΟΣ",
  "😀",
  "{b}",
);
const SEPARATOR = fc.constantFrom(" ", " ", " ", "", "\u00a0", "  ", "\t");
const ANSWER = fc
  .array(fc.tuple(WORD, SEPARATOR), { maxLength: 6 })
  .map((pairs) => pairs.map(([word, sep], i) => (i === 0 ? word : sep + word)).join(""));
const NOISE = fc.array(TOKEN, { maxLength: 8 }).map((tokens) => tokens.join(""));
/** A model output: either tokens at random, or noise around an answer in one of the extractable forms. */
const OUTPUT = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.array(TOKEN, { maxLength: 24 }).map((tokens) => ({ text: tokens.join(""), answer: "" })),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        NOISE,
        fc.constantFrom("</think>", "</think>\n\n", "<think>r</think>", "", "</think> </think>"),
        NOISE,
        fc.constantFrom(
          "\\boxed{",
          "**\\boxed{",
          "\\boxed ",
          "\\boxed {",
          "the answer is ",
          "The answer is: ",
          "So the answer is **",
        ),
        ANSWER,
        fc.constantFrom("}", "}**", "", ".", ". ", "}.\n", "}}", "**."),
        NOISE,
      )
      .map(([n1, think, n2, open, answer, close, tail]) => ({
        text: n1 + think + n2 + open + answer + close + tail,
        answer,
      })),
  },
);
const GENERATED = fc.record({
  output: OUTPUT,
  prediction: fc.option(ANSWER, { nil: null, freq: 10 }),
  golds: fc.array(ANSWER, { maxLength: 3 }),
  aliases: fc.array(ANSWER, { maxLength: 2 }),
  /** 0: the golds as drawn; 1: the embedded answer is also a gold; 2: the prediction is the embedded answer. */
  overlap: fc.constantFrom(0, 1, 2),
  mode: fc.constantFrom<ScoreMode>("default", "compat"),
});
const GENERATED_RUNS = 200;

for (const g of fc.sample(GENERATED, { numRuns: GENERATED_RUNS, seed: 20240611 })) {
  const { text, answer } = g.output;
  const golds = g.overlap === 1 ? [...g.golds, answer] : g.golds;
  const prediction = g.overlap === 2 ? answer : g.prediction;
  cases.push({ kind: "score", prediction, golds, mode: g.mode, aliases: g.aliases });
  cases.push({ kind: "tokens", text });
  cases.push({ kind: "normCompat", text });
  for (const extractor of ["thinking", "answer-is"] as const)
    cases.push({
      kind: "compute",
      dataSource: "custom_longcontext_needle_qa_fuzz",
      text,
      golds,
      as: "list",
      extraInfo: { reward_mode: g.mode, extractor },
      env: {},
      expectMode: g.mode,
      expectExtractor: extractor,
    });
}

// --- the tests ------------------------------------------------------------------------------------------

describe.skipIf(!HAS_PYTHON)("python/keychain_synth_reward.py matches the TypeScript scorer", () => {
  let actual: unknown[] = [];
  beforeAll(() => {
    actual = runPython(cases);
  });

  it("runs a large table", () => {
    expect(handWritten).toBeGreaterThanOrEqual(60);
    expect(cases.length).toBe(handWritten + 5 * GENERATED_RUNS);
    expect(actual).toHaveLength(cases.length);
  });

  it.each(
    cases.slice(0, handWritten).map((c, i) => [i, c.kind, JSON.stringify(c).slice(0, 120), c] as const),
  )("case %i (%s) %s", (i, _kind, _label, c) => {
    expect(actual[i]).toEqual(expected(c));
  });

  it(`agrees on ${5 * GENERATED_RUNS} generated cases`, () => {
    const mismatches = cases
      .map((c, i) => ({ i, c, ts: expected(c), py: actual[i] }))
      .slice(handWritten)
      .filter(({ ts, py }) => !isDeepStrictEqual(ts, py));
    expect(mismatches).toEqual([]);
  });

  it("returns what verl expects: score a float (= sub_em), extracted_answer a string, never None", () => {
    const script = [
      "import json, sys",
      "sys.path.insert(0, sys.argv[1])",
      "from keychain_synth_reward import compute_score",
      "rows = [compute_score('x', t, ['a']) for t in ('no think tag', '<think>r</think>\\\\boxed{a}')]",
      "print(json.dumps([[r, {k: type(v).__name__ for k, v in r.items()}] for r in rows]))",
    ].join("\n");
    const run = spawnSync(PYTHON, ["-B", "-c", script, MODULE_DIR], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    const types = { score: "float", sub_em: "int", em: "int", f1: "float", extracted_answer: "str" };
    expect(JSON.parse(run.stdout)).toEqual([
      [{ score: 0, sub_em: 0, em: 0, f1: 0, extracted_answer: "" }, types],
      [{ score: 1, sub_em: 1, em: 1, f1: 1, extracted_answer: "a" }, types],
    ]);
  });

  it("rejects an unknown mode or extractor instead of scoring with a wrong rule", () => {
    const base = {
      kind: "compute" as const,
      dataSource: "x",
      text: "<think>r</think>\\boxed{a}",
      golds: ["a"],
      as: "list" as const,
      env: {},
      expectMode: "default" as const,
      expectExtractor: "thinking" as const,
    };
    const results = runPython([
      { ...base, extraInfo: { reward_mode: "strict" } },
      { ...base, extraInfo: { extractor: "auto" } },
      { ...base, extraInfo: null, env: { KEYCHAIN_SYNTH_REWARD_MODE: "Compat" } },
    ]);
    for (const r of results) expect(r).toMatchObject({ error: "ValueError" });
  });
});
