// The one language switch of every page: Chinese only by default, English when switched; the choice is
// remembered per browser (localStorage 'rj:lang', the key the judge page has always used) and can be
// given in the address (?lang=en / ?lang=zh: the big screen's way, since the projector shows no button).
//
// The mechanism: <html data-lang="zh|en" lang="zh-CN|en"> (set before the first paint by
// shared/lang_boot.js) and base.css hide the other language: `.en` parts are hidden in Chinese, `.zh`
// parts in English.  Both languages stay in the DOM (tests reading textContent still find both; screen
// readers and innerText get only the shown one, since display:none leaves the accessibility tree).
// Markup written as `中文 <span class="en">English</span>` (templates, and pages' HTML strings) has its
// bare Chinese text wrapped in <span class="zh" lang="zh-CN"> here when English is chosen, for what is on
// the page now and what pages draw later (a MutationObserver).  Text a page sets itself goes through
// setBi(node, "中文 English" | "中文 / English") or bi(zh, en), which write both parts as spans; attributes
// and dialogs that cannot hold markup use tr(zh, en) / say(text); server text in a template is marked
// data-bi ("中文 / English", split once the page loads).  The big screen shows no button: the L key.
// What it does not do: translate anything (the English is written next to the Chinese where it exists), or
// draw the judge page (judge_i18n.js words it; it reads and writes the choice here).

import { esc } from './dom.js';
import { splitLabel } from './format.js';

export const LANG_KEY = 'rj:lang';
const CJK = /[\u3000-\u9fff\uff00-\uffef]/;
const root = () => document.documentElement;

// The language shown now: 'zh' (the default) or 'en'.
export function lang() {
  return root().dataset.lang === 'en' ? 'en' : 'zh';
}

// The remembered choice ('zh' when none, or when the browser keeps nothing).
export function loadLang() {
  try { return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh'; } catch { return 'zh'; }
}

export function saveLang(l) {
  try { localStorage.setItem(LANG_KEY, l === 'en' ? 'en' : 'zh'); } catch { /* the choice lasts for this visit only */ }
}

// One string in the language shown: tr('提交', 'Submit').  An empty English falls back to the Chinese.
export function tr(zh, en) {
  return lang() === 'en' && en ? en : zh;
}

// A bilingual text ("中文 English", "中文 / English", a server message) in the language shown.
export function say(text) {
  const [z, e] = splitLabel(text);
  return tr(z, e);
}

function span(cls, text, l) {
  const s = document.createElement('span');
  s.className = cls;
  if (l) s.lang = l;
  s.textContent = text;
  return s;
}

// node's text: both languages, each shown in its own (setPair(node, '已揭晓 2 个', '2 revealed')).
export function setPair(node, zh, en) {
  node.replaceChildren(...bi(zh, en));
}

// Both languages as nodes, each shown in its own language: [<span.zh>, ' ', <span.en>] (just the text
// when there is no English).  `sep` is what lies between them in the text (kept for textContent).
export function bi(zh, en, sep = ' ') {
  if (!en || en === zh) return [document.createTextNode(String(zh ?? ''))];
  return [span('zh', zh, 'zh-CN'), span('bi-sep', sep), span('en', en, 'en')];
}

// A bilingual text ("中文 English", "中文 / English") as nodes, both parts (just the text when it has one).
export function biNodes(text) {
  const s = String(text ?? '');
  const [z, e] = splitLabel(s);
  if (!e) return [document.createTextNode(s)];
  return bi(z, e, s.slice(s.indexOf(z) + z.length, s.lastIndexOf(e)));
}

// node's text set to a bilingual text, written as both parts (its textContent stays the text given).
export function setBi(node, text) {
  node.replaceChildren(...biNodes(text));
}

// The same as markup, for pages that write HTML strings (escaped).
export function biHtml(text) {
  const s = String(text ?? '');
  const [z, e] = splitLabel(s);
  if (!e) return esc(s);
  const sep = s.slice(s.indexOf(z) + z.length, s.lastIndexOf(e));
  return `<span class="zh" lang="zh-CN">${esc(z)}</span><span class="bi-sep">${esc(sep)}</span><span class="en" lang="en">${esc(e)}</span>`;
}

// ------------------------------------------------------------------ markup written "中文 <span class=en>"
// The Chinese an English part stands for: the text just before it (back over spaces and <br>, up to the
// previous element), e.g. "大赛 " in `大赛 <span class="en">Contests</span>`.  Text after it, or before
// an element (a contest's name in `<b>name</b> 设置 <span class="en">`), is left shown.
function wrapAround(enNode) {
  if (!enNode.hasAttribute('lang')) enNode.setAttribute('lang', 'en');
  let prev = enNode.previousSibling;
  while (prev) {
    const before = prev.previousSibling;
    if (prev.nodeType === Node.TEXT_NODE) {
      if (CJK.test(prev.data)) {
        const z = span('zh', prev.data, 'zh-CN');
        z.dataset.wrapped = '';
        prev.replaceWith(z);
      } else if (prev.data.trim()) break;
    } else if (!(prev.nodeType === Node.ELEMENT_NODE && prev.tagName === 'BR')) break;
    prev = before;
  }
}

function wrapAll(scope) {
  if (scope.nodeType !== Node.ELEMENT_NODE && scope.nodeType !== Node.DOCUMENT_NODE) return;
  if (scope.classList && scope.classList.contains('en')) wrapAround(scope);
  for (const n of scope.querySelectorAll('.en')) wrapAround(n);
}

let observer = null;
function watch() {
  if (observer || typeof MutationObserver === 'undefined') return;
  observer = new MutationObserver((records) => {
    if (lang() !== 'en') return;
    for (const r of records) for (const n of r.addedNodes) {
      if (n.nodeType === Node.ELEMENT_NODE) wrapAll(n);
      else if (n.nodeType === Node.TEXT_NODE && n.parentNode instanceof Element) n.parentNode.querySelectorAll(':scope > .en').forEach(wrapAround);
    }
  });
  observer.observe(document.body || root(), { childList: true, subtree: true });
}

// ------------------------------------------------------------------ the switch
const SWITCH = {
  zh: { text: 'EN', label: 'EN: Switch to English', lang: 'en' },   // shown in Chinese: offers English
  en: { text: '中文', label: '中文：切换到中文', lang: 'zh-CN' },      // (the name starts with the text shown)
};

function drawSwitches() {
  const w = SWITCH[lang()];
  for (const b of document.querySelectorAll('[data-lang-switch]')) {
    b.textContent = w.text;
    b.lang = w.lang;
    b.setAttribute('aria-label', w.label);
    b.title = w.label;
  }
}

// Show the page in `l` ('zh' | 'en'), remember it, and tell the page (event 'rj:lang' on document).
export function setLang(l, { remember = true } = {}) {
  const to = l === 'en' ? 'en' : 'zh';
  root().dataset.lang = to;
  root().lang = to === 'en' ? 'en' : 'zh-CN';
  if (remember) saveLang(to);
  if (to === 'en' && document.body) wrapAll(document);
  drawSwitches();
  document.dispatchEvent(new CustomEvent('rj:lang', { detail: { lang: to } }));
}

// ?lang=en | ?lang=zh in the address, else the remembered choice.
export function chosenLang() {
  const q = new URLSearchParams(location.search).get('lang');
  return q === 'en' || q === 'zh' ? q : loadLang();
}

// Once per page (this module may be loaded under two URLs): apply the choice, wire the buttons and the
// big screen's key (L), watch what the page draws later.
function start() {
  if (root().hasAttribute('data-lang-ready')) return;
  root().setAttribute('data-lang-ready', '');
  for (const n of document.querySelectorAll('[data-bi]')) setBi(n, n.textContent.trim());  // server text "中文 / English"
  setLang(chosenLang(), { remember: new URLSearchParams(location.search).has('lang') });
  watch();
  document.addEventListener('click', (ev) => {
    const b = ev.target instanceof Element ? ev.target.closest('[data-lang-switch]') : null;
    if (b) setLang(lang() === 'en' ? 'zh' : 'en');
  });
  if (document.body && document.body.classList.contains('screen')) {
    document.addEventListener('keydown', (ev) => {
      if ((ev.key === 'l' || ev.key === 'L') && !ev.ctrlKey && !ev.metaKey && !ev.altKey) setLang(lang() === 'en' ? 'zh' : 'en');
    });
  }
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
  else start();
}
