import { stat } from "node:fs/promises";
import type { Command } from "commander";
import type { WorkerCount } from "../async/worker-pool.js";
import { DEFAULT_LAYOUT, parseLayout } from "../compose/layout.js";
import { ConfigError, KeychainError } from "../errors.js";
import { resolveTokenizer } from "../tokenizer/resolve.js";
import type { TokenCounter } from "../tokenizer/types.js";
import { type RecountPolicy, type VerifySummary, verifyFile } from "../verify/verify-file.js";
import { VERIFY_CODES } from "../verify/verify-record.js";
import { createProgress } from "./progress.js";
import { printJson, workersOption } from "./synthesis.js";

/** Some records failed verification: exit code 1 after the report is printed. */
export class VerificationFailedError extends KeychainError {
  override name = "VerificationFailedError";
}

/** Where `verify` writes: the report to `stdout`, progress to `stderr`. */
export interface VerifyIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
}

/** The flags of `verify`, parsed by commander. */
interface VerifyFlags {
  tokenizer?: string;
  recount?: string;
  chatTemplate?: string;
  passageHeader: string;
  passageSeparator: string;
  workers: WorkerCount;
  json: boolean;
  quiet: boolean;
}

/** `--recount`: `all`, `none` or N ≥ 1 (every Nth record); without the flag, all with a tokenizer, else none. */
export function parseRecount(value: string | undefined, hasTokenizer: boolean): RecountPolicy {
  if (value === undefined) return hasTokenizer ? "all" : "none";
  let policy: RecountPolicy;
  if (value === "all" || value === "none") policy = value;
  else {
    const n = Number(value);
    if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
      throw new ConfigError(`--recount must be all, none or an integer ≥ 1, got ${JSON.stringify(value)}`);
    policy = n;
  }
  if (policy !== "none" && !hasTokenizer)
    throw new ConfigError(`--recount ${value} needs --tokenizer (the tokenizer the data was built with)`);
  return policy;
}

export function registerVerify(
  program: Command,
  io: VerifyIo = { stdout: process.stdout, stderr: process.stderr },
): void {
  program
    .command("verify")
    .description(
      "Check KeyChain JSONL files: pairs parse, removing them gives the plain context back, the head leads to exactly the true question by one route, ids, gold documents and the token budget",
    )
    .argument("<files...>", "KeyChain JSONL files")
    .option(
      "-t, --tokenizer <spec>",
      "re-count prompts with this tokenizer (the one the data was built with): qwen3 | hf:PATH | tiktoken:ENC | sentencepiece:MODEL | approx | vllm:URL | gemini:MODEL",
    )
    .option(
      "--recount <mode>",
      "prompts to re-count: all | none | N (every Nth record) (default: all with --tokenizer, else none)",
    )
    .option(
      "--chat-template <t>",
      "re-count through this chat template: auto | none | qwen_orz_boxed | FILE (default: each record's own, checked against its chat_template_hash)",
    )
    .option(
      "--passage-header <text>",
      "passage header of the contexts; {i} is the 1-based number",
      DEFAULT_LAYOUT.header,
    )
    .option("--passage-separator <text>", "text between passages", DEFAULT_LAYOUT.separator)
    .addOption(workersOption("worker threads that verify the records (summary identical for any number)"))
    .option("--json", "print the summaries as JSON", false)
    .option("-q, --quiet", "no progress output", false)
    .action(async (files: string[], o: VerifyFlags) => {
      const spec = o.tokenizer;
      const recount = parseRecount(o.recount, spec !== undefined);
      const layout = parseLayout(o.passageHeader, o.passageSeparator);
      const progress = createProgress(io.stderr, o.quiet || o.json);
      let tokenizer: TokenCounter | undefined;
      if (spec !== undefined && recount !== "none") tokenizer = await resolveTokenizer(spec);
      const summaries: VerifySummary[] = [];
      try {
        for (const file of files) {
          progress.start(`verifying ${file} (bytes)`, (await stat(file).catch(() => ({ size: 0 }))).size);
          const summary = await verifyFile(file, {
            recount,
            layout,
            ...(tokenizer ? { tokenizer } : {}),
            workers: o.workers,
            ...(o.chatTemplate === undefined ? {} : { chatTemplate: o.chatTemplate }),
            onProgress: (p) => progress.update(p.bytes),
          });
          progress.stop();
          summaries.push(summary);
          if (!o.json) printSummary(summary, io.stdout);
        }
      } finally {
        progress.stop();
        await tokenizer?.close();
      }
      const failed = summaries.reduce((n, s) => n + s.failed, 0);
      const lines = summaries.reduce((n, s) => n + s.lines, 0);
      if (o.json) printJson({ lines, failed, files: summaries }, io.stdout);
      else if (summaries.length > 1) io.stdout.write(`total: ${lines - failed}/${lines} records passed\n`);
      if (failed > 0) throw new VerificationFailedError(`${failed} of ${lines} records failed verification`);
    });
}

/** The report of one file: counts, speed, failures by code, then every failing line. */
export function printSummary(s: VerifySummary, out: NodeJS.WritableStream): void {
  const seconds = s.ms / 1000;
  const rate =
    seconds > 0
      ? `${Math.round(s.lines / seconds)} lines/s, ${(s.bytes / 1e6 / seconds).toFixed(1)} MB/s`
      : "";
  out.write(
    `${s.path}\n  ${s.passed}/${s.lines} records passed, ${s.failed} failed; ${s.pairs} pairs; ` +
      `re-counted ${s.recounted}; ${seconds.toFixed(2)} s${rate ? ` (${rate})` : ""}\n`,
  );
  const byCode = VERIFY_CODES.filter((c) => s.failuresByCode[c]).map((c) => `${c} ${s.failuresByCode[c]}`);
  if (byCode.length > 0) out.write(`  failures by check: ${byCode.join(", ")}\n`);
  for (const f of s.failing) {
    out.write(`  line ${f.line} (id ${JSON.stringify(f.id)}):\n`);
    f.codes.forEach((code, i) => {
      out.write(`    ${code}: ${f.messages[i]}\n`);
    });
  }
}
