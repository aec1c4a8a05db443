import { FhirClient, HubError } from './fhir-client.js';
import { label } from './format.js';
import { feedback, h, replace, select, uid } from './dom.js';
import { LANGUAGES, language, setLanguage, t, type Key } from './i18n.js';
import { currentSession, launchSettings, signOut, startSignIn, type LaunchSettings, type Session } from './smart-launch.js';

export interface View {
  settings: LaunchSettings;
  session: Session;
  client: FhirClient;
  /** Draws the whole view again (after a language switch, or a change that affects every section). */
  rerender(): void;
}

/**
 * Starts a view: the SMART sign-in, the page frame (skip link, language switch, sign-out) and the
 * view's own content, drawn again on each language switch.
 */
export async function startView(titleKey: Key, draw: (view: View, main: HTMLElement) => void | Promise<void>): Promise<void> {
  const settings = launchSettings();
  const root = document.getElementById('app') as HTMLElement;
  let session: Session | undefined;
  try {
    session = await currentSession(settings);
  } catch {
    session = undefined;
    renderFrame(root, settings, titleKey, undefined, (main) => signInScreen(main, settings, 'signIn.failed'));
    return;
  }
  const render = (): void => {
    document.documentElement.lang = language();
    if (!session) return renderFrame(root, settings, titleKey, undefined, (main) => signInScreen(main, settings), render);
    const client = new FhirClient(settings.fhirBase, session.accessToken, language, () => {
      signOut(settings);
      session = undefined;
    });
    const view: View = { settings, session, client, rerender: render };
    renderFrame(root, settings, titleKey, view, (main) => void draw(view, main), render);
  };
  render();
}

function renderFrame(
  root: HTMLElement,
  settings: LaunchSettings,
  titleKey: Key,
  view: View | undefined,
  fill: (main: HTMLElement) => void,
  rerender?: () => void
): void {
  document.title = `sharehub — ${t(titleKey)}`;
  const languageSelect = select(
    'language',
    LANGUAGES.map((l) => [l, t(`language.${l}` as Key)]),
    language()
  );
  languageSelect.id = 'language';
  languageSelect.addEventListener('change', () => {
    setLanguage(languageSelect.value);
    rerender?.();
    (document.getElementById('language') as HTMLSelectElement | null)?.focus();
  });
  const signOutButton = view
    ? h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => {
            signOut(settings);
            location.assign(`/${settings.view}/`);
          },
        },
        t('signOut')
      )
    : null;
  const main = h('main', { id: 'main', tabindex: -1 }, h('h1', {}, t(titleKey)));
  replace(
    root,
    h('a', { class: 'skip', href: '#main' }, t('skip')),
    h(
      'header',
      { class: 'top' },
      h('p', { class: 'brand' }, 'sharehub'),
      h(
        'div',
        { class: 'top-tools' },
        h('label', { for: 'language' }, t('language')),
        languageSelect,
        view ? h('span', { class: 'who' }, whoText(view.session)) : null,
        signOutButton
      )
    ),
    main
  );
  fill(main);
}

function whoText(session: Session): string {
  const c = session.claims;
  return c.role === 'practitioner' ? `${t('signedInAs')} ${c.sub ?? ''} (${label('profession', c.profession)})` : `${t('signedInAs')} ${c.sub ?? ''}`;
}

function signInScreen(main: HTMLElement, settings: LaunchSettings, problem?: Key): void {
  const fb = feedback();
  const configured = !!settings.authorizeUrl && !!settings.tokenUrl;
  main.append(
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'sign-in-title' },
      h('h2', { id: 'sign-in-title' }, t('signIn.title')),
      h('p', {}, t(settings.view === 'portal' ? 'signIn.portalIntro' : 'signIn.proIntro')),
      settings.demo ? h('p', { class: 'hint' }, t('signIn.demo')) : null,
      configured
        ? h(
            'button',
            {
              type: 'button',
              id: 'sign-in',
              onclick: () => startSignIn(settings, language()).catch(() => fb.error(t('signIn.failed'))),
            },
            t('signIn.button')
          )
        : h('p', { class: 'error', role: 'alert' }, t('signIn.notConfigured')),
      fb.el
    )
  );
  if (problem) fb.error(t(problem));
}

/** A titled section that loads its own content; a failure stays inside it, explained. */
export function section(main: HTMLElement, titleKey: Key, load: (body: HTMLElement) => Promise<void>): { el: HTMLElement; reload(): Promise<void> } {
  const titleId = uid('section');
  const body = h('div', { class: 'section-body' });
  const el = h('section', { class: 'card', 'aria-labelledby': titleId }, h('h2', { id: titleId }, t(titleKey)), body);
  main.append(el);
  const reload = async (): Promise<void> => {
    body.setAttribute('aria-busy', 'true');
    replace(body);
    try {
      await load(body);
    } catch (err) {
      replace(body, h('p', { class: 'error', role: 'alert' }, explain(err)));
    } finally {
      body.removeAttribute('aria-busy');
    }
  };
  void reload();
  return { el, reload };
}

/** A problem the view itself found in what the user typed, already in words for them. */
export class UserError extends Error {}

/** A hub error as the user reads it: what happened, then the hub's own words in their language. */
export function explain(err: unknown, notFound: Key = 'error.404'): string {
  if (err instanceof UserError) return err.message;
  if (!(err instanceof HubError)) return t('error.unexpected');
  const known: Record<number, Key> = {
    0: 'error.network',
    400: 'error.400',
    401: 'error.401',
    403: 'error.403',
    404: notFound,
    409: 'error.409',
    412: 'error.409',
    413: 'error.400',
    422: 'error.422',
    502: 'error.502',
    503: 'error.503',
  };
  const head = t(known[err.status] ?? 'error.unexpected');
  // The hub's generic texts say no more than the status does: not repeated.
  const generic = new Set(['Not found', 'Introuvable', 'Niet gevonden', 'Forbidden', 'Action non autorisée', 'Handeling niet toegestaan']);
  return err.detail && !generic.has(err.detail) ? `${head} ${err.detail}` : head;
}

/** Runs a form's action with its button disabled, then reports the result next to it. */
export async function act(button: HTMLButtonElement, fb: ReturnType<typeof feedback>, run: () => Promise<string>, notFound?: Key): Promise<boolean> {
  button.disabled = true;
  fb.clear();
  try {
    fb.ok(await run());
    return true;
  } catch (err) {
    fb.error(explain(err, notFound));
    return false;
  } finally {
    button.disabled = false;
  }
}
