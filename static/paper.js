// The scorekeeper's paper entry screen (/console/<cid>/paper): open a sheet by its code (typed, or scanned
// by a scanner that types it and Enter) or by judge + roadshow, type its marks (Enter moves to the next box,
// Enter on the last saves, Esc cancels), save the entry.  The server decides everything: whether the entry
// is allowed, whether it agrees with an earlier one (then the sheet counts), what differs (both values per
// criterion).  An earlier entry's values are not shown while it waits (the second entry is typed blind);
// they are shown once two entries differ, with a button to discard either.  The sheets waiting are
// refreshed every few seconds, so two scorekeepers on two laptops see each other's entries.
// What it does not do: compare marks or check them against the rubric (judging/app/paper.py does).

import { api } from './shared/api.js';
import { $, el, renderKept } from './shared/dom.js';
import { bi, biNodes, setBi } from './shared/lang.js';

const cid = document.querySelector('main[data-cid]').dataset.cid;
const base = `/api/contests/${encodeURIComponent(cid)}/paper`;
const TYPIST_KEY = 'rj:paper-typist';
const REFRESH_MS = 3000;
let sheet = null;       // the sheet open in the form (the server's sheet view)

const clock = (at) => new Date(at * 1000).toLocaleTimeString('zh-CN', { hour12: false });
const fmt = (v) => (v === null || v === undefined ? '—' : String(Number(v)));

function showError(node, e) {
  node.hidden = !e;
  if (!e) { node.replaceChildren(); return; }
  const fields = e.errors ? Object.entries(e.errors).map(([k, v]) => `${criterionLabel(k)}：${v}`) : [];
  node.replaceChildren(...biNodes(e.message || String(e)), ...fields.map((f) => el('div', { class: 'field-error' }, f)));
}

function criterionLabel(criterion) {
  const c = sheet && sheet.criteria.find((x) => x.id === criterion);
  return c ? c.label : criterion;
}

// ------------------------------------------------------------------ choosing a sheet
async function loadOverview() {
  const data = await api('GET', base);
  const select = $('roadshow');
  const key = JSON.stringify(data.roadshows);
  renderKept(select, key, () => {
    const keep = select.value;
    select.replaceChildren(el('option', { value: '' }, '—'), ...data.roadshows.flatMap((r) => r.projects.map((p, i) =>
      el('option', { value: JSON.stringify([r.round, p.id]) }, `${r.round_label.zh} ${r.round_label.en} · ${i + 1}. ${p.id} ${p.name}`))));
    select.value = keep;
  });
  renderOpen(data.paper);
}

async function openSheet(query) {
  showError($('pick-error'), null);
  try {
    sheet = await api('GET', `${base}/sheet?${new URLSearchParams(query)}`);
  } catch (e) {
    showError($('pick-error'), e);
    return;
  }
  drawSheet();
}

function drawSheet() {
  const s = sheet;
  $('marks').hidden = false;
  $('sheet-head').replaceChildren(
    el('div', { class: 'sheet-code', 'data-code': s.code }, s.code),
    el('div', {}, ...bi('评委', 'Judge'), `：${s.judge_name}（${s.judge}） · ${s.panel_label}`),
    el('div', {}, ...bi('项目', 'Project'), `：${s.project} ${s.project_name} · ${s.round}`),
    el('div', { class: 'entries-so-far' }, ...entriesSoFar(s)));
  const cur = $('sheet-current');
  cur.hidden = !s.current;
  if (s.current) {
    setBi(cur, `该评委已有${s.current.source === 'paper' ? '纸质' : '手机'}评分（${Object.values(s.current.values).map(fmt).join(' · ')}）；` +
      `录入将被拒绝，除非勾选「替换」 / this judge already has ${s.current.source} marks: tick Replace to replace them`);
  }
  $('replace-row').hidden = !s.current;
  $('replace').checked = false;
  $('criteria').replaceChildren(...s.criteria.map((c, i) => el('label', { class: 'criterion' },
    el('span', { class: 'crit-label' }, c.label), el('span', { class: 'crit-max' }, `/ ${fmt(c.max)}`),
    el('input', { type: 'text', inputMode: 'decimal', name: c.id || 'overall', 'data-criterion': c.id,
      'data-index': String(i), class: 'mark-input', autocomplete: 'off', 'aria-label': `${c.label}（满分 ${fmt(c.max)}）` }))));
  showError($('marks-error'), null);
  updateTotal();
  const first = document.querySelector('.mark-input');
  if (first) first.focus();
}

function entriesSoFar(s) {
  if (!s.pending.length) return bi('尚无录入：这是第一次录入', 'No entry yet: this is the first');
  const who = s.pending.map((e) => `${e.entered_by} ${clock(e.entered_at)}`).join('、');
  return bi(`已有 ${s.pending.length} 次录入待核对（${who}）`, `${s.pending.length} entr${s.pending.length > 1 ? 'ies' : 'y'} waiting (${who})`);
}

function updateTotal() {
  const values = [...document.querySelectorAll('.mark-input')].map((i) => Number(i.value));
  $('total').textContent = values.every((v, i) => document.querySelectorAll('.mark-input')[i].value !== '' && Number.isFinite(v))
    ? String(Math.round(values.reduce((a, b) => a + b, 0) * 1e6) / 1e6) : '—';
}

function closeSheet() {
  sheet = null;
  $('marks').hidden = true;
  $('code').value = '';
  $('code').focus();
}

// ------------------------------------------------------------------ saving an entry
async function save() {
  const typist = $('typist').value.trim();
  if (!typist) {
    showError($('marks-error'), { message: '请先填写录入人姓名 / enter your name first' });
    $('typist').focus();
    return;
  }
  try { localStorage.setItem(TYPIST_KEY, typist); } catch { /* remembered for this visit only */ }
  const marks = {};
  for (const input of document.querySelectorAll('.mark-input')) marks[input.dataset.criterion] = input.value.trim();
  $('save').disabled = true;
  try {
    const res = await api('POST', `${base}/entries`, { code: sheet.code, marks, entered_by: typist, replace: $('replace').checked });
    showOutcome(res);
    closeSheet();
    await loadOverview();
  } catch (e) {
    showError($('marks-error'), e);
  } finally {
    $('save').disabled = false;
  }
}

function showOutcome(res) {
  const s = res.sheet;
  const words = {
    agreed: ['两次录入一致，已计分', 'Both entries agree: the marks count', 'ok'],
    pending: ['已保存第一次录入，等待第二次录入', 'First entry saved: waiting for the second', 'info'],
    mismatch: ['与之前的录入不一致，不计分：请核对纸质评分表后再录入一次', 'Differs from the earlier entry: not counted; check the sheet and enter it again', 'bad'],
  }[res.status];
  $('outcome').replaceChildren(el('div', { class: `alert ${words[2]}`, 'data-status': res.status },
    el('strong', {}, ...bi(words[0], words[1])), ` · ${s.code} · ${s.judge_name} · ${s.project} ${s.project_name}`));
}

// ------------------------------------------------------------------ sheets waiting, mismatches
function renderOpen(paper) {
  const box = $('open-sheets');
  $('open-count').textContent = paper.sheets.length ? String(paper.sheets.length) : '';
  renderKept(box, JSON.stringify(paper.sheets), () => {
    if (!paper.sheets.length) {
      box.replaceChildren(el('p', { class: 'empty' }, ...bi('没有待核对的评分表', 'No sheet is waiting')));
      return;
    }
    box.replaceChildren(...paper.sheets.map(openSheetCard));
  });
}

function openSheetCard(s) {
  const card = el('article', { class: `open-sheet${s.mismatches.length ? ' mismatch' : ''}`, 'data-sheet': s.code },
    el('h3', {}, `${s.judge_name}（${s.judge}） · ${s.project} ${s.project_name} · ${s.round}`),
    el('div', { class: 'sheet-code' }, s.code));
  if (!s.mismatches.length) {
    card.append(el('p', {}, ...bi(`已录入 1 次（${s.pending[0].entered_by} ${clock(s.pending[0].entered_at)}），等待第二次录入`,
      `Entered once (${s.pending[0].entered_by}), waiting for the second entry`)));
  } else {
    const crits = [...new Set(s.pending.flatMap((e) => Object.keys(e.values)))];
    const differs = new Set(s.mismatches.flatMap((m) => Object.keys(m.differences)));
    const label = (c) => (s.criteria.find((x) => x.id === c) || { label: c || '总分' }).label;
    const head = el('tr', {}, el('th', {}, ...bi('评分项', 'Criterion')),
      ...s.pending.map((e) => el('th', {}, `${e.entered_by} ${clock(e.entered_at)}`)));
    const rows = crits.map((c) => el('tr', { class: differs.has(c) ? 'differs' : '', 'data-criterion': c },
      el('th', {}, label(c)), ...s.pending.map((e) => el('td', { class: 'num' }, fmt(e.values[c])))));
    const discards = el('tr', {}, el('td', {}), ...s.pending.map((e) => el('td', {},
      el('button', { type: 'button', class: 'btn secondary small', 'data-discard': e.id }, ...bi('作废此次', 'Discard')))));
    card.append(el('p', { class: 'mismatch-note' }, ...bi('录入不一致，不计分', 'Entries differ: not counted')),
      el('table', { class: 'table mismatch-table' }, el('thead', {}, head), el('tbody', {}, ...rows, discards)));
  }
  card.append(el('button', { type: 'button', class: 'btn small', 'data-enter': s.code }, ...bi('再录入一次', 'Enter again')));
  return card;
}

async function discard(id) {
  const reason = window.prompt('作废原因（必填）/ Why discard this entry?', '录入错误 / typing slip');
  if (!reason) return;
  try {
    await api('POST', `${base}/entries/${encodeURIComponent(id)}/discard`, { reason });
    await loadOverview();
  } catch (e) {
    showError($('pick-error'), e);
  }
}

// ------------------------------------------------------------------ wiring
$('pick').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const code = $('code').value.trim();
  if (code) return openSheet({ code });
  const judge = $('judge').value;
  const roadshow = $('roadshow').value;
  if (!judge || !roadshow) {
    showError($('pick-error'), { message: '请输入评分表编号，或选择评委和路演 / type a sheet code, or choose a judge and a roadshow' });
    return undefined;
  }
  const [round, project] = JSON.parse(roadshow);
  return openSheet({ judge, project, round });
});
$('marks').addEventListener('submit', (ev) => { ev.preventDefault(); save(); });
$('marks').addEventListener('input', updateTotal);
$('marks').addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape') { ev.preventDefault(); closeSheet(); return; }
  const input = ev.target.closest('.mark-input');
  if (ev.key !== 'Enter' || !input) return;
  const next = document.querySelector(`.mark-input[data-index="${Number(input.dataset.index) + 1}"]`);
  if (next) { ev.preventDefault(); next.focus(); next.select(); }
});
$('cancel').addEventListener('click', closeSheet);
$('open-sheets').addEventListener('click', (ev) => {
  const d = ev.target.closest('[data-discard]');
  if (d) { discard(d.dataset.discard); return; }
  const e = ev.target.closest('[data-enter]');
  if (e) { $('code').value = e.dataset.enter; openSheet({ code: e.dataset.enter }); }
});

try { $('typist').value = localStorage.getItem(TYPIST_KEY) || ''; } catch { /* nothing remembered */ }
($('typist').value ? $('code') : $('typist')).focus();
loadOverview().catch((e) => showError($('pick-error'), e));
setInterval(() => { loadOverview().catch(() => {}); }, REFRESH_MS);
