/**
 * The professional area (SPEC §12) in a real browser, as the demo network's professionals: what
 * the page shows, and the effects confirmed through the FHIR API as the patient.
 */
import type { Page } from 'playwright-core';
import { makeSsin } from '../../src/fhir/belgian-identifiers';
import { startNetworkHub, type NetworkHub } from '../support/network';
import { buildWebViews, openViews, screenshot, screenshotOf, seriousViolations, signIn, type Views } from '../support/browser';
import { SSINS } from '../support/personas';

// A browser scenario takes a few seconds alone; the whole suite shares two cores.
jest.setTimeout(120_000);

let t: NetworkHub;
let views: Views;

beforeAll(async () => {
  buildWebViews();
  t = await startNetworkHub();
  views = await openViews(t);
}, 180_000);

afterAll(async () => {
  await views?.close();
  await t?.close();
});

const findPatient = async (page: Page, ssin: string) => {
  const find = page.getByRole('region', { name: /Find a patient|Trouver un patient/ });
  await find.getByLabel(/^(SSIN|NISS)/).fill(ssin);
  await find.getByRole('button', { name: /^(Search|Rechercher)$/ }).click();
  return find;
};

describe('professional area', () => {
  it('a GP finds a patient by SSIN, registers consent, declares a link and publishes a SUMEHR', async () => {
    const page = await signIn(views.browser.context, views.origin, 'pro', 'gp-anna-peeters');
    await page.getByText('Anna Peeters · NIHII 11234578003').waitFor();
    const find = await findPatient(page, SSINS.pieter);
    await find.getByText('Patient found: Pieter Claes').waitFor();
    const patient = find.locator('article.patient');
    await patient.getByText('Consent to data sharing: none').waitFor();
    await patient.getByText('No access to this patient’s record.').waitFor();

    await patient.getByLabel('Registered through').selectOption('gp');
    await patient.getByRole('button', { name: 'Register the patient’s consent' }).click();
    await patient.getByText('Consent registered.').waitFor();
    await patient.getByText('Consent to data sharing: active').waitFor();

    await patient.locator('summary', { hasText: 'Declare a therapeutic link' }).click();
    await patient.getByLabel('Type of link').selectOption('gp-long-term');
    await patient.getByLabel('Proof of contact').selectOption('eid-read');
    await patient.getByRole('button', { name: 'Declare a therapeutic link' }).click();
    await patient.getByText(/Link declared, valid until/).waitFor();
    const links = await t.as('patient-pieter-claes').get('/fhir/CareTeam?patient=patient-pieter-claes');
    expect(
      links.body.entry.map((e: { resource: { participant: { member: { reference: string } }[]; status: string } }) => [
        e.resource.participant[0].member.reference,
        e.resource.status,
      ])
    ).toContainEqual(['Practitioner/gp-anna-peeters', 'active']);

    // The record is open now: no documents yet, then her own SUMEHR.
    await patient.getByText('No documents to show.').waitFor();
    await patient.locator('summary', { hasText: 'Publish a SUMEHR' }).click();
    await patient.getByLabel('Current problems').fill('Type 2 diabetes\nHypertension');
    await patient.getByLabel('Allergies').fill('Penicillin');
    await patient.getByRole('button', { name: 'Publish a SUMEHR' }).click();
    await patient.getByText('SUMEHR published.').waitFor();
    await patient.getByText('Hypertension').first().waitFor();
    const summary = await t.as('gp-anna-peeters').get('/fhir/Patient/patient-pieter-claes/$summary');
    expect(JSON.stringify(summary.body)).toContain('Type 2 diabetes');
    await screenshot(page, 'pro-consent-link-sumehr');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('a GP lists a patient’s documents and opens one; adds a new patient', async () => {
    const page = await signIn(views.browser.context, views.origin, 'pro', 'gp-anna-peeters');
    const find = await findPatient(page, SSINS.marie);
    const patient = find.locator('article.patient');
    await patient.getByText('Very restricted GP note (author only), kept in the hub safe').waitFor();
    await patient.getByText('Psychiatric consultation note: restricted (author and GP), never released to the patient').waitFor();
    await patient.getByRole('button', { name: 'Open: Very restricted GP note (author only), kept in the hub safe' }).click();
    await patient.getByText('Patient worried about work situation').waitFor();
    await patient.getByText('Summary of').waitFor();
    await screenshot(page, 'pro-documents');

    const ssin = makeSsin('1990-04-12', 123);
    await findPatient(page, ssin);
    await find.getByText('No patient with this SSIN in the hub. You may add them.').waitFor();
    await find.getByLabel('Family name').fill('Vandenberghe');
    await find.getByLabel('Given name').fill('Eva');
    await find.getByRole('button', { name: 'Add this patient' }).click();
    await find.getByText('Patient added.').waitFor();
    await find.getByText(`Eva Vandenberghe · SSIN ${ssin}`).waitFor();
    const found = await t.as('gp-thomas-lambert').get(`/fhir/Patient?identifier=https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin|${ssin}`);
    expect(found.body.entry).toHaveLength(1);
  });

  it('a professional without a link is refused politely, never shown raw JSON', async () => {
    // Runs after Anna read Marie's record in the same browser: nothing of hers may come from its cache.
    const page = await signIn(views.browser.context, views.origin, 'pro', 'gp-thomas-lambert');
    const find = await findPatient(page, SSINS.marie);
    const patient = find.locator('article.patient');
    await patient.getByText('Consent to data sharing: active').waitFor();
    await patient.getByRole('alert').getByText('No access to this patient’s record.').waitFor();
    expect(await patient.getByText('Very restricted GP note').count()).toBe(0);
    const text = (await page.locator('body').innerText()) ?? '';
    expect(text).not.toContain('resourceType');
    expect(text).not.toContain('OperationOutcome');
    await screenshot(page, 'pro-no-access');
    await screenshotOf(patient, 'section-pro-no-access');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('an emergency physician breaks the glass with a reason; it shows in the own access log', async () => {
    const page = await signIn(views.browser.context, views.origin, 'pro', 'physician-sarah-maes');
    const find = await findPatient(page, SSINS.sofia);
    const patient = find.locator('article.patient');
    await patient.getByText('No access to this patient’s record.').waitFor();
    await patient.locator('summary', { hasText: 'Break the glass (emergency)' }).click();
    await patient.getByLabel('Reason').last().fill('Unconscious, brought in by ambulance');
    await patient.getByRole('button', { name: 'Break the glass (emergency)' }).click();
    await patient.getByText(/Emergency access opened, until/).waitFor();
    await patient.getByText('Discharge letter: no rule and no hospital default, so 7 days (2026-11-25)').waitFor();
    await page.reload();
    const log = page.getByRole('region', { name: 'My access log' });
    await log.locator('li.btg').first().getByText('break the glass').waitFor();
    await screenshot(page, 'pro-break-the-glass');
  });

  it('the language switch translates the page and the hub’s refusals (French)', async () => {
    const page = await signIn(views.browser.context, views.origin, 'pro', 'gp-thomas-lambert');
    await page.getByLabel('Language').selectOption('fr');
    await page.getByRole('heading', { name: 'Espace professionnel' }).waitFor();
    const find = await findPatient(page, SSINS.jan);
    const patient = find.locator('article.patient');
    await patient.getByText('Consentement au partage de données: révoqué').waitFor();
    await patient.locator('summary', { hasText: 'Déclarer un lien thérapeutique' }).click();
    await patient.getByRole('button', { name: 'Déclarer un lien thérapeutique' }).click();
    // The hub's own refusal (422, OperationOutcome), in the language of the page.
    await patient.getByRole('alert').filter({ hasText: 'Refusé. Ce lien ne peut pas être créé' }).waitFor();
    await screenshot(page, 'pro-french');
    expect(await seriousViolations(page)).toEqual([]);
  });
});
afterEach(async () => {
  for (const page of views.browser.context.pages()) await page.close();
});
