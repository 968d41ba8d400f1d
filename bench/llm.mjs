// Client overhead of the chat pool (issue 4): requests/s and client CPU per request against a local server in
// ANOTHER process that answers instantly, with ~12 KB prompts, beside a bare `openai` SDK loop and a raw HTTP
// baseline measured in the same run. Not part of the tests. Needs `npm run build` (imports dist/).
// The raw baseline is node:http with a keep-alive Agent: `undici` is not installed as a package here.
import { spawn } from "node:child_process";
import { Agent, request } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { createChatPool } from "../dist/llm/index.js";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5000);
const WARMUP = 300;
const CONCURRENCIES = [64, 256];

const here = dirname(fileURLToPath(import.meta.url));
const server = spawn(process.execPath, [join(here, "llm-server.mjs")], {
  stdio: ["ignore", "pipe", "inherit"],
});
const port = await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.once("exit", (code) => reject(new Error(`bench server exited with ${code}`)));
  let text = "";
  server.stdout.on("data", (chunk) => {
    text += chunk;
    const m = /listening (\d+)/.exec(text);
    if (m) resolve(Number(m[1]));
  });
});
const baseURL = `http://127.0.0.1:${port}/v1`;

// ~12 KB prompt: passages of filler text and a question.
const passage = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt. ";
const context = Array.from({ length: 24 }, (_, i) => `Passage ${i + 1}:\n${passage.repeat(5)}`).join("\n\n");
const messages = [
  {
    role: "user",
    content: `The following are given passages.\n${context}\n\nQuestion: What is the capital of France?`,
  },
];
const body = { model: "bench", messages, max_tokens: 16, temperature: 0.6 };
const bodyText = JSON.stringify(body);

/** Runs `count` calls of `call` with `concurrency` in flight; returns requests/s and client CPU µs per request. */
async function measure(call, concurrency, count) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const r = await call();
      if (!r) throw new Error("empty answer");
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { rps: count / seconds, cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / count };
}

function rawClient(concurrency) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const headers = {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(bodyText),
    authorization: "Bearer EMPTY",
  };
  const call = () =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: "127.0.0.1", port, path: "/v1/chat/completions", method: "POST", agent, headers },
        (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () =>
            resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")).choices[0].message.content),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(bodyText);
    });
  return { call, close: () => agent.destroy() };
}

function sdkClient() {
  const client = new OpenAI({
    baseURL,
    apiKey: "EMPTY",
    maxRetries: 0,
    timeout: 60_000,
    organization: null,
    project: null,
  });
  return {
    call: async () => (await client.chat.completions.create(body)).choices[0].message.content,
    close() {},
  };
}

function poolClient(concurrency) {
  const pool = createChatPool({ baseUrls: [baseURL], concurrency, timeoutMs: 60_000, maxRetries: 2 });
  const req = { model: "bench", messages, maxTokens: 16, temperature: 0.6 };
  return { call: async () => (await pool.chat(req)).choices[0], close() {} };
}

const results = [];
try {
  for (const concurrency of CONCURRENCIES) {
    for (const [name, make] of [
      ["raw node:http", rawClient],
      ["bare openai SDK", sdkClient],
      ["ours createChatPool", poolClient],
    ]) {
      const client = make(concurrency);
      await measure(client.call, concurrency, WARMUP);
      const r = await measure(client.call, concurrency, REQUESTS);
      client.close();
      results.push({ name, concurrency, ...r });
      console.log(
        `${name.padEnd(20)} c=${String(concurrency).padStart(3)}: ${Math.round(r.rps).toString().padStart(5)} req/s, client CPU ${r.cpuMsPerRequest.toFixed(3)} ms/request (${REQUESTS} requests)`,
      );
    }
  }
  const get = (name, c) => results.find((r) => r.name === name && r.concurrency === c);
  console.log(
    `\nprompt ${Buffer.byteLength(bodyText)} bytes of JSON per request; server in pid ${server.pid}`,
  );
  for (const c of CONCURRENCIES) {
    const ours = get("ours createChatPool", c);
    const sdk = get("bare openai SDK", c);
    const raw = get("raw node:http", c);
    console.log(
      `c=${c}: CPU/request ours ÷ bare SDK = ${(ours.cpuMsPerRequest / sdk.cpuMsPerRequest).toFixed(2)} (target ≤ 1.3); ` +
        `ours ÷ raw = ${(ours.cpuMsPerRequest / raw.cpuMsPerRequest).toFixed(2)}; ours ${Math.round(ours.rps)} req/s` +
        (c === 256 ? ` (target ≥ 1000: ${ours.rps >= 1000 ? "met" : "NOT met"})` : ""),
    );
  }
} finally {
  server.kill("SIGTERM");
}
