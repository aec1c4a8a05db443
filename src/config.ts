import path from 'node:path';

/** Runtime settings of SPEC §9, read once from the environment. */
export interface HubConfig {
  readonly port: number;
  readonly dataDir: string;
  /** Set: use this MongoDB. Unset: the embedded FerretDB is started in dataDir. */
  readonly mongodbUri?: string;
  readonly databaseName: string;
  /**
   * The PostgreSQL database under FerretDB (POSTGRES_URL, or the embedded one): the hub provisions
   * the GIN indexes FerretDB's pushed-down queries need there.
   */
  readonly postgresUrl?: string;
  readonly baseUrl: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  readonly jwtPublicKeyFile?: string;
  readonly jwksFile?: string;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  /** Largest accepted request body, in bytes (SPEC §1: over it is a 413). */
  readonly bodyLimitBytes: number;
  /** Document content retrieval (`$content`): the source must answer (headers) within this time. */
  readonly contentConnectTimeoutMs: number;
  /** ... and deliver the whole content within this time; past it the transfer is cut. */
  readonly contentTotalTimeoutMs: number;
  /**
   * URL prefixes a document's content may be fetched from (SSRF guard, SPEC §4 `$content`); empty =
   * any http(s) URL. Publication accepts only http(s) (or the hub's own Binary) URLs.
   */
  readonly contentSourcePrefixes: readonly string[];
}

export const DEV_ISSUER = 'https://sharehub.example/dev-issuer';
export const DEFAULT_AUDIENCE = 'https://sharehub.example/fhir';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const port = Number(env.PORT ?? 8080);
  const logLevel = (env.LOG_LEVEL ?? 'info') as HubConfig['logLevel'];
  return {
    port,
    dataDir: path.resolve(env.DATA_DIR ?? './.data'),
    mongodbUri: env.MONGODB_URI || undefined,
    databaseName: env.MONGODB_DATABASE ?? 'sharehub',
    postgresUrl: env.POSTGRES_URL || undefined,
    baseUrl: (env.FHIR_BASE_URL ?? `http://localhost:${port}/fhir`).replace(/\/$/, ''),
    logLevel,
    jwtPublicKeyFile: env.JWT_PUBLIC_KEY_FILE || undefined,
    jwksFile: env.JWKS_FILE || undefined,
    jwtIssuer: env.JWT_ISSUER ?? DEV_ISSUER,
    jwtAudience: env.JWT_AUDIENCE ?? DEFAULT_AUDIENCE,
    tlsCertFile: env.TLS_CERT_FILE || undefined,
    tlsKeyFile: env.TLS_KEY_FILE || undefined,
    bodyLimitBytes: 10 * 1024 * 1024,
    contentConnectTimeoutMs: positiveNumber(env.CONTENT_CONNECT_TIMEOUT_MS, 5_000),
    contentTotalTimeoutMs: positiveNumber(env.CONTENT_TOTAL_TIMEOUT_MS, 60_000),
    contentSourcePrefixes: (env.CONTENT_SOURCE_PREFIXES ?? '').split(/[\s,]+/).filter(Boolean),
  };
}

function positiveNumber(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value && Number.isFinite(n) && n > 0 ? n : fallback;
}

/** Development mode = no external key configured; the hub then signs with its own dev key pair. */
export function isDevelopmentMode(config: HubConfig): boolean {
  return !config.jwtPublicKeyFile && !config.jwksFile;
}
