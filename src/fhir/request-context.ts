import type { AccessPolicy } from '../policy/access-policy';
import type { PlannedWrite } from '../store/stored-resource';

/**
 * Told of every committed write, after the commit (federation publishes consents, links and
 * practitioners to the metahub from here). It cannot undo the write; its own failures are its own.
 */
export type WriteObserver = (writes: readonly PlannedWrite[]) => Promise<void>;

/**
 * Everything a repository needs for one request; built by the HTTP layer after authentication.
 * No store here: the data is reached only through the repository (HubRepository).
 */
export interface RequestContext {
  policy: AccessPolicy;
  /** Public base URL of the FHIR endpoint, for fullUrl and paging links. */
  baseUrl: string;
  /** The request time: every time-dependent rule is evaluated against it. */
  now: Date;
  /** `Prefer: handling=lenient`. */
  lenient: boolean;
  onCommitted?: WriteObserver;
  /**
   * The caller's policy again, from the facts as they are now (full facts). A batch whose entry
   * changed the caller's facts (ended its own link, say) decides its later entries with this one.
   */
  reloadPolicy?: () => Promise<AccessPolicy>;
}
