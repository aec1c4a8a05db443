import type { OperationOutcome } from '@medplum/fhirtypes';
import { DOCUMENT_MESSAGES } from './document-messages';
import { INPUT_MESSAGES, INPUT_PATTERNS } from './input-messages';
import { WORKFLOW_MESSAGES, WORKFLOW_PATTERNS } from './workflow-messages';

export type Language = 'en' | 'fr' | 'nl';

/** Translations of the hub's outcome texts, keyed by the English text (exact) or a pattern. */
const EXACT: Record<string, { fr: string; nl: string }> = {
  'Not found': { fr: 'Introuvable', nl: 'Niet gevonden' },
  Gone: { fr: 'Supprimé', nl: 'Verwijderd' },
  Forbidden: { fr: 'Action non autorisée', nl: 'Handeling niet toegestaan' },
  Unauthorized: { fr: 'Authentification requise', nl: 'Authenticatie vereist' },
  'Precondition Failed': { fr: 'La version ne correspond pas (If-Match)', nl: 'De versie komt niet overeen (If-Match)' },
  'All OK': { fr: 'OK', nl: 'OK' },
  Created: { fr: 'Créé', nl: 'Aangemaakt' },
  'Internal server error': { fr: 'Erreur interne du serveur', nl: 'Interne serverfout' },
  'Request body too large': { fr: 'Corps de la requête trop volumineux', nl: 'Verzoek is te groot' },
  'Unsupported media type': { fr: 'Type de contenu non pris en charge', nl: 'Niet-ondersteund inhoudstype' },
  'Method not allowed': { fr: 'Méthode non autorisée', nl: 'Methode niet toegestaan' },
  'Invalid JSON body': { fr: 'Corps JSON invalide', nl: 'Ongeldige JSON-inhoud' },
  'Missing bearer token': { fr: 'Jeton bearer manquant', nl: 'Bearer-token ontbreekt' },
  'Token expired': { fr: 'Jeton expiré', nl: 'Token verlopen' },
  'Unsupported token algorithm': { fr: 'Algorithme de jeton non accepté', nl: 'Tokenalgoritme niet aanvaard' },
  'Unsupported token header': { fr: 'En-tête de jeton non accepté', nl: 'Tokenheader niet aanvaard' },
  'Unknown token signing key': { fr: 'Clé de signature du jeton inconnue', nl: 'Onbekende ondertekeningssleutel van het token' },
  'Token algorithm does not match its key': { fr: "L'algorithme du jeton ne correspond pas à sa clé", nl: 'Het tokenalgoritme past niet bij de sleutel' },
  'Invalid token audience': { fr: 'Audience du jeton invalide', nl: 'Ongeldig publiek (aud) van het token' },
  'Invalid token issuer': { fr: 'Émetteur du jeton invalide', nl: 'Ongeldige uitgever van het token' },
  'Invalid token signature': { fr: 'Signature du jeton invalide', nl: 'Ongeldige handtekening van het token' },
  'Invalid token': { fr: 'Jeton invalide', nl: 'Ongeldig token' },
  'Malformed token': { fr: 'Jeton mal formé', nl: 'Misvormd token' },
  'Token not yet valid': { fr: 'Jeton pas encore valide', nl: 'Token nog niet geldig' },
  'Missing token expiry': { fr: "Date d'expiration du jeton manquante", nl: 'Vervaldatum van het token ontbreekt' },
  'Missing token subject': { fr: 'Sujet (sub) du jeton manquant', nl: 'Onderwerp (sub) van het token ontbreekt' },
  'Missing token actor subject': { fr: "Sujet de l'acteur du jeton manquant", nl: 'Onderwerp van de actor in het token ontbreekt' },
  'Invalid token role': { fr: 'Rôle du jeton invalide', nl: 'Ongeldige rol in het token' },
  'Invalid token act.role': { fr: "Rôle de l'acteur du jeton invalide", nl: 'Ongeldige rol van de actor in het token' },
  'Missing required property': { fr: 'Propriété obligatoire manquante', nl: 'Verplicht element ontbreekt' },
  'Invalid date format': { fr: 'Format de date invalide', nl: 'Ongeldig datumformaat' },
  'Invalid paging cursor': { fr: 'Curseur de pagination invalide', nl: 'Ongeldige pagineringscursor' },
  'Multiple resources found matching condition': {
    fr: 'Plusieurs ressources correspondent à la condition',
    nl: 'Meerdere resources voldoen aan de voorwaarde',
  },
  'Database unavailable': { fr: 'Base de données indisponible', nl: 'Database niet beschikbaar' },
  // IHE MHD ITI-65 (src/fhir/mhd-provide-bundle.ts)
  'A Provide Document Bundle must contain exactly one submission set List': {
    fr: 'Un Provide Document Bundle doit contenir exactement une List de type submission set',
    nl: 'Een Provide Document Bundle moet precies één List van het type submission set bevatten',
  },
  'The submission set must list every DocumentReference of the bundle, and only those': {
    fr: 'Le submission set doit lister chaque DocumentReference du bundle, et seulement celles-ci',
    nl: 'De submission set moet elke DocumentReference van de bundle opsommen, en alleen die',
  },
  'The submission set and its DocumentReferences must have the same subject': {
    fr: 'Le submission set et ses DocumentReference doivent avoir le même sujet',
    nl: 'De submission set en zijn DocumentReferences moeten hetzelfde onderwerp hebben',
  },
  'Each Binary of a Provide Document Bundle must be the content of one of its DocumentReferences': {
    fr: "Chaque Binary d'un Provide Document Bundle doit être le contenu d'une de ses DocumentReference",
    nl: 'Elke Binary van een Provide Document Bundle moet de inhoud van een van zijn DocumentReferences zijn',
  },
  // IHE MHD ITI-67 (src/fhir/document-search-rule.ts)
  'A DocumentReference search requires the patient (patient or patient.identifier)': {
    fr: 'Une recherche de DocumentReference exige le patient (patient ou patient.identifier)',
    nl: 'Een zoekopdracht naar DocumentReference vereist de patiënt (patient of patient.identifier)',
  },
  'A DocumentReference search requires status (for example status=current)': {
    fr: 'Une recherche de DocumentReference exige status (par exemple status=current)',
    nl: 'Een zoekopdracht naar DocumentReference vereist status (bijvoorbeeld status=current)',
  },
  ...WORKFLOW_MESSAGES,
  ...DOCUMENT_MESSAGES,
  ...INPUT_MESSAGES,
};

const PATTERNS: { re: RegExp; fr: string; nl: string }[] = [
  { re: /^Missing or invalid token claim '(.+)'$/, fr: "Revendication de jeton manquante ou invalide '$1'", nl: "Ontbrekende of ongeldige tokenclaim '$1'" },
  { re: /^Unknown search parameter '(.+)' for (\w+)$/, fr: "Paramètre de recherche inconnu '$1' pour $2", nl: "Onbekende zoekparameter '$1' voor $2" },
  { re: /^Unknown sort parameter '(.+)' for (\w+)$/, fr: "Paramètre de tri inconnu '$1' pour $2", nl: "Onbekende sorteerparameter '$1' voor $2" },
  { re: /^Invalid additional property "(.+)"$/, fr: 'Propriété supplémentaire invalide "$1"', nl: 'Ongeldig extra element "$1"' },
  { re: /^Invalid (SSIN|NIHII|CBE) (.*)$/, fr: '$1 invalide $2', nl: 'Ongeldig $1 $2' },
  {
    re: /^(.+) was changed by another request; read it again and retry$/,
    fr: '$1 a été modifié par une autre requête ; relisez-le et réessayez',
    nl: '$1 is door een ander verzoek gewijzigd; lees het opnieuw en probeer opnieuw',
  },
  {
    re: /^Value "(.*)" is not in the required value set (\S+)$/s,
    fr: 'La valeur "$1" ne fait pas partie du jeu de valeurs obligatoire $2',
    nl: 'De waarde "$1" hoort niet bij de verplichte waardenset $2',
  },
  { re: /^A SUMEHR entry is one of (.+)$/, fr: 'Une entrée du SUMEHR est un(e) $1', nl: 'Een SUMEHR-entry is een van $1' },
  { re: /^Constraint (\S+) not met: (.*)$/, fr: 'Contrainte $1 non respectée : $2', nl: 'Voorwaarde $1 niet voldaan: $2' },
  ...WORKFLOW_PATTERNS,
  ...INPUT_PATTERNS,
];

/** Picks fr, nl or en from an Accept-Language header (first supported language wins; default en). */
export function languageOf(acceptLanguage: string | undefined): Language {
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0].trim().toLowerCase().slice(0, 2);
    if (tag === 'fr' || tag === 'nl' || tag === 'en') return tag;
  }
  return 'en';
}

export function translate(text: string, lang: Language): string {
  if (lang === 'en') return text;
  const exact = EXACT[text];
  if (exact) return exact[lang];
  for (const p of PATTERNS) {
    if (p.re.test(text)) return text.replace(p.re, p[lang]);
  }
  return text;
}

/** The outcome with each issue's `details.text` in the caller's language; `diagnostics` are dropped. */
export function localizeOutcome(outcome: OperationOutcome, lang: Language): OperationOutcome {
  return {
    ...outcome,
    issue: (outcome.issue ?? []).map(({ diagnostics: _dropped, ...issue }) =>
      issue.details?.text ? { ...issue, details: { ...issue.details, text: translate(issue.details.text, lang) } } : issue
    ),
  };
}
