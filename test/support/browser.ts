/**
 * Real-browser support for the web views' tests: Debian's chromium driven by playwright-core,
 * against a hub served on loopback with the demo network. No mocks: the pages call the hub's FHIR
 * API with tokens from the development sign-in, as a user's browser would.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { NetworkHub } from './network';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '..', '..');
export const SCREENSHOTS = path.join(ROOT, '.cache', 'screenshots');

/** Debian's chromium, installed when missing and we are root; otherwise a clear failure. */
export function ensureChromium(): string {
  if (fs.existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() !== 0) {
    throw new Error(`The browser tests need chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit', env });
  } catch {
    // A fresh machine may have no package lists yet.
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit', env });
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`apt-get install chromium did not provide ${CHROMIUM}`);
  return CHROMIUM;
}

/** The front-end as `npm test` builds it, so a single test file can also be run alone. */
export function buildWebViews(): void {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-web.js')], { cwd: ROOT, stdio: 'inherit' });
}

/** Flags that keep chromium from reaching out to the (closed) network and hanging. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile each time (no state between runs), English unless a test asks otherwise. */
export async function launchBrowser(locale = 'en-GB'): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sharehub-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: ensureChromium(),
    headless: true,
    args: CHROMIUM_ARGS,
    locale,
    viewport: { width: 390, height: 844 }, // a phone: the views must work there first
    timeout: 60_000,
  });
  context.setDefaultTimeout(30_000);
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Serves the test hub's express app on a loopback port; returns its origin. */
export async function serve(t: NetworkHub): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The web views of a test hub on loopback, and a browser to open them in. */
export interface Views {
  origin: string;
  browser: Browser;
  /** Closes the browser, then the server. */
  close(): Promise<void>;
}

/** Serves the test hub's web views on a loopback port and launches the browser that opens them. */
export async function openViews(t: NetworkHub): Promise<Views> {
  const served = await serve(t);
  const browser = await launchBrowser().catch(async (error: unknown) => {
    await served.close();
    throw error;
  });
  return {
    origin: served.origin,
    browser,
    close: async () => {
      await browser.close();
      await served.close();
    },
  };
}

/** Opens a view and signs in as a persona through the SMART launch (code + PKCE) and the demo picker. */
export async function signIn(context: BrowserContext, origin: string, view: 'portal' | 'pro', persona: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${origin}/${view}`);
  // Each scenario starts from the browser's language, whatever an earlier one switched to.
  await page.evaluate('localStorage.removeItem("sharehub.language")');
  await page.getByRole('button', { name: /sign in|se connecter|aanmelden/i }).click();
  await page.locator(`button.persona[value="${persona}"]`).click();
  await page.waitForURL(`${origin}/${view}/`);
  await page.getByRole('button', { name: /sign out|se déconnecter|afmelden/i }).waitFor();
  return page;
}

/** The whole page of a scenario, to look at after the run (the folder is ignored by git). */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** One part of the page (a section), small enough for the README (docs/img holds chosen copies). */
export async function screenshotOf(locator: Locator, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await locator.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core in the page: the serious and critical violations (none is the goal). */
export async function seriousViolations(page: Page): Promise<string[]> {
  // The page's CSP forbids injected script tags (as it should): evaluate axe's source through the
  // DevTools protocol instead, which the page's CSP does not govern.
  await page.evaluate(fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const violations = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)')) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
