import type { Bundle, BundleEntry, Composition, Parameters, Patient, Practitioner, Resource } from '@medplum/fhirtypes';
import { accessTrail } from './access-trail.js';
import { newConsent } from './consents.js';
import { documentList, summaryView } from './documents.js';
import { feedback, field, h, replace, select } from './dom.js';
import { HubError } from './fhir-client.js';
import { formatDate, Names, nameText, NIHII_SYSTEM, SH, SSIN_SYSTEM } from './format.js';
import { t, type Key } from './i18n.js';
import { newLink } from './links.js';
import { act, explain, section, startView, UserError, type View } from './shell.js';

const LOINC = 'http://loinc.org';

void startView('pro.title', async (view, main) => {
  const { client, session } = view;
  const names = new Names(client);
  const me = session.claims.nihii
    ? (await client.search<Practitioner>('Practitioner', { identifier: `${NIHII_SYSTEM}|${session.claims.nihii}` }).catch(() => []))[0]
    : undefined;
  main.append(h('p', { class: 'lead' }, me ? `${nameText(me.name)} · ${t('pro.nihii')} ${session.claims.nihii}` : t('pro.notRegistered')));
  const meRef = me ? `Practitioner/${me.id}` : '';

  const panel = h('div', { class: 'patient-panel' });
  // The access log follows what the professional just did (a search, a link, a read).
  let refreshLog = (): void => undefined;
  section(main, 'pro.find', async (body) => {
    const fb = feedback();
    const ssin = h('input', { name: 'ssin', inputmode: 'numeric', autocomplete: 'off', required: true });
    const submit = h('button', { type: 'submit' }, t('pro.search'));
    const form = h('form', { class: 'form inline', role: 'search' }, field(t('pro.ssin'), ssin, t('pro.ssinHint')), h('div', { class: 'actions' }, submit));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void act(submit, fb, async () => {
        const number = ssin.value.replace(/\D/g, '');
        if (number.length !== 11) throw new UserError(t('pro.ssinInvalid'));
        const found = await client.search<Patient>('Patient', { identifier: `${SSIN_SYSTEM}|${number}` });
        if (found[0]) {
          await patientPanel(panel, view, names, meRef, found[0]);
          refreshLog();
          return `${t('pro.found')} ${nameText(found[0].name) || found[0].id}`;
        }
        addPatientForm(panel, view, names, meRef, number);
        return t('pro.notFound');
      });
    });
    body.append(form, fb.el, panel);
  });
  const log = section(main, 'log.title', (body) => accessTrail(body, client, {}, 'professional'));
  refreshLog = () => void log.reload();
});

/** "Add patient" by SSIN (SPEC §4): a known SSIN answers with the existing Patient. */
function addPatientForm(panel: HTMLElement, view: View, names: Names, meRef: string, ssin: string): void {
  const fb = feedback();
  const submit = h('button', { type: 'submit' }, t('pro.addPatient'));
  const form = h(
    'form',
    { class: 'form' },
    h('h3', {}, t('pro.addPatient')),
    h('p', {}, `${t('pro.ssin')}: ${ssin}`),
    field(t('privacy.family'), h('input', { name: 'family', autocomplete: 'off', required: true })),
    field(t('privacy.given'), h('input', { name: 'given', autocomplete: 'off' })),
    field(t('pro.birthDate'), h('input', { name: 'birthDate', type: 'date' })),
    field(
      t('pro.gender'),
      select('gender', [
        ['unknown', t('gender.unknown')],
        ['female', t('gender.female')],
        ['male', t('gender.male')],
        ['other', t('gender.other')],
      ])
    ),
    h('div', { class: 'actions' }, submit),
    fb.el
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
    void act(submit, fb, async () => {
      const patient = await view.client.create<Patient>({
        resourceType: 'Patient',
        identifier: [{ system: SSIN_SYSTEM, value: ssin }],
        name: [{ family: value('family'), ...(value('given') ? { given: [value('given')] } : {}) }],
        ...(value('birthDate') ? { birthDate: value('birthDate') } : {}),
        gender: value('gender') as Patient['gender'],
      });
      await patientPanel(panel, view, names, meRef, patient, t('pro.patientAdded'));
      return t('pro.patientAdded');
    });
  });
  replace(panel, form);
}

/** One patient, found by SSIN: consent status, consent registration, links, and the record if the hub lets us in. */
async function patientPanel(panel: HTMLElement, view: View, names: Names, meRef: string, patient: Patient, notice?: string): Promise<void> {
  const ssin = patient.identifier?.find((i) => i.system === SSIN_SYSTEM)?.value ?? '';
  const titleId = 'patient-title';
  const status = await consentStatus(view, ssin);
  const redraw = (done?: string) => void patientPanel(panel, view, names, meRef, patient, done);
  replace(
    panel,
    h(
      'article',
      { class: 'patient', 'aria-labelledby': titleId },
      h(
        'h3',
        { id: titleId },
        `${nameText(patient.name) || patient.id} · ${t('pro.ssin')} ${ssin}${patient.birthDate ? ` · ${formatDate(patient.birthDate)}` : ''}`
      ),
      notice ? h('p', { class: 'ok', role: 'status' }, notice) : null,
      h('p', { class: 'status-line', 'data-consent-status': status }, `${t('pro.consentStatus')}: ${t(`consentStatus.${status}` as Key)}`),
      status !== 'active' ? registerConsentForm(view, patient.id as string, redraw) : null,
      linkForm(view, patient.id as string, meRef, 'link', redraw),
      linkForm(view, patient.id as string, meRef, 'emergency', redraw),
      h('div', { class: 'record', id: 'record' })
    )
  );
  await recordView(panel.querySelector('#record') as HTMLElement, view, names, meRef, patient.id as string);
}

async function consentStatus(view: View, ssin: string): Promise<string> {
  try {
    const answer = (await view.client.operation(`Patient/$consent-status?identifier=${encodeURIComponent(`${SSIN_SYSTEM}|${ssin}`)}`)) as Parameters;
    return answer.parameter?.find((p) => p.name === 'status')?.valueCode ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function registerConsentForm(view: View, patientId: string, redraw: (done: string) => void): HTMLElement {
  const fb = feedback();
  const submit = h('button', { type: 'submit' }, t('pro.registerConsent'));
  const form = h(
    'form',
    { class: 'form' },
    h('p', { class: 'hint' }, t('pro.registerConsentHint')),
    field(
      t('consent.channel'),
      select('channel', [
        ['gp', t('channel.gp')],
        ['hospital', t('channel.hospital')],
        ['pharmacist', t('channel.pharmacist')],
      ])
    ),
    h('div', { class: 'actions' }, submit),
    fb.el
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const channel = (form.elements.namedItem('channel') as HTMLSelectElement).value;
    void act(submit, fb, async () => {
      await view.client.create(newConsent(patientId, 'hub-sharing', { channel }));
      redraw(t('consent.registered'));
      return t('consent.registered');
    });
  });
  return h('details', { class: 'add', open: true }, h('summary', {}, t('pro.registerConsent')), form);
}

/** Declare a therapeutic link (type, proof), or break the glass (emergency, with a reason). */
function linkForm(view: View, patientId: string, meRef: string, kind: 'link' | 'emergency', redraw: (done: string) => void): HTMLElement {
  const fb = feedback();
  const submit = h('button', { type: 'submit', class: kind === 'emergency' ? 'danger' : undefined }, t(kind === 'link' ? 'pro.declareLink' : 'pro.breakGlass'));
  const reason = h('textarea', { name: 'reason', rows: 2, required: kind === 'emergency' });
  const form = h('form', { class: 'form' });
  if (kind === 'link') {
    form.append(
      field(
        t('pro.linkType'),
        select(
          'type',
          ['gp-long-term', 'gmd', 'pharmacist', 'referral'].map((c) => [c, t(`linkType.${c}` as Key)])
        )
      ),
      field(
        t('pro.proof'),
        select('proof', [
          ['eid-read', t('proof.eid-read')],
          ['eid-bypass', t('proof.eid-bypass')],
        ])
      ),
      field(t('pro.reasonIfBypass'), reason)
    );
  } else {
    form.append(h('p', { class: 'hint' }, t('pro.breakGlassHint')), field(t('pro.reason'), reason));
  }
  form.append(h('div', { class: 'actions' }, submit), fb.el);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement).value.trim();
    void act(submit, fb, async () => {
      if (!meRef) throw new UserError(t('pro.notRegistered'));
      if (kind === 'emergency' && !value('reason')) throw new UserError(t('pro.reasonRequired'));
      const link =
        kind === 'link'
          ? newLink(patientId, meRef, value('type'), value('proof'), value('reason') || undefined)
          : newLink(patientId, meRef, 'emergency', 'eid-bypass', value('reason'));
      const created = await view.client.create(link);
      const done = `${t(kind === 'link' ? 'pro.linkDeclared' : 'pro.glassBroken')} ${formatDate(created.period?.end)}`;
      redraw(done);
      return done;
    });
  });
  return h(
    'details',
    { class: kind === 'emergency' ? 'add emergency' : 'add' },
    h('summary', {}, t(kind === 'link' ? 'pro.declareLink' : 'pro.breakGlass')),
    form
  );
}

/** The record, read with the professional's own token: a refusal means no access, said in words. */
async function recordView(record: HTMLElement, view: View, names: Names, meRef: string, patientId: string): Promise<void> {
  try {
    await view.client.read<Patient>(`Patient/${encodeURIComponent(patientId)}`);
  } catch (err) {
    const noAccess = err instanceof HubError && (err.status === 404 || err.status === 403);
    replace(
      record,
      h(
        'div',
        { class: 'notice no-access', role: 'alert' },
        h('p', { class: 'notice-title' }, noAccess ? t('pro.noAccess') : explain(err)),
        noAccess ? h('p', {}, t('pro.noAccessHint')) : null
      )
    );
    return;
  }
  const documents = h('div', {});
  const summary = h('div', {});
  replace(
    record,
    h('h3', {}, t('documents.title')),
    documents,
    h('h3', {}, t('sumehr.title')),
    summary,
    publishForm(view, meRef, patientId, () => void refreshSummary())
  );
  const refreshSummary = async () => {
    replace(summary);
    await summaryView(summary, view.client, names, patientId).catch((err) => replace(summary, h('p', { class: 'error', role: 'alert' }, explain(err))));
  };
  await Promise.all([
    documentList(documents, view.client, names, patientId).catch((err) => replace(documents, h('p', { class: 'error', role: 'alert' }, explain(err)))),
    refreshSummary(),
  ]);
}

const SUMEHR_ITEMS: [string, Key, (text: string, patient: string) => Resource][] = [
  [
    '11450-4',
    'sumehr.problems',
    (text, p) =>
      ({
        resourceType: 'Condition',
        subject: { reference: p },
        code: { text },
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      }) as Resource,
  ],
  ['11348-0', 'sumehr.history', (text, p) => ({ resourceType: 'Condition', subject: { reference: p }, code: { text } }) as Resource],
  [
    '48765-2',
    'sumehr.allergies',
    (text, p) =>
      ({
        resourceType: 'AllergyIntolerance',
        patient: { reference: p },
        code: { text },
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
      }) as Resource,
  ],
  [
    '10160-0',
    'sumehr.treatments',
    (text, p) => ({ resourceType: 'MedicationStatement', status: 'active', subject: { reference: p }, medicationCodeableConcept: { text } }) as Resource,
  ],
  [
    '11369-6',
    'sumehr.vaccinations',
    (text, p) => ({ resourceType: 'Immunization', status: 'completed', patient: { reference: p }, vaccineCode: { text }, occurrenceString: text }) as Resource,
  ],
  ['29762-2', 'sumehr.risks', (text, p) => ({ resourceType: 'Observation', status: 'final', subject: { reference: p }, code: { text } }) as Resource],
];

/** Publish a SUMEHR (`Composition/$publish-sumehr`): one line per item in each section. */
function publishForm(view: View, meRef: string, patientId: string, published: () => void): HTMLElement {
  const fb = feedback();
  const submit = h('button', { type: 'submit' }, t('pro.publishSumehr'));
  const form = h('form', { class: 'form' }, h('p', { class: 'hint' }, t('pro.publishHint')));
  for (const [code, key] of SUMEHR_ITEMS) form.append(field(t(key), h('textarea', { name: code, rows: 2 })));
  form.append(
    field(
      t('pro.sumehrAccess'),
      select('rule', [
        ['', t('rule.default')],
        ['immediate', t('rule.immediate')],
        ['delayed', t('rule.delayed')],
        ['never', t('rule.never')],
      ])
    ),
    h('div', { class: 'actions' }, submit),
    fb.el
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void act(submit, fb, async () => {
      const patient = `Patient/${patientId}`;
      const entries: BundleEntry[] = [];
      const sections = SUMEHR_ITEMS.flatMap(([code, key, make]) => {
        const lines = (form.elements.namedItem(code) as HTMLTextAreaElement).value
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean);
        const refs = lines.map((line) => {
          const fullUrl = `urn:uuid:${crypto.randomUUID()}`;
          entries.push({ fullUrl, resource: make(line, patient) });
          return { reference: fullUrl };
        });
        // A section carries entries or is left out (FHIR: a section has text, entries or sub-sections).
        return refs.length ? [{ title: t(key), code: { coding: [{ system: LOINC, code }] }, entry: refs }] : [];
      });
      const rule = (form.elements.namedItem('rule') as HTMLSelectElement).value;
      const composition: Composition = {
        resourceType: 'Composition',
        status: 'final',
        type: { coding: [{ system: LOINC, code: '60591-5' }] },
        subject: { reference: patient },
        date: new Date().toISOString(),
        author: [{ reference: meRef }],
        title: 'SUMEHR',
        ...(rule ? { extension: [{ url: `${SH}/StructureDefinition/release-rule`, extension: [{ url: 'rule', valueCode: rule }] }] } : {}),
        section: sections,
      };
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'document',
        entry: [{ fullUrl: `urn:uuid:${crypto.randomUUID()}`, resource: composition }, ...entries],
      };
      await view.client.operation('Composition/$publish-sumehr', bundle);
      published();
      return t('pro.sumehrPublished');
    });
  });
  return h('details', { class: 'add' }, h('summary', {}, t('pro.publishSumehr')), form);
}
