/** Benchmark settings: `--docs 20000` / `--docs=20000` on the command line, or BENCH_DOCS in the environment. */
export interface BenchOptions {
  docs: number;
  patients: number;
  requests: number;
  concurrency: number;
  /** Patients linked to the benchmark GP: the size of the facts loaded on every request. */
  links: number;
  /** Seed of the data generator and of the request choices, so two runs query the same shapes. */
  seed: number;
  /** Keep the database (MONGODB_URI only) instead of dropping it at the end. */
  keepDatabase: boolean;
  mongodbUri?: string;
}

interface NumericOption {
  key: 'docs' | 'patients' | 'requests' | 'concurrency' | 'seed' | 'links';
  env: string;
  fallback: number;
  min: number;
  help: string;
}

const NUMERIC: NumericOption[] = [
  { key: 'docs', env: 'BENCH_DOCS', fallback: 100_000, min: 1, help: 'DocumentReferences to seed' },
  { key: 'patients', env: 'BENCH_PATIENTS', fallback: 10_000, min: 1, help: 'Patients to seed' },
  { key: 'requests', env: 'BENCH_REQUESTS', fallback: 200, min: 1, help: 'requests per measurement (after warm-up)' },
  { key: 'concurrency', env: 'BENCH_CONCURRENCY', fallback: 4, min: 1, help: 'requests in flight at once' },
  { key: 'seed', env: 'BENCH_SEED', fallback: 42, min: 0, help: 'seed of the data and request generator' },
  { key: 'links', env: 'BENCH_LINKS', fallback: 1000, min: 1, help: 'patients the benchmark GP holds an active link with (capped at --patients)' },
];

export const USAGE = [
  'usage: npm run bench -- [options]',
  ...NUMERIC.map((o) => `  --${o.key.padEnd(12)} ${o.help} (env ${o.env}, default ${o.fallback})`),
  `  --${'keep-db'.padEnd(12)} keep the benchmark database on MONGODB_URI (default: dropped at the end)`,
  '  MONGODB_URI  benchmark this server; unset: an embedded PostgreSQL + FerretDB 1.24 in a fresh temp dir',
].join('\n');

export class UsageError extends Error {}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const given = new Map<string, string>();
  let keepDatabase = env.BENCH_KEEP_DB === '1';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--keep-db') {
      keepDatabase = true;
      continue;
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    const option = match && NUMERIC.find((o) => o.key === match[1]);
    if (!match || !option) throw new UsageError(`unknown argument ${arg}`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${option.key} needs a value`);
    given.set(option.key, value);
  }
  const numbers = {} as Record<NumericOption['key'], number>;
  for (const option of NUMERIC) {
    const raw = given.get(option.key) ?? env[option.env];
    const value = raw === undefined || raw === '' ? option.fallback : Number(raw.replace(/_/g, ''));
    if (!Number.isInteger(value) || value < option.min) {
      throw new UsageError(`--${option.key} must be an integer >= ${option.min} (got ${raw})`);
    }
    numbers[option.key] = value;
  }
  return { ...numbers, keepDatabase, mongodbUri: env.MONGODB_URI || undefined };
}
