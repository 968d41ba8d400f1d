// A minimal OpenAI-compatible chat-completions server for bench/llm.mjs, meant to run in its own process:
// it reads each request body in full and answers at once with a fixed completion. Not part of the tests.
// Usage: node bench/llm-server.mjs [port]  — prints `listening <port>` on stdout when ready.
import { createServer } from "node:http";

const completion = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 0,
  model: "bench",
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: "The answer is Paris." },
      finish_reason: "stop",
      logprobs: null,
    },
  ],
  usage: { prompt_tokens: 3000, completion_tokens: 5, total_tokens: 3005 },
});
const length = String(Buffer.byteLength(completion));

const server = createServer((req, res) => {
  req.on("data", () => {});
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "content-length": length });
    res.end(completion);
  });
});
server.keepAliveTimeout = 60_000;
server.maxRequestsPerSocket = 0;
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
