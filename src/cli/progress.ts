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
    this.bar = new cliProgress.SingleBar(
      {
        stream: this.stream,
        format: `${label} [{bar}] {value}/{total} {percentage}% | {duration_formatted} elapsed | eta {eta_formatted}`,
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
