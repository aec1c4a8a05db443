/**
 * FHIR's narrative XHTML subset (R4 Narrative.div, invariants txt-1 to txt-3): a well-formed `<div>`
 * in the XHTML namespace with some content, holding only the basic formatting elements of HTML 4
 * (chapters 7-11 and 15), links, images and inline styles; no scripts, forms, frames, objects,
 * event attributes or `javascript:` URLs. Narratives are shown to clinicians and patients in other
 * systems' browsers, so anything outside the subset is refused rather than cleaned.
 */

const XHTML_NS = 'http://www.w3.org/1999/xhtml';

const ELEMENTS = new Set([
  'a',
  'abbr',
  'acronym',
  'address',
  'b',
  'bdo',
  'big',
  'blockquote',
  'br',
  'caption',
  'cite',
  'code',
  'col',
  'colgroup',
  'dd',
  'dfn',
  'div',
  'dl',
  'dt',
  'em',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'i',
  'img',
  'kbd',
  'li',
  'ol',
  'p',
  'pre',
  'q',
  's',
  'samp',
  'small',
  'span',
  'strike',
  'strong',
  'sub',
  'sup',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'tt',
  'u',
  'ul',
  'var',
]);

const ATTRIBUTES = new Set([
  // common to every element
  'id',
  'class',
  'style',
  'title',
  'lang',
  'xml:lang',
  'dir',
  'xmlns',
  // links and images
  'href',
  'name',
  'rel',
  'rev',
  'charset',
  'type',
  'hreflang',
  'src',
  'alt',
  'height',
  'width',
  'longdesc',
  'cite',
  // lists and tables
  'start',
  'value',
  'summary',
  'border',
  'frame',
  'rules',
  'cellspacing',
  'cellpadding',
  'abbr',
  'axis',
  'headers',
  'scope',
  'rowspan',
  'colspan',
  'align',
  'valign',
  'char',
  'charoff',
  'span',
]);

const URL_ATTRIBUTES = new Set(['href', 'src', 'cite', 'longdesc']);
const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const NAME = /^[A-Za-z][A-Za-z0-9_.:-]*/;
const ATTRIBUTE = /^\s+([A-Za-z][A-Za-z0-9_.:-]*)\s*=\s*("[^"<]*"|'[^'<]*')/;

/** What is wrong with a narrative, in a few messages; empty when it is acceptable. */
export function checkNarrativeXhtml(xhtml: string): string[] {
  try {
    scan(xhtml);
    return [];
  } catch (err) {
    if (err instanceof NarrativeProblem) return [err.message];
    throw err;
  }
}

class NarrativeProblem extends Error {}

function fail(message: string): never {
  // The caller's message (narrative-unsafe) says it is about the narrative.
  throw new NarrativeProblem(message);
}

function scan(xhtml: string): void {
  const open: string[] = [];
  let pos = 0;
  let rootClosed = false;
  let content = false;
  while (pos < xhtml.length) {
    const lt = xhtml.indexOf('<', pos);
    const text = xhtml.slice(pos, lt < 0 ? xhtml.length : lt);
    if (text.trim()) {
      if (!open.length) fail('text outside the root <div>');
      decodeEntities(text);
      content = true;
    }
    if (lt < 0) break;
    if (xhtml.startsWith('<!--', lt)) {
      const end = xhtml.indexOf('-->', lt + 4);
      if (end < 0) fail('unterminated comment');
      pos = end + 3;
      continue;
    }
    if (xhtml.startsWith('<!', lt) || xhtml.startsWith('<?', lt)) fail('declarations, CDATA and processing instructions are not allowed');
    if (rootClosed) fail('content after the root <div>');
    if (xhtml.startsWith('</', lt)) {
      const name = NAME.exec(xhtml.slice(lt + 2, lt + 66))?.[0];
      const close = xhtml.indexOf('>', lt);
      if (!name || close < 0 || xhtml.slice(lt + 2 + name.length, close).trim()) fail('malformed end tag');
      if (open.pop() !== name) fail(`</${name}> does not close the open element`);
      if (!open.length) rootClosed = true;
      pos = close + 1;
      continue;
    }
    const tag = startTag(xhtml, lt, open.length === 0);
    if (tag.name === 'img') content = true;
    if (!tag.selfClosing) open.push(tag.name);
    else if (!open.length) rootClosed = true;
    pos = tag.end;
  }
  if (open.length || !rootClosed) fail('not a single well-formed <div> element');
  if (!content) fail('the <div> has no content');
}

function startTag(xhtml: string, lt: number, isRoot: boolean): { name: string; selfClosing: boolean; end: number } {
  const name = NAME.exec(xhtml.slice(lt + 1, lt + 65))?.[0];
  if (!name) fail('malformed tag');
  if (isRoot && name !== 'div') fail('the root element must be <div>');
  if (!ELEMENTS.has(name)) fail(`element <${name.slice(0, 32)}> is not allowed`);
  let pos = lt + 1 + name.length;
  const seen = new Set<string>();
  let namespace: string | undefined;
  for (;;) {
    const attr = ATTRIBUTE.exec(xhtml.slice(pos, pos + 4096));
    if (!attr) break;
    const [whole, attrName, quoted] = attr;
    const value = decodeEntities(quoted.slice(1, -1));
    checkAttribute(name, attrName, value);
    if (seen.has(attrName)) fail(`attribute ${attrName} repeated`);
    seen.add(attrName);
    if (attrName === 'xmlns') namespace = value;
    pos += whole.length;
  }
  const rest = /^\s*(\/?)>/.exec(xhtml.slice(pos, pos + 256));
  if (!rest) fail(`malformed <${name}> tag`);
  if (isRoot && namespace !== XHTML_NS) fail(`the root <div> must be in the XHTML namespace (xmlns="${XHTML_NS}")`);
  return { name, selfClosing: rest[1] === '/', end: pos + rest[0].length };
}

function checkAttribute(element: string, name: string, value: string): void {
  const lower = name.toLowerCase();
  if (lower.startsWith('on')) fail(`event attribute ${name.slice(0, 32)} is not allowed`);
  if (!ATTRIBUTES.has(name)) fail(`attribute ${name.slice(0, 32)} is not allowed`);
  if (name === 'xmlns' && value !== XHTML_NS) fail('only the XHTML namespace is allowed');
  if (URL_ATTRIBUTES.has(name) && !safeUrl(element, name, value)) fail(`unsafe URL in ${name}`);
  if (name === 'style' && /expression\s*\(|url\s*\(|javascript:|behavior\s*:|@import|-moz-binding/i.test(value.replace(/\\/g, ''))) {
    fail('unsafe style');
  }
}

/** Links and images point at http(s), mailto, fragments or relative paths; inline images may be data:image. */
function safeUrl(element: string, attribute: string, value: string): boolean {
  // Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
  const squeezed = [...value]
    .filter((c) => !isSpaceOrControl(c.charCodeAt(0)))
    .join('')
    .toLowerCase();
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(squeezed)?.[1];
  if (!scheme) return true;
  if (scheme === 'data') return element === 'img' && attribute === 'src' && /^data:image\/(png|gif|jpeg|webp);/.test(squeezed);
  return ['http', 'https', 'mailto', 'tel', 'urn'].includes(scheme);
}

function isSpaceOrControl(code: number): boolean {
  return code <= 0x20 || (code >= 0x7f && code <= 0x9f);
}

/** XML knows five named entities and numeric references; anything else (`&nbsp;`) is not well-formed. */
function decodeEntities(text: string): string {
  return text.replace(/&([^;&\s]{0,16});?/g, (match, body: string) => {
    if (!match.endsWith(';')) fail('a bare "&" must be written &amp;');
    if (XML_ENTITIES[body]) return XML_ENTITIES[body];
    const code = /^#x([0-9a-fA-F]{1,6})$/.exec(body)?.[1] ?? /^#([0-9]{1,7})$/.exec(body)?.[1];
    if (code === undefined) fail(`unknown entity &${body.slice(0, 16)};`);
    const n = body.startsWith('#x') ? parseInt(code, 16) : parseInt(code, 10);
    if (n === 0 || n > 0x10ffff) fail('invalid character reference');
    return String.fromCodePoint(n);
  });
}
