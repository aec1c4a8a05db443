/** fr/nl of the document, release, content and SUMEHR outcomes (src/hub/document-*.ts, sumehr-*.ts), keyed by the English text. */
export const DOCUMENT_MESSAGES: Record<string, { fr: string; nl: string }> = {
  'A published document needs its patient as subject': {
    fr: 'Un document publié doit avoir son patient comme sujet',
    nl: 'Een gepubliceerd document heeft de patiënt als onderwerp nodig',
  },
  'A published document needs a LOINC type': { fr: 'Un document publié doit avoir un type LOINC', nl: 'Een gepubliceerd document heeft een LOINC-type nodig' },
  'A published document needs an author': { fr: 'Un document publié doit avoir un auteur', nl: 'Een gepubliceerd document heeft een auteur nodig' },
  'A published document needs a date': { fr: 'Un document publié doit avoir une date', nl: 'Een gepubliceerd document heeft een datum nodig' },
  'A published document needs the URL of its content': {
    fr: "Un document publié doit indiquer l'URL de son contenu",
    nl: 'Een gepubliceerd document heeft de URL van de inhoud nodig',
  },
  'The content URL must be an http(s) URL of the source system or a Binary of the hub': {
    fr: "L'URL du contenu doit être une URL http(s) du système source ou un Binary du hub",
    nl: 'De URL van de inhoud moet een http(s)-URL van het bronsysteem of een Binary van de hub zijn',
  },
  'A published document needs its custodian institution': {
    fr: 'Un document publié doit indiquer son institution dépositaire',
    nl: 'Een gepubliceerd document heeft de bewarende instelling nodig',
  },
  'The confidentiality label of a document is N, R or V': {
    fr: "Le niveau de confidentialité d'un document est N, R ou V",
    nl: 'Het vertrouwelijkheidslabel van een document is N, R of V',
  },
  'Unknown release rule': { fr: 'Règle de mise à disposition inconnue', nl: 'Onbekende vrijgaveregel' },
  "A SUMEHR is published by the patient's GP (gp-long-term or GMD link) as its author": {
    fr: 'Un SUMEHR est publié par le médecin généraliste du patient (lien gp-long-term ou DMG), comme auteur',
    nl: 'Een SUMEHR wordt gepubliceerd door de huisarts van de patiënt (gp-long-term- of GMD-band), als auteur',
  },
  'Only a document awaiting physician release can be released': {
    fr: 'Seul un document en attente de mise à disposition par le médecin peut être mis à disposition',
    nl: 'Alleen een document dat wacht op vrijgave door de arts kan worden vrijgegeven',
  },
  'The document is withdrawn from the hub': { fr: 'Le document est retiré du hub', nl: 'Het document is uit de hub teruggetrokken' },
  'The body must be a document Bundle whose first entry is the SUMEHR Composition': {
    fr: 'Le corps doit être un Bundle de type document dont la première entrée est la Composition du SUMEHR',
    nl: 'De inhoud moet een document-Bundle zijn met de SUMEHR-Composition als eerste entry',
  },
  "A SUMEHR entry belongs to the SUMEHR's patient": {
    fr: 'Une entrée du SUMEHR appartient au patient du SUMEHR',
    nl: 'Een SUMEHR-entry hoort bij de patiënt van de SUMEHR',
  },
  'The body must be a Composition': { fr: 'Le corps doit être une Composition', nl: 'De inhoud moet een Composition zijn' },
  'The SUMEHR lists no contact or trusted persons': {
    fr: 'Le SUMEHR ne mentionne aucune personne de contact ou de confiance',
    nl: 'De SUMEHR vermeldt geen contact- of vertrouwenspersonen',
  },
  'The SUMEHR lists no current problems': { fr: 'Le SUMEHR ne mentionne aucun problème actuel', nl: 'De SUMEHR vermeldt geen actuele problemen' },
  'The SUMEHR lists no medical or surgical history': {
    fr: 'Le SUMEHR ne mentionne aucun antécédent médical ou chirurgical',
    nl: 'De SUMEHR vermeldt geen medische of chirurgische voorgeschiedenis',
  },
  'The SUMEHR lists no risks or observations': {
    fr: 'Le SUMEHR ne mentionne aucun risque ni observation',
    nl: 'De SUMEHR vermeldt geen risico’s of observaties',
  },
  'The SUMEHR lists no active treatments': { fr: 'Le SUMEHR ne mentionne aucun traitement actif', nl: 'De SUMEHR vermeldt geen actieve behandelingen' },
  'The SUMEHR lists no vaccinations': { fr: 'Le SUMEHR ne mentionne aucune vaccination', nl: 'De SUMEHR vermeldt geen vaccinaties' },
  'The SUMEHR lists no allergies': { fr: 'Le SUMEHR ne mentionne aucune allergie', nl: 'De SUMEHR vermeldt geen allergieën' },
  'The SUMEHR covers every quality item': { fr: 'Le SUMEHR couvre tous les critères de qualité', nl: 'De SUMEHR dekt alle kwaliteitscriteria' },
  'This document has no content': { fr: "Ce document n'a pas de contenu", nl: 'Dit document heeft geen inhoud' },
  'The source of this document cannot be fetched': {
    fr: 'La source de ce document ne peut pas être consultée',
    nl: 'De bron van dit document kan niet worden opgehaald',
  },
  'The hub does not fetch content from this source': {
    fr: 'Le hub ne récupère pas de contenu depuis cette source',
    nl: 'De hub haalt geen inhoud op bij deze bron',
  },
  'The source system of this document did not answer': {
    fr: "Le système source de ce document n'a pas répondu",
    nl: 'Het bronsysteem van dit document antwoordde niet',
  },
  "The source system no longer holds this document's content": {
    fr: 'Le système source ne détient plus le contenu de ce document',
    nl: 'Het bronsysteem bewaart de inhoud van dit document niet meer',
  },
  'The source system of this document answered with an error': {
    fr: 'Le système source de ce document a répondu par une erreur',
    nl: 'Het bronsysteem van dit document antwoordde met een fout',
  },
};
