import fs from 'node:fs';
import path from 'node:path';
import type { CodeSystem } from '@medplum/fhirtypes';
import { EN, type MessageCode } from '../../src/messages/catalog-en';
import { CATALOGS, STANDARD_OUTCOMES } from '../../src/messages/localize';

const SRC = path.resolve(__dirname, '../../src');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/**
 * The message codes the rules in src/ raise: the string literals in the first argument of every
 * `message(...)` call (`message('link-too-long', {...})`, `message(isActor ? 'a' : 'b')`).
 */
function raisedCodes(): Map<string, string[]> {
  const raised = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const text = fs.readFileSync(file, 'utf8');
    for (const call of text.matchAll(/\bmessage\(/g)) {
      let depth = 0;
      let end = call.index + call[0].length;
      for (; end < text.length; end++) {
        const c = text[end];
        if (c === '(' || c === '{' || c === '[') depth++;
        else if (c === ')' || c === '}' || c === ']') {
          if (depth === 0) break;
          depth--;
        } else if (c === ',' && depth === 0) break;
      }
      const argument = text.slice(call.index + call[0].length, end);
      for (const literal of argument.matchAll(/'([a-z0-9-]+)'/g)) {
        raised.set(literal[1], [...(raised.get(literal[1]) ?? []), path.relative(SRC, file)]);
      }
    }
  }
  return raised;
}

const placeholders = (template: string): string[] => [...template.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1]).sort();

describe('message catalogs', () => {
  const raised = raisedCodes();
  const codes = Object.keys(EN) as MessageCode[];

  it('finds the raise sites it checks (the scan still reads the code)', () => {
    expect(raised.get('link-too-long')).toEqual(['hub/therapeutic-links.ts', 'hub/therapeutic-links.ts']);
    expect(raised.get('token-actor-role-invalid')?.length).toBeGreaterThan(0);
    expect(raised.size).toBeGreaterThan(150);
  });

  it('has an entry in en, fr and nl for every code raised in src/', () => {
    for (const lang of ['en', 'fr', 'nl'] as const) {
      const missing = [...raised.keys()].filter((code) => !Object.hasOwn(CATALOGS[lang], code));
      expect({ lang, missing }).toEqual({ lang, missing: [] });
    }
  });

  it('has no entry that nothing raises (the outcomes of @medplum/core count by their id)', () => {
    const used = new Set([...raised.keys(), ...Object.values(STANDARD_OUTCOMES)]);
    expect(codes.filter((code) => !used.has(code))).toEqual([]);
  });

  it('holds the same codes in each language, each translated with the same parameters as in English', () => {
    for (const lang of ['fr', 'nl'] as const) {
      expect(Object.keys(CATALOGS[lang]).sort()).toEqual([...codes].sort());
      for (const code of codes) {
        const text = CATALOGS[lang][code];
        expect({ code, lang, text: text.trim() !== '' }).toEqual({ code, lang, text: true });
        expect({ code, lang, params: placeholders(text) }).toEqual({ code, lang, params: placeholders(EN[code]) });
      }
    }
  });

  it('is served as profiles/CodeSystem-message.json, regenerated from the catalogs (scripts/make-profiles.ts)', () => {
    const file = path.resolve(__dirname, '../../profiles/CodeSystem-message.json');
    const served = JSON.parse(fs.readFileSync(file, 'utf8')) as CodeSystem;
    expect(served.concept?.map((c) => [c.code, c.display, ...(c.designation ?? []).map((d) => `${d.language}:${d.value}`)])).toEqual(
      codes.map((code) => [code, EN[code], `fr:${CATALOGS.fr[code]}`, `nl:${CATALOGS.nl[code]}`])
    );
  });
});
