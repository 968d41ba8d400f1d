import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

const files = sourceFiles(SRC).map((f) => relative(SRC, f));

describe("source layout", () => {
  it("nothing outside src/cli imports from it (the CLI only wires the library)", () => {
    const offenders = files
      .filter((f) => !f.startsWith("cli/"))
      .filter((f) => /from "(\.\.\/)+cli\//.test(readFileSync(join(SRC, f), "utf8")));
    expect(offenders).toEqual([]);
  });

  it("file and folder names are kebab-case", () => {
    expect(files.filter((f) => !/^([a-z0-9]+(-[a-z0-9]+)*\/)*[a-z0-9]+(-[a-z0-9]+)*\.ts$/.test(f))).toEqual(
      [],
    );
  });
});
