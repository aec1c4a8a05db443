import type { Condition } from './condition';
import type { AccessFields, StoredResource } from './stored-resource';

/**
 * The unscoped reads that decisions make: the policy's facts, the write rules, the workflows'
 * look-ups, and which patient a refused access is audited against. They read past the caller's
 * read scope by design, so nothing they return is ever an answer; the repository hands them this
 * much of its store, never the store itself (searches, writes, history stay behind its gate).
 */
export interface FactReads {
  /** One current document, not deleted (unless asked). */
  readFactById(type: string, id: string, withDeleted?: boolean): Promise<StoredResource | undefined>;
  /** Current, not deleted documents matching `where`, at most `limit`. */
  readFacts(type: string, where: Condition, limit?: number): Promise<StoredResource[]>;
}

/** A commit's follow-up that lends a document's access fields to the resources it governs (SUMEHR entries). */
export interface AccessFieldLending extends FactReads {
  setAccessFieldsById(type: string, id: string, fields: AccessFields, onlyIf?: AccessFields): Promise<boolean>;
}
