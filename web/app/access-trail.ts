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
export async function accessTrail(body: HTMLElement, client: FhirClient, params: Record<string, string>, perspective: 'patient' | 'professional'): Promise<void> {
  const events = await client.search<AuditEvent>('AuditEvent', { _count: '200', ...params });
  events.sort((a, b) => (b.recorded ?? '').localeCompare(a.recorded ?? ''));
  if (!events.length) {
    body.append(h('p', { class: 'empty' }, t('trail.none')));
    return;
  }
  const rows = events.map((event) => {
    const requestor = event.agent?.find((a) => a.requestor);
    const who = requestor?.who?.display ?? requestor?.who?.identifier?.value ?? requestor?.altId ?? '—';
    const role = requestor?.role?.[0]?.text ?? '';
    const patient = event.entity?.find((e) => e.role?.code === '1')?.what?.reference ?? '—';
    const resources = (event.entity ?? []).filter((e) => e.role?.code === '4').map((e) => e.what?.reference).filter(Boolean).join(', ');
    const what = `${event.subtype?.[0]?.display ?? event.subtype?.[0]?.code ?? ''}${resources ? ` ${resources}` : ''}`;
    const refused = event.outcome !== '0';
    const btg = !!event.purposeOfEvent?.some((p) => p.coding?.some((c) => c.system === ACT_REASON && c.code === 'BTG'));
    return h('tr', { class: [refused ? 'refused' : '', btg ? 'btg' : ''].join(' ').trim() || undefined },
      h('td', {}, formatDate(event.recorded, true)),
      h('td', {}, perspective === 'patient' ? `${who}${role ? ` (${role})` : ''}` : patient),
      h('td', {}, what),
      h('td', {},
        h('span', { class: refused ? 'badge badge-refused' : 'badge badge-ok' }, refused ? t('trail.refused') : t('trail.allowed')),
        btg ? h('span', { class: 'badge badge-btg' }, t('trail.btg')) : null
      )
    );
  });
  body.append(
    h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': t(perspective === 'patient' ? 'trail.title' : 'log.title') },
      h('table', {},
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('trail.when')), h('th', { scope: 'col' }, t(perspective === 'patient' ? 'trail.who' : 'trail.patient')), h('th', { scope: 'col' }, t('trail.what')), h('th', { scope: 'col' }, t('trail.result')))),
        h('tbody', {}, ...rows)
      )
    )
  );
}
