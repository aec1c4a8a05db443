/**
 * The patient portal (SPEC §12) in a real browser, as the demo network's patients: every check is
 * on what the page shows, and the effects are confirmed through the FHIR API as the other party.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { makeSsin } from '../../src/fhir/belgian-identifiers';
import { careTeam, documentFor, registerDocumentSource, seed, SH, startNetworkHub, type NetworkHub } from '../support/network';
import { buildWebViews, openViews, screenshot, screenshotOf, seriousViolations, signIn, type Views } from '../support/browser';
import { SSIN } from '../../src/vocabulary';
import { MARIE } from '../support/personas';

const LETTER = 'Letter from the cardiology consultation';

// A browser scenario takes a few seconds alone; the whole suite shares two cores.
jest.setTimeout(120_000);

let t: NetworkHub;
let views: Views;
let source: http.Server;

beforeAll(async () => {
  buildWebViews();
  // The hospital's document system: a real HTTP source on loopback that the hub fetches from.
  source = http.createServer((req, res) => {
    if (req.url === '/letters/marie.txt') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Dear colleague, Mrs Dubois was seen today; her heart rhythm is normal.');
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
  const sourceBase = `http://127.0.0.1:${(source.address() as AddressInfo).port}`;
  t = await startNetworkHub();
  await registerDocumentSource(t, 'Organization/org-ziekenhuis-zuid', 'endpoint-zuid-letters', `${sourceBase}/letters`);
  await seed(t, {
    ...documentFor(MARIE, {
      id: 'marie-cardiology-letter',
      cls: 'consultation-note',
      author: 'Practitioner/physician-koen-wouters',
      custodian: 'Organization/org-ziekenhuis-zuid',
      release: { rule: 'immediate' },
      date: '2026-11-22T10:00:00Z',
    }),
    description: LETTER,
    content: [{ attachment: { url: `${sourceBase}/letters/marie.txt`, contentType: 'text/plain' } }],
  });
  views = await openViews(t);
}, 180_000);

afterAll(async () => {
  await views?.close();
  await new Promise((resolve) => source?.close(resolve));
  await t?.close();
});

const section = (page: Page, name: RegExp) => page.getByRole('region', { name });

describe('patient portal', () => {
  it('a patient reads a released document (with its content) and does not see a delayed one', async () => {
    const page = await signIn(views.browser.context, views.origin, 'portal', MARIE);
    await page.getByRole('heading', { name: 'My health record' }).waitFor();
    const documents = section(page, /^Documents$/);
    await documents.getByText(LETTER).waitFor();
    // Released: immediate rule, and the hospital default's 7 days already past.
    await documents.getByText('Blood tests (released to the patient 7 days after, by the hospital default)').waitFor();
    // Delayed until 2026-11-27 (the network's today is 2026-11-23), and never-released documents: absent.
    expect(await documents.getByText(/Blood tests: delayed/).count()).toBe(0);
    expect(await documents.getByText(/Psychiatric consultation note/).count()).toBe(0);
    await documents.getByRole('button', { name: `Open: ${LETTER}` }).click();
    await documents.getByText('her heart rhythm is normal').waitFor();
    // A source that cannot be reached is explained, not dumped.
    await documents.getByRole('button', { name: /^Open: Discharge letter after a short stay/ }).click();
    await documents.getByText(/could not deliver it/).waitFor();
    await section(page, /Summary \(SUMEHR\)/)
      .getByText('Current problems')
      .waitFor();
    await screenshot(page, 'portal-documents');
    expect(await seriousViolations(page)).toEqual([]);
    expect(await page.content()).not.toContain('"resourceType"');
  });

  it('shows who accessed the record, with a break-the-glass access marked', async () => {
    const glass = await t.as('physician-sarah-maes').post('/fhir/CareTeam', {
      ...careTeam(MARIE, 'Practitioner/physician-sarah-maes', 'emergency', { start: '2026-11-23T09:00:00Z' }),
      extension: [
        { url: `${SH}/StructureDefinition/link-proof`, valueCode: 'eid-bypass' },
        { url: `${SH}/StructureDefinition/link-reason`, valueString: 'Unconscious in the emergency room' },
      ],
    });
    expect(glass.status).toBe(201);
    expect((await t.as('physician-sarah-maes').get('/fhir/DocumentReference/marie-cardiology-letter')).status).toBe(200);
    const page = await signIn(views.browser.context, views.origin, 'portal', MARIE);
    const trail = section(page, /Who accessed my record/);
    const btgRow = trail.locator('li.btg').filter({ hasText: 'Sarah Maes' }).first();
    await btgRow.getByText('break the glass').waitFor();
    await section(page, /My therapeutic links/)
      .locator('li')
      .filter({ hasText: 'Sarah Maes — emergency' })
      .getByText('break the glass')
      .waitFor();
    await btgRow.scrollIntoViewIfNeeded();
    await screenshot(page, 'portal-access-trail');
    await screenshotOf(trail, 'section-portal-access-trail');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('a patient ends a link and the professional loses access at once', async () => {
    expect((await t.as('nurse-els-goossens').get(`/fhir/Patient/${MARIE}`)).status).toBe(200);
    const page = await signIn(views.browser.context, views.origin, 'portal', MARIE);
    const links = section(page, /My therapeutic links/);
    const els = links.locator('li[data-link="link-marie-dubois-els-goossens"]');
    await els.getByRole('button', { name: /End this link/ }).click();
    await els.getByText('Link ended: this professional no longer has access.').waitFor();
    expect((await t.as('nurse-els-goossens').get(`/fhir/Patient/${MARIE}`)).status).toBe(404);
    await links
      .locator('li[data-link="link-marie-dubois-els-goossens"]')
      .getByText(/ended$/)
      .waitFor();
    await screenshot(page, 'portal-link-ended');
  });

  it('a patient adds a trusted person, who gets in, then ends it, and they are out', async () => {
    const trustedSsin = makeSsin('1979-05-05', 77);
    const trusted = `Bearer ${t.token({ sub: 'trusted-web', role: 'patient', ssin: trustedSsin, scope: 'patient/*.rs' })}`;
    const asTrusted = () => t.as(MARIE).get(`/fhir/Patient/${MARIE}`).set('Authorization', trusted);
    expect((await asTrusted()).status).toBe(404);
    const page = await signIn(views.browser.context, views.origin, 'portal', MARIE);
    const privacy = section(page, /Who may see my record/);
    await privacy.locator('summary', { hasText: 'Add a trusted person' }).click();
    await privacy.getByLabel('SSIN of the trusted person').fill(trustedSsin);
    await privacy.getByLabel('Family name').fill('Lefèvre');
    await privacy.getByLabel('Given name').fill('Claire');
    await privacy.getByRole('button', { name: 'Add a trusted person' }).click();
    await privacy.getByText(/Trusted person added/).waitFor();
    expect((await asTrusted()).status).toBe(200);
    const item = privacy.locator('li').filter({ hasText: 'Claire Lefèvre' });
    await item.getByRole('button', { name: /^End/ }).click();
    await item.getByText('Ended.').waitFor();
    expect((await asTrusted()).status).toBe(404);
    await screenshot(page, 'portal-trusted-person');
  });

  it('a trusted person sees the record they were given; the language switch translates the page and the hub’s answers', async () => {
    const page = await signIn(views.browser.context, views.origin, 'portal', 'trusted-paolo-rossi');
    await page.getByText('Record of Sofia Rossi').waitFor();
    await page.getByLabel('Language').selectOption('fr');
    await page.getByRole('heading', { name: 'Mon dossier de santé' }).waitFor();
    await section(page, /Qui a consulté mon dossier/).waitFor();
    await page.getByLabel('Langue').selectOption('nl');
    await page.getByRole('heading', { name: 'Mijn gezondheidsdossier' }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('nl');
    // A refusal from the hub, in Dutch: a trusted person does not decide exclusions for the patient.
    const privacy = section(page, /Wie mag mijn dossier zien/);
    await privacy.locator('summary', { hasText: 'Een zorgverlener uitsluiten' }).click();
    await privacy.getByLabel('RIZIV-nummer van de zorgverlener').fill('12345625004');
    await privacy.getByRole('button', { name: 'Een zorgverlener uitsluiten' }).click();
    await privacy.getByRole('alert').filter({ hasText: 'Niet toegestaan' }).waitFor();
    expect(await privacy.getByRole('alert').textContent()).not.toContain('Forbidden');
    await screenshot(page, 'portal-dutch');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('a patient excludes a professional and hides a document, each with an effect at once', async () => {
    expect((await t.as('gp-anna-peeters').get('/fhir/DocumentReference/marie-cardiology-letter')).status).toBe(200);
    const page = await signIn(views.browser.context, views.origin, 'portal', MARIE);
    const privacy = section(page, /Who may see my record/);
    await privacy.locator('summary', { hasText: 'Hide a document' }).click();
    await privacy.getByLabel('Document', { exact: true }).selectOption({ label: `${LETTER} (22 Nov 2026)` });
    await privacy.getByRole('button', { name: 'Hide a document' }).click();
    await privacy.getByText('Document hidden.').waitFor();
    // Hidden from every professional but its author.
    expect((await t.as('gp-anna-peeters').get('/fhir/DocumentReference/marie-cardiology-letter')).status).toBe(404);
    expect((await t.as('physician-koen-wouters').get('/fhir/DocumentReference/marie-cardiology-letter')).status).toBe(200);
    await privacy
      .locator('li')
      .filter({ hasText: `${LETTER} — hidden from all professionals` })
      .waitFor();

    await privacy.locator('summary', { hasText: 'Exclude a professional' }).click();
    await privacy.getByLabel('NIHII number of the professional').fill('12345625004');
    await privacy.getByRole('button', { name: 'Exclude a professional' }).click();
    await privacy.getByText('Professional excluded.').waitFor();
    await privacy.locator('li').filter({ hasText: 'Thomas Lambert' }).getByRole('button', { name: /^End/ }).waitFor();
    const relink = await t
      .as('gp-thomas-lambert')
      .post('/fhir/CareTeam', careTeam(MARIE, 'Practitioner/gp-thomas-lambert', 'gp-long-term', { start: '2026-11-23T09:00:00Z' }));
    expect(relink.status).toBe(422);
    await screenshot(page, 'portal-exclusion-restriction');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('works with the keyboard alone: skip link, sign-in, persona, opening a document', async () => {
    const page = await views.browser.context.newPage();
    await page.goto(`${views.origin}/portal`);
    await page.evaluate('localStorage.removeItem("sharehub.language")');
    await page.reload();
    const focused = () => page.evaluate('document.activeElement && (document.activeElement.id || document.activeElement.textContent)');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('language');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('sign-in');
    await page.keyboard.press('Enter');
    await page.locator('button.persona').first().waitFor();
    await page.keyboard.press('Tab');
    expect(await focused()).toContain('patient-marie-dubois');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${views.origin}/portal/`);
    const open = section(page, /^Documents$/).getByRole('button', { name: `Open: ${LETTER}` });
    await open.focus();
    await page.keyboard.press('Enter');
    await section(page, /^Documents$/)
      .getByText('her heart rhythm is normal')
      .waitFor();
    await page.close();
  });

  it('a patient without consent registers it through the portal', async () => {
    const page = await signIn(views.browser.context, views.origin, 'portal', 'patient-pieter-claes');
    const consent = section(page, /Consent to data sharing/);
    await consent.getByRole('button', { name: 'Give my consent' }).click();
    await consent.getByText('Consent registered.').waitFor();
    const status = await t.as('gp-anna-peeters').get(`/fhir/Patient/$consent-status?identifier=${encodeURIComponent(`${SSIN}|65012209139`)}`);
    expect(status.body.parameter.find((p: { name: string }) => p.name === 'status').valueCode).toBe('active');
    await consent.getByRole('button', { name: 'Revoke my consent' }).waitFor();
    page.once('dialog', (dialog) => void dialog.accept());
    await consent.getByRole('button', { name: 'Revoke my consent' }).click();
    await consent.getByText('Consent revoked.').waitFor();
    const after = await t.as('gp-anna-peeters').get(`/fhir/Patient/$consent-status?identifier=${encodeURIComponent(`${SSIN}|65012209139`)}`);
    expect(after.body.parameter.find((p: { name: string }) => p.name === 'status').valueCode).toBe('revoked');
    await screenshot(page, 'portal-consent');
  });
});
