// DOM helpers every page uses: $ (an element by id), q (by selector), el (build an element with
// attributes and children), esc (text made safe for HTML written as a string), renderKept (rebuild a section only when what it shows
// changed, giving keyboard focus back to the same control afterwards).
// What it does not do: fetch, format numbers or labels (shared/format.js, shared/labels.js), or keep any
// page state beyond which key each section was last built with.

export const $ = (id) => document.getElementById(id);

// The first element matching a CSS selector (under root).
export const q = (sel, root = document) => root.querySelector(sel);

export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'role' || k === 'for' || k === 'title') node.setAttribute(k, v);
    else if (v === true) node.setAttribute(k, '');
    else node[k] = v;
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// ------------------------------------------------------------------ keeping focus across a re-render
// A selector naming `node` by its data-* attributes (and those of its nearest such ancestor inside `box`),
// so the same control can be found again after the section was rebuilt.  null if it has none.
function identity(node, box) {
  const part = (e) => {
    const attrs = [...e.attributes].filter((a) => a.name.startsWith('data-'));
    return attrs.length ? e.tagName.toLowerCase() + attrs.map((a) => `[${a.name}="${CSS.escape(a.value)}"]`).join('') : null;
  };
  const own = part(node);
  let up = node.parentElement;
  while (up && up !== box && !part(up)) up = up.parentElement;
  const outer = up && up !== box ? part(up) : null;
  if (!own) return outer;
  return outer ? `${outer} ${own}` : own;
}

// Rebuild `box` with `build()` only when `key` (a string of everything the section shows) changed, and
// give keyboard focus back to the control with the same data-* identity afterwards.  Returns whether it
// rebuilt.  A console update (a judge's phone connecting) thus never throws the operator's focus away.
const rendered = new WeakMap();
export function renderKept(box, key, build) {
  if (rendered.get(box) === key) return false;
  rendered.set(box, key);
  const active = document.activeElement;
  const sel = active && active !== box && box.contains(active) ? identity(active, box) : null;
  build();
  if (sel && !box.contains(document.activeElement)) {
    const again = box.querySelector(sel);
    if (again) again.focus({ preventScroll: true });
  }
  return true;
}
