// A review judge's phone (书面评审): every application with 已评 / 未评, and one score form at a time.
// The list comes from GET /api/judge/review (the judge's token from the page address); a mark set goes to
// POST /api/judge/review/submit, whose answer is the fresh list.  Marks are checked as the live form checks
// them (judge_marks.js: bounds, step, every criterion), and the server checks again; it decides everything
// (whether the review takes marks, recusals), the page only shows what it is sent.
// Hooks for tests: #review-list li button[data-project], [data-status], #review-form input[data-criterion],
// #rf-submit, #review-status.

import { $, el } from './shared/dom.js';
import { checkAll, cleanValues, newSubmissionId, total } from './judge_marks.js';

const token = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
let view = null;
let openId = null;

async function call(method, path, body) {
  const opts = { method, headers: { Accept: 'application/json', Authorization: `Bearer ${token}` } };
  if (body) { opts.body = JSON.stringify(body); opts.headers['Content-Type'] = 'application/json'; }
  let res; let data = null;
  try {
    res = await fetch(path, opts);
    data = await res.json();
  } catch {
    throw Object.assign(new Error('网络连接失败，请稍后重试 / network error: try again'), { errors: {} });
  }
  if (!res.ok) throw Object.assign(new Error(data?.error || `请求失败（${res.status}）`), { errors: data?.errors || {} });
  return data;
}

const pair = (p) => [p.zh, ' ', el('span', { class: 'en' }, p.en)];

function deadlineText(r) {
  if (!r.deadline) return '';
  const d = new Date(r.deadline * 1000);
  const two = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

function renderStatus() {
  const r = view.review;
  const box = $('review-status');
  box.className = `alert ${r.taking_marks ? 'info' : 'warn'}`;
  box.replaceChildren(el('strong', {}, view.stage, ' · ', ...pair(r.phase_label)));
  if (r.taking_marks && r.deadline) box.append(`截止时间 ${deadlineText(r)} `, el('span', { class: 'en' }, `deadline ${deadlineText(r)}`));
  else if (r.refusal) box.append(r.refusal);
  $('review-count').textContent = `已评 ${view.done} / ${view.of} · scored ${view.done} of ${view.of}`;
}

function renderList() {
  const list = $('review-list');
  list.replaceChildren(...view.items.map((it) => el('li', {},
    el('button', { type: 'button', class: 'review-item', 'data-project': it.id, 'data-status': it.status,
      disabled: it.status === 'recused', onclick: () => openForm(it.id) },
    el('span', { class: 'ri-name' }, it.name, el('span', { class: 'ri-org' }, [it.organization, it.track].filter(Boolean).join(' · '))),
    el('span', { class: `ri-status ${it.status}` }, it.status_label.zh, it.total !== null ? ` ${it.total}` : '')))));
}

function openForm(pid) {
  openId = pid;
  const it = view.items.find((x) => x.id === pid);
  const form = $('review-form');
  const rubric = view.rubric;
  const inputs = rubric.criteria.map((c) => {
    const id = `rf-${c.id || 'overall'}`;
    const input = el('input', { id, inputMode: 'decimal', autocomplete: 'off', 'data-criterion': c.id,
      value: it.values && it.values[c.id] !== undefined ? String(it.values[c.id]) : '' });
    return [el('label', { for: id }, `${c.label}（${c.min}–${c.max}）`), input,
      el('div', { class: 'err', id: `${id}-err`, role: 'alert' })];
  });
  const totalLine = el('p', { class: 'num', id: 'rf-total' });
  const msg = el('div', { id: 'rf-msg', role: 'status', 'aria-live': 'polite' });
  const send = el('button', { type: 'submit', class: 'btn big', id: 'rf-submit', disabled: !view.review.taking_marks },
    it.values ? '修改评分 ' : '提交评分 ', el('span', { class: 'en' }, it.values ? 'Change marks' : 'Submit'));
  const back = el('button', { type: 'button', class: 'btn secondary', onclick: closeForm }, '返回列表 ', el('span', { class: 'en' }, 'Back'));
  const f = el('form', { novalidate: true }, el('h2', { id: 'rf-name', class: 'project-name' }, it.name),
    el('p', { class: 'project-org' }, it.organization), ...inputs.flat(), totalLine, msg,
    el('div', { class: 'rf-buttons' }, send, back));
  const values = () => Object.fromEntries(rubric.criteria.map((c) => [c.id, f.querySelector(`[data-criterion="${CSS.escape(c.id)}"]`).value]));
  const showTotal = () => { const t = total(values(), rubric); totalLine.textContent = t === null ? '' : `合计 ${t} · total ${t}`; };
  f.addEventListener('input', showTotal);
  f.addEventListener('submit', (e) => { e.preventDefault(); submit(pid, values(), f, msg); });
  form.replaceChildren(f);
  form.hidden = false;
  showTotal();
  f.querySelector('input')?.focus();
}

function closeForm() {
  openId = null;
  $('review-form').hidden = true;
  $('review-list').querySelector('button')?.focus();
}

async function submit(pid, values, f, msg) {
  for (const node of f.querySelectorAll('.err')) node.textContent = '';
  const errors = checkAll(values, view.rubric);
  if (Object.keys(errors).length) {
    for (const cid of Object.keys(errors)) {
      const node = f.querySelector(`#rf-${CSS.escape(cid || 'overall')}-err`);
      if (node) node.textContent = '请检查此项 / check this mark';
    }
    msg.textContent = '评分有误，请检查 / some marks are invalid';
    return;
  }
  msg.textContent = '正在保存… / saving…';
  try {
    const ack = await call('POST', '/api/judge/review/submit',
      { submission_id: newSubmissionId(), project: pid, marks: cleanValues(values, view.rubric) });
    view = ack.review;
    render();
    closeForm();
    $('review-status').append(' ', el('span', { class: 'saved', id: 'rf-saved' }, '已保存 / saved'));
  } catch (e) {
    msg.textContent = e.message;
    for (const [cid, m] of Object.entries(e.errors || {})) {
      const node = f.querySelector(`#rf-${CSS.escape(cid || 'overall')}-err`);
      if (node) node.textContent = m;
    }
  }
}

function render() {
  renderStatus();
  renderList();
}

async function load() {
  try {
    view = await call('GET', '/api/judge/review');
    render();
    if (openId) openForm(openId);
  } catch (e) {
    $('review-status').className = 'alert bad';
    $('review-status').textContent = e.message;
  }
}

load();
setInterval(() => { if (!openId) load(); }, 60000);  // the deadline and the close show without a reload
