import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { Language } from './i18n.js';

/** A refusal or failure from the hub: its status and the hub's own (translated) explanation. */
export class HubError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string
  ) {
    super(detail || `HTTP ${status}`);
  }
}

/**
 * The views' only way to the data: the public FHIR API, with the user's token and language. No
 * rule lives here; what the hub refuses is shown as it explains it (OperationOutcome text).
 */
export class FhirClient {
  constructor(
    private readonly base: string,
    private readonly token: string,
    private readonly language: () => Language,
    private readonly onUnauthorized: () => void
  ) {}

  async read<T extends Resource>(path: string): Promise<T> {
    return (await this.send('GET', path)) as T;
  }

  async search<T extends Resource>(type: string, params: Record<string, string>): Promise<T[]> {
    const bundle = (await this.send('GET', `${type}?${new URLSearchParams(params)}`)) as Bundle;
    return (bundle.entry ?? []).map((e) => e.resource).filter((r): r is T => !!r && r.resourceType === type);
  }

  async create<T extends Resource>(resource: T): Promise<T> {
    return (await this.send('POST', resource.resourceType, resource)) as T;
  }

  async update<T extends Resource & { id?: string }>(resource: T): Promise<T> {
    return (await this.send('PUT', `${resource.resourceType}/${resource.id}`, resource)) as T;
  }

  async operation(path: string, body?: Resource): Promise<Resource> {
    return (await this.send(body ? 'POST' : 'GET', path, body)) as Resource;
  }

  /** Document content (`$content`): raw bytes with their type, checked by the hub like any read. */
  async content(documentId: string): Promise<Blob> {
    const res = await fetch(`${this.base}/DocumentReference/${encodeURIComponent(documentId)}/$content`, { headers: this.headers(), cache: 'no-store' });
    if (!res.ok) throw await this.failure(res);
    return res.blob();
  }

  private headers(body = false): Record<string, string> {
    return {
      Authorization: `Bearer ${this.token}`,
      Accept: 'application/fhir+json',
      'Accept-Language': this.language(),
      ...(body ? { 'Content-Type': 'application/fhir+json' } : {}),
    };
  }

  private async send(method: string, path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      // no-store: the browser's HTTP cache ignores Authorization, so a cached answer for one user
      // would be shown to the next user of the same browser (found by test/web/pro.test.ts).
      res = await fetch(`${this.base}/${path}`, {
        method,
        headers: this.headers(body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch {
      throw new HubError(0, '');
    }
    if (!res.ok) throw await this.failure(res);
    return res.json();
  }

  private async failure(res: Response): Promise<HubError> {
    if (res.status === 401) this.onUnauthorized();
    let detail = '';
    try {
      const outcome = (await res.json()) as OperationOutcome;
      detail = (outcome.issue ?? [])
        .map((i) => i.details?.text ?? i.diagnostics ?? '')
        .filter(Boolean)
        .join(' · ');
    } catch {
      // Not FHIR JSON (a proxy's page): the status alone explains it.
    }
    return new HubError(res.status, detail);
  }
}
