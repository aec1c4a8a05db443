/** Roles of SPEC §2. Anything else in a token is refused (fail closed). */
export const ROLES = ['practitioner', 'patient', 'guarantor', 'institution-admin', 'hub-admin', 'hub'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The authenticated caller, built once from a verified JWT by the HTTP layer and handed to every
 * layer below it. Layers below HTTP never see the token itself.
 */
export interface Principal {
  /** JWT `sub`: the user's stable identifier at the issuer. */
  readonly sub: string;
  readonly role: Role;
  /** practitioner: 11-digit NIHII number, key to its Practitioner. */
  readonly nihii?: string;
  /** practitioner: profession code (physician, nurse, ...). */
  readonly profession?: string;
  /** practitioner (optional), guarantor, institution-admin: NIHII or CBE of the Organization. */
  readonly organization?: string;
  /** patient: SSIN, key to its Patient. */
  readonly ssin?: string;
  /** hub: identifier of the peer hub or metahub adapter. */
  readonly hubId?: string;
  /** hub: the end user the peer acts for (JWT `act` claim), verified like a top-level claim set. */
  readonly actor?: Principal;
  /** SMART v2 scopes from the `scope` claim; empty means the token reads nothing. */
  readonly scopes: readonly string[];
  /** OAuth client that obtained the token (`client_id` or `azp`), for the audit trail. */
  readonly clientId?: string;
}
