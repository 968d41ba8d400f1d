// A simulated reasoning model behind an OpenAI-compatible chat-completions endpoint, for end-to-end runs of
// rollout → sft on machines without a GPU. Not part of the tests, and not a model: it knows the answers.
//
// Usage: node scripts/sim-model-server.mjs [--port P] [--seed S] RECORDS.jsonl…
//   RECORDS are plain or KeyChain sample files (fields `input`, `answers`). Prints `listening <port>` when ready.
//
// For each request it finds the question (plain prompt: after the last "Question: "; KeyChain prompt: by
// following the key→value pairs from the start key, as a model should), then for each of the n choices
// answers right or wrong by a seeded hash, so questions get a spread of pass rates. The completion looks like
// a thinking model's: `<think>…</think>` then `\boxed{answer}`. About 2 % of completions are cut off before
// `</think>` and 1 % are empty, so every path of the SFT stages is exercised.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

const args = process.argv.slice(2);
let port = 0;
let seed = "0";
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--port") port = Number(args[++i]);
  else if (args[i] === "--seed") seed = String(args[++i]);
  else files.push(args[i]);
}

/** question text → answers */
const key = new Map();
for (const file of files) {
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const r = JSON.parse(line);
    if (typeof r.input === "string" && Array.isArray(r.answers)) key.set(r.input.trim(), r.answers);
  }
}
const allAnswers = [...key.values()].map((a) => String(a[0] ?? ""));

/** A number in [0, 1) from the parts. */
function unit(...parts) {
  const h = createHash("sha256")
    .update([seed, ...parts].join("\u0000"))
    .digest();
  return h.readUInt32BE(0) / 2 ** 32;
}

const PAIR = /\{"((?:[^"\\]|\\.)*)": "((?:[^"\\]|\\.)*)"\}/g;

function questionOf(prompt) {
  const head = /, starting from (\S+?)\.(?:\n|$)/.exec(prompt);
  if (prompt.includes('{"') && head) {
    const next = new Map();
    for (const m of prompt.matchAll(PAIR)) next.set(JSON.parse(`"${m[1]}"`), JSON.parse(`"${m[2]}"`));
    let k = head[1];
    for (let hop = 0; hop < 64 && next.has(k); hop++) k = next.get(k);
    if (key.has(k.trim())) return k.trim();
  }
  const at = prompt.lastIndexOf("Question: ");
  return at >= 0 ? prompt.slice(at + "Question: ".length).trim() : undefined;
}

function complete(prompt, choice) {
  const q = questionOf(prompt);
  const answers = q === undefined ? undefined : key.get(q);
  const roll = unit(q ?? prompt, "choice", choice);
  if (roll < 0.01) return "";
  const difficulty = unit(q ?? prompt, "difficulty");
  const right = answers !== undefined && unit(q ?? prompt, "correct", choice) >= difficulty;
  const wrong = allAnswers[Math.floor(unit(q ?? prompt, "wrong", choice) * allAnswers.length)] ?? "unknown";
  const answer = right ? String(answers[0]) : wrong;
  const thinking = `<think>\nThe question is: ${q ?? "(not found)"}\nI look through the passages for the facts it needs and combine them.\n`;
  if (roll < 0.03) return thinking;
  return `${thinking}</think>\n\nThe answer is \\boxed{${answer}}.`;
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "body is not JSON", type: "invalid_request_error" } }));
      return;
    }
    if (req.url?.endsWith("/models")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "list", data: [{ id: "sim", object: "model" }] }));
      return;
    }
    const user = [...(body.messages ?? [])].reverse().find((m) => m.role === "user")?.content ?? "";
    const n = body.n ?? 1;
    const choices = Array.from({ length: n }, (_, i) => ({
      index: i,
      message: { role: "assistant", content: complete(user, i) },
      finish_reason: "stop",
      logprobs: null,
    }));
    const completionTokens = choices.reduce((s, c) => s + Math.ceil(c.message.content.length / 4), 0);
    const promptTokens = Math.ceil(user.length / 4);
    const text = JSON.stringify({
      id: "chatcmpl-sim",
      object: "chat.completion",
      created: 0,
      model: body.model,
      choices,
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
    });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  });
});
server.listen(port, "127.0.0.1", () => process.stdout.write(`listening ${server.address().port}\n`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
