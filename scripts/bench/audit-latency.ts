import type { HubClient } from './http-client';

/** What the trail adds to one request's latency, from pairs of the same request with audit on and off. */
export interface AuditLatencyFigures {
  pairs: number;
  /** p50 of the audited and of the unaudited requests, ms. */
  auditedP50: number;
  unauditedP50: number;
  /** p50 and p95 of (audited - unaudited) over the pairs, ms: the audit append's share of a request. */
  gapP50: number;
  gapP95: number;
}

/**
 * One request at a time, each sent to the audited hub and to the same hub without audit back to
 * back (in alternating order), on `paths` in turn: on a shared machine the load changes over
 * seconds, and a pair sees the same load, so the gap of each pair is the audit's cost.
 */
export async function measureAuditLatency(
  audited: HubClient,
  unaudited: HubClient,
  warmUp: string[],
  paths: string[],
  pairs: number
): Promise<AuditLatencyFigures> {
  const timed = async (client: HubClient, path: string): Promise<number> => {
    const started = performance.now();
    await client.expect(200, 'GET', path);
    return performance.now() - started;
  };
  // Warm-up of both: connections, definitions, the first facts.
  for (const path of warmUp) await Promise.all([timed(audited, path), timed(unaudited, path)]);
  const on: number[] = [];
  const off: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const path = paths[i % paths.length];
    if (i % 2 === 0) {
      on.push(await timed(audited, path));
      off.push(await timed(unaudited, path));
    } else {
      off.push(await timed(unaudited, path));
      on.push(await timed(audited, path));
    }
  }
  const gaps = on.map((t, i) => t - off[i]);
  return { pairs, auditedP50: quantile(on, 0.5), unauditedP50: quantile(off, 0.5), gapP50: quantile(gaps, 0.5), gapP95: quantile(gaps, 0.95) };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

export function auditLatencySummary(label: string, f: AuditLatencyFigures): string {
  return `  ${label}: ${f.pairs} pairs, p50 audited ${f.auditedP50.toFixed(1)} ms, audit off ${f.unauditedP50.toFixed(1)} ms; gap per pair p50 ${f.gapP50.toFixed(1)} ms, p95 ${f.gapP95.toFixed(1)} ms`;
}
