/** Benchmark settings: `--scales 10000,100000` / `--scales=...` on the command line, or BENCH_SCALES in the environment. */
export interface BenchOptions {
  /** Document counts measured in one run, ascending: the database grows from one to the next. */
  scales: number[];
  docsPerPatient: number;
  requests: number;
  concurrency: number;
  /** Patients linked to the benchmark GP: the size of the facts loaded on every request. */
  links: number;
  /** Seed of the data generator and of the request choices, so two runs query the same shapes. */
  seed: number;
  /** Keep the database (MONGODB_URI only) instead of dropping it at the end. */
  keepDatabase: boolean;
  /** Keep the GIN indexes in place while a step more than doubles the data (default: dropped, rebuilt after it). */
  keepGinWhileSeeding: boolean;
  mongodbUri?: string;
  /** Also write the figures as JSON to this file. */
  json?: string;
}

const DEFAULT_SCALES = [10_000, 100_000];

interface NumericOption {
  key: 'docs-per-patient' | 'requests' | 'concurrency' | 'seed' | 'links';
  env: string;
  fallback: number;
  min: number;
  help: string;
}

const NUMERIC: NumericOption[] = [
  {
    key: 'docs-per-patient',
    env: 'BENCH_DOCS_PER_PATIENT',
    fallback: 50,
    min: 1,
    help: 'documents per patient on average, at every scale (78M / 1.5M in the real network); patients = docs / this',
  },
  { key: 'requests', env: 'BENCH_REQUESTS', fallback: 200, min: 1, help: 'requests per measurement (after warm-up)' },
  { key: 'concurrency', env: 'BENCH_CONCURRENCY', fallback: 4, min: 1, help: 'requests in flight at once' },
  { key: 'seed', env: 'BENCH_SEED', fallback: 42, min: 0, help: 'seed of the data and request generator' },
  {
    key: 'links',
    env: 'BENCH_LINKS',
    fallback: 1000,
    min: 1,
    help: "patients the benchmark GP holds an active link with, at every scale; at most the smallest scale's patients (the default is lowered to that)",
  },
];

export const USAGE = [
  'usage: npm run bench -- [options]',
  ...NUMERIC.map((o) => `  --${o.key.padEnd(12)} ${o.help} (env ${o.env}, default ${o.fallback})`),
  `  --${'scales'.padEnd(12)} DocumentReference counts, comma-separated, measured in one run as the database grows (env BENCH_SCALES, default ${DEFAULT_SCALES.join(',')}); --docs N is --scales N`,
  `  --${'json'.padEnd(12)} FILE also writes the figures as JSON: {scale: {measurement: {hub: {p50, p95, rps}, raw: {...}, ratio_p50, ratio_rps}}}`,
  `  --${'keep-db'.padEnd(12)} keep the benchmark database on MONGODB_URI (default: dropped at the end)`,
  `  --${'keep-gin'.padEnd(12)} keep the GIN indexes while a step more than doubles the data (default: dropped for it, rebuilt after)`,
  '  MONGODB_URI  benchmark this server; unset: an embedded PostgreSQL + FerretDB 1.24 in a fresh temp dir',
].join('\n');

export class UsageError extends Error {}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const given = new Map<string, string>();
  let keepDatabase = env.BENCH_KEEP_DB === '1';
  let keepGinWhileSeeding = env.BENCH_KEEP_GIN === '1';
  let scalesText = env.BENCH_SCALES || undefined;
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--keep-db') {
      keepDatabase = true;
      continue;
    }
    if (arg === '--keep-gin') {
      keepGinWhileSeeding = true;
      continue;
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    const name = match?.[1];
    const option = match && NUMERIC.find((o) => o.key === name);
    if (!match || !(option || name === 'scales' || name === 'docs' || name === 'json')) throw new UsageError(`unknown argument ${arg}`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (name === 'scales' || name === 'docs') scalesText = value;
    else if (name === 'json') json = value;
    else given.set(name as string, value);
  }
  const numbers = {} as Record<NumericOption['key'], number>;
  for (const option of NUMERIC) {
    const raw = given.get(option.key) ?? env[option.env];
    numbers[option.key] = integerAtLeast(raw === undefined || raw === '' ? String(option.fallback) : raw, option.min, `--${option.key}`);
  }
  const scales = scalesText ? scalesText.split(',').map((s) => integerAtLeast(s.trim(), 1, '--scales')) : DEFAULT_SCALES;
  if (scales.some((s, i) => i > 0 && s <= scales[i - 1])) throw new UsageError(`--scales must be ascending (got ${scalesText})`);
  const { 'docs-per-patient': docsPerPatient, ...rest } = numbers;
  // The GP's patients are seeded with the first scale and keep docsPerPatient documents on average
  // at every scale; more links than that scale has patients would need fewer documents per patient there.
  const firstPatients = Math.ceil(scales[0] / docsPerPatient);
  const linksGiven = given.has('links') || (env.BENCH_LINKS ?? '') !== '';
  if (rest.links > firstPatients) {
    if (linksGiven)
      throw new UsageError(
        `--links ${rest.links} needs at least ${rest.links * docsPerPatient} documents at the smallest scale (${scales[0]} holds ${firstPatients} patients of ${docsPerPatient} documents)`
      );
    rest.links = firstPatients;
  }
  return { ...rest, docsPerPatient, scales, keepDatabase, keepGinWhileSeeding, json, mongodbUri: env.MONGODB_URI || undefined };
}

function integerAtLeast(raw: string, min: number, name: string): number {
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < min) throw new UsageError(`${name} must be an integer >= ${min} (got ${raw})`);
  return value;
}
