import type { Bundle, Composition, DocumentReference, Resource } from '@medplum/fhirtypes';
import { h, replace } from './dom.js';
import type { FhirClient } from './fhir-client.js';
import { codeOf, conceptText, formatDate, label, Names, SH } from './format.js';
import { t, type Key } from './i18n.js';
import { explain } from './shell.js';

const DOCUMENT_CLASS = `${SH}/CodeSystem/document-class`;
const LOINC = 'http://loinc.org';

/** A patient's documents as the hub lets the user see them, newest first, each with an "Open" button. */
export async function documentList(body: HTMLElement, client: FhirClient, names: Names, patientId: string): Promise<DocumentReference[]> {
  const documents = await client.search<DocumentReference>('DocumentReference', { patient: patientId, status: 'current', _count: '200' });
  documents.sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''));
  if (!documents.length) {
    body.append(h('p', { class: 'empty' }, t('documents.none')));
    return documents;
  }
  const viewer = h('div', { class: 'viewer', 'aria-live': 'polite' });
  const list = h('ul', { class: 'items documents' });
  for (const doc of documents) {
    const title = documentTitle(doc);
    const author = h('span', {});
    void names.of(doc.author?.[0]).then((n) => replace(author, n));
    const open = h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('documents.open')}: ${title}` }, t('documents.open'));
    open.addEventListener('click', () => void openDocument(client, doc, title, viewer, open));
    list.append(
      h(
        'li',
        { class: 'item', 'data-document': doc.id ?? '' },
        h(
          'div',
          { class: 'item-main' },
          h('p', { class: 'item-title' }, title),
          h('p', { class: 'item-meta' }, `${formatDate(doc.date)} · ${label('class', codeOf(doc.category, DOCUMENT_CLASS))} · `, author)
        ),
        open
      )
    );
  }
  body.append(list, viewer);
  return documents;
}

export function documentTitle(doc: DocumentReference): string {
  return doc.description ?? doc.content?.[0]?.attachment?.title ?? conceptText(doc.type) ?? doc.id ?? '';
}

/** Fetches the content through `$content` (the hub checks the policy again) and shows it in the page. */
async function openDocument(client: FhirClient, doc: DocumentReference, title: string, viewer: HTMLElement, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  replace(viewer, h('p', { class: 'loading' }, t('loading')));
  try {
    const blob = await client.content(doc.id ?? '');
    const heading = h('h3', {}, title);
    if (/^(text\/|application\/(fhir\+)?json)/.test(blob.type)) {
      let text = await blob.text();
      if (blob.type.includes('json')) text = JSON.stringify(JSON.parse(text), null, 2);
      replace(viewer, heading, h('pre', { class: 'content', tabindex: 0, 'aria-label': title }, text));
    } else {
      const url = URL.createObjectURL(blob);
      replace(viewer, heading, h('p', {}, h('a', { href: url, download: `${doc.id}` }, `${t('documents.download')} (${blob.type || '?'})`)));
    }
  } catch (err) {
    replace(viewer, h('p', { class: 'error', role: 'alert' }, `${title}: ${explain(err)}`));
  } finally {
    button.disabled = false;
  }
}

const SECTION_NAMES: Record<string, Key> = {
  '11450-4': 'sumehr.problems',
  '11348-0': 'sumehr.history',
  '47519-4': 'sumehr.history',
  '48765-2': 'sumehr.allergies',
  '10160-0': 'sumehr.treatments',
  '11369-6': 'sumehr.vaccinations',
  '29762-2': 'sumehr.risks',
  '30954-2': 'sumehr.risks',
  '8716-3': 'sumehr.risks',
};

/** The latest SUMEHR the user may see (`Patient/{id}/$summary`), section by section. */
export async function summaryView(body: HTMLElement, client: FhirClient, names: Names, patientId: string): Promise<void> {
  let bundle: Bundle;
  try {
    bundle = (await client.operation(`Patient/${encodeURIComponent(patientId)}/$summary`)) as Bundle;
  } catch (err) {
    body.append(h('p', { class: 'empty' }, (err as { status?: number }).status === 404 ? t('sumehr.none') : explain(err)));
    return;
  }
  const resources = (bundle.entry ?? []).map((e) => ({ fullUrl: e.fullUrl ?? '', resource: e.resource as Resource }));
  const composition = resources.find((e) => e.resource?.resourceType === 'Composition')?.resource as Composition | undefined;
  if (!composition) {
    body.append(h('p', { class: 'empty' }, t('sumehr.none')));
    return;
  }
  const author = h('span', {});
  void names.of(composition.author?.[0]).then((n) => replace(author, n));
  body.append(h('p', { class: 'item-meta' }, `${t('sumehr.of')} ${formatDate(composition.date)} · `, author));
  const find = (ref: string | undefined) => resources.find((e) => ref && (e.fullUrl === ref || e.fullUrl.endsWith(`/${ref}`)))?.resource;
  for (const s of composition.section ?? []) {
    const code = codeOf(s.code, LOINC) ?? '';
    const items = (s.entry ?? []).map((e) => entryText(find(e.reference))).filter(Boolean);
    body.append(
      h('h3', {}, SECTION_NAMES[code] ? t(SECTION_NAMES[code]) : (s.title ?? code)),
      items.length ? h('ul', { class: 'plain' }, ...items.map((text) => h('li', {}, text))) : h('p', { class: 'empty' }, t('sumehr.emptySection'))
    );
  }
}

function entryText(resource: Resource | undefined): string {
  if (!resource) return '';
  const r = resource as Resource & Record<string, unknown>;
  const concept = (r.code ?? r.medicationCodeableConcept ?? r.vaccineCode) as Parameters<typeof conceptText>[0];
  const when = (r.occurrenceDateTime ?? r.onsetDateTime) as string | undefined;
  return [conceptText(concept), when ? `(${formatDate(when)})` : ''].filter(Boolean).join(' ');
}
