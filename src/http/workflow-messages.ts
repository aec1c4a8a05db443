/** fr/nl of the care-network workflow outcomes (registration, consent, links), keyed by the English text. */
export const WORKFLOW_MESSAGES: Record<string, { fr: string; nl: string }> = {
  // Registration (SPEC §6)
  'A registration Task needs a code from the registration CodeSystem': {
    fr: "Une demande d'inscription (Task) nécessite un code du CodeSystem registration",
    nl: 'Een registratieaanvraag (Task) heeft een code uit het CodeSystem registration nodig',
  },
  'A registration request is filed with status requested': {
    fr: 'Une demande est introduite avec le statut requested',
    nl: 'Een aanvraag wordt ingediend met status requested',
  },
  'The hub decides on membership: an institution-membership request names no owner': {
    fr: "Le hub décide de l'adhésion : une demande d'adhésion ne désigne pas de responsable (owner)",
    nl: 'De hub beslist over de aansluiting: een aansluitingsaanvraag vermeldt geen owner',
  },
  'This institution is already a member of the hub': { fr: 'Cette institution est déjà membre du hub', nl: 'Deze instelling is al aangesloten bij de hub' },
  'The institution is not a member of the hub': { fr: "L'institution n'est pas membre du hub", nl: 'De instelling is niet aangesloten bij de hub' },
  'This registration request was already decided': { fr: 'Il a déjà été statué sur cette demande', nl: 'Over deze aanvraag werd al beslist' },
  'A registration request is decided with $approve or $reject': {
    fr: 'Une demande se décide par $approve ou $reject',
    nl: 'Over een aanvraag wordt beslist met $approve of $reject',
  },
  'This professional is already registered': { fr: 'Ce prestataire est déjà inscrit', nl: 'Deze zorgverlener is al geregistreerd' },
  'A junior doctor registers through a junior-accreditation request': {
    fr: "Un médecin en formation s'inscrit par une demande d'accréditation (junior-accreditation)",
    nl: 'Een arts in opleiding registreert zich via een accreditatieaanvraag (junior-accreditation)',
  },
  'A practitioner registration names its guarantor': { fr: "Une demande d'inscription désigne son garant", nl: 'Een registratieaanvraag vermeldt haar garant' },
  'Only a junior doctor awaiting accreditation files this request': {
    fr: "Seul un médecin en formation en attente d'accréditation introduit cette demande",
    nl: 'Alleen een arts in opleiding die op accreditatie wacht, dient deze aanvraag in',
  },
  'A junior accreditation names its guarantor': { fr: "Une demande d'accréditation désigne son garant", nl: 'Een accreditatieaanvraag vermeldt haar garant' },
  'A junior accreditation needs the signed medical-office certificate': {
    fr: "Une accréditation nécessite l'attestation signée du cabinet médical",
    nl: 'Een accreditatie vereist het ondertekende attest van de praktijk',
  },
  'A junior accreditation needs both acknowledgements: operating rules read and continuity of care ensured': {
    fr: 'Une accréditation nécessite les deux engagements : règles de fonctionnement lues et continuité des soins assurée',
    nl: 'Een accreditatie vereist beide verklaringen: huishoudelijk reglement gelezen en continuïteit van de zorg verzekerd',
  },
  'The institution has not accepted the privacy policy': {
    fr: "L'institution n'a pas accepté la politique de confidentialité",
    nl: 'De instelling heeft het privacybeleid niet aanvaard',
  },
  'The named organization is not a guarantor of the hub': {
    fr: "L'organisation désignée n'est pas un garant du hub",
    nl: 'De vermelde organisatie is geen garant van de hub',
  },
  'A request of this kind is already pending': { fr: 'Une demande de ce type est déjà en cours', nl: 'Er loopt al een aanvraag van deze soort' },
  'The request must name a known Practitioner': {
    fr: 'La demande doit désigner un prestataire connu (Practitioner)',
    nl: 'De aanvraag moet een gekende zorgverlener (Practitioner) vermelden',
  },
  'The request must name a known Organization': {
    fr: 'La demande doit désigner une organisation connue',
    nl: 'De aanvraag moet een gekende organisatie vermelden',
  },
  'You cannot decide on your own request': { fr: 'Vous ne pouvez pas statuer sur votre propre demande', nl: 'U kunt niet beslissen over uw eigen aanvraag' },
  'Expected a Task': { fr: 'Une ressource Task est attendue', nl: 'Een Task-resource wordt verwacht' },
  // Patients and consent (SPEC §4)
  'The identifier must be an SSIN: <ssin system>|<11 digits>': {
    fr: "L'identifiant doit être un NISS : <système ssin>|<11 chiffres>",
    nl: 'De identificatie moet een INSZ zijn: <ssin-systeem>|<11 cijfers>',
  },
  'A patient has one SSIN': { fr: "Un patient n'a qu'un NISS", nl: 'Een patiënt heeft één INSZ' },
  'A patient with this SSIN is already registered': {
    fr: 'Un patient avec ce NISS est déjà enregistré',
    nl: 'Er is al een patiënt met dit INSZ geregistreerd',
  },
  'An exclusion names exactly one Practitioner': {
    fr: 'Une exclusion désigne exactement un prestataire',
    nl: 'Een uitsluiting vermeldt precies één zorgverlener',
  },
  'Under 16, the consent is registered by a parent or guardian': {
    fr: 'Avant 16 ans, le consentement est enregistré par un parent ou tuteur',
    nl: 'Onder 16 jaar wordt de toestemming geregistreerd door een ouder of voogd',
  },
  "A professional records this only on the patient's explicit request (Consent.verification)": {
    fr: 'Un prestataire ne l’enregistre qu’à la demande explicite du patient (Consent.verification)',
    nl: 'Een zorgverlener registreert dit alleen op uitdrukkelijk verzoek van de patiënt (Consent.verification)',
  },
  'The patient already has an active consent to data sharing': {
    fr: 'Le patient a déjà un consentement actif au partage de données',
    nl: 'De patiënt heeft al een actieve toestemming voor gegevensdeling',
  },
  'The patient has no active consent to data sharing': {
    fr: "Le patient n'a pas de consentement actif au partage de données",
    nl: 'De patiënt heeft geen actieve toestemming voor gegevensdeling',
  },
  // Therapeutic links (SPEC §4)
  'Only physicians, nurses and pharmacists create therapeutic links': {
    fr: 'Seuls les médecins, infirmiers et pharmaciens créent des liens thérapeutiques',
    nl: 'Alleen artsen, verpleegkundigen en apothekers leggen therapeutische relaties',
  },
  'A therapeutic link needs a known link-type category': {
    fr: 'Un lien thérapeutique nécessite un type de lien connu',
    nl: 'Een therapeutische relatie heeft een gekend relatietype nodig',
  },
  'A therapeutic link names exactly one professional': {
    fr: 'Un lien thérapeutique désigne exactement un prestataire',
    nl: 'Een therapeutische relatie vermeldt precies één zorgverlener',
  },
  'A professional creates links for itself; only a physician refers a patient to another professional': {
    fr: 'Un prestataire crée ses propres liens ; seul un médecin renvoie un patient vers un autre prestataire',
    nl: 'Een zorgverlener legt enkel eigen relaties; alleen een arts verwijst een patiënt door naar een andere zorgverlener',
  },
  'A therapeutic link needs a proof of contact': {
    fr: 'Un lien thérapeutique nécessite une preuve de contact',
    nl: 'Een therapeutische relatie vereist een bewijs van contact',
  },
  'This link needs a reason': { fr: 'Ce lien nécessite un motif', nl: 'Deze relatie vereist een reden' },
  'This link cannot be created': { fr: 'Ce lien ne peut pas être créé', nl: 'Deze relatie kan niet worden gelegd' },
  'Invalid link start': { fr: 'Début du lien invalide', nl: 'Ongeldig begin van de relatie' },
  'Invalid link end': { fr: 'Fin du lien invalide', nl: 'Ongeldig einde van de relatie' },
  'A patient can only end a link': { fr: 'Un patient peut seulement mettre fin à un lien', nl: 'Een patiënt kan een relatie alleen beëindigen' },
  'An ended link cannot be renewed: create a new link': {
    fr: 'Un lien terminé ne peut pas être prolongé : créez un nouveau lien',
    nl: 'Een beëindigde relatie kan niet worden verlengd: leg een nieuwe relatie',
  },
  'A renewal keeps the patient, the member and the link type': {
    fr: 'Une prolongation garde le patient, le membre et le type de lien',
    nl: 'Een verlenging behoudt de patiënt, het lid en het relatietype',
  },
  'An institution creates admission links for itself only': {
    fr: "Une institution ne crée des liens d'admission que pour elle-même",
    nl: 'Een instelling legt opnamerelaties alleen voor zichzelf',
  },
  'An institution link is a hospital-stay link': {
    fr: "Le lien d'une institution est un lien de séjour hospitalier",
    nl: 'De relatie van een instelling is een ziekenhuisverblijf',
  },
  'An admission link rests on the hospital admission': {
    fr: "Un lien d'admission repose sur l'admission à l'hôpital",
    nl: 'Een opnamerelatie steunt op de ziekenhuisopname',
  },
};

/** Texts with a variable part (link type, months). */
export const WORKFLOW_PATTERNS: { re: RegExp; fr: string; nl: string }[] = [
  { re: /^A (\S+) link lasts at most (\d+) months$/, fr: 'Un lien $1 dure au maximum $2 mois', nl: 'Een $1-relatie duurt hoogstens $2 maanden' },
  {
    re: /^A (\S+) link cannot be held by this profession$/,
    fr: 'Un lien $1 ne peut pas être détenu par cette profession',
    nl: 'Een $1-relatie kan niet door dit beroep worden gehouden',
  },
];
