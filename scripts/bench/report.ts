import os from 'node:os';
import type { Measurement } from './load';

/** One hub figure and the raw driver baselines it is compared with. */
export interface Comparison {
  title: string;
  hub: Measurement;
  baselines: Measurement[];
}

export interface RunFacts {
  engine: string;
  docs: number;
  patients: number;
  requests: number;
  concurrency: number;
  date: Date;
  seedSeconds: number;
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
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd();
  const rule = '-'.repeat(widths.reduce((sum, w) => sum + w + 2, -2));
  return [
    '',
    'sharehub benchmark summary',
    rule,
    `date         ${facts.date.toISOString()}`,
    `engine       ${facts.engine}`,
    `data         N = ${facts.docs} DocumentReferences, M = ${facts.patients} Patients (+ History entries)`,
    `load         ${facts.requests} requests per measurement after warm-up, concurrency ${facts.concurrency}`,
    `seeding      ${facts.seedSeconds.toFixed(1)} s (${Math.round((facts.docs + facts.patients) / facts.seedSeconds)} resources/s)` +
      `, createHub incl. ensureIndexes ${facts.indexSeconds.toFixed(1)} s`,
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
