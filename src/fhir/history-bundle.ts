import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import type { HistoryEntry } from '../store/stored-resource';

/** A `history` Bundle, newest first; deleted versions carry a request DELETE and no resource. */
export function historyBundle(entries: HistoryEntry[], baseUrl: string, total?: number): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'history',
    ...(total !== undefined ? { total } : {}),
    entry: entries.map((e): BundleEntry => {
      const url = `${e.t}/${e.id}`;
      return {
        fullUrl: `${baseUrl}/${url}`,
        ...(e.del ? {} : { resource: e.r }),
        request: { method: e.del ? 'DELETE' : e.v === 1 ? 'POST' : 'PUT', url: e.v === 1 && !e.del ? e.t : url },
        response: { status: e.del ? '204' : e.v === 1 ? '201' : '200', lastModified: e.ts.toISOString(), etag: `W/"${e.v}"` },
      };
    }),
  };
}
