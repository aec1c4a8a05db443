import { validateResource } from '@medplum/core';
import type { AuditEvent, Bundle, DocumentReference, OperationOutcome } from '@medplum/fhirtypes';
import { careTeam, documentFor, seed, SH, startNetworkHub, type NetworkHub } from '../support/network';
import { countEvents, entitiesOf, newEvents, seqOf, trailOf } from '../support/audit-trail';
import { MARIE, LUCAS, SOFIA, ANNA } from '../support/personas';

let net: NetworkHub;
let failAuditWrites = false;

beforeAll(async () => {
  net = await startNetworkHub(
    {},
    {
      faults: {
        beforeAuditWrite: () => {
          if (failAuditWrites) throw new Error('simulated database failure');
        },
      },
    }
  );
  // Anna (GP of Marie, GMD of Lucas) also follows Sofia, so one search can span three patients.
  await seed(net, careTeam(SOFIA, ANNA, 'gp-long-term', { start: '2026-11-01' }, 'link-anna-sofia'));
  for (const [id, patient] of [
    ['doc-marie', MARIE],
    ['doc-lucas', LUCAS],
    ['doc-sofia', SOFIA],
  ]) {
    await seed(net, documentFor(patient, { id, author: 'Practitioner/physician-koen-wouters', release: { rule: 'immediate' } }));
  }
});
afterAll(() => net.close());

describe('one AuditEvent per access and per patient (SPEC §7)', () => {
  it('a read writes one event in the IHE BALP shape: who, what, and the consent and link it rested on', async () => {
    const [event, ...more] = await newEvents(net, MARIE, async () => {
      expect((await net.as('gp-anna-peeters').get('/fhir/DocumentReference/doc-marie')).status).toBe(200);
    });
    expect(more).toHaveLength(0);
    expect(event.type).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' });
    expect(event.subtype?.[0]).toMatchObject({ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' });
    expect(event).toMatchObject({ action: 'R', outcome: '0' });
    const user = event.agent.find((a) => a.requestor);
    expect(user?.who).toMatchObject({
      reference: ANNA,
      identifier: { system: 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/nihdi-professional' },
    });
    expect(user?.who?.display).toMatch(/Peeters/);
    expect(user?.role?.[0].coding?.[0]).toMatchObject({ system: `${SH}/CodeSystem/profession`, code: 'physician' });
    expect(event.source.observer.display).toBe('sharehub');
    expect(entitiesOf(event, '1')).toEqual([`Patient/${MARIE}`]);
    expect(entitiesOf(event, '4')).toEqual(['DocumentReference/doc-marie']);
    const basis = entitiesOf(event, '13');
    expect(basis.some((r) => r.startsWith('Consent/'))).toBe(true);
    expect(basis.some((r) => r.startsWith('CareTeam/'))).toBe(true);
    expect(() => validateResource(event)).not.toThrow();
  });

  it('a search returning documents of three patients writes three events, each with the query', async () => {
    const before = await countEvents(net);
    const res = await net.as('gp-anna-peeters').get(`/fhir/DocumentReference?patient=Patient/${MARIE},Patient/${LUCAS},Patient/${SOFIA}&status=current`);
    expect(res.status).toBe(200);
    const returned = ((res.body as Bundle).entry ?? []).map((e) => e.resource as DocumentReference);
    expect((await countEvents(net)) - before).toBe(3);
    for (const patient of [MARIE, LUCAS, SOFIA]) {
      const [last] = (await trailOf(net, patient)).slice(-1);
      expect(last).toMatchObject({ action: 'E', outcome: '0', subtype: [{ code: 'search-type' }] });
      const query = last.entity?.find((e) => e.role?.code === '24')?.query;
      expect(Buffer.from(query ?? '', 'base64').toString()).toMatch(/^DocumentReference\?/);
      // Each patient's event names exactly the documents of that patient the search returned.
      const theirs = returned.filter((d) => d.subject?.reference === `Patient/${patient}`).map((d) => `DocumentReference/${d.id}`);
      expect(theirs.length).toBeGreaterThan(0);
      expect(entitiesOf(last, '4').sort()).toEqual(theirs.sort());
    }
  });

  it('a refused read is a 404 to the caller and an outcome-4 event in the patient trail, naming no basis', async () => {
    const events = await newEvents(net, MARIE, async () => {
      expect((await net.as('gp-thomas-lambert').get('/fhir/DocumentReference/doc-marie')).status).toBe(404);
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: 'R', outcome: '4' });
    expect(events[0].agent[0].who?.reference).toBe('Practitioner/gp-thomas-lambert');
    expect(entitiesOf(events[0], '4')).toEqual(['DocumentReference/doc-marie']);
    expect(entitiesOf(events[0], '13')).toEqual([]);
  });

  it('a search naming a patient is in that patient trail even when it finds nothing: refused when the caller may not reach them', async () => {
    const probe = await newEvents(net, MARIE, async () => {
      const res = await net.as('gp-thomas-lambert').get(`/fhir/DocumentReference?patient=Patient/${MARIE}&status=current`);
      expect(res.status).toBe(200);
      expect(res.body.entry ?? []).toHaveLength(0);
    });
    expect(probe.map((e) => [e.action, e.outcome, e.agent[0].who?.reference])).toEqual([['E', '4', 'Practitioner/gp-thomas-lambert']]);
    const empty = await newEvents(net, MARIE, () => net.as('gp-anna-peeters').get(`/fhir/DocumentReference?patient=${MARIE}&status=entered-in-error`));
    expect(empty.map((e) => e.outcome)).toEqual(['0']);
    // A patient that does not exist gets no trail; the search is recorded against its user only.
    const before = await countEvents(net);
    await net.as('gp-thomas-lambert').get('/fhir/DocumentReference?patient=Patient/nobody-here&status=current');
    expect((await countEvents(net)) - before).toBe(1);
    expect(await net.database.db.collection('AuditChain').countDocuments({ _id: 'Patient/nobody-here' as never })).toBe(0);
  });

  it('writes are audited: a create is C, an update U, a refused create 4 with nothing stored', async () => {
    const created = await newEvents(net, MARIE, async () => {
      const res = await net.as('gp-anna-peeters').post('/fhir/DocumentReference', documentFor(MARIE, { author: ANNA }));
      expect(res.status).toBe(201);
      const updated = await net.as('gp-anna-peeters').put(`/fhir/DocumentReference/${res.body.id}`, { ...res.body, description: 'corrected' });
      expect(updated.status).toBe(200);
    });
    expect(created.map((e) => [e.action, e.outcome])).toEqual([
      ['C', '0'],
      ['U', '0'],
    ]);
    const before = await net.database.db.collection('DocumentReference').countDocuments({});
    const refused = await newEvents(net, MARIE, async () => {
      const res = await net.as('gp-thomas-lambert').post('/fhir/DocumentReference', documentFor(MARIE, { author: 'Practitioner/gp-thomas-lambert' }));
      expect(res.status).toBe(400);
    });
    expect(refused.map((e) => [e.action, e.outcome])).toEqual([['C', '4']]);
    expect(await net.database.db.collection('DocumentReference').countDocuments({})).toBe(before);
  });

  it('each entry of a batch is audited on its own; a failed transaction is audited as failed', async () => {
    const before = await countEvents(net);
    const batch = await net.as('gp-anna-peeters').post('/fhir', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: 'DocumentReference/doc-marie' } },
        { request: { method: 'GET', url: 'DocumentReference/doc-lucas' } },
        { request: { method: 'GET', url: 'DocumentReference/doc-sofia' } },
      ],
    });
    expect(batch.status).toBe(200);
    expect((await countEvents(net)) - before).toBe(3);

    const failed = await newEvents(net, MARIE, async () => {
      const res = await net.as('gp-anna-peeters').post('/fhir', {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { request: { method: 'POST', url: 'DocumentReference' }, resource: documentFor(MARIE, { author: ANNA }) },
          { request: { method: 'POST', url: 'DocumentReference' }, resource: { ...documentFor(MARIE, { author: ANNA }), content: undefined } },
        ],
      });
      expect(res.status).toBe(400);
    });
    expect(failed.map((e) => [e.action, e.outcome])).toEqual([['C', '4']]);
  });

  it('operations are audited like any access: content retrieval and the emergency summary', async () => {
    const events = await newEvents(net, MARIE, async () => {
      expect((await net.as('gp-anna-peeters').get('/fhir/DocumentReference/doc-marie-gp-note-v/$content')).status).toBe(200);
      expect((await net.as('gp-anna-peeters').get(`/fhir/Patient/${MARIE}/$summary`)).status).toBe(200);
      expect((await net.as('gp-thomas-lambert').get('/fhir/DocumentReference/doc-marie-gp-note-v/$content')).status).toBe(404);
    });
    expect(events.map((e) => [e.subtype?.[0].code, e.subtype?.[0].display, e.outcome])).toEqual([
      ['operation', '$content', '0'],
      ['operation', '$summary', '0'],
      ['operation', '$content', '4'],
    ]);
    expect(entitiesOf(events[0], '4')).toContain('DocumentReference/doc-marie-gp-note-v');
  });

  it('a request whose audit cannot be written fails with 500 and sends no data', async () => {
    failAuditWrites = true;
    try {
      const res = await net.as('gp-anna-peeters').get('/fhir/DocumentReference/doc-marie');
      expect(res.status).toBe(500);
      expect((res.body as OperationOutcome).resourceType).toBe('OperationOutcome');
      expect(JSON.stringify(res.body)).not.toMatch(/doc-marie|lab\.example|marie/i);
    } finally {
      failAuditWrites = false;
    }
  });

  it('break-the-glass is flagged: the emergency link and the accesses through it', async () => {
    const link = {
      ...careTeam(MARIE, 'Practitioner/physician-sarah-maes', 'emergency', { start: '2026-11-23T08:00:00Z' }),
      extension: [
        { url: `${SH}/StructureDefinition/link-proof`, valueCode: 'eid-bypass' },
        { url: `${SH}/StructureDefinition/link-reason`, valueString: 'Unconscious at the emergency department' },
      ],
    };
    const events = await newEvents(net, MARIE, async () => {
      expect((await net.as('physician-sarah-maes').post('/fhir/CareTeam', link)).status).toBe(201);
      expect((await net.as('physician-sarah-maes').get('/fhir/DocumentReference/doc-marie')).status).toBe(200);
    });
    expect(events).toHaveLength(2);
    for (const e of events) expect(e.purposeOfEvent?.[0].coding?.[0]).toMatchObject({ code: 'BTG' });
    // Accesses through an ordinary link are not flagged.
    const [ordinary] = await newEvents(net, MARIE, () => net.as('gp-anna-peeters').get('/fhir/DocumentReference/doc-marie'));
    expect(ordinary.purposeOfEvent).toBeUndefined();
  });

  it('concurrent accesses to one patient make one unbroken chain', async () => {
    const before = (await trailOf(net, LUCAS)).length;
    const results = await Promise.all(Array.from({ length: 12 }, () => net.as('gp-anna-peeters').get('/fhir/DocumentReference/doc-lucas')));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const seqs = (await trailOf(net, LUCAS)).map(seqOf);
    expect(seqs).toEqual(Array.from({ length: before + 12 }, (_, i) => i + 1));
  });

  it('accesses to the registry and reads of the trail itself are not patient accesses', async () => {
    const before = await countEvents(net);
    expect((await net.as('gp-anna-peeters').get('/fhir/Practitioner?_count=5')).status).toBe(200);
    expect((await net.as('patient-marie-dubois').get('/fhir/AuditEvent')).status).toBe(200);
    expect(await countEvents(net)).toBe(before);
  });
});

describe('who reads the trail', () => {
  const patientsIn = (b: Bundle) => new Set((b.entry ?? []).flatMap((e) => entitiesOf(e.resource as AuditEvent, '1')));

  it('a patient reads exactly the trail of their own record (and of those who granted them access)', async () => {
    const res = await net.as('patient-marie-dubois').get('/fhir/AuditEvent?_count=1000');
    expect(res.status).toBe(200);
    // Marie holds a grant for her son Lucas: his trail is hers to see too.
    expect([...patientsIn(res.body)].sort()).toEqual([`Patient/${LUCAS}`, `Patient/${MARIE}`]);
    const mine = [...(await trailOf(net, MARIE)), ...(await trailOf(net, LUCAS))];
    expect(res.body.entry).toHaveLength(mine.length);
    // Refusals included: she sees who tried.
    expect((res.body as Bundle).entry?.some((e) => (e.resource as AuditEvent).outcome === '4')).toBe(true);
    const other = await net.as('patient-marie-dubois').get(`/fhir/AuditEvent?patient=Patient/${SOFIA}`);
    expect(other.body.entry ?? []).toHaveLength(0);
  });

  it('the trail shows who (name, profession, organization) looked at what, and when', async () => {
    const res = await net.as('patient-sofia-rossi').get(`/fhir/AuditEvent?patient=Patient/${SOFIA}&_count=1000`);
    const events = ((res.body as Bundle).entry ?? []).map((e) => e.resource as AuditEvent);
    const anna = events.find((e) => e.agent[0].who?.reference === ANNA);
    expect(anna?.agent[0].who?.display).toMatch(/Peeters/);
    expect(anna?.agent[0].role?.[0].coding?.[0].code).toBe('physician');
    expect(anna?.recorded).toBeDefined();
    expect(entitiesOf(anna as AuditEvent, '4')).toContain('DocumentReference/doc-sofia');
  });

  it('a trusted person with a grant reads the trail of the patient who granted it', async () => {
    const res = await net.as('trusted-paolo-rossi').get('/fhir/AuditEvent?_count=1000');
    expect([...patientsIn(res.body)]).toEqual([`Patient/${SOFIA}`]);
  });

  it('a professional sees only their own successful actions; other roles see nothing; hub-admin everything', async () => {
    const thomas = await net.as('gp-thomas-lambert').get('/fhir/AuditEvent?_count=1000');
    expect(thomas.status).toBe(200);
    const own = ((thomas.body as Bundle).entry ?? []).map((e) => e.resource as AuditEvent);
    // His refused read of Marie's document would tell him it exists: not shown to him.
    expect(own.some((e) => entitiesOf(e, '4').includes('DocumentReference/doc-marie'))).toBe(false);
    for (const e of own) expect([e.agent[0].who?.reference, e.outcome]).toEqual(['Practitioner/gp-thomas-lambert', '0']);
    const anna = await net.as('gp-anna-peeters').get('/fhir/AuditEvent?_count=1000');
    const annas = ((anna.body as Bundle).entry ?? []).map((e) => e.resource as AuditEvent);
    expect(annas.length).toBeGreaterThan(0);
    for (const e of annas) expect(e.agent[0].who?.reference).toBe(ANNA);
    expect((await net.as('league-admin').get('/fhir/AuditEvent')).body.entry ?? []).toHaveLength(0);
    const all = await net.admin().get('/fhir/AuditEvent?_summary=count');
    expect(all.body.total).toBe(await countEvents(net));
  });
});

describe('what a professional reads of their own events (SPEC §7)', () => {
  it('never the decision entities (the Consent and links the decision rested on): not by read, search or _revinclude; the patient and hub-admin read them', async () => {
    const [event] = await newEvents(net, MARIE, async () => {
      expect((await net.as('gp-anna-peeters').get('/fhir/DocumentReference/doc-marie')).status).toBe(200);
    });
    const basis = entitiesOf(event, '13');
    expect(basis.some((r) => r.startsWith('Consent/'))).toBe(true);
    expect(basis.some((r) => r.startsWith('CareTeam/'))).toBe(true);

    const read = await net.as('gp-anna-peeters').get(`/fhir/AuditEvent/${event.id}`);
    expect(read.status).toBe(200);
    const searched = await net.as('gp-anna-peeters').get(`/fhir/AuditEvent?patient=Patient/${MARIE}&_count=1000`);
    const found = ((searched.body as Bundle).entry ?? []).map((e) => e.resource as AuditEvent);
    expect(found.some((e) => e.id === event.id)).toBe(true);
    const included = await net.as('gp-anna-peeters').get(`/fhir/Patient?_id=${MARIE}&_revinclude=AuditEvent:patient`);
    const revincluded = ((included.body as Bundle).entry ?? []).map((e) => e.resource).filter((r): r is AuditEvent => r?.resourceType === 'AuditEvent');
    expect(revincluded.some((e) => e.id === event.id)).toBe(true);
    for (const seen of [read.body as AuditEvent, ...found, ...revincluded]) {
      expect(entitiesOf(seen, '13')).toEqual([]);
      // What the professional did stays: the patient and the document.
      if (seen.id === event.id) expect([...entitiesOf(seen, '1'), ...entitiesOf(seen, '4')]).toEqual([`Patient/${MARIE}`, 'DocumentReference/doc-marie']);
    }
    const patientView = await net.as('patient-marie-dubois').get(`/fhir/AuditEvent/${event.id}`);
    expect(entitiesOf(patientView.body as AuditEvent, '13').sort()).toEqual([...basis].sort());
    expect(entitiesOf((await net.admin().get(`/fhir/AuditEvent/${event.id}`)).body as AuditEvent, '13').sort()).toEqual([...basis].sort());
  });
});

describe('the trail is immutable', () => {
  it('the CapabilityStatement offers AuditEvent for reading only', async () => {
    const res = await net.as('gp-anna-peeters').get('/fhir/metadata');
    const audit = res.body.rest[0].resource.find((r: { type: string }) => r.type === 'AuditEvent');
    expect(audit.interaction.map((i: { code: string }) => i.code).sort()).toEqual(['history-instance', 'read', 'search-type', 'vread']);
  });

  it('no role can create, update, patch or delete an AuditEvent', async () => {
    const [event] = await trailOf(net, MARIE);
    const stored = JSON.stringify((await net.admin().get(`/fhir/AuditEvent/${event.id}`)).body);
    expect(
      (
        await net
          .admin()
          .put(`/fhir/AuditEvent/${event.id}`)
          .send({ ...event, outcome: '0' })
      ).status
    ).toBe(403);
    expect(
      (
        await net
          .admin()
          .patch(`/fhir/AuditEvent/${event.id}`)
          .send([{ op: 'replace', path: '/outcome', value: '8' }])
      ).status
    ).toBe(403);
    expect((await net.admin().delete(`/fhir/AuditEvent/${event.id}`)).status).toBe(403);
    expect(
      (
        await net
          .admin()
          .post('/fhir/AuditEvent')
          .send({ ...event, id: undefined })
      ).status
    ).toBe(403);
    expect((await net.as('patient-marie-dubois').put(`/fhir/AuditEvent/${event.id}`, event)).status).toBe(403);
    expect((await net.as('patient-marie-dubois').delete(`/fhir/AuditEvent/${event.id}`)).status).toBe(403);
    expect(JSON.stringify((await net.admin().get(`/fhir/AuditEvent/${event.id}`)).body)).toBe(stored);
  });
});
