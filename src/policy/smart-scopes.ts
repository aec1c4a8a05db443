/** What an interaction needs from a SMART v2 scope: c(reate) r(ead) u(pdate) d(elete) s(earch). */
export type ScopePermission = 'c' | 'r' | 'u' | 'd' | 's';

interface ParsedScope {
  context: 'patient' | 'user' | 'system';
  resourceType: string;
  permissions: Set<ScopePermission>;
}

const SCOPE_RE = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]+)\.(read|write|\*|c?r?u?d?s?)(\?.*)?$/;

/**
 * Parses SMART scopes (v2 `.cruds` and the v1 `read`/`write`/`*` forms). Scopes with search
 * restrictions (`?category=...`) are ignored rather than widened: fail closed.
 */
export function parseScopes(scopes: readonly string[]): ParsedScope[] {
  const parsed: ParsedScope[] = [];
  for (const scope of scopes) {
    const m = SCOPE_RE.exec(scope);
    if (!m || m[4] || !m[3]) continue;
    const perms = m[3] === 'read' ? 'rs' : m[3] === 'write' ? 'cud' : m[3] === '*' ? 'cruds' : m[3];
    parsed.push({
      context: m[1] as ParsedScope['context'],
      resourceType: m[2],
      permissions: new Set(perms.split('') as ScopePermission[]),
    });
  }
  return parsed;
}

/** Whether any scope grants `permission` on `resourceType`. No scope, no right. */
export function scopesAllow(scopes: ParsedScope[], resourceType: string, permission: ScopePermission): boolean {
  return scopes.some((s) => (s.resourceType === '*' || s.resourceType === resourceType) && s.permissions.has(permission));
}

export type { ParsedScope };
