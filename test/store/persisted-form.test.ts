import type { DocumentReference } from '@medplum/fhirtypes';
import { toStoredResource } from '../../src/fhir/stored-form';
import { loadDefinitions } from '../../src/fhir/definitions';
import { fromPersisted, toPersisted } from '../../src/store/persisted-form';

/** The persisted form flattens the search keys and access fields and gives back exactly what it was given. */
beforeAll(() => loadDefinitions());

const document: DocumentReference & { id: string } = {
  resourceType: 'DocumentReference',
  id: 'doc-1',
  status: 'current',
  subject: { reference: 'Patient/p1' },
  author: [{ reference: 'Practitioner/gp1' }],
  date: '2026-11-20T10:00:00Z',
  content: [{ attachment: { contentType: 'application/pdf', url: 'https://example.org/x.pdf' } }],
};

it('stores search keys as s:<code> and access fields as a:<name>, and reads them back unchanged', () => {
  const doc = toStoredResource(document, 1, new Date('2026-11-23T09:00:00Z'), 'https://sharehub.example/fhir', {
    patient: 'Patient/p1',
    authors: ['Practitioner/gp1'],
    releaseAt: new Date('2026-12-01T00:00:00Z'),
    current: true,
  });
  const persisted = toPersisted(doc) as unknown as Record<string, unknown>;
  expect(persisted['s:patient']).toEqual(['Patient/p1']);
  expect(persisted['s:status']).toContain('current');
  expect(persisted['a:authors']).toEqual(['Practitioner/gp1']);
  expect(persisted).not.toHaveProperty('s');
  expect(persisted).not.toHaveProperty('a');
  expect(persisted.dl).toEqual(doc.dl);
  expect(fromPersisted(toPersisted(doc))).toEqual(doc);
});
