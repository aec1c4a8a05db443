import { ProgressLine } from './progress';

export interface Measurement {
  label: string;
  requests: number;
  concurrency: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  /** Completed operations per second of wall time, at `concurrency`. */
  throughput: number;
  wallSeconds: number;
}

export interface LoadSpec {
  label: string;
  requests: number;
  warmup: number;
  concurrency: number;
  /** One operation; `i` counts from 0 over warm-up and measured runs together, so each call can differ. */
  op: (i: number) => Promise<void>;
}

/**
 * Runs `warmup` operations (discarded), then `requests` operations with `concurrency` in flight,
 * timing each. The first failure aborts the measurement: a benchmark that counts errors as fast
 * answers would lie.
 */
export async function measure(spec: LoadSpec): Promise<Measurement> {
  let counter = 0;
  if (spec.warmup > 0) {
    await runWorkers(spec.warmup, spec.concurrency, async () => spec.op(counter++));
  }
  const progress = new ProgressLine(spec.label.padEnd(28), spec.requests, 'req');
  const latencies: number[] = [];
  const started = performance.now();
  await runWorkers(spec.requests, spec.concurrency, async () => {
    const t0 = performance.now();
    await spec.op(counter++);
    latencies.push(performance.now() - t0);
    progress.advance(1);
  });
  const wallSeconds = (performance.now() - started) / 1000;
  progress.finish();
  latencies.sort((a, b) => a - b);
  const result: Measurement = {
    label: spec.label,
    requests: spec.requests,
    concurrency: spec.concurrency,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    mean: latencies.reduce((sum, x) => sum + x, 0) / latencies.length,
    throughput: spec.requests / wallSeconds,
    wallSeconds,
  };
  // Each figure as soon as it exists, so an interrupted run still tells what it measured.
  const f = (ms: number) => ms.toFixed(1);
  process.stderr.write(`  -> p50 ${f(result.p50)} ms  p95 ${f(result.p95)} ms  p99 ${f(result.p99)} ms  ${result.throughput.toFixed(2)} req/s\n`);
  return result;
}

async function runWorkers(total: number, concurrency: number, task: () => Promise<void>): Promise<void> {
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < total) {
      started++;
      await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}
