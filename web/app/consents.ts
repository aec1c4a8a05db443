import type { Consent } from '@medplum/fhirtypes';
import { CONSENT_KIND, SH } from './format.js';

export type ConsentKind = 'hub-sharing' | 'exclusion' | 'document-restriction' | 'grant';

/** A Consent of one of the hub's kinds (SPEC §4, §10), as the hub expects it. */
export function newConsent(patientId: string, kind: ConsentKind, options: { channel?: string; actor?: string; document?: string } = {}): Consent {
  const deny = kind === 'exclusion' || kind === 'document-restriction';
  return {
    resourceType: 'Consent',
    status: 'active',
    ...(options.channel ? { extension: [{ url: `${SH}/StructureDefinition/consent-channel`, valueCode: options.channel }] } : {}),
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: CONSENT_KIND, code: kind }] }],
    patient: { reference: `Patient/${patientId}` },
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: deny ? 'OPTOUT' : 'OPTIN' }] },
    provision: {
      type: deny ? 'deny' : 'permit',
      ...(options.actor
        ? {
            actor: [
              {
                role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] },
                reference: { reference: options.actor },
              },
            ],
          }
        : {}),
      ...(options.document ? { data: [{ meaning: 'instance', reference: { reference: options.document } }] } : {}),
    },
  };
}

/** Ending a consent: inactive, its period closed now (never later than it already ends). */
export function endedConsent(consent: Consent): Consent {
  const now = new Date().toISOString();
  const end = consent.provision?.period?.end && consent.provision.period.end < now ? consent.provision.period.end : now;
  const { meta: _meta, ...rest } = consent;
  return { ...rest, status: 'inactive', provision: { ...consent.provision, period: { ...consent.provision?.period, end } } };
}

export function isActive(consent: Consent): boolean {
  const end = consent.provision?.period?.end;
  return consent.status === 'active' && (!end || new Date(end).getTime() > Date.now());
}
