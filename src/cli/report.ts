import type { Command } from "commander";
import type { WorkerCount } from "../async/worker-pool.js";
import { ConfigError } from "../errors.js";
import { writeFileAtomic } from "../io/atomic.js";
import { collectStats, type ReportData } from "../report/collect.js";
import { HTML_DEFAULTS, renderReportHtml } from "../report/html.js";
import {
  analyzeRolloutLogs,
  ROLLOUT_LOG_DEFAULTS,
  type RolloutLogAnalysis,
  rolloutLogSection,
  writeRolloutLogCsvs,
} from "../report/rollout-logs.js";
import type { ReportSection } from "../report/section.js";
import { statsSections } from "../report/sections.js";
import { formatSections } from "../report/text-table.js";
import { intOption } from "./numbers.js";
import { printJson, workersOption } from "./synthesis.js";

/** Where `stats` and `report` write: results to `stdout`, progress to `stderr`. */
export interface ReportIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** The input flags `stats` and `report` share ({@link addInputOptions}). */
interface InputFlags {
  rolloutLogs?: string;
  repeats: number;
  csvDir?: string;
  /** false with --no-sidecars. */
  sidecars: boolean;
  workers: WorkerCount;
  quiet: boolean;
  /** `stats` only. */
  json?: boolean;
}

interface StatsFlags extends InputFlags {
  json: boolean;
}

interface ReportFlags extends InputFlags {
  out: string;
  title: string;
}

interface Gathered {
  data: ReportData;
  logs: RolloutLogAnalysis | undefined;
  sections: ReportSection[];
}

async function gather(files: string[], o: InputFlags, io: ReportIo): Promise<Gathered> {
  const logsDir = o.rolloutLogs;
  const csvDir = o.csvDir;
  if (files.length === 0 && logsDir === undefined)
    throw new ConfigError("Give at least one JSONL file or --rollout-logs DIR");
  if (csvDir !== undefined && logsDir === undefined)
    throw new ConfigError("--csv-dir writes the rollout-log CSVs: give --rollout-logs DIR too");
  const quiet = o.quiet || o.json === true;
  const note = (line: string) => {
    if (!quiet) io.stderr.write(`${line}\n`);
  };
  const t0 = performance.now();
  const data = await collectStats(files, {
    sidecars: o.sidecars,
    workers: o.workers,
    onFile: (f) => note(`read ${f.path}: ${f.kind ?? "empty"}, ${f.records} records`),
  });
  if (files.length > 0) note(`collected in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  const sections = files.length > 0 ? statsSections(data) : [];
  let logs: RolloutLogAnalysis | undefined;
  if (logsDir !== undefined) {
    logs = await analyzeRolloutLogs(logsDir, { repeats: o.repeats });
    note(`read ${logs.steps.length} rollout-log step(s) from ${logsDir}`);
    sections.push(rolloutLogSection(logs));
    if (csvDir !== undefined)
      for (const path of await writeRolloutLogCsvs(logs, csvDir))
        if (!o.quiet) io.stderr.write(`wrote ${path}\n`);
  }
  return { data, logs, sections };
}

function addInputOptions(cmd: Command): Command {
  return cmd
    .option(
      "--rollout-logs <dir>",
      "also analyse verl rollout logs (global_step_N.json or N.jsonl files) in this folder",
    )
    .option(
      "--repeats <n>",
      "rollouts per prompt in the rollout logs",
      intOption("--repeats", 1),
      ROLLOUT_LOG_DEFAULTS.repeats,
    )
    .option(
      "--csv-dir <dir>",
      "with --rollout-logs: also write reward_stats.csv, longqa_bins.csv and longqa_dis_bins.csv into this folder",
    )
    .option("--no-sidecars", "do not read the .meta.json sidecars next to plain/KeyChain files")
    .addOption(workersOption("worker threads that parse the records (results identical for any number)"))
    .option("-q, --quiet", "no progress lines on stderr", false);
}

export function registerReport(
  program: Command,
  io: ReportIo = { stdout: process.stdout, stderr: process.stderr },
): void {
  addInputOptions(
    program
      .command("stats")
      .description(
        "Summarise plain, KeyChain, rollout and SFT JSONL files (kind detected per file) per dataset × kind × target length: token lengths and fill, gold and chain-pair depth, chains, skips, pass rates, rewards",
      )
      .argument("[files...]", "JSONL files written by plain, keychain, rollout or the SFT commands")
      .option("--json", "print the collected numbers as JSON instead of tables", false),
  ).action(async (files: string[], o: StatsFlags) => {
    const { data, logs, sections } = await gather(files, o, io);
    if (o.json) printJson(logs ? { ...data, rolloutLogs: logs } : data, io.stdout);
    else io.stdout.write(formatSections(sections));
  });

  addInputOptions(
    program
      .command("report")
      .description(
        "Write one self-contained HTML page (inline CSS and SVG charts, no scripts, no network) about plain, KeyChain, rollout and SFT JSONL files",
      )
      .argument("[files...]", "JSONL files written by plain, keychain, rollout or the SFT commands")
      .requiredOption("-o, --out <file>", "HTML file to write (atomically)")
      .option("--title <text>", "page title", HTML_DEFAULTS.title),
  ).action(async (files: string[], o: ReportFlags) => {
    const { sections } = await gather(files, o, io);
    const html = await renderReportHtml(sections, { title: o.title });
    await writeFileAtomic(o.out, html);
    if (!o.quiet) io.stderr.write(`wrote ${o.out} (${sections.length} sections, ${html.length} chars)\n`);
  });
}
