import type { HubConfig } from '../config';
import { SERVED_TYPES } from '../fhir/served-types';
import { ACCEPTED_ALGORITHMS } from '../identity/verify-token';

/**
 * SMART discovery document (SPEC §1, §2), true to what the hub is: a resource server only. Tokens
 * are issued elsewhere (the issuer named by JWT_ISSUER; in development `npm run token`), so the
 * hub advertises no authorization or token endpoint and no grant type: SMART marks those fields
 * required for servers that launch apps, and an invented endpoint would send clients nowhere.
 * What it does state is what the token verifier and the policy enforce: the issuer it trusts,
 * the signing algorithms it accepts, and the SMART v1/v2 scope forms of src/policy/smart-scopes.ts
 * (scopes with `?` search restrictions are ignored there, so they are not offered here).
 */
export function smartConfiguration(config: HubConfig): Record<string, unknown> {
  return {
    issuer: config.jwtIssuer,
    grant_types_supported: [],
    token_signing_alg_values_supported: [...ACCEPTED_ALGORITHMS],
    scopes_supported: SUPPORTED_SCOPES,
    capabilities: ['permission-v1', 'permission-v2', 'permission-patient', 'permission-user'],
  };
}

const CONTEXTS = ['patient', 'user', 'system'];
/** `*` and each served type, read+search and full access, in each context. */
const SUPPORTED_SCOPES = CONTEXTS.flatMap((context) => ['*', ...SERVED_TYPES].flatMap((type) => [`${context}/${type}.rs`, `${context}/${type}.cruds`]));
