// Setup page of one contest: basics, rules preset (summary + TOML), award tiers and budget, projects,
// judges (with copy-link buttons), recusals and the running order (draw with a recorded seed, or by hand).
// Every section saves on its own through the JSON API and shows the server's errors next to the fields.
// The page follows the console socket, so another staff laptop's changes appear here too, except in a
// section being edited here (it keeps the local edits until saved).  Nothing is decided here.
// The recusal and running-order lists being edited live in setup_order.js.

import { connect } from './live.js';
import { api, signedOut } from './shared/api.js';
import { $, el } from './shared/dom.js';
import { fmtMoney, splitLabel, zhPart } from './shared/format.js';
import { bi, biNodes, say, setPair, tr } from './shared/lang.js';
import { toast, confirmDialog, showFieldErrors, clearFieldErrors, wireCopyButtons, showConn } from './console_ui.js';
import { wireImport } from './console_import.js';
import { renderRecusals, renderOrder, wireOrder, currentRecusals, currentOrder } from './setup_order.js';
import './setup_rehearsal.js';  // the rehearsal switch (issue 14)

const main = document.querySelector('main');
const cid = main.dataset.cid;
const dirty = new Set();
let snap = null;
// Until the first snapshot is shown the forms hold nothing to edit (typing then would be saved over blank
// fields, or drawn over by the snapshot), so every control waits for it: render() enables them in setup.
main.querySelectorAll('input, select, textarea, button').forEach((x) => { if (!x.matches('[data-copy]')) x.disabled = true; });
let wasLocked = true;
let lastSeq = 0;
let lastBoot = null;   // the server run lastSeq belongs to
let presets = [];

// ------------------------------------------------------------------ receiving state
// Socket pushes, save and import responses may cross on the wire: only a snapshot newer than the one
// shown is applied, whichever way it came.  seq grows strictly within one run of the server (boot); a
// snapshot from another boot (a restart, maybe with the clock set back) is applied whatever its seq,
// and counting starts again from it.
// Returns whether it was applied.
function receive(s) {
  if (!s || s.type !== 'state') return false;
  if (s.boot === lastBoot && s.seq <= lastSeq) return false;
  lastBoot = s.boot;
  lastSeq = s.seq;
  snap = s;
  render();
  return true;
}

// After a save or an import the section is clean again: show the answer, or the newer state that came first.
function receiveSaved(s) {
  if (!receive(s) && snap) render();
}

let rendered = '';

function render() {
  const setup = snap.setup;
  const key = `${snap.phase}|${[...dirty].sort().join()}|${JSON.stringify(setup)}`;
  if (key === rendered) return; // e.g. a judge's phone connected: nothing here changed, keep focus
  rendered = key;
  $('contest-name').textContent = setup.name;
  const locked = snap.phase !== 'setup';
  $('locked-banner').hidden = !locked;
  if (wasLocked && !locked) main.querySelectorAll('input, select, textarea, button').forEach((x) => { x.disabled = false; });
  wasLocked = locked;
  if (!dirty.has('basics')) renderBasics(setup);
  if (!dirty.has('rules')) renderRules(setup);
  if (!dirty.has('awards')) renderAwards(setup);
  if (!dirty.has('projects')) renderProjects(setup);
  renderTrackNotices(setup);
  if (!dirty.has('judges')) renderJudges(setup);
  if (!dirty.has('recusals')) renderRecusals(setup);
  if (!dirty.has('order')) renderOrder(setup);
  if (locked) {
    main.querySelectorAll('input, select, textarea, button').forEach((x) => { if (!x.matches('[data-copy]')) x.disabled = true; });
  } else updateAwardTotals();
}

// ------------------------------------------------------------------ basics
function fmtDuration(sec) {
  const s = Number(sec);
  if (!Number.isFinite(s) || s <= 0) return '';
  return `= ${Math.floor(s / 60)} 分 ${s % 60} 秒`;
}

function renderBasics(setup) {
  $('f-name').value = setup.name;
  $('f-date').value = setup.date || '';
  $('f-venue').value = setup.venue || '';
  $('f-timer').value = setup.timer_seconds;
  $('timer-hint').textContent = fmtDuration(setup.timer_seconds);
}

$('f-timer').addEventListener('input', () => { $('timer-hint').textContent = fmtDuration($('f-timer').value); });

// ------------------------------------------------------------------ rules
function renderRules(setup) {
  const r = setup.rules;
  $('rules-name').textContent = r.name;
  $('rules-source').textContent = r.source;
  $('rules-summary').replaceChildren(...r.summary.map((line) => el('li', {}, line)));
  setPair($('panels-list'), `评审团：${setup.panels.map((p) => splitLabel(p.label)[0]).join('、')}`,
    `Panels: ${setup.panels.map((p) => `${splitLabel(p.label)[1] || p.label} (${p.id})`).join(', ')}`);
  $('f-toml').value = r.text;
  const sel = $('f-preset');
  if (!sel.options.length && presets.length) {
    for (const p of presets) sel.append(el('option', { value: p.file }, `${p.name}（${p.file}）`));
  }
  if (presets.some((p) => p.file === r.source)) sel.value = r.source;
}

// ------------------------------------------------------------------ awards
function numOrBlank(x) { return x === null || x === undefined ? '' : String(x); }

function awardRow(a, i) {
  const tr = el('tr', { 'data-id': a.id || '' },
    el('td', {}, el('input', { value: a.label || '', 'data-field': `awards[${i}].label`, 'aria-label': '奖项名称 tier' })),
    el('td', {}, el('input', { type: 'number', min: '1', step: '1', class: 'short', value: numOrBlank(a.count),
      'data-field': `awards[${i}].count`, 'aria-label': '名额 count' })),
    el('td', {}, el('input', { type: 'number', step: 'any', class: 'short', value: numOrBlank(a.min_score),
      'data-field': `awards[${i}].min_score`, 'aria-label': '最低分 min score' })),
    el('td', {}, el('input', { type: 'number', min: '0', step: '100', value: numOrBlank(a.amount),
      'data-field': `awards[${i}].amount`, 'aria-label': '每项奖金 amount' })),
    el('td', { class: 'num subtotal' }, ''),
    el('td', {}, el('button', { type: 'button', class: 'btn secondary small', 'data-remove': '1', title: '删除 Remove' }, '删除')));
  return tr;
}

function renderAwards(setup) {
  $('awards-table').tBodies[0].replaceChildren(...setup.awards.map(awardRow));
  $('f-budget').value = numOrBlank(setup.grants.budget);
  $('f-budget').step = String(setup.grants.unit || 1);
  clearFieldErrors($('awards-form'));
}

function readAwards() {
  return [...$('awards-table').tBodies[0].rows].map((tr) => {
    const [label, count, minScore, amount] = tr.querySelectorAll('input');
    return { id: tr.dataset.id || '', label: label.value.trim(), count: count.value, min_score: minScore.value,
      amount: amount.value };
  });
}

function renumber(tbody, prefix) {
  [...tbody.rows].forEach((tr, i) => tr.querySelectorAll('[data-field]').forEach((x) => {
    x.dataset.field = x.dataset.field.replace(/^\w+\[\d+\]/, `${prefix}[${i}]`);
  }));
}

function updateAwardTotals() {
  let total = 0;
  const unit = snap ? snap.setup.grants.money_unit : 'yuan';
  for (const tr of $('awards-table').tBodies[0].rows) {
    const [, count, , amount] = tr.querySelectorAll('input');
    const sub = Number(count.value) * Number(amount.value || 0);
    tr.querySelector('.subtotal').textContent = count.value && Number.isFinite(sub) ? fmtMoney(sub, { unit }) : '—';
    if (Number.isFinite(sub)) total += sub;
  }
  const budget = $('f-budget').value;
  const mode = snap ? snap.setup.grants.mode : 'per_tier';
  // typed amounts, before the server has them: written like the server's money_text (¥, thousands, 万)
  const yuan = fmtMoney(total, { unit });
  let hint = [`按名额计奖金合计 ${yuan}`, `tiers with a count need ${yuan}`];
  if (snap && snap.setup.tracks && snap.setup.tracks.mode === 'separate') hint = [`${hint[0]}（每个赛道）`, `${hint[1]} per track`];
  if (mode === 'proportional') hint = ['按申请金额比例分配预算', 'the budget is shared in proportion to requests'];
  else if (budget !== '' && total > Number(budget)) hint = [`${hint[0]} — 超出预算！`, `${hint[1]} — more than the budget!`];
  $('budget-hint').replaceChildren(...bi(hint[0], hint[1], ' / '));
  $('budget-hint').classList.toggle('bad', mode !== 'proportional' && budget !== '' && total > Number(budget));
}

$('add-award').addEventListener('click', () => {
  const tbody = $('awards-table').tBodies[0];
  tbody.append(awardRow({ label: '', count: 1, amount: 0 }, tbody.rows.length));
  dirty.add('awards');
  updateAwardTotals();
  tbody.rows[tbody.rows.length - 1].querySelector('input').focus();
});

// ------------------------------------------------------------------ projects and judges
const PROJECT_KEYS = ['id', 'name', 'organization', 'community', 'track', 'requested'];

function projectRow(p, i) {
  return el('tr', {},
    PROJECT_KEYS.map((k) => el('td', {}, el('input', {
      value: numOrBlank(p[k]), 'data-field': `projects[${i}].${k}`, 'aria-label': k,
      class: k === 'id' ? 'id-input' : (k === 'requested' || k === 'track' ? 'short' : ''),
      type: k === 'requested' ? 'number' : 'text', min: k === 'requested' ? '0' : null,
    }))),
    el('td', {}, el('button', { type: 'button', class: 'btn secondary small', 'data-remove': '1', title: '删除 Remove' }, '删除')));
}

// What the 赛道 column means under these rules, in the server's words (ranked together, or N tracks and prizes).
function renderTrackNotices(setup) {
  let box = $('tracks-notice');
  if (!box) {
    box = el('ul', { id: 'tracks-notice', class: 'alert warn preview-notices' });
    $('projects-form').before(box);
  }
  const notices = (setup.tracks && setup.tracks.notices) || [];
  box.hidden = !notices.length;
  box.replaceChildren(...notices.map((n) => el('li', {}, n)));
}

function renderProjects(setup) {
  $('projects-table').tBodies[0].replaceChildren(...setup.projects.map(projectRow));
  $('projects-count').textContent = `（${setup.projects.length}）`;
  clearFieldErrors($('projects-form'));
}

function readProjects() {
  return [...$('projects-table').tBodies[0].rows].map((tr) => {
    const v = [...tr.querySelectorAll('input')].map((x) => x.value.trim());
    const out = Object.fromEntries(PROJECT_KEYS.map((k, i) => [k, v[i]]));
    out.requested = out.requested === '' ? null : Number(out.requested);
    return out;
  });
}

function nextId(prefix, ids) {
  let n = ids.length + 1;
  const taken = new Set(ids);
  while (taken.has(`${prefix}${String(n).padStart(2, '0')}`)) n += 1;
  return `${prefix}${String(n).padStart(2, '0')}`;
}

$('add-project').addEventListener('click', () => {
  const tbody = $('projects-table').tBodies[0];
  const id = nextId('P', readProjects().map((p) => p.id));
  tbody.append(projectRow({ id }, tbody.rows.length));
  dirty.add('projects');
  tbody.rows[tbody.rows.length - 1].querySelectorAll('input')[1].focus();
});

function judgeRow(j, i, setup) {
  const saved = setup.judges.find((x) => x.id === j.id && x.token);
  const panel = el('select', { 'data-field': `judges[${i}].panel`, 'aria-label': '评审团 panel' },
    setup.panels.map((p) => el('option', { value: p.id, selected: p.id === j.panel }, say(p.label))));   // an option holds text only
  if (!setup.panels.some((p) => p.id === j.panel) && j.panel) {
    panel.append(el('option', { value: j.panel, selected: true }, `${j.panel}（${tr('不在规则中', 'not in the rules')}）`));
  }
  return el('tr', { 'data-judge': j.id || '' },
    el('td', {}, el('input', { value: j.id || '', class: 'id-input', 'data-field': `judges[${i}].id`, 'aria-label': 'id' })),
    el('td', {}, el('input', { value: j.name || '', 'data-field': `judges[${i}].name`, 'aria-label': '姓名 name' })),
    el('td', {}, panel),
    el('td', { class: 'link-cell' }, saved
      ? el('button', { type: 'button', class: 'btn secondary small', 'data-copy': saved.link, title: saved.link },
        ...biNodes('复制链接 Copy link'))
      : el('span', { class: 'hint' }, ...biNodes('保存后生成 after saving'))),
    el('td', {}, el('button', { type: 'button', class: 'btn secondary small', 'data-remove': '1', title: '删除 Remove' }, '删除')));
}

function renderJudges(setup) {
  $('judges-table').tBodies[0].replaceChildren(...setup.judges.map((j, i) => judgeRow(j, i, setup)));
  const counts = setup.panels.map((p) => `${zhPart(p.label)} ${setup.judges.filter((j) => j.panel === p.id).length}`);
  $('judges-count').textContent = `（${setup.judges.length}：${counts.join('，')}）`;
  clearFieldErrors($('judges-form'));
}

function readJudges() {
  return [...$('judges-table').tBodies[0].rows].map((tr) => {
    const [id, name] = tr.querySelectorAll('input');
    return { id: id.value.trim(), name: name.value.trim(), panel: tr.querySelector('select').value };
  });
}

$('add-judge').addEventListener('click', () => {
  const tbody = $('judges-table').tBodies[0];
  const id = nextId('J', readJudges().map((j) => j.id));
  const last = readJudges().at(-1);
  tbody.append(judgeRow({ id, panel: last ? last.panel : snap.setup.panels[0].id }, tbody.rows.length, snap.setup));
  dirty.add('judges');
  tbody.rows[tbody.rows.length - 1].querySelectorAll('input')[1].focus();
});

// ------------------------------------------------------------------ editing marks a section dirty
for (const [section, form] of [['basics', 'basics-form'], ['awards', 'awards-form'], ['projects', 'projects-form'],
  ['judges', 'judges-form'], ['rules', 'toml-form']]) {
  $(form).addEventListener('input', () => {
    dirty.add(section);
    if (section === 'awards') updateAwardTotals();
  });
}

for (const [section, tableId, prefix] of [['awards', 'awards-table', 'awards'], ['projects', 'projects-table', 'projects'],
  ['judges', 'judges-table', 'judges']]) {
  $(tableId).addEventListener('click', (ev) => {
    const b = ev.target.closest('[data-remove]');
    if (!b) return;
    const tbody = $(tableId).tBodies[0];
    b.closest('tr').remove();
    renumber(tbody, prefix);
    dirty.add(section);
    if (section === 'awards') updateAwardTotals();
  });
}

// ------------------------------------------------------------------ saving
async function save(section, form, call, okMessage) {
  clearFieldErrors(form);
  const buttons = form.querySelectorAll('button[type=submit]');
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const s = await call();
    dirty.delete(section);
    receiveSaved(s);
    toast(okMessage);
    return true;
  } catch (e) {
    showFieldErrors(form, e.errors, e.message);
    toast(e.message, 'bad');
    return false;
  } finally {
    buttons.forEach((b) => { b.disabled = snap && snap.phase !== 'setup'; });
  }
}

const patch = (body) => api('PATCH', `/api/contests/${encodeURIComponent(cid)}`, body);

$('basics-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  save('basics', ev.target, () => patch({
    name: $('f-name').value, date: $('f-date').value, venue: $('f-venue').value,
    timer_seconds: Number($('f-timer').value),
  }),
    '基本信息已保存 / basics saved');
});

$('rules-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const file = $('f-preset').value;
  const ok = await confirmDialog({
    title: '换用评分规则？ Use another rules preset?',
    body: `将换用「${file}」：评分细则、评审团、奖项和预算都会按该预设重置。/ The rubric, panels, tiers and budget are replaced by ${file}.`,
    confirm: '换用 Use it',
  });
  if (ok) save('rules', ev.target, () => patch({ rules_preset: file }), '评分规则已更换 / rules replaced');
});

$('toml-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  save('rules', ev.target, () => patch({ rules_text: $('f-toml').value, rules_name: snap.setup.rules.source }),
    '规则原文已保存 / rules text saved');
});

$('awards-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const budget = $('f-budget').value.trim();
  save('awards', ev.target, () => patch({ awards: readAwards(), budget: budget === '' ? null : budget }),
    '奖项与预算已保存 / tiers and budget saved');
});

$('projects-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const before = snap.setup.order.length;
  save('projects', ev.target, () => patch({ projects: readProjects() }), '项目已保存 / projects saved').then((ok) => {
    if (ok && before && !snap.setup.order.length) toast('项目有变动，出场顺序已清空，请重新抽签 / the project list changed: draw the order again', 'info', 7000);
  });
});

$('judges-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  save('judges', ev.target, () => patch({ judges: readJudges() }), '评委已保存 / judges saved');
});

$('recusals-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  save('recusals', ev.target, () => patch({ recusals: currentRecusals() }), '回避已保存 / recusals saved');
});

$('draw-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (snap.setup.order.length) {
    const ok = await confirmDialog({ title: '重新抽签？ Draw again?',
      body: '已有出场顺序，重新抽签将替换它（旧顺序与种子仍记录在审计日志中）。/ This replaces the current order (the old one stays in the audit log).',
      confirm: '重新抽签 Draw again' });
    if (!ok) return;
  }
  const seed = $('f-seed').value.trim();
  const ok = await save('order', ev.target, () => api('POST', `/api/contests/${encodeURIComponent(cid)}/draw`, seed ? { seed } : {}),
    '抽签完成 / order drawn');
  if (ok) $('f-seed').value = '';
});

$('order-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  save('order', ev.target, () => api('POST', `/api/contests/${encodeURIComponent(cid)}/order`, { order: currentOrder() }), '出场顺序已保存 / order saved');
});

// ------------------------------------------------------------------ start
for (const box of document.querySelectorAll('.import')) {
  wireImport(box, cid, (s) => {
    dirty.delete(box.dataset.kind);
    receiveSaved(s);
  }, () => (snap ? snap.setup[box.dataset.kind].length : 0));
}
wireCopyButtons(document);
wireOrder(dirty, () => snap.setup);

const conn = $('conn');
function onStatus(status) {
  showConn(conn, status);
  // no lastSeq reset on (re)connect: a push from the same boot is newer anyway, one from a new boot resets it
  if (status === 'invalid') signedOut(); // the session is gone (e.g. the organizer key was rotated)
}

(async () => {
  try {
    presets = (await api('GET', '/api/presets')).presets;
  } catch (e) {
    toast(e.message, 'bad');
  }
  try {
    receive(await api('GET', `/api/contests/${encodeURIComponent(cid)}`));
  } catch (e) {
    toast(e.message, 'bad');
  }
  connect(`/ws/console/${encodeURIComponent(cid)}`, { onState: (s) => receive(s), onStatus });
})();
