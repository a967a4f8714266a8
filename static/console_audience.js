// The live console's audience section (#audience, docs/AUDIENCE.md), from the console snapshot's `audience`
// (absent: the rules have no audience part, and the section stays hidden): phones connected, devices, the
// ballots of the current window, the popularity vote's state and count, strict mode and its codes, the
// server's warnings (bursts), and the buttons — popularity open / close, join card show / hide, strict on /
// off — each enabled from audience.allowed; "generate N codes" and the link to print them.
// What it does not do: decide what is allowed or count anything (the snapshot says), or draw the rest of the console.

import { api } from './shared/api.js';
import { $, el, renderKept } from './shared/dom.js';
import { label } from './shared/labels.js';
import { setBi } from './shared/lang.js';
import { toast } from './console_ui.js';

const POP = { idle: '未开始 / not open yet', open: '投票中 / open', closed: '已结束 / closed' };

// A word of the vocabulary's group audience (judging/core/vocabulary.py, labels.audience.<key>) as "中文 / English";
// the section's own word until this server's vocabulary has the group (an unknown key reads as itself).
function vocab(key, own) {
  const l = label('audience', key);
  return l.zh === key ? own : `${l.zh} / ${l.en}`;
}
let cid = '';
let busy = false;
let last = null;   // the snapshot shown: redrawn when an action ends (its buttons come back)

function stat(id, value) {
  const node = $(id);
  if (node && node.textContent !== String(value)) node.textContent = String(value);
}

export function renderAudience(s) {
  last = s;
  const box = $('audience');
  const a = s.audience;
  box.hidden = !a;
  if (!a) return;
  stat('aud-phones', a.phones ?? 0);
  stat('aud-devices', a.devices ?? 0);
  const w = a.window;
  stat('aud-window', w ? w.count ?? 0 : '—');
  const state = (open) => vocab(`popularity_${open ? 'open' : 'closed'}`, POP[open ? 'open' : 'closed']);
  setBi($('aud-window-name'), w ? (w.kind === 'popularity' ? vocab('window_popularity', '人气投票 / popularity vote')
    : `${w.id.split(':').pop()} ${state(w.open)}`) : '无 / none');
  const p = a.popularity || { state: 'idle', count: 0 };
  setBi($('aud-pop-state'), vocab(`popularity_${p.state}`, POP[p.state] || p.state));
  $('aud-pop-state').dataset.state = p.state;
  stat('aud-pop-count', p.count ?? 0);
  setBi($('aud-strict'), a.strict ? '开启 / on' : '关闭 / off');
  const c = a.codes || { issued: 0, used: 0 };
  stat('aud-codes', `${c.used ?? 0} / ${c.issued ?? 0}`);
  $('aud-print').hidden = !c.issued;
  const warn = $('aud-warnings');
  const warnings = a.warnings || [];
  warn.hidden = !warnings.length;
  renderKept(warn, JSON.stringify(warnings), () => warn.replaceChildren(
    ...warnings.map((t) => { const li = el('li'); setBi(li, `⚠ ${t}`); return li; })));
  const allowed = new Set(a.allowed || []);
  for (const b of box.querySelectorAll('[data-aud-action]')) b.disabled = busy || !allowed.has(b.dataset.audAction);
  $('aud-gen').disabled = busy;
}

async function run(action) {
  busy = true;
  if (last) renderAudience(last);
  try {
    await api('POST', `/api/contests/${encodeURIComponent(cid)}/audience`, { action });
  } catch (e) {
    toast(e.message, 'bad');
  } finally {
    busy = false;
    if (last) renderAudience(last);
  }
}

async function generate() {
  const n = Number($('aud-n').value);
  if (!Number.isInteger(n) || n < 1 || n > 5000) { toast('请输入 1–5000 之间的整数 / Enter a whole number from 1 to 5000', 'bad'); return; }
  busy = true;
  if (last) renderAudience(last);
  try {
    const r = await api('POST', `/api/contests/${encodeURIComponent(cid)}/audience/codes`, { count: n });
    const made = Array.isArray(r && r.codes) ? r.codes.length : n;
    toast(`已生成 ${made} 个选票码 / ${made} ballot codes generated`);
    $('aud-print').hidden = false;
  } catch (e) {
    toast(e.message, 'bad');
  } finally {
    busy = false;
    if (last) renderAudience(last);
  }
}

export function wireAudience(contestId) {
  cid = contestId;
  const box = $('audience');
  box.addEventListener('click', (ev) => {
    const b = ev.target.closest('[data-aud-action]');
    if (b && !b.disabled) run(b.dataset.audAction);
  });
  $('aud-gen').addEventListener('click', generate);
}
