/** Benchmark settings: `--docs 20000` / `--docs=20000` on the command line, or BENCH_DOCS in the environment. */
export interface BenchOptions {
  docs: number;
  patients: number;
  requests: number;
  concurrency: number;
  /** Seed of the data generator and of the request choices, so two runs query the same shapes. */
  seed: number;
  /** Keep the database (MONGODB_URI only) instead of dropping it at the end. */
  keepDatabase: boolean;
  /**
   * `system`: the hub runs with the in-process system policy (sees and writes everything), so the
   * hub-admin token reaches clinical content; `real`: the production policy, under which admins
   * never read DocumentReferences (SPEC §5) and the benchmark stops at its pre-flight check.
   */
  policy: 'system' | 'real';
  mongodbUri?: string;
}

interface NumericOption {
  key: 'docs' | 'patients' | 'requests' | 'concurrency' | 'seed';
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
];

export const USAGE = [
  'usage: npm run bench -- [options]',
  ...NUMERIC.map((o) => `  --${o.key.padEnd(12)} ${o.help} (env ${o.env}, default ${o.fallback})`),
  `  --${'keep-db'.padEnd(12)} keep the benchmark database on MONGODB_URI (default: dropped at the end)`,
  `  --${'policy'.padEnd(12)} system | real: access policy of the hub under test (env BENCH_POLICY, default system)`,
  '  MONGODB_URI  benchmark this server; unset: an embedded FerretDB 1.24 in a fresh temp dir',
].join('\n');

export class UsageError extends Error {}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const given = new Map<string, string>();
  let keepDatabase = env.BENCH_KEEP_DB === '1';
  let policy = env.BENCH_POLICY || 'system';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--keep-db') {
      keepDatabase = true;
      continue;
    }
    if (arg === '--policy' || arg.startsWith('--policy=')) {
      policy = arg === '--policy' ? (argv[++i] ?? '') : arg.slice('--policy='.length);
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
  if (policy !== 'system' && policy !== 'real') throw new UsageError(`--policy must be system or real (got ${policy})`);
  return { ...numbers, keepDatabase, policy, mongodbUri: env.MONGODB_URI || undefined };
}
