// A review judge's phone (书面评审): every application with 已评 / 未评, and one score form at a time.
// The list follows the server over the judge's socket (/ws/j/<token>, live.js: snapshots of type "review",
// pushed after every change — the deadline moved, the stage closed or reopened, an application added, the
// judge's own marks saved); #conn shows the connection.  While the socket is down the page reads
// GET /api/judge/review every few seconds instead, and once more just after the deadline (the server says
// whether it still takes marks).  A mark set goes to POST /api/judge/review/submit, whose answer is the fresh
// list.  Marks are checked as the live form checks them (judge_marks.js: bounds, step, every criterion), and
// the server checks again; it decides everything (whether the review takes marks, recusals), the page only
// shows what it is sent.  A snapshot older than the one shown (by seq within one boot) is dropped; a form
// being filled in is kept when a snapshot arrives (only its submit button and message follow).
// Hooks for tests: #review-list li button[data-project], [data-status], #review-form input[data-criterion],
// #rf-submit, #rf-msg, #review-status, #conn[data-status].

import { $, el } from './shared/dom.js';
import { connect } from './live.js';
import { checkAll, cleanValues, newSubmissionId, total } from './judge_marks.js';

const token = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
let view = null;
let openId = null;
let conn = 'connecting';   // live.js: connecting | live | reconnecting | invalid
let invalid = false;
let shownAt = 0;           // when the shown view arrived (Date.now())
let live = null;
let pollTimer = null;
let deadlineTimer = null;
let saved = false;         // the last form was saved (已保存 in the status line)
const POLL_MS = 10000;     // the fallback read while the socket is down

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
  if (res.status === 401 && typeof data?.error === 'string') goInvalid();
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
  if (saved) box.append(' ', el('span', { class: 'saved', id: 'rf-saved' }, '已保存 / saved'));
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
  saved = false;
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
  const askedAt = Date.now();
  try {
    const ack = await call('POST', '/api/judge/review/submit',
      { submission_id: newSubmissionId(), project: pid, marks: cleanValues(values, view.rubric) });
    saved = true;  // shown until another form opens, also over the snapshots that follow
    accept(ack.review, askedAt);
    render();
    closeForm();
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
  if (openId) followForm();
}

// A snapshot arrived while a form is open: keep what is typed; the submit button and the message follow
// whether the review takes marks, and a form of an application that is gone (or now recused) closes.
function followForm() {
  const it = view.items.find((x) => x.id === openId);
  if (!it || it.status === 'recused') {
    closeForm();
    $('review-status').append(' ', el('span', { id: 'rf-gone' }, '该申报项目已不在您的评审列表中 / this application is no longer on your list'));
    return;
  }
  const send = $('rf-submit');
  const msg = $('rf-msg');
  if (!send || !msg) return;
  send.disabled = !view.review.taking_marks;
  if (!view.review.taking_marks) {
    msg.textContent = view.review.refusal || '';
    msg.dataset.refusal = 'yes';
  } else if (msg.dataset.refusal) {
    msg.textContent = '';
    delete msg.dataset.refusal;
  }
}

// askedAt: when an HTTP answer was asked for (a socket snapshot: null).  An older snapshot of the same boot
// is dropped, unless it was asked for after the shown one arrived.
function accept(next, askedAt = null) {
  if (invalid || !next || next.type !== 'review') return;
  if (view && typeof next.seq === 'number' && typeof view.seq === 'number' && next.boot === view.boot
      && next.seq <= view.seq && (askedAt === null || askedAt <= shownAt)) return;
  view = { ...next, receivedAt: next.receivedAt || Date.now() };
  shownAt = Date.now();
  render();
  armDeadline();
}

// Just after the deadline, ask the server again (it decides whether marks are still taken).
function armDeadline() {
  clearTimeout(deadlineTimer);
  const r = view.review;
  if (!r.taking_marks || !r.deadline) return;
  const left = (r.deadline - view.server_time) * 1000 - (Date.now() - view.receivedAt);
  deadlineTimer = setTimeout(load, Math.min(Math.max(left, 0) + 1000, 3600000));  // long ones: re-armed by the answer
}

const CONN = {
  connecting: ['正在连接…', 'Connecting…'], live: ['在线', 'Live'], reconnecting: ['重连中', 'Reconnecting'],
  offline: ['无网络 · 重连中', 'No network · reconnecting'], invalid: ['链接无效', 'Invalid link'],
};

function renderConn() {
  const offline = navigator.onLine === false;
  const status = conn === 'invalid' ? 'invalid' : conn === 'live' && !offline ? 'live'
    : conn === 'connecting' && !offline ? 'connecting' : 'reconnecting';
  const [zh, en] = CONN[status === 'reconnecting' && offline ? 'offline' : status];
  $('conn').dataset.status = status;
  $('conn-text').replaceChildren(zh, ' ', el('span', { class: 'en' }, en));
}

function goInvalid() {
  if (invalid) return;
  invalid = true;
  conn = 'invalid';
  clearTimeout(pollTimer);
  clearTimeout(deadlineTimer);
  if (live) live.close();
  renderConn();
  closeForm();
  $('review-list').replaceChildren();
  $('review-count').textContent = '';
  $('review-status').className = 'alert bad';
  $('review-status').textContent = '此评委链接已失效，请向组织者索取新的链接 / this judge link is no longer valid: ask the organizer for a new one';
}

function setConn(status) {
  if (invalid) return;
  if (status === 'invalid') { goInvalid(); return; }
  conn = status;
  renderConn();
  if (status !== 'live' && !pollTimer) poll(view ? POLL_MS : 3000);  // already due: keep its time
}

async function load() {
  if (invalid) return;
  const askedAt = Date.now();
  try {
    accept(await call('GET', '/api/judge/review'), askedAt);
  } catch (e) {
    if (invalid || view) return;  // a view is shown: keep it (the connection badge says the link is down)
    $('review-status').className = 'alert bad';
    $('review-status').textContent = e.message;
  }
}

// The fallback: while the socket is down (a proxy that blocks it, a captive portal), read the list over HTTP.
function poll(delay) {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(async () => {
    pollTimer = null;
    if (invalid || conn === 'live') return;
    if (navigator.onLine !== false) await load();
    if (!invalid && conn !== 'live') poll(POLL_MS);
  }, delay);
}

window.addEventListener('online', renderConn);
window.addEventListener('offline', renderConn);
live = connect(`/ws/j/${encodeURIComponent(token)}`, { type: 'review', onState: (snap) => accept(snap), onStatus: setConn });
poll(3000);
