/** Translations of the input gate's outcome texts (SPEC §1 limits, src/fhir/input-gate.ts and friends). */
export const INPUT_MESSAGES: Record<string, { fr: string; nl: string }> = {
  'Too many search parameters': { fr: 'Trop de paramètres de recherche', nl: 'Te veel zoekparameters' },
  'The body is not compressed as Content-Encoding says': {
    fr: "Le corps n'est pas compressé comme l'annonce Content-Encoding",
    nl: 'De inhoud is niet gecomprimeerd zoals Content-Encoding aangeeft',
  },
  'Invalid request body': { fr: 'Corps de la requête invalide', nl: 'Ongeldige inhoud van het verzoek' },
  'The body must be a FHIR resource (a JSON object)': {
    fr: 'Le corps doit être une ressource FHIR (un objet JSON)',
    nl: 'De inhoud moet een FHIR-resource zijn (een JSON-object)',
  },
  'A _search body holds search parameters': {
    fr: 'Le corps de _search contient des paramètres de recherche',
    nl: 'De inhoud van _search bevat zoekparameters',
  },
  'A patch must be a JSON Patch array': { fr: 'Un patch doit être un tableau JSON Patch', nl: 'Een patch moet een JSON Patch-array zijn' },
  'Invalid JSON Patch operation': { fr: 'Opération JSON Patch invalide', nl: 'Ongeldige JSON Patch-bewerking' },
  'JSON Patch path names no FHIR element': { fr: 'Le chemin JSON Patch ne désigne aucun élément FHIR', nl: 'Het JSON Patch-pad wijst geen FHIR-element aan' },
  'Expected an array': { fr: 'Un tableau est attendu', nl: 'Een array wordt verwacht' },
  'Expected a single value, not an array': { fr: 'Une seule valeur est attendue, pas un tableau', nl: 'Eén waarde wordt verwacht, geen array' },
  'Unknown or missing resourceType': { fr: 'resourceType inconnu ou manquant', nl: 'Onbekend of ontbrekend resourceType' },
  'Expected a resource (a JSON object)': { fr: 'Une ressource est attendue (un objet JSON)', nl: 'Een resource wordt verwacht (een JSON-object)' },
  'Invalid base64Binary format': { fr: 'Format base64Binary invalide', nl: 'Ongeldig base64Binary-formaat' },
  'Invalid resource': { fr: 'Ressource invalide', nl: 'Ongeldige resource' },
  'A resource id is 1 to 64 letters, digits, "-" and "."': {
    fr: 'Un id de ressource compte 1 à 64 lettres, chiffres, "-" et "."',
    nl: 'Een resource-id bestaat uit 1 tot 64 letters, cijfers, "-" en "."',
  },
};

export const INPUT_PATTERNS: { re: RegExp; fr: string; nl: string }[] = [
  { re: /^JSON nested deeper than (\d+) levels$/, fr: 'JSON imbriqué sur plus de $1 niveaux', nl: 'JSON dieper genest dan $1 niveaus' },
  { re: /^Nested deeper than (\d+) levels$/, fr: 'Imbriqué sur plus de $1 niveaux', nl: 'Dieper genest dan $1 niveaus' },
  { re: /^(?:JSON )?[Ss]tring longer than (\d+) characters$/, fr: 'Chaîne de plus de $1 caractères', nl: 'Tekenreeks langer dan $1 tekens' },
  { re: /^_count must be an integer from 0 to (\d+)$/, fr: '_count doit être un entier de 0 à $1', nl: '_count moet een geheel getal van 0 tot $1 zijn' },
  { re: /^More than (\d+) search parameters$/, fr: 'Plus de $1 paramètres de recherche', nl: 'Meer dan $1 zoekparameters' },
  { re: /^More than (\d+) chained search parameters$/, fr: 'Plus de $1 paramètres de recherche chaînés', nl: 'Meer dan $1 geschakelde zoekparameters' },
  { re: /^More than (\d+) values for '(.*)'$/s, fr: "Plus de $1 valeurs pour '$2'", nl: "Meer dan $1 waarden voor '$2'" },
  {
    re: /^Search parameters longer than (\d+) characters in all$/,
    fr: 'Paramètres de recherche de plus de $1 caractères au total',
    nl: 'Zoekparameters langer dan $1 tekens in totaal',
  },
  { re: /^Search parameter '(.*)' must be text$/s, fr: "Le paramètre de recherche '$1' doit être du texte", nl: "Zoekparameter '$1' moet tekst zijn" },
  { re: /^Unknown search parameter '(.*)'$/s, fr: "Paramètre de recherche inconnu '$1'", nl: "Onbekende zoekparameter '$1'" },
  { re: /^"(.*)" is not a FHIR element name$/s, fr: '"$1" n\'est pas un nom d\'élément FHIR', nl: '"$1" is geen FHIR-elementnaam' },
  { re: /^Unknown element "(.*)" of (\w+)$/s, fr: 'Élément inconnu "$1" de $2', nl: 'Onbekend element "$1" van $2' },
  { re: /^Expected (\w+) \(a JSON (\w+)\)$/, fr: '$1 attendu (un $2 JSON)', nl: '$1 verwacht (een JSON-$2)' },
  { re: /^Narrative: (.*)$/s, fr: 'Narratif : $1', nl: 'Narratief: $1' },
];
