/**
 * The README and docs/ hold together: every relative link reaches a file and, when it names one, a heading;
 * the README keeps what CI and newcomers rely on (the test command near the install, the exit codes, a link
 * to every document); the layout names every folder of src/.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/cli.js";
import { fencedBlocks } from "./markdown-commands.js";

const DOCS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/** The text outside fenced code blocks and inline code, where links and headings live. */
function prose(markdown: string): string {
  const lines = markdown.split("\n");
  for (const block of fencedBlocks(markdown))
    for (let i = block.firstLine - 2; i <= block.firstLine + block.lines.length - 1; i++) lines[i] = "";
  return lines.join("\n").replace(/`[^`\n]*`/g, (code) => (code.includes("](") ? "" : code));
}

/** GitHub's anchors of a document's headings: lower case, punctuation dropped, spaces to hyphens, -N for repeats. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, title] of prose(markdown).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = (title ?? "")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

describe("README and docs", () => {
  it.each(DOCS)("%s: every relative link reaches a file and its heading", (doc) => {
    const broken: string[] = [];
    for (const [, target] of prose(read(doc)).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (target === undefined || /^[a-z]+:/.test(target)) continue;
      const [path = "", anchor] = target.split("#");
      const file = path === "" ? doc : normalize(join(dirname(doc), path));
      if (!existsSync(join(ROOT, file))) broken.push(`${target}: no file ${file}`);
      else if (anchor !== undefined && file.endsWith(".md") && !anchors(read(file)).has(anchor))
        broken.push(`${target}: no heading #${anchor} in ${file}`);
    }
    expect(broken).toEqual([]);
  });

  it("the README says, by the install, that npm ci then npm test checks the project, and keeps the exit codes", () => {
    const readme = read("README.md");
    const install = readme.slice(readme.indexOf("## Install"), readme.indexOf("## Quick start"));
    const commands = fencedBlocks(install).flatMap((b) => b.lines.map((l) => l.split("#")[0]?.trim()));
    expect(commands).toContain("npm ci");
    expect(commands).toContain("npm test");
    expect(install).toMatch(/npm test.*lint, type check and tests/);
    expect(readme).toMatch(/^## Exit codes$/m);
    expect(readme).toContain("npm run demo");
  });

  it("the README's reference links every document of docs/", () => {
    const readme = read("README.md");
    const reference = readme.slice(readme.indexOf("## Reference"));
    const missing = DOCS.filter((d) => d !== "README.md" && !reference.includes(`](${d})`));
    expect(missing).toEqual([]);
  });

  it("the layout names every folder of src/", () => {
    const layout = read("docs/layout.md");
    const folders = readdirSync(join(ROOT, "src"), { withFileTypes: true }).filter((e) => e.isDirectory());
    expect(folders.map((f) => `src/${f.name}`).filter((f) => !layout.includes(`\`${f}\``))).toEqual([]);
  });
});
