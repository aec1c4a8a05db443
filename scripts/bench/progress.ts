/**
 * A one-line progress bar on stderr: count, percentage, rate and ETA, redrawn in place with `\r`.
 * When stderr is not a terminal (CI, a log file) it prints a plain line every 10 % instead.
 */
export class ProgressLine {
  private readonly started = performance.now();
  private lastDraw = 0;
  private lastDecile = -1;
  private done = 0;
  private readonly tty = process.stderr.isTTY === true;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit = 'docs'
  ) {}

  advance(by: number): void {
    this.done = Math.min(this.total, this.done + by);
    const now = performance.now();
    if (this.tty) {
      if (now - this.lastDraw >= 100 || this.done === this.total) {
        this.lastDraw = now;
        process.stderr.write(`\r${this.render(now)}\x1b[K`);
      }
      return;
    }
    const decile = Math.floor((this.done / this.total) * 10);
    if (decile > this.lastDecile && this.done < this.total) {
      this.lastDecile = decile;
      process.stderr.write(`${this.render(now)}\n`);
    }
  }

  /** Final line with the total time; always ends with a newline. */
  finish(): void {
    const now = performance.now();
    const line = `${this.render(now)} done in ${formatDuration((now - this.started) / 1000)}`;
    process.stderr.write(this.tty ? `\r${line}\x1b[K\n` : `${line}\n`);
  }

  private render(now: number): string {
    const elapsed = (now - this.started) / 1000;
    const fraction = this.total ? this.done / this.total : 1;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const eta = rate > 0 ? (this.total - this.done) / rate : NaN;
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    return (
      `${this.label} [${bar}] ${this.done}/${this.total} ${(fraction * 100).toFixed(1).padStart(5)}%` +
      `  ${rate < 10 ? rate.toFixed(2) : Math.round(rate)} ${this.unit}/s  ETA ${Number.isFinite(eta) ? formatDuration(eta) : '--'}`
    );
  }
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m < 60 ? `${m}m${String(s).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
