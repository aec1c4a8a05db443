import type { PlannedWrite, StoredResource } from './stored-resource';

/** Test hook: lets a test make the database fail at a chosen write of a batch commit. */
export interface StoreFaults {
  /** May return a promise that never settles: the commit then stands still there, as in a crash. */
  beforeBatchWrite?(index: number, write: PlannedWrite): void | Promise<void>;
  beforeCommitPoint?(): void | Promise<void>;
  /** Lets a test hold a single write just before it reaches the database (to interleave another request there). */
  beforeWrite?(type: string, doc: StoredResource): void | Promise<void>;
  /** Lets a test make the database fail when one resource's access fields are set after its write. */
  beforeAccessFieldsSetById?(type: string, id: string): void;
  /** Lets a test make the database fail when the facts of an access decision are read (by resource type). */
  beforeFactsRead?(type: string): void;
  /** Lets a test make the database fail when the audit trail is written. */
  beforeAuditWrite?(): void;
  /** Lets a test make the database fail when an audit chain's head hint is moved. */
  beforeHeadWrite?(): void;
}
