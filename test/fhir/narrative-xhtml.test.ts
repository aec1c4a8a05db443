import { checkNarrativeXhtml } from '../../src/fhir/narrative-xhtml';

const div = (inner: string, attrs = '') => `<div xmlns="http://www.w3.org/1999/xhtml"${attrs}>${inner}</div>`;

describe('FHIR narrative XHTML subset', () => {
  it.each([
    ['text', div('Allergie à la pénicilline')],
    [
      'formatting, lists and tables',
      div('<h3>Résumé</h3><ul><li><b>x</b> &amp; <i>y</i></li></ul><table border="1"><tbody><tr><td colspan="2">a</td></tr></tbody></table>'),
    ],
    ['links, images and entities', div('<a href="https://hub.example/x" name="n">l</a><img src="data:image/png;base64,AAAA" alt="i"/>&lt;&#233;&#x41;&quot;')],
    ['comments and styles', div('<!-- generated --><p style="color: red">x</p>')],
    ['an image alone', div('<img src="#photo" alt="photo"/>')],
  ])('accepts %s', (_what, xhtml) => {
    expect(checkNarrativeXhtml(xhtml)).toEqual([]);
  });

  it.each([
    ['a script', div('<script>alert(1)</script>')],
    ['a style element', div('<style>p{}</style>x')],
    ['an upper-case event attribute', div('<p ONCLICK="x">x</p>')],
    ['a javascript: href hidden by whitespace and entities', div('<a href="&#x20;java&#09;script:alert(1)">x</a>')],
    ['a vbscript: src', div('<img src="vbscript:x"/>')],
    ['a data: link', div('<a href="data:text/html,x">x</a>')],
    ['a url() style', div('<p style="background:url(https://evil.example)">x</p>')],
    ['a form', div('<form><input/></form>')],
    ['an unknown attribute', div('<p data-x="1">x</p>')],
    ['an HTML entity that XML does not know', div('a&nbsp;b')],
    ['a bare ampersand', div('a & b')],
    ['a CDATA section', div('<![CDATA[x]]>')],
    ['a DOCTYPE', `<!DOCTYPE html>${div('x')}`],
    ['another root element', '<p xmlns="http://www.w3.org/1999/xhtml">x</p>'],
    ['a second root', `${div('x')}${div('y')}`],
    ['text after the root', `${div('x')}y`],
    ['an empty div', div('  ')],
    ['an unclosed element', div('<p>x')],
    ['crossed elements', div('<b><i>x</b></i>')],
    ['an attribute without quotes', div('<td colspan=2>x</td>')],
    ['another namespace', div('<svg xmlns="http://www.w3.org/2000/svg"/>')],
  ])('refuses %s', (_what, xhtml) => {
    expect(checkNarrativeXhtml(xhtml)).toHaveLength(1);
  });
});
