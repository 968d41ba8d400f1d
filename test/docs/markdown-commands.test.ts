import { describe, expect, it } from "vitest";
import { commandsOutsideShellBlocks, docSteps, stripComment } from "./markdown-commands.js";

const fence = "```";

describe("docSteps", () => {
  it.each([
    ["one command", `${fence}sh\nkeychain-synth plain -n 1\n${fence}`, ["keychain-synth plain -n 1"]],
    [
      "continuations joined, comments dropped",
      `${fence}bash\n# make them\nkeychain-synth plain \\\n  --lengths 4k,8k \\\n  -n 2   # two each\n${fence}`,
      ["keychain-synth plain --lengths 4k,8k -n 2"],
    ],
    [
      "console blocks: only $ lines, output skipped",
      `${fence}console\n$ keychain-synth stats a.jsonl \\\n    -q\nFill of the prompt budget\n…\n${fence}`,
      ["keychain-synth stats a.jsonl -q"],
    ],
    [
      "other languages are not commands",
      `${fence}yaml\nkeychain-synth: 1\n${fence}\n${fence}\nkeychain-synth x\n${fence}`,
      [],
    ],
    [
      "a quoted # is not a comment",
      `${fence}sh\nkeychain-synth plain --passage-header "# {i}"\n${fence}`,
      ['keychain-synth plain --passage-header "# {i}"'],
    ],
  ])("%s", (_, markdown, expected) => {
    const steps = docSteps(markdown);
    expect(steps.map((s) => (s.kind === "command" ? s.text : s.path))).toEqual(expected);
  });

  it("gives each command its first line and the exit code a comment states", () => {
    const markdown = `# T\n\n${fence}sh\nkeychain-synth a\n\nkeychain-synth b --bad   # exits 2\n${fence}\n`;
    expect(docSteps(markdown)).toEqual([
      { kind: "command", text: "keychain-synth a", exitCode: 0, line: 4 },
      { kind: "command", text: "keychain-synth b --bad", exitCode: 2, line: 6 },
    ]);
  });

  it("turns a block with a title into a file to write, in document order", () => {
    const markdown = `${fence}yaml title="run.yaml"\nout: output\n${fence}\n\n${fence}sh\nkeychain-synth pipeline --config run.yaml\n${fence}`;
    expect(docSteps(markdown)).toEqual([
      { kind: "file", path: "run.yaml", content: "out: output\n", line: 2 },
      { kind: "command", text: "keychain-synth pipeline --config run.yaml", exitCode: 0, line: 6 },
    ]);
  });
});

describe("stripComment", () => {
  it.each([
    ["a # b", "a", "b"],
    ["a#b", "a#b", ""],
    ["echo '# no' # yes", "echo '# no'", "yes"],
    ["$#", "$#", ""],
  ])("%s", (line, code, comment) => {
    expect(stripComment(line)).toEqual({ code, comment });
  });
});

describe("commandsOutsideShellBlocks", () => {
  it("finds commands in untagged and text blocks, not output lines", () => {
    const markdown = `${fence}\nkeychain-synth plain -n 1\nkeychain-synth: Invalid pipeline config\n${fence}\n${fence}text\n$ keychain-synth stats\n${fence}`;
    expect(commandsOutsideShellBlocks(markdown)).toEqual([
      { line: 2, text: "keychain-synth plain -n 1" },
      { line: 6, text: "$ keychain-synth stats" },
    ]);
  });
});
