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
   * SMART App Launch of the web views (SPEC §12): the network's OpenID Connect provider. Unset in
   * development mode: the hub's own demo sign-in (src/http/dev-sign-in.ts) takes its place.
   */
  readonly smartAuthorizeUrl?: string;
  readonly smartTokenUrl?: string;
  readonly smartClientId: string;
  /** Federation (SPEC §11): this process's part and its peers. */
  readonly federation: FederationConfig;
}

/** SPEC §11: one binary, two modes; peers and their keys come from files. */
export interface FederationConfig {
  readonly mode: 'hub' | 'metahub';
  /** This hub's `hub_id`: the `kid` of its peer tokens and the `aud` peers address it by. Unset = not federated. */
  readonly hubId?: string;
  /** JSON `[{"hub_id", "base_url"}]`, the metahub included. */
  readonly peersFile?: string;
  /** JWKS of every peer's public key, `kid` = its hub_id. */
  readonly peerJwksFile?: string;
  /** Base URL of the metahub's `/fhir` (hub mode). */
  readonly metahubUrl?: string;
  /** A peer (or the metahub) that has not answered completely within this time is cut off. */
  readonly peerTimeoutMs: number;
  /** PEM private key this hub signs peer tokens with; unset in development mode = a key in DATA_DIR. */
  readonly signingKeyFile?: string;
}

export const DEV_ISSUER = 'https://sharehub.example/dev-issuer';
export const DEFAULT_AUDIENCE = 'https://sharehub.example/fhir';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  // A typo must not start a hub that silently plays the wrong part.
  if (env.HUB_MODE && env.HUB_MODE !== 'hub' && env.HUB_MODE !== 'metahub') throw new Error(`HUB_MODE must be hub or metahub, not ${env.HUB_MODE}`);
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
    smartAuthorizeUrl: env.SMART_AUTHORIZE_URL || undefined,
    smartTokenUrl: env.SMART_TOKEN_URL || undefined,
    smartClientId: env.SMART_CLIENT_ID || 'sharehub-web',
    federation: {
      mode: env.HUB_MODE === 'metahub' ? 'metahub' : 'hub',
      hubId: env.HUB_ID || undefined,
      peersFile: env.PEERS_FILE || undefined,
      peerJwksFile: env.PEER_JWKS_FILE || undefined,
      metahubUrl: env.METAHUB_URL ? env.METAHUB_URL.replace(/\/$/, '') : undefined,
      peerTimeoutMs: positiveNumber(env.PEER_TIMEOUT_MS, 3_000),
      signingKeyFile: env.HUB_SIGNING_KEY_FILE || undefined,
    },
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
