// Every label a page shows for a phase, a console action, an audit action, a mark status or a round, read
// from the vocabulary the server embeds in each page (templates/base.html:
// <script type="application/json" id="vocabulary">, written by judging/core/vocabulary.py for_pages()).
//
// What it does: label(kind, id) -> {zh, en}; zh(kind, id); en(kind, id); say(kind, id) (the language the
// page shows now, shared/lang.js: for an <option> or a tooltip, which hold no markup); both(kind, id) ("评分中 Scoring
// open", for shared/lang.js setBi, which shows one part); roundLabel(name) -> {zh, en} from the vocabulary's round templates ('final' -> 决赛路演 / Final,
// 'overtime2' -> 加时赛 第 2 轮 / Overtime 2) and roundBoth(name) (both at once); setVocabulary(v) for a page (or a test) without the embed.
// An id the vocabulary does not know reads as itself, so a new server label never breaks a page.
// What it does not do: keep a copy of any label (the server's vocabulary is the one home), word how a tie
// was settled (the server sends tie_text / how), or decide anything from a phase.

import { lang } from './lang.js';

let vocab = null;

function vocabulary() {
  if (vocab) return vocab;
  const node = typeof document !== 'undefined' ? document.getElementById('vocabulary') : null;
  try { vocab = node ? JSON.parse(node.textContent) : {}; } catch { vocab = {}; }
  return vocab;
}

// Use this vocabulary instead of the page's embedded one (same JSON shape as for_pages()).
export function setVocabulary(v) {
  vocab = v || {};
}

export function label(kind, id) {
  const entry = (vocabulary()[kind] || {})[id];
  return entry ? { zh: entry.zh, en: entry.en } : { zh: String(id ?? ''), en: String(id ?? '') };
}

export function zh(kind, id) {
  return label(kind, id).zh;
}

export function en(kind, id) {
  return label(kind, id).en;
}

// The label in the language the page shows now ('评分中', or 'Scoring open' once switched to English).
export function say(kind, id) {
  const { zh: z, en: e } = label(kind, id);
  return lang() === 'en' && e ? e : z;
}

// A round's name in the language the page shows now.
export function sayRound(name) {
  const { zh: z, en: e } = roundLabel(name);
  return lang() === 'en' && e ? e : z;
}

// Both languages at once, Chinese first: "评分中 Scoring open" (one word when both are the same).
export function both(kind, id) {
  const { zh: z, en: e } = label(kind, id);
  return z === e ? z : `${z} ${e}`;
}

// A round's name: 'final' -> {zh: '决赛路演', en: 'Final'}; 'overtime1' -> {zh: '加时赛 第 1 轮', en: 'Overtime 1'}.
// inFiles: the wording of the exports (正式路演 / 加时赛1).  Anything else reads as itself.
export function roundLabel(name, { inFiles = false } = {}) {
  const m = /^overtime(\d+)$/.exec(String(name ?? ''));
  if (!m && name !== 'final') return { zh: String(name ?? ''), en: String(name ?? '') };
  const t = label('round', (m ? 'overtime' : 'final') + (inFiles ? '_file' : ''));
  const n = m ? m[1] : '';
  return { zh: t.zh.replaceAll('{n}', n), en: t.en.replaceAll('{n}', n) };
}

// A round's name in both languages at once: "决赛路演 Final", "加时赛 第 1 轮 Overtime 1".
export function roundBoth(name) {
  const { zh: z, en: e } = roundLabel(name);
  return z === e ? z : `${z} ${e}`;
}
