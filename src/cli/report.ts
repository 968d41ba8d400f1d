import type { Command } from "commander";
import { ConfigError } from "../errors.js";
import { writeFileAtomic } from "../io/atomic.js";
import { collectStats, type ReportData } from "../report/collect.js";
import { renderReportHtml } from "../report/html.js";
import {
  analyzeRolloutLogs,
  type RolloutLogAnalysis,
  rolloutLogSection,
  writeRolloutLogCsvs,
} from "../report/rollout-logs.js";
import type { ReportSection } from "../report/section.js";
import { statsSections } from "../report/sections.js";
import { formatSections } from "../report/text-table.js";
import { intOption } from "./numbers.js";

/** Where `stats` and `report` write: results to `stdout`, progress to `stderr`. */
export interface ReportIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

type Opts = Record<string, unknown>;

interface Gathered {
  data: ReportData;
  logs: RolloutLogAnalysis | undefined;
  sections: ReportSection[];
}

async function gather(files: string[], o: Opts, io: ReportIo): Promise<Gathered> {
  const logsDir = o.rolloutLogs as string | undefined;
  const csvDir = o.csvDir as string | undefined;
  if (files.length === 0 && logsDir === undefined)
    throw new ConfigError("Give at least one JSONL file or --rollout-logs DIR");
  if (csvDir !== undefined && logsDir === undefined)
    throw new ConfigError("--csv-dir writes the rollout-log CSVs: give --rollout-logs DIR too");
  const quiet = (o.quiet as boolean) || (o.json as boolean | undefined) === true;
  const note = (line: string) => {
    if (!quiet) io.stderr.write(`${line}\n`);
  };
  const t0 = performance.now();
  const data = await collectStats(files, {
    sidecars: o.sidecars as boolean,
    onFile: (f) => note(`read ${f.path}: ${f.kind ?? "empty"}, ${f.records} records`),
  });
  if (files.length > 0) note(`collected in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  const sections = files.length > 0 ? statsSections(data) : [];
  let logs: RolloutLogAnalysis | undefined;
  if (logsDir !== undefined) {
    logs = await analyzeRolloutLogs(logsDir, { repeats: o.repeats as number });
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
      "also analyse verl rollout logs (global_step_N.json files) in this folder",
    )
    .option("--repeats <n>", "rollouts per prompt in the rollout logs", intOption("--repeats", 1), 16)
    .option(
      "--csv-dir <dir>",
      "with --rollout-logs: also write reward_stats.csv, longqa_bins.csv and longqa_dis_bins.csv into this folder",
    )
    .option("--no-sidecars", "do not read the .meta.json sidecars next to plain/KeyChain files")
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
  ).action(async (files: string[], o: Opts) => {
    const { data, logs, sections } = await gather(files, o, io);
    if (o.json) {
      const json = logs ? { ...data, rolloutLogs: logs } : data;
      io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    } else io.stdout.write(formatSections(sections));
  });

  addInputOptions(
    program
      .command("report")
      .description(
        "Write one self-contained HTML page (inline CSS and SVG charts, no scripts, no network) about plain, KeyChain, rollout and SFT JSONL files",
      )
      .argument("[files...]", "JSONL files written by plain, keychain, rollout or the SFT commands")
      .requiredOption("-o, --out <file>", "HTML file to write (atomically)")
      .option("--title <text>", "page title", "keychain-synth report"),
  ).action(async (files: string[], o: Opts) => {
    const { sections } = await gather(files, o, io);
    const html = await renderReportHtml(sections, { title: o.title as string });
    await writeFileAtomic(o.out as string, html);
    if (!o.quiet)
      io.stderr.write(`wrote ${o.out as string} (${sections.length} sections, ${html.length} chars)\n`);
  });
}
