/** A tiny element builder: text always goes in as text nodes, so hub data can never become markup. */
export type Child = Node | string | number | null | undefined | false;
type Props = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

let counter = 0;
/** Unique ids tie each label to its field (accessibility). */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** A labelled form field: the label's `for` names the control. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  if (!control.id) control.id = uid('field');
  const hintEl = hint ? h('p', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

export function select(name: string, options: [string, string][], value?: string): HTMLSelectElement {
  const el = h('select', { name });
  for (const [v, text] of options) el.appendChild(h('option', { value: v, selected: v === value }, text));
  return el;
}

/** A message area: successes are announced politely, errors as alerts. */
export function feedback(): { el: HTMLElement; ok(text: string): void; error(text: string): void; clear(): void } {
  const el = h('div', { class: 'feedback' });
  return {
    el,
    ok: (text) => replace(el, h('p', { class: 'ok', role: 'status' }, text)),
    error: (text) => replace(el, h('p', { class: 'error', role: 'alert' }, text)),
    clear: () => replace(el),
  };
}
