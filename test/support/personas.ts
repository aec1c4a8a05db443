/**
 * The demo personas the tests speak of (fixtures/personas.json and the fixture bundles), named once:
 * patient ids, the references of the professionals and organisations the tests name, their numbers,
 * and the hub administrator's claims.
 */

// Patients, by resource id.
export const MARIE = 'patient-marie-dubois';
export const LUC = 'patient-luc-martin';
export const LUCAS = 'patient-lucas-dubois';
export const SOFIA = 'patient-sofia-rossi';
export const PIETER = 'patient-pieter-claes';
export const JAN = 'patient-jan-janssens';

// Professionals and organisations, by reference.
export const ANNA = 'Practitioner/gp-anna-peeters';
export const LISA = 'Practitioner/junior-lisa-vermeulen';
export const LEAGUE = 'Organization/org-brussels-gp-league';
export const PARC = 'Organization/org-hopital-du-parc';
export const ZUID = 'Organization/org-ziekenhuis-zuid';
export const ETANGS = 'Organization/org-clinique-des-etangs';

/** The patients' SSINs (identifier values in the SSIN naming system). */
export const SSINS = { marie: '84031212638', luc: '71060505963', pieter: '65012209139', jan: '58092703746', sofia: '92513021411' };
export const MARIE_SSIN = SSINS.marie;
/** The professionals' NIHII numbers. */
export const NIHII = { anna: '11234578003', thomas: '12345625004', sarah: '13456769580', els: '45678981401' };

/** Claims of the hub administrator's token. */
export const HUB_ADMIN = { sub: 'admin-1', role: 'hub-admin', scope: 'system/*.cruds' };
