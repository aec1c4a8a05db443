/** The two views' HTML shell: no inline script or style, so the CSP can forbid both. */
export type ViewName = 'portal' | 'pro';

export interface SignInSettings {
  /** Authorization endpoint (absolute, or a path on the hub for the demo sign-in); unset = not configured. */
  readonly authorizeUrl?: string;
  readonly tokenUrl?: string;
  readonly clientId: string;
  /** The FHIR base the token is for (SMART `aud`). */
  readonly audience: string;
  readonly demo: boolean;
}

const TITLES: Record<ViewName, string> = { portal: 'sharehub — patient portal', pro: 'sharehub — professional area' };

export function renderViewPage(view: ViewName, signIn: SignInSettings): string {
  const data: Record<string, string> = {
    view,
    fhirBase: '/fhir',
    clientId: signIn.clientId,
    audience: signIn.audience,
    demo: String(signIn.demo),
    ...(signIn.authorizeUrl ? { authorizeUrl: signIn.authorizeUrl } : {}),
    ...(signIn.tokenUrl ? { tokenUrl: signIn.tokenUrl } : {}),
  };
  const attributes = Object.entries(data)
    .map(([key, value]) => ` data-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}="${escapeHtml(value)}"`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(TITLES[view])}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/web/static/style.css">
<script type="module" src="/web/app/${view}.js"></script>
</head>
<body${attributes}>
<div id="app"><p>Loading…</p></div>
<noscript><p>This page needs JavaScript.</p></noscript>
</body>
</html>
`;
}

/**
 * Scripts and styles from the hub only, no inline code, no frames, no plugins; the page talks to
 * the hub and, when the provider lives elsewhere, to its token endpoint (the code exchange).
 */
export function contentSecurityPolicy(signIn: SignInSettings): string {
  const connect = ["'self'", ...originOf(signIn.tokenUrl)];
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src ${connect.join(' ')}`,
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function originOf(url: string | undefined): string[] {
  if (!url || url.startsWith('/')) return [];
  try {
    return [new URL(url).origin];
  } catch {
    return [];
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}
