import cliProgress from "cli-progress";

/** Progress display: a bar on a TTY, plain lines (at most every 5 s and at the end) otherwise. */
export interface Progress {
  start(label: string, total: number): void;
  update(done: number): void;
  stop(): void;
  log(line: string): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, quiet = false): Progress {
  if (quiet) return { start() {}, update() {}, stop() {}, log() {} };
  if (stream.isTTY) return new BarProgress(stream);
  return new LineProgress(stream);
}

class BarProgress implements Progress {
  private bar: cliProgress.SingleBar | undefined;
  constructor(private readonly stream: NodeJS.WriteStream) {}
  start(label: string, total: number): void {
    this.stop();
    const layout = barLayout(label, total, this.stream.columns ?? 80);
    this.bar = new cliProgress.SingleBar(
      {
        stream: this.stream,
        format: `${layout.label} [{bar}] {value}/{total} {percentage}% | eta {eta_formatted}`,
        barsize: layout.barsize,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0);
  }
  update(done: number): void {
    this.bar?.update(done);
  }
  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
  log(line: string): void {
    if (this.bar) {
      this.stream.write("\n");
    }
    this.stream.write(`${line}\n`);
  }
}

class LineProgress implements Progress {
  private label = "";
  private total = 0;
  private last = 0;
  private lastDone = -1;
  constructor(private readonly stream: NodeJS.WriteStream) {}
  start(label: string, total: number): void {
    this.label = label;
    this.total = total;
    this.last = Date.now();
    this.lastDone = -1;
  }
  update(done: number): void {
    const t = Date.now();
    if ((t - this.last >= 5000 || done === this.total) && done !== this.lastDone) {
      this.last = t;
      this.lastDone = done;
      this.stream.write(`${this.label}: ${done}/${this.total}\n`);
    }
  }
  stop(): void {}
  log(line: string): void {
    this.stream.write(`${line}\n`);
  }
}

/**
 * A bar line that fits `columns`: the label shortened in the middle (a path keeps its file name whole where it
 * can) and a bar of 10–30 cells, so the count and the ETA are never cut off.
 */
export function barLayout(label: string, total: number, columns: number): { label: string; barsize: number } {
  const digits = String(Math.max(0, Math.round(total))).length;
  // " [" + bar + "] " + value/total + " " + "100%" + " | eta " + "10h20m30s" (cli-progress's longest ETA)
  const tail = 2 + 2 + (2 * digits + 1) + 1 + 4 + 7 + 9;
  const width = Math.max(40, columns - 1);
  const barsize = Math.max(10, Math.min(30, width - tail - Math.min(label.length, 32)));
  return { label: shorten(label, Math.max(8, width - tail - barsize)), barsize };
}

/** `text` cut to `max` characters in the middle, keeping a path's file name when it can. */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const slash = text.lastIndexOf("/");
  const name = slash >= 0 ? text.slice(slash + 1) : "";
  if (name !== "" && name.length + 2 <= max) return `…/${name}`;
  if (name !== "" && name.length <= max) return name;
  const head = Math.ceil((max - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (max - 1 - head))}`;
}
