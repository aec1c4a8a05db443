import type { CareTeam, Consent, DocumentReference, Patient, Practitioner, RelatedPerson } from '@medplum/fhirtypes';
import { accessTrail } from './access-trail.js';
import { endedConsent, isActive, newConsent } from './consents.js';
import { documentList, documentTitle, summaryView } from './documents.js';
import { feedback, field, h, select } from './dom.js';
import { codeOf, CONSENT_KIND, extensionCode, formatDate, label, LINK_TYPE, Names, nameText, NIHII_SYSTEM, SSIN_SYSTEM } from './format.js';
import { t } from './i18n.js';
import { endedLink } from './links.js';
import { act, section, startView, UserError, type View } from './shell.js';

/** Channels through which a consent opens the portal (SPEC §4). */
const PORTAL_CHANNELS = new Set(['pdf-form', 'hub-website', 'ehealth-platform']);

void startView('portal.title', async (view, main) => {
  const { client, session } = view;
  const names = new Names(client);
  const chooser = h('div', { class: 'chooser' });
  main.append(chooser);
  // The records this user may open: their own, and those of people who made them a trusted person.
  const patients = await client.search<Patient>('Patient', { _count: '50' }).catch(() => [] as Patient[]);
  const own = patients.find((p) => p.identifier?.some((i) => i.system === SSIN_SYSTEM && i.value === session.claims.ssin));
  const stored = sessionStorage.getItem('sharehub.portal.record');
  const current = patients.find((p) => p.id === stored) ?? own ?? patients[0];
  if (!current) {
    main.append(h('p', { class: 'error', role: 'alert' }, t('portal.noRecord')));
    return;
  }
  if (patients.length > 1) {
    const choice = select(
      'record',
      patients.map((p) => [p.id ?? '', `${nameText(p.name)}${p === own ? ` (${t('portal.me')})` : ''}`]),
      current.id
    );
    choice.addEventListener('change', () => {
      sessionStorage.setItem('sharehub.portal.record', choice.value);
      view.rerender();
    });
    chooser.append(field(t('portal.whichRecord'), choice));
  }
  const patientId = current.id as string;
  main.append(h('p', { class: 'lead' }, `${t('portal.recordOf')} ${nameText(current.name)}`));

  // The privacy section names hidden documents by title, so it waits for the document list.
  let documentsLoaded: (documents: DocumentReference[]) => void = () => undefined;
  const documents = new Promise<DocumentReference[]>((resolve) => (documentsLoaded = resolve));
  section(main, 'consent.title', (body) => consentSection(body, view, patientId));
  section(main, 'documents.title', async (body) => {
    try {
      documentsLoaded(await documentList(body, client, names, patientId));
    } catch (err) {
      documentsLoaded([]);
      throw err;
    }
  });
  section(main, 'sumehr.title', (body) => summaryView(body, client, names, patientId));
  section(main, 'trail.title', (body) => accessTrail(body, client, { patient: `Patient/${patientId}` }, 'patient', session.claims.ssin));
  const links = section(main, 'links.title', (body) => linksSection(body, client, names, patientId, () => void links.reload()));
  const privacy = section(main, 'privacy.title', async (body) => privacySection(body, client, names, patientId, await documents, () => void privacy.reload()));
});

async function consentSection(body: HTMLElement, view: View, patientId: string): Promise<void> {
  const { client } = view;
  const consents = await client.search<Consent>('Consent', { patient: patientId, category: `${CONSENT_KIND}|hub-sharing` });
  const active = consents.find(isActive);
  const fb = feedback();
  if (active) {
    const channel = extensionCode(active.extension, 'consent-channel');
    body.append(
      h(
        'p',
        { class: 'status-line' },
        `${t('consent.active')} ${formatDate(active.dateTime ?? active.provision?.period?.start)} · ${t('consent.channel')}: ${label('channel', channel)}`
      )
    );
    if (channel && !PORTAL_CHANNELS.has(channel)) {
      body.append(h('p', {}, t('consent.confirmHint')));
      const confirmButton = h('button', { type: 'button' }, t('consent.confirm'));
      confirmButton.addEventListener(
        'click',
        () =>
          void act(confirmButton, fb, async () => {
            await client.create(newConsent(patientId, 'hub-sharing', { channel: 'hub-website' }));
            setTimeout(view.rerender, 1200);
            return t('consent.registered');
          })
      );
      body.append(confirmButton);
    }
    const revoke = h('button', { type: 'button', class: 'danger' }, t('consent.revoke'));
    revoke.addEventListener('click', () => {
      if (!window.confirm(t('consent.revokeConfirm'))) return;
      void act(revoke, fb, async () => {
        await client.update(endedConsent(active));
        setTimeout(view.rerender, 1200);
        return t('consent.revoked');
      });
    });
    body.append(h('div', { class: 'actions' }, revoke), fb.el);
    return;
  }
  body.append(h('p', { class: 'status-line' }, consents.length ? t('consent.revokedState') : t('consent.none')), h('p', {}, t('consent.registerHint')));
  const register = h('button', { type: 'button' }, t('consent.register'));
  register.addEventListener(
    'click',
    () =>
      void act(register, fb, async () => {
        await client.create(newConsent(patientId, 'hub-sharing', { channel: 'hub-website' }));
        setTimeout(view.rerender, 1200);
        return t('consent.registered');
      })
  );
  body.append(h('div', { class: 'actions' }, register), fb.el);
}

async function linksSection(body: HTMLElement, client: View['client'], names: Names, patientId: string, reload: () => void): Promise<void> {
  const links = await client.search<CareTeam>('CareTeam', { patient: patientId, _count: '200' });
  links.sort((a, b) => Number(b.status === 'active') - Number(a.status === 'active') || (b.period?.start ?? '').localeCompare(a.period?.start ?? ''));
  if (!links.length) {
    body.append(h('p', { class: 'empty' }, t('links.none')));
    return;
  }
  const list = h('ul', { class: 'items' });
  for (const link of links) {
    const who = await names.of(link.participant?.[0]?.member);
    const type = codeOf(link.category, LINK_TYPE);
    const fb = feedback();
    const item = h(
      'li',
      { class: 'item', 'data-link': link.id ?? '' },
      h(
        'div',
        { class: 'item-main' },
        h(
          'p',
          { class: 'item-title' },
          `${who} — ${label('linkType', type)}`,
          type === 'emergency' ? h('span', { class: 'badge badge-btg' }, t('trail.btg')) : null
        ),
        h(
          'p',
          { class: 'item-meta' },
          `${formatDate(link.period?.start)} → ${formatDate(link.period?.end)} · ${link.status === 'active' ? t('state.active') : t('state.ended')}`
        ),
        fb.el
      )
    );
    if (link.status === 'active') {
      const end = h('button', { type: 'button', class: 'danger', 'aria-label': `${t('links.end')}: ${who}` }, t('links.end'));
      end.addEventListener(
        'click',
        () =>
          void act(end, fb, async () => {
            await client.update(endedLink(link));
            setTimeout(reload, 1200);
            return t('links.ended');
          })
      );
      item.append(end);
    }
    list.append(item);
  }
  body.append(list);
}

/** Exclusions, document restrictions and trusted persons: the patient's own decisions (SPEC §4). */
async function privacySection(
  body: HTMLElement,
  client: View['client'],
  names: Names,
  patientId: string,
  documents: DocumentReference[],
  reload: () => void
): Promise<void> {
  const consents = await client.search<Consent>('Consent', { patient: patientId, _count: '200' });
  const kinds: [string, Parameters<typeof t>[0], Parameters<typeof t>[0]][] = [
    ['exclusion', 'privacy.exclusions', 'privacy.noExclusions'],
    ['document-restriction', 'privacy.restrictions', 'privacy.noRestrictions'],
    ['grant', 'privacy.trusted', 'privacy.noTrusted'],
  ];
  for (const [kind, title, none] of kinds) {
    const own = consents.filter((c) => codeOf(c.category, CONSENT_KIND) === kind).sort((a, b) => Number(isActive(b)) - Number(isActive(a)));
    body.append(h('h3', {}, t(title)));
    if (!own.length) {
      body.append(h('p', { class: 'empty' }, t(none)));
    } else {
      const list = h('ul', { class: 'items' });
      for (const consent of own) list.append(await decisionItem(consent, client, names, documents, reload));
      body.append(list);
    }
    body.append(decisionForm(kind, client, patientId, documents, reload));
  }
}

async function decisionItem(consent: Consent, client: View['client'], names: Names, documents: DocumentReference[], reload: () => void): Promise<HTMLElement> {
  const actor = consent.provision?.actor?.[0]?.reference;
  const target = consent.provision?.data?.[0]?.reference?.reference;
  const targetDoc = documents.find((d) => `DocumentReference/${d.id}` === target);
  const whom = actor ? await names.of(actor) : t('privacy.allProfessionals');
  const recorder = consent.verification?.[0]?.verifiedWith ?? consent.performer?.[0];
  const recordedBy = recorder ? await names.of(recorder) : undefined;
  const title = target ? `${targetDoc ? documentTitle(targetDoc) : target} — ${t('privacy.hiddenFrom')} ${whom}` : whom;
  const fb = feedback();
  const active = isActive(consent);
  const item = h(
    'li',
    { class: 'item', 'data-consent': consent.id ?? '' },
    h(
      'div',
      { class: 'item-main' },
      h('p', { class: 'item-title' }, title),
      h(
        'p',
        { class: 'item-meta' },
        [
          formatDate(consent.dateTime ?? consent.provision?.period?.start ?? consent.meta?.lastUpdated),
          recordedBy ? `${t('privacy.recordedBy')} ${recordedBy}` : '',
          active ? t('state.active') : t('state.ended'),
        ]
          .filter(Boolean)
          .join(' · ')
      ),
      fb.el
    )
  );
  if (active) {
    const end = h('button', { type: 'button', class: 'danger', 'aria-label': `${t('privacy.end')}: ${title}` }, t('privacy.end'));
    end.addEventListener(
      'click',
      () =>
        void act(end, fb, async () => {
          await client.update(endedConsent(consent));
          setTimeout(reload, 1200);
          return t('privacy.ended');
        })
    );
    item.append(end);
  }
  return item;
}

function decisionForm(kind: string, client: View['client'], patientId: string, documents: DocumentReference[], reload: () => void): HTMLElement {
  const fb = feedback();
  const submit = h(
    'button',
    { type: 'submit' },
    t(kind === 'exclusion' ? 'privacy.addExclusion' : kind === 'grant' ? 'privacy.addTrusted' : 'privacy.addRestriction')
  );
  const form = h('form', { class: 'form', novalidate: true });
  const nihii = h('input', { name: 'nihii', inputmode: 'numeric', autocomplete: 'off', pattern: '[0-9]{11}', required: kind === 'exclusion' });
  const practitionerRef = async (): Promise<string | undefined> => {
    const number = nihii.value.replace(/\D/g, '');
    if (!number) return undefined;
    const found = await client.search<Practitioner>('Practitioner', { identifier: `${NIHII_SYSTEM}|${number}` });
    if (!found.length) throw new UserError(t('privacy.unknownProfessional'));
    return `Practitioner/${found[0].id}`;
  };
  const run = async (): Promise<string> => {
    if (kind === 'exclusion') {
      const actor = await practitionerRef();
      if (!actor) throw new UserError(t('privacy.nihiiRequired'));
      await client.create(newConsent(patientId, 'exclusion', { actor }));
      return t('privacy.exclusionAdded');
    }
    if (kind === 'document-restriction') {
      const document = (form.elements.namedItem('document') as HTMLSelectElement).value;
      await client.create(newConsent(patientId, 'document-restriction', { document, actor: await practitionerRef() }));
      return t('privacy.restrictionAdded');
    }
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
    const relationship = value('relationship');
    const person: RelatedPerson = {
      resourceType: 'RelatedPerson',
      active: true,
      patient: { reference: `Patient/${patientId}` },
      identifier: [{ system: SSIN_SYSTEM, value: value('ssin').replace(/\D/g, '') }],
      name: [{ family: value('family'), given: value('given') ? [value('given')] : undefined }],
      ...(relationship ? { relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: relationship }] }] } : {}),
    };
    const created = await client.create(person);
    await client.create(newConsent(patientId, 'grant', { actor: `RelatedPerson/${created.id}` }));
    return t('privacy.trustedAdded');
  };
  if (kind === 'exclusion') {
    form.append(field(t('privacy.nihii'), nihii, t('privacy.exclusionHint')));
  } else if (kind === 'document-restriction') {
    if (!documents.length) return h('p', { class: 'hint' }, t('privacy.noDocumentToHide'));
    form.append(
      field(
        t('privacy.document'),
        select(
          'document',
          documents.map((d) => [`DocumentReference/${d.id}`, `${documentTitle(d)} (${formatDate(d.date)})`])
        )
      ),
      field(t('privacy.nihiiOptional'), nihii, t('privacy.restrictionHint'))
    );
  } else {
    form.append(
      field(t('privacy.ssin'), h('input', { name: 'ssin', inputmode: 'numeric', autocomplete: 'off', required: true })),
      field(t('privacy.family'), h('input', { name: 'family', autocomplete: 'off', required: true })),
      field(t('privacy.given'), h('input', { name: 'given', autocomplete: 'off' })),
      field(
        t('privacy.relationship'),
        select('relationship', [
          ['', t('relationship.trusted')],
          ['PRN', t('relationship.parent')],
          ['GUARD', t('relationship.guardian')],
        ])
      )
    );
  }
  form.append(h('div', { class: 'actions' }, submit), fb.el);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void act(submit, fb, run).then((ok) => {
      if (ok) setTimeout(reload, 1200);
    });
  });
  return h(
    'details',
    { class: 'add' },
    h('summary', {}, t(kind === 'exclusion' ? 'privacy.addExclusion' : kind === 'grant' ? 'privacy.addTrusted' : 'privacy.addRestriction')),
    form
  );
}
