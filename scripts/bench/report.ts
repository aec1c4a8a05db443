import os from 'node:os';
import type { Measurement } from './load';

/** One hub figure and the raw driver baselines it is compared with. */
export interface Comparison {
  /** Name in the JSON figures: search, read, create, facts. */
  key: string;
  title: string;
  hub: Measurement;
  baselines: Measurement[];
}

export interface RunFacts {
  engine: string;
  docs: number;
  patients: number;
  links: number;
  requests: number;
  concurrency: number;
  date: Date;
  seedSeconds: number;
  /** Documents (with their History entries) written per second in this scale's step. */
  seedRate: number;
  /** Rebuilding the GIN indexes dropped for this step's bulk load (0: not dropped). */
  ginSeconds: number;
  indexSeconds: number;
  /** Wall time of the whole run so far (start-up, seeding, measurements). */
  totalSeconds: number;
  notes: string[];
}

/** Plain-text summary: one row per measurement, ratios hub/raw on p50 latency and throughput. */
export function summary(facts: RunFacts, comparisons: Comparison[]): string {
  const header = ['measurement', 'p50 ms', 'p95 ms', 'p99 ms', 'req/s', 'p50 hub/raw', 'req/s hub/raw'];
  const rows: string[][] = [];
  for (const c of comparisons) {
    rows.push([`${c.title}`, '', '', '', '', '', '']);
    rows.push(figures(`  hub   ${c.hub.label}`, c.hub, '', ''));
    for (const raw of c.baselines) {
      rows.push(figures(`  raw   ${raw.label}`, raw, ratio(c.hub.p50, raw.p50), ratio(c.hub.throughput, raw.throughput)));
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = '-'.repeat(widths.reduce((sum, w) => sum + w + 2, -2));
  return [
    '',
    'sharehub benchmark summary',
    rule,
    `date         ${facts.date.toISOString()}`,
    `engine       ${facts.engine}`,
    `data         N = ${facts.docs} DocumentReferences, M = ${facts.patients} Patients (+ History entries), the GP linked with ${facts.links}`,
    `load         ${facts.requests} requests per measurement after warm-up, concurrency ${facts.concurrency}`,
    `seeding      ${facts.seedSeconds.toFixed(1)} s for this scale's step (${Math.round(facts.seedRate)} DocumentReferences/s)` +
      (facts.ginSeconds ? `, GIN indexes dropped for it and rebuilt in ${facts.ginSeconds.toFixed(1)} s` : '') +
      (facts.indexSeconds ? `, createHub incl. ensureIndexes and start-up backfills ${facts.indexSeconds.toFixed(1)} s` : ''),
    `run time     ${facts.totalSeconds.toFixed(0)} s in all; node ${process.version} on ${process.platform}/${process.arch}, ${os.cpus().length} CPUs`,
    rule,
    line(header),
    rule,
    ...rows.map(line),
    rule,
    'ratio = hub / raw: p50 above 1 is hub overhead; req/s below 1 is hub overhead.',
    ...facts.notes.map((n) => `note: ${n}`),
    '',
  ].join('\n');
}

function figures(label: string, m: Measurement, p50Ratio: string, rateRatio: string): string[] {
  return [label, ms(m.p50), ms(m.p95), ms(m.p99), m.throughput.toFixed(1), p50Ratio, rateRatio];
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

function ratio(hub: number, raw: number): string {
  return raw > 0 ? `${(hub / raw).toFixed(2)}x` : '-';
}

export interface Figures {
  p50: number;
  p95: number;
  rps: number;
}

/** `{measurement: {hub, raw, ratio_p50, ratio_rps, audit_off?}}` for one scale: the first baseline is the raw query. */
export function figuresOf(comparisons: Comparison[]): Record<string, Record<string, unknown>> {
  const of = (m: Measurement): Figures => ({ p50: round(m.p50), p95: round(m.p95), rps: round(m.throughput) });
  const out: Record<string, Record<string, unknown>> = {};
  for (const c of comparisons) {
    const [raw] = c.baselines;
    const auditOff = c.baselines.find((b) => b.label === 'same hub, audit off');
    out[c.key] = {
      hub: of(c.hub),
      raw: of(raw),
      ratio_p50: round(c.hub.p50 / raw.p50),
      ratio_rps: round(c.hub.throughput / raw.throughput),
      ...(auditOff ? { audit_off: of(auditOff), audit_ratio_p50: round(c.hub.p50 / auditOff.p50) } : {}),
    };
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** The goals of issue #17, checked on one run's figures (search flat across scales, hub/raw ratios). */
export function goalLines(byScale: Map<number, Comparison[]>): string[] {
  const scales = [...byScale.keys()];
  const get = (scale: number, key: string) => byScale.get(scale)?.find((c) => c.key === key);
  const lines: string[] = [];
  const first = get(scales[0], 'search');
  const last = get(scales[scales.length - 1], 'search');
  if (first && last && scales.length > 1) {
    const growth = last.hub.p50 / first.hub.p50;
    lines.push(`goal search p50 at ${scales[scales.length - 1]} <= 1.5x its p50 at ${scales[0]}: ${growth.toFixed(2)}x ${growth <= 1.5 ? 'met' : 'NOT met'}`);
  }
  const limits: [string, number][] = [
    ['search', 1.3],
    ['read', 1.5],
    ['create', 2],
  ];
  for (const scale of scales) {
    for (const [key, limit] of limits) {
      const c = get(scale, key);
      if (!c) continue;
      const r = c.hub.p50 / c.baselines[0].p50;
      lines.push(`goal ${key} hub/raw p50 <= ${limit} at ${scale}: ${r.toFixed(2)} ${r <= limit ? 'met' : 'NOT met'}`);
    }
  }
  return lines;
}
