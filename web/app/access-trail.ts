import type { AuditEvent } from '@medplum/fhirtypes';
import { h } from './dom.js';
import type { FhirClient } from './fhir-client.js';
import { formatDate } from './format.js';
import { t } from './i18n.js';

const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';

/**
 * Who accessed what and when, from the hub's AuditEvents (SPEC §7): a patient's trail of their
 * record, or a professional's own log. Refusals and break-the-glass accesses are marked in words,
 * not by colour alone.
 */
export async function accessTrail(
  body: HTMLElement,
  client: FhirClient,
  params: Record<string, string>,
  perspective: 'patient' | 'professional',
  ownSsin?: string
): Promise<void> {
  const all = await client.search<AuditEvent>('AuditEvent', { _count: '200', ...params });
  // The patient's own visits to their portal are not what they look for here: others' accesses are.
  const events = ownSsin ? all.filter((e) => e.agent?.find((a) => a.requestor)?.who?.identifier?.value !== ownSsin) : all;
  events.sort((a, b) => (b.recorded ?? '').localeCompare(a.recorded ?? ''));
  if (!events.length) {
    body.append(h('p', { class: 'empty' }, t('trail.none')));
    return;
  }
  // A list rather than a table: it stays readable on a phone.
  const items = events.slice(0, 100).map((event) => {
    const requestor = event.agent?.find((a) => a.requestor);
    const who = requestor?.who?.display ?? requestor?.who?.identifier?.value ?? requestor?.altId ?? '—';
    const role = requestor?.role?.[0]?.text ?? '';
    const patient = event.entity?.find((e) => e.role?.code === '1')?.what?.reference ?? '—';
    const resources = (event.entity ?? [])
      .filter((e) => e.role?.code === '4')
      .map((e) => e.what?.reference ?? '')
      .filter(Boolean);
    const shown = resources.slice(0, 2).join(', ') + (resources.length > 2 ? ` +${resources.length - 2}` : '');
    const what = `${event.subtype?.[0]?.display ?? event.subtype?.[0]?.code ?? ''}${shown ? ` · ${shown}` : ''}`;
    const refused = event.outcome !== '0';
    const btg = !!event.purposeOfEvent?.some((p) => p.coding?.some((c) => c.system === ACT_REASON && c.code === 'BTG'));
    return h(
      'li',
      { class: ['item', 'event', refused ? 'refused' : '', btg ? 'btg' : ''].join(' ').trim() },
      h(
        'div',
        { class: 'item-main' },
        h('p', { class: 'item-title' }, perspective === 'patient' ? `${who}${role ? ` (${role})` : ''}` : `${t('trail.patient')}: ${patient}`),
        h('p', { class: 'item-meta' }, `${formatDate(event.recorded, true)} · ${what}`),
        h(
          'p',
          { class: 'badges' },
          h('span', { class: refused ? 'badge badge-refused' : 'badge badge-ok' }, refused ? t('trail.refused') : t('trail.allowed')),
          btg ? h('span', { class: 'badge badge-btg' }, t('trail.btg')) : null
        )
      )
    );
  });
  body.append(h('ul', { class: 'items trail' }, ...items));
}
