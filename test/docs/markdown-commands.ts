/**
 * The shell commands and the files a Markdown document shows, in document order: what a reader would type
 * and save. Pure functions over the document's text.
 */

/** Languages of fenced blocks whose lines are shell commands. */
const SHELL_LANGUAGES = new Set(["bash", "sh", "shell", "zsh", "console"]);

/** One step of a document: a command to run, or a file the text asks the reader to save. */
export type DocStep =
  | {
      kind: "command";
      /** The command with continuations joined and comments removed. */
      text: string;
      /** Exit code the document says the command ends with (`# exits 2`), else 0. */
      exitCode: number;
      /** 1-based line of the command's first line in the document. */
      line: number;
    }
  | {
      kind: "file";
      /** Relative path from the block's `title="…"`. */
      path: string;
      content: string;
      line: number;
    };

interface Fence {
  info: string;
  /** 1-based line of the first line inside the block. */
  firstLine: number;
  lines: string[];
}

/** The fenced code blocks of `markdown` (``` or ~~~, 3 or more), with their info strings. */
export function fencedBlocks(markdown: string): Fence[] {
  const lines = markdown.split("\n");
  const blocks: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(lines[i] ?? "");
    if (!open) continue;
    const fence = open[1] ?? "```";
    // Closed by a line of the same character, at least as long, and nothing else.
    const close = new RegExp(`^ {0,3}\\${fence[0]}{${fence.length},}\\s*$`);
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !close.test(lines[j] ?? "")) body.push(lines[j++] ?? "");
    blocks.push({ info: (open[2] ?? "").trim(), firstLine: i + 2, lines: body });
    i = j;
  }
  return blocks;
}

/** The info string's language (its first word). */
const languageOf = (info: string): string => info.split(/\s+/)[0]?.toLowerCase() ?? "";

/** The `title="…"` of an info string, if any. */
const titleOf = (info: string): string | undefined => /\btitle="([^"]+)"/.exec(info)?.[1];

/**
 * The line without its comment: a `#` at the start of a word, outside quotes, starts one (`$#`, `a#b` and
 * `"#"` do not).
 */
export function stripComment(line: string): { code: string; comment: string } {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote !== undefined) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "\\") i++;
    else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1] ?? ""))) {
      return { code: line.slice(0, i).trimEnd(), comment: line.slice(i + 1).trim() };
    }
  }
  return { code: line.trimEnd(), comment: "" };
}

/** The commands of one shell block: `\` continuations joined; in `console` blocks only `$ ` lines. */
function blockCommands(block: Fence): DocStep[] {
  const consoleBlock = languageOf(block.info) === "console";
  const steps: DocStep[] = [];
  let text = "";
  let comments: string[] = [];
  let start = 0;
  let continuing = false;
  block.lines.forEach((raw, k) => {
    let line = raw;
    if (!continuing) {
      if (consoleBlock) {
        if (!line.startsWith("$ ")) return;
        line = line.slice(2);
      }
      start = block.firstLine + k;
      text = "";
      comments = [];
    }
    const { code, comment } = stripComment(line);
    if (comment !== "") comments.push(comment);
    continuing = code.endsWith("\\");
    const part = (continuing ? code.slice(0, -1) : code).trim();
    text = text === "" ? part : part === "" ? text : `${text} ${part}`;
    if (!continuing && text !== "") {
      const exit = comments.map((c) => /\bexits? (\d+)\b/.exec(c)?.[1]).find((c) => c !== undefined);
      steps.push({ kind: "command", text, exitCode: exit === undefined ? 0 : Number(exit), line: start });
    }
  });
  return steps;
}

/** Every command of the document's shell blocks and every titled file, in document order. */
export function docSteps(markdown: string): DocStep[] {
  return fencedBlocks(markdown).flatMap((block): DocStep[] => {
    const title = titleOf(block.info);
    if (title !== undefined) {
      return [{ kind: "file", path: title, content: `${block.lines.join("\n")}\n`, line: block.firstLine }];
    }
    return SHELL_LANGUAGES.has(languageOf(block.info)) ? blockCommands(block) : [];
  });
}

/**
 * Lines that look like a `keychain-synth` command but sit in a block that is not a shell block (so they would
 * escape the check). Output lines such as `keychain-synth: Invalid pipeline config` are not commands.
 */
export function commandsOutsideShellBlocks(markdown: string): { line: number; text: string }[] {
  return fencedBlocks(markdown)
    .filter((b) => !SHELL_LANGUAGES.has(languageOf(b.info)) && titleOf(b.info) === undefined)
    .flatMap((b) =>
      b.lines
        .map((text, k) => ({ line: b.firstLine + k, text }))
        .filter(({ text }) => /^\s*(\$ )?keychain-synth [a-z]/.test(text)),
    );
}
