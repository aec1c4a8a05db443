import type { FactReads } from '../store/fact-reads';
import { touch, type Access, type Touch } from './access-log';

/**
 * A refused interaction is recorded against the patient of the resource it aimed at (an unscoped
 * `_id` read, made only on refusal), or for a refused write against the patient it named, if that
 * patient exists: the patient sees who tried (SPEC §7); the caller learns nothing more.
 */
export async function touchRefused(store: FactReads, access: Access, target: { type: string; id?: string; served: boolean }, writing?: Touch): Promise<void> {
  const doc = target.id && target.served ? await store.readFactById(target.type, target.id) : undefined;
  if (doc) return touch(access, `${target.type}/${target.id}`, doc.a.patient);
  const [type, patientId] = writing?.patient?.split('/') ?? [];
  if (writing && type === 'Patient' && patientId && (await store.readFactById('Patient', patientId))) {
    touch(access, writing.resource, writing.patient);
  }
}
