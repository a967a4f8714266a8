// The console's season panel (赛季阶段): which stage this contest is, the series with links, where its
// projects came from (the previous stage's ranking and who advanced), a review stage's deadline, progress
// (per judge x / N, per application y / M) and its ranking, who would advance and why, and the buttons:
// open the review with a deadline / set a new deadline / close it, add the next stage, advance.
// It renders the `stage` part of each console snapshot (console.js passes it on as a 'console:snapshot'
// event); the server decides everything (judging.app.stages, judging.live.stage_views).
// Hooks for tests: #season [data-stage-action], #season-deadline, #season-progress, #season-advancing,
// #season-earlier, #season-next-label, #season-next-kind.

import { api } from './shared/api.js';
import { $, el, renderKept } from './shared/dom.js';
import { toast } from './console_ui.js';

const main = document.querySelector('main');
const cid = main ? main.dataset.cid : '';
const box = $('season');
let last = null;

const pair = (p) => [p.zh, ' ', el('span', { class: 'en' }, p.en)];
const two = (n) => String(n).padStart(2, '0');
function when(t) {
  if (!t) return '—';
  const d = new Date(t * 1000);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}
function localInput(t) {
  const d = new Date((t || Date.now() / 1000 + 7 * 86400) * 1000);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

async function send(path, body, done) {
  try {
    const out = await api('POST', path, body);
    if (done) done(out);
  } catch (e) {
    toast(e.message, 'bad');
  }
}

function button(action, zh, en, onclick, disabled = false, cls = 'btn secondary small') {
  return el('button', { type: 'button', class: cls, 'data-stage-action': action, disabled, onclick }, zh, ' ',
    el('span', { class: 'en' }, en));
}

function reviewPart(st) {
  const r = st.review;
  const deadline = el('input', { type: 'datetime-local', id: 'season-deadline', value: localInput(r.deadline) });
  const at = () => new Date(deadline.value).getTime() / 1000;
  const buttons = [];
  if (r.phase === 'setup' || r.phase === 'closed') {
    buttons.push(button('open', '开放评审', 'Open review', () => send(`/api/contests/${cid}/review`, { action: 'open', deadline: at() })));
  }
  if (r.phase === 'open') {
    buttons.push(button('deadline', '更改截止时间', 'New deadline', () => send(`/api/contests/${cid}/review`, { action: 'deadline', deadline: at() })));
    buttons.push(button('close', '截止评审', 'Close review', () => send(`/api/contests/${cid}/review`, { action: 'close' }), false, 'btn small'));
  }
  const prog = r.progress;
  const judges = el('ul', { class: 'season-progress-judges' }, ...prog.judges.map((j) =>
    el('li', { 'data-judge': j.judge, class: j.done === j.of ? 'done' : '' }, `${j.name} ${j.done} / ${j.of}`)));
  const apps = el('ul', { class: 'season-progress-apps' }, ...prog.projects.map((p) =>
    el('li', { 'data-project': p.project, class: p.done === p.of ? 'done' : '' }, `${p.name} ${p.done} / ${p.of}`)));
  return el('div', { class: 'season-review' },
    el('p', {}, el('strong', {}, ...pair(r.phase_label)), ` · 截止时间 ${when(r.deadline)} `,
      el('span', { class: 'en' }, `deadline ${when(r.deadline)}`),
      r.past_deadline ? el('span', { class: 'chip missing mini' }, '已过截止时间 ', el('span', { class: 'en' }, 'past the deadline')) : null),
    r.phase === 'advanced' ? null : el('div', { class: 'inline-form' },
      el('label', { for: 'season-deadline' }, '截止时间 ', el('span', { class: 'en' }, 'Deadline')), deadline, ...buttons),
    el('div', { id: 'season-progress', class: 'season-progress' },
      el('p', {}, `已评 ${prog.done} / ${prog.of} `, el('span', { class: 'en' }, `scored ${prog.done} of ${prog.of}`)),
      el('div', { class: 'season-cols' }, el('div', {}, el('h3', {}, '评委 ', el('span', { class: 'en' }, 'Judges')), judges),
        el('div', {}, el('h3', {}, '申报项目 ', el('span', { class: 'en' }, 'Applications')), apps))));
}

function rankingTable(rows, id, advancedKey, reasons = {}) {
  return el('table', { class: 'table', id },
    el('thead', {}, el('tr', {}, el('th', {}, '名次'), el('th', {}, '项目'), el('th', {}, '得分'), el('th', {}, '晋级'))),
    el('tbody', {}, ...rows.map((r) => el('tr', { 'data-project': r.project, class: r[advancedKey] ? 'advancing' : '' },
      el('td', { class: 'num' }, String(r.rank)), el('td', {}, r.name || r.project), el('td', { class: 'num' }, r.total_text ?? String(r.total)),
      el('td', { title: reasons[r.project] || r.reason || '' }, r[advancedKey] ? '晋级 ✓' : '—')))));
}

function render(st) {
  box.hidden = false;
  document.body.classList.toggle('review-stage', !!st && st.kind === 'review');
  if (!st) {  // a lone contest: it can become the first stage of a season
    box.replaceChildren(el('details', {}, el('summary', {}, '赛季阶段 ', el('span', { class: 'en' }, 'Stages')),
      el('p', { class: 'hint' }, '单场比赛。可添加下一阶段（如决赛），本场的晋级者进入下一阶段。 ',
        el('span', { class: 'en' }, 'A single contest: add a next stage and those advancing go on to it.')), nextForm()));
    return;
  }
  const parts = [el('h2', {}, `赛季阶段 · 第 ${st.stage} 阶段：${st.name} `, el('span', { class: 'en' }, `Stage ${st.stage}`), ' · ', ...pair(st.kind_label)),
    el('ol', { class: 'season-series' }, ...st.series_stages.map((s) => el('li', { class: s.current ? 'current' : '' },
      s.current ? el('strong', {}, s.label) : el('a', { href: `/console/${s.id}` }, s.label), ` · ${s.kind_label.zh}`)))];
  if (st.came_from) {
    const n = st.earlier.filter((r) => r.advanced).length;
    parts.push(el('p', { class: 'season-came' }, `本阶段项目来自「${st.came_from_label}」：${n} 个项目晋级 `,
      el('span', { class: 'en' }, `projects advanced from ${st.came_from}`),
      st.carry_weight ? `，上一阶段得分计入 ${Math.round(st.carry_weight * 100)}%` : ''),
    el('details', {}, el('summary', {}, '上一阶段排名 ', el('span', { class: 'en' }, 'Previous ranking')),
      rankingTable(st.earlier.map((r, i) => ({ ...r, total_text: st.earlier_text[i] })), 'season-earlier', 'advanced')));
  }
  if (st.kind === 'review' && st.review.progress) parts.push(reviewPart(st));
  const adv = st.advancement;
  if (adv.error) parts.push(el('p', { class: 'hint', id: 'season-advance-note' }, adv.error));
  else {
    parts.push(el('p', { id: 'season-advancing' }, `晋级：${adv.advancing.length} 个项目 `, el('span', { class: 'en' }, `advancing: ${adv.advancing.length}`)));
    for (const t of adv.ties) {
      parts.push(el('p', { class: 'alert warn' }, `晋级线上并列（${t.total}）：${t.projects.join('、')} → ${t.resolved_by === 'shared' ? '并列晋级' : t.resolved_by || '待加时赛'}`));
    }
  }
  if (st.ranking) parts.push(rankingTable(st.ranking, 'season-ranking', 'advancing', adv.reasons || {}));
  if (st.next) {
    parts.push(el('p', {}, `下一阶段：`, el('a', { href: `/console/${st.next.id}`, id: 'season-next-link' }, st.next.label),
      `（${st.next.projects} 个项目） `),
    button('advance', '晋级到下一阶段', 'Advance', () => send(`/api/contests/${cid}/advance`, {}, (out) => {
      toast(`已晋级 ${out.setup.projects.length} 个项目 / advanced`);
    }), !st.can_advance, 'btn small'));
  } else parts.push(nextForm());
  box.replaceChildren(...parts);
}

function nextForm() {
  const label = el('input', { id: 'season-next-label', value: '决赛', maxLength: 20, size: 8 });
  const kind = el('select', { id: 'season-next-kind' }, el('option', { value: 'live' }, '现场路演 Live'),
    el('option', { value: 'review' }, '书面评审 Review'));
  return el('div', { class: 'inline-form' }, el('label', { for: 'season-next-label' }, '下一阶段 ', el('span', { class: 'en' }, 'Next stage')),
    label, kind, button('next', '添加下一阶段', 'Add next stage', () => send(`/api/contests/${cid}/stages`,
      { label: label.value, kind: kind.value }, (out) => toast(`已添加「${out.contest.name}」 / added`))));
}

document.addEventListener('console:snapshot', (e) => {
  const st = e.detail.stage || null;
  const key = JSON.stringify(st ? { ...st, server_time: 0 } : null);
  if (key === last) return;
  last = key;
  renderKept(box, key, () => render(st));
});
