import type { HubConfig } from '../config';

/** SMART discovery document: what the hub accepts, true to the token verifier and policy. */
export function smartConfiguration(config: HubConfig): Record<string, unknown> {
  return {
    issuer: config.jwtIssuer,
    jwks_uri: undefined,
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    grant_types_supported: ['client_credentials', 'authorization_code'],
    scopes_supported: ['patient/*.rs', 'user/*.rs', 'user/*.cruds', 'system/*.cruds'],
    response_types_supported: ['code'],
    capabilities: ['permission-v2', 'permission-user', 'permission-patient', 'client-confidential-asymmetric'],
    code_challenge_methods_supported: ['S256'],
    token_signing_alg_values_supported: ['RS256', 'ES256'],
  };
}
