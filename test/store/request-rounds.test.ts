import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent, Document } from 'mongodb';
import { MongoNetworkError } from 'mongodb';
import supertest from 'supertest';
import { AUDIT_COLLECTION } from '../../src/store/audit-store';
import { startMonitoredHub, type MonitoredHub } from '../support/monitored-hub';
import { NETWORK_DATE, personaClaims, startNetworkHub, type NetworkHub } from '../support/network';

/**
 * On FerretDB-on-PostgreSQL every round trip costs a few milliseconds, so what a request costs is
 * how many times it waits for the database in sequence. These tests watch the commands a hub sends
 * and when each is answered, and hold the rounds before the audit trail is written (the audit's own
 * rounds are the trail's business): a read by id sends its document read together with the caller's
 * registry facts, then that patient's links and consents, and answers with the document it read; the
 * patient document search sends all of its facts together, then the page. Counted in order of
 * events, never in time: a command is in round n+1 when it was sent after an answer of round n.
 */
let t: NetworkHub;
let monitored: MonitoredHub;
let failFactsOf: string | undefined;

interface Sent {
  command: string;
  collection: string;
  filter: Document;
  sentAt: number;
  answeredAt?: number;
}
let sent: Sent[] = [];
let events = 0;
const byRequestId = new Map<number, Sent>();

beforeAll(async () => {
  t = await startNetworkHub(
    {},
    {
      faults: {
        beforeFactsRead: (type) => {
          if (type === failFactsOf) throw new MongoNetworkError('connection lost while reading facts');
        },
      },
    }
  );
  monitored = await startMonitoredHub(
    t.config,
    () => NETWORK_DATE,
    (event: CommandStartedEvent) => {
      const body = event.command;
      const entry: Sent = {
        command: event.commandName,
        collection: String(body[event.commandName] ?? ''),
        filter: (body.filter as Document | undefined) ?? {},
        sentAt: ++events,
      };
      sent.push(entry);
      byRequestId.set(event.requestId, entry);
    },
    {
      onReply: (event: CommandSucceededEvent | CommandFailedEvent) => {
        const entry = byRequestId.get(event.requestId);
        if (entry) entry.answeredAt = ++events;
      },
    }
  );
}, 120_000);
afterAll(async () => {
  await monitored.close();
  await t.close();
});

const MARIE = 'Patient/patient-marie-dubois';
const MARIE_LAB = '/fhir/DocumentReference/doc-marie-lab-2026-11';
const MARIE_SEARCH = '/fhir/DocumentReference?patient=patient-marie-dubois&status=current&_count=50';

/** Each command's round: one more than the latest round among the commands answered before it was sent. */
function withRounds(commands: Sent[]): (Sent & { round: number })[] {
  const rounds = new Map<Sent, number>();
  for (const c of commands) {
    const waitedFor = commands.filter((o) => o.answeredAt !== undefined && o.answeredAt < c.sentAt).map((o) => rounds.get(o) ?? 0);
    rounds.set(c, 1 + Math.max(0, ...waitedFor));
  }
  return commands.map((c) => ({ ...c, round: rounds.get(c) ?? 0 }));
}

/**
 * The commands one request sent before its audit, with their rounds. The same request is made a few
 * times (the first one warms the connection pool) and the run with the fewest rounds is kept: a
 * command that really waits for another is in a later round in every run, whereas a connection being
 * opened can only make a run look longer than it is.
 */
async function roundsOf(persona: string, url: string, expectedStatus: number): Promise<(Sent & { round: number })[]> {
  const auth = `Bearer ${t.token(personaClaims(persona))}`;
  let best: (Sent & { round: number })[] | undefined;
  for (let run = 0; run < 4; run++) {
    sent = [];
    const answer = await supertest(monitored.app).get(url).set('Authorization', auth);
    expect(answer.status).toBe(expectedStatus);
    // Up to the audit trail's write; the trail's chain head, read alongside the facts, counts in their rounds.
    const auditWrite = sent.findIndex((c) => c.collection === AUDIT_COLLECTION && c.command === 'insert');
    const beforeAudit = withRounds(auditWrite < 0 ? sent : sent.slice(0, auditWrite));
    const depth = (cs: { round: number }[]) => Math.max(0, ...cs.map((c) => c.round));
    if (run > 0 && (!best || depth(beforeAudit) < depth(best))) best = beforeAudit;
  }
  return best ?? [];
}

const deepest = (commands: { round: number }[]) => Math.max(0, ...commands.map((c) => c.round));
const byId = (collection: string, id: string) => (c: Sent) => c.collection === collection && c.command === 'find' && c.filter._id === id;

describe('a read by id waits for the database twice before its audit', () => {
  it("a GP's read of a linked patient's document: the document with the registry facts, then the patient's facts; the document is read once", async () => {
    const commands = await roundsOf('gp-anna-peeters', MARIE_LAB, 200);
    expect(deepest(commands)).toBeLessThanOrEqual(2);
    // The document and the caller's Practitioner are both sent before either is answered.
    const first = commands.filter((c) => c.round === 1);
    expect(first.some(byId('DocumentReference', 'doc-marie-lab-2026-11'))).toBe(true);
    expect(first.some((c) => c.collection === 'Practitioner')).toBe(true);
    // Its patient's links and consents: the second round, by that patient.
    const second = commands.filter((c) => c.round === 2);
    expect(second.some((c) => c.collection === 'CareTeam' && c.filter['a:patient'] === MARIE)).toBe(true);
    expect(second.some((c) => c.collection === 'Consent' && c.filter['a:patient'] === MARIE)).toBe(true);
    // Read once: to learn its patient and to answer.
    expect(commands.filter(byId('DocumentReference', 'doc-marie-lab-2026-11'))).toHaveLength(1);
  });

  it('a document hidden from the caller, and a missing one: the same rounds, the same single read, 404 alike', async () => {
    const hidden = await roundsOf('gp-thomas-lambert', MARIE_LAB, 404);
    expect(deepest(hidden)).toBeLessThanOrEqual(2);
    expect(hidden.filter(byId('DocumentReference', 'doc-marie-lab-2026-11'))).toHaveLength(1);
    const missing = await roundsOf('gp-thomas-lambert', '/fhir/DocumentReference/no-such-document', 404);
    expect(deepest(missing)).toBeLessThanOrEqual(2);
    expect(missing.filter(byId('DocumentReference', 'no-such-document'))).toHaveLength(1);
  });
});

describe('the patient document search waits for the database twice before its audit', () => {
  it("a GP's search for one patient: every fact in the first round, then the page; no count", async () => {
    const commands = await roundsOf('gp-anna-peeters', MARIE_SEARCH, 200);
    expect(deepest(commands)).toBeLessThanOrEqual(2);
    const first = commands.filter((c) => c.round === 1);
    expect(first.some((c) => c.collection === 'Practitioner')).toBe(true);
    expect(first.some((c) => c.collection === 'CareTeam' && c.filter['a:patient'] === MARIE)).toBe(true);
    expect(first.some((c) => c.collection === 'Consent' && c.filter['a:patient'] === MARIE)).toBe(true);
    // The page is the one DocumentReference query: the first page holds every match, so no count is sent for `total`.
    const documentQueries = commands.filter((c) => c.collection === 'DocumentReference');
    expect(documentQueries.map((c) => c.command)).toEqual(['find']);
    expect(documentQueries[0].filter['s:patient']).toBe(MARIE);
  });
});

describe('a facts query that fails fails the request (fail closed)', () => {
  afterEach(() => {
    failFactsOf = undefined;
  });

  it.each(['Practitioner', 'CareTeam', 'Consent'])('%s facts lost: the read by id and the search answer 503 and show nothing', async (type) => {
    failFactsOf = type;
    for (const url of [MARIE_LAB, MARIE_SEARCH]) {
      const answer = await t.as('gp-anna-peeters').get(url);
      expect({ url, status: answer.status }).toEqual({ url, status: 503 });
      expect((answer.body as { resourceType?: string }).resourceType).toBe('OperationOutcome');
      expect(JSON.stringify(answer.body)).not.toMatch(/doc-marie|hopital|marie/i);
    }
    failFactsOf = undefined;
    expect((await t.as('gp-anna-peeters').get(MARIE_LAB)).status).toBe(200);
  });
});
