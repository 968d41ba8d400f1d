/** The original's `--remove_newline_tab`: newlines and tabs become spaces, then whitespace is collapsed. */
export function collapseWhitespace(text: string): string {
  return text
    .replace(/[\n\t]/g, " ")
    .trim()
    .split(/\s+/)
    .join(" ");
}
