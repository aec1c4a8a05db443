/**
 * What the soak counts: per request kind, the latencies of the current 30-second window and of the
 * whole run, and the answers by status class. "no answer" is a request the hub never answered
 * (connection refused or reset, or no answer within the client's timeout): as bad as a 5xx.
 */
export type StatusClass = '2xx' | '4xx' | '5xx' | 'other' | 'no answer';

export interface KindFigures {
  count: number;
  p50: number;
  p95: number;
}

export class Tally {
  private readonly window = new Map<string, number[]>();
  private readonly total = new Map<string, number[]>();
  readonly statuses: Record<StatusClass, number> = { '2xx': 0, '4xx': 0, '5xx': 0, other: 0, 'no answer': 0 };
  /** Some 5xx / unanswered requests, so a failure can be looked at afterwards. */
  readonly failures: string[] = [];
  /** Answers other than the one the kind expects (a refusal that came back 200, ...). */
  readonly surprises = new Map<string, number>();
  /** The first answer of each kind of surprise, to see why. */
  readonly firstSurprise = new Map<string, string>();
  requests = 0;

  record(kind: string, millis: number, status: number | undefined, expected: readonly number[], detail: string): void {
    this.requests++;
    for (const map of [this.window, this.total]) {
      const list = map.get(kind) ?? [];
      list.push(millis);
      map.set(kind, list);
    }
    const cls = statusClass(status);
    this.statuses[cls]++;
    // Two of each kind and status at most, so one failing query does not hide the others.
    const line = `${kind} -> ${status ?? 'no answer'}: `;
    if ((cls === '5xx' || cls === 'no answer') && this.failures.filter((f) => f.startsWith(line)).length < 2) this.failures.push(line + detail.slice(0, 300));
    if (status === undefined || !expected.includes(status)) {
      const key = `${kind} ${status ?? 'no answer'}`;
      this.surprises.set(key, (this.surprises.get(key) ?? 0) + 1);
      if (!this.firstSurprise.has(key)) this.firstSurprise.set(key, detail.slice(0, 400));
    }
  }

  /** The window's figures per kind, then a fresh window. */
  takeWindow(): Map<string, KindFigures> {
    const figures = figuresOf(this.window);
    this.window.clear();
    return figures;
  }

  totals(): Map<string, KindFigures> {
    return figuresOf(this.total);
  }
}

function statusClass(status: number | undefined): StatusClass {
  if (status === undefined) return 'no answer';
  if (status >= 200 && status < 300) return '2xx';
  if (status >= 400 && status < 500) return '4xx';
  if (status >= 500) return '5xx';
  return 'other';
}

function figuresOf(map: Map<string, number[]>): Map<string, KindFigures> {
  const out = new Map<string, KindFigures>();
  for (const [kind, list] of [...map.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = [...list].sort((a, b) => a - b);
    out.set(kind, { count: sorted.length, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95) });
  }
  return out;
}

function percentile(sorted: number[], q: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
