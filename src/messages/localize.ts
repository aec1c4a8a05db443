import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { EN, type MessageCode } from './catalog-en';
import { FR } from './catalog-fr';
import { NL } from './catalog-nl';
import { interpolate, messageDetails, messageOf } from './message';

export type Language = 'en' | 'fr' | 'nl';

export const CATALOGS: Record<Language, Record<MessageCode, string>> = { en: EN, fr: FR, nl: NL };

/**
 * The outcomes @medplum/core's router and helpers build themselves (no rule of ours raises them
 * with a code), by their outcome `id`: each has one fixed text.
 */
export const STANDARD_OUTCOMES: Record<string, MessageCode> = {
  ok: 'all-ok',
  created: 'created',
  'not-found': 'not-found',
  gone: 'gone',
  forbidden: 'forbidden',
  unauthorized: 'unauthorized',
  'precondition-failed': 'precondition-failed',
  'multiple-matches': 'multiple-matches',
};

/** Picks fr, nl or en from an Accept-Language header (first supported language wins; default en). */
export function languageOf(acceptLanguage: string | undefined): Language {
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0].trim().toLowerCase().slice(0, 2);
    if (tag === 'fr' || tag === 'nl' || tag === 'en') return tag;
  }
  return 'en';
}

function isMessageCode(code: string): code is MessageCode {
  return Object.hasOwn(EN, code);
}

/** A standard outcome's issue without a message code gets the one its outcome id stands for. */
function coded(outcome: OperationOutcome, issue: OperationOutcomeIssue): OperationOutcomeIssue {
  if (messageOf(issue)) return issue;
  const code = outcome.id ? STANDARD_OUTCOMES[outcome.id] : undefined;
  if (!code) return issue;
  const details = messageDetails({ code, params: {}, text: EN[code] });
  return { ...issue, details: { ...issue.details, coding: [...(issue.details?.coding ?? []), ...(details.coding ?? [])] } };
}

/**
 * The outcome with each coded issue's `details.text` in the caller's language, from the catalog
 * of its message code; `diagnostics` are dropped. An issue without a code keeps its text.
 */
export function localizeOutcome(outcome: OperationOutcome, lang: Language): OperationOutcome {
  return {
    ...outcome,
    issue: (outcome.issue ?? []).map(({ diagnostics: _dropped, ...rest }) => {
      const issue = coded(outcome, rest);
      const found = messageOf(issue);
      if (lang === 'en' || !found || !isMessageCode(found.code)) return issue;
      return { ...issue, details: { ...issue.details, text: interpolate(CATALOGS[lang][found.code], found.params) } };
    }),
  };
}
