/** fr/nl of the care-network workflow outcomes (registration, consent, links), keyed by the English text. */
export const WORKFLOW_MESSAGES: Record<string, { fr: string; nl: string }> = {
  // Registration (SPEC §6)
  'A registration Task needs a code from the registration CodeSystem': {
    fr: "Une demande d'inscription (Task) nécessite un code du CodeSystem registration",
    nl: 'Een registratieaanvraag (Task) heeft een code uit het CodeSystem registration nodig',
  },
  'A registration request is filed with status requested': { fr: 'Une demande est introduite avec le statut requested', nl: 'Een aanvraag wordt ingediend met status requested' },
  'The hub decides on membership: an institution-membership request names no owner': {
    fr: "Le hub décide de l'adhésion : une demande d'adhésion ne désigne pas de responsable (owner)",
    nl: 'De hub beslist over de aansluiting: een aansluitingsaanvraag vermeldt geen owner',
  },
  'This institution is already a member of the hub': { fr: 'Cette institution est déjà membre du hub', nl: 'Deze instelling is al aangesloten bij de hub' },
  'The institution is not a member of the hub': { fr: "L'institution n'est pas membre du hub", nl: 'De instelling is niet aangesloten bij de hub' },
  'This registration request was already decided': { fr: 'Il a déjà été statué sur cette demande', nl: 'Over deze aanvraag werd al beslist' },
  'A registration request is decided with $approve or $reject': { fr: 'Une demande se décide par $approve ou $reject', nl: 'Over een aanvraag wordt beslist met $approve of $reject' },
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
  'The institution has not accepted the privacy policy': { fr: "L'institution n'a pas accepté la politique de confidentialité", nl: 'De instelling heeft het privacybeleid niet aanvaard' },
  'The named organization is not a guarantor of the hub': { fr: "L'organisation désignée n'est pas un garant du hub", nl: 'De vermelde organisatie is geen garant van de hub' },
  'A request of this kind is already pending': { fr: 'Une demande de ce type est déjà en cours', nl: 'Er loopt al een aanvraag van deze soort' },
  'The request must name a known Practitioner': { fr: 'La demande doit désigner un prestataire connu (Practitioner)', nl: 'De aanvraag moet een gekende zorgverlener (Practitioner) vermelden' },
  'The request must name a known Organization': { fr: 'La demande doit désigner une organisation connue', nl: 'De aanvraag moet een gekende organisatie vermelden' },
  'You cannot decide on your own request': { fr: 'Vous ne pouvez pas statuer sur votre propre demande', nl: 'U kunt niet beslissen over uw eigen aanvraag' },
  'Expected a Task': { fr: 'Une ressource Task est attendue', nl: 'Een Task-resource wordt verwacht' },
  // Patients and consent (SPEC §4)
  'The identifier must be an SSIN: <ssin system>|<11 digits>': {
    fr: "L'identifiant doit être un NISS : <système ssin>|<11 chiffres>",
    nl: 'De identificatie moet een INSZ zijn: <ssin-systeem>|<11 cijfers>',
  },
};
