import http from 'node:http';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * A minimal keep-alive client for the hub on loopback: one socket per concurrent request, reused,
 * so the benchmark measures the hub and not TCP set-up.
 */
export class HubClient {
  private readonly agent: http.Agent;
  /** Requests answered so far: the audited ones, for the audit trail's bytes per request. */
  answered = 0;

  constructor(
    private readonly port: number,
    private readonly token: string,
    concurrency: number
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  }

  request(method: Method, path: string, body?: unknown): Promise<HttpAnswer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: http.OutgoingHttpHeaders = { authorization: `Bearer ${this.token}`, accept: 'application/fhir+json' };
    if (payload) {
      headers['content-type'] = method === 'PATCH' ? 'application/json-patch+json' : 'application/fhir+json';
      headers['content-length'] = payload.length;
    }
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: this.port, method, path, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          this.answered++;
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** The request, failing unless the status is `expected`. */
  async expect(expected: number, method: Method, path: string, body?: unknown): Promise<string> {
    const answer = await this.request(method, path, body);
    if (answer.status !== expected) {
      throw new Error(`${method} ${path.split('?')[0]} answered ${answer.status} (expected ${expected}): ${answer.body.slice(0, 300)}`);
    }
    return answer.body;
  }

  close(): void {
    this.agent.destroy();
  }
}
