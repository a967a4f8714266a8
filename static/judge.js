// The judge's phone page (评委端): follows the contest pushed over /ws/j/<token>, shows the judge's
// task (waiting, presenting, score, closed, recused, finished; 加时赛 when overtime), the running order,
// and the score sheet.  Marks go through judge_outbox.js (kept on the phone until the server
// acknowledges them); the checks and the total come from judge_marks.js; words from judge_i18n.js.
//
// The server's snapshot is the truth about what counts: 已保存 (saved) is shown only for a submission
// the server acknowledged by its id as the counted set, or that a snapshot shows as the judge's active
// marks; a local "saved" copy that a newer snapshot contradicts goes back to pending (same id), and marks
// the organizer voided bring the form back with a notice.  Snapshots older than the one shown (by seq,
// or a late HTTP reply) are dropped.  Once the server says the link is invalid the page stops for good.
//
// Stable hooks for tests: #conn[data-status], #task[data-view], #submit-status[data-state],
// input[data-i] (one per criterion, in rubric order), #live-total, .field-error, #notices, #voided.
// It does not decide anything about the contest: the server's snapshot says what the judge may do.
//
// Its parts: judge_state.js (ctx, the records, reconcile), judge_task.js (the task card), judge_page.js
// (header, notices, running order, confirmation, timer); judge.js wires them: snapshots in, input and
// actions, the polling fallback, start.

import { connect } from './live.js';
import { q as $ } from './shared/dom.js';
import { saveLang, translator } from './judge_i18n.js';
import {
  checkAll, cleanValues, toAscii, total as totalOf, stepValue, newSubmissionId, asText,
} from './judge_marks.js';
import { Sender } from './judge_outbox.js';
import { ctx, token, records, savedFor, reconcile } from './judge_state.js';
import { renderTask as drawTask, reserveBar } from './judge_task.js';
import { renderHeader, renderNotices, renderOrder, renderDialog, closeDialog, tickTimer } from './judge_page.js';


const sender = new Sender(token, records, {
  onChange: () => { if (ctx.snap && !ctx.invalid) reconcile(); render(); },
  onInvalid: () => goInvalid(),
  isOpen: (p, r) => !!ctx.snap && ctx.snap.task.kind === 'score' && ctx.snap.task.project === p && ctx.snap.task.round === r,
});
let live = null;   // the live connection (connect() from live.js)

ctx.sender = sender;

// ------------------------------------------------------------------ state changes

// askedAt: when an HTTP reply was asked for; socket snapshots were asked for when the socket opened.
function onState(snap, askedAt = null) {
  if (ctx.invalid || !snap || !snap.task) return;
  const before = ctx.snap;
  if (before) {
    const since = askedAt ?? ctx.sockSince;
    const newer = typeof snap.seq === 'number' && typeof before.seq === 'number' && snap.boot === before.boot
      ? snap.seq > before.seq : true;
    // An older snapshot (a slow HTTP reply read after a newer one) is dropped; seq compares only within one
    // run of the server (boot): a snapshot from another boot (a restart, maybe with the clock set back) is
    // taken whatever its seq, and so is one asked for after the shown one arrived.
    if (!newer && since <= ctx.snapAt) return;
  }
  ctx.snap = snap;
  ctx.snapAt = Date.now();
  for (const p of snap.order || []) ctx.names.set(p.id, p.name);
  reconcile();
  const task = snap.task;
  if (ctx.dialog && !(task.kind === 'score' && task.project === ctx.dialog.project
                      && task.round === ctx.dialog.round)) {
    closeDialog();
  }
  if (!before || before.task.kind !== task.kind) ctx.formError = '';
  render();
  sender.flush();   // keeps to the backoff after a failure
}

// The server said this link is not valid (socket closed with 4401, or an HTTP 401): stop everything.
function goInvalid() {
  if (ctx.invalid) return;
  ctx.invalid = true;
  ctx.conn = 'invalid';
  clearTimeout(pollTimer);
  sender.stop();
  if (live) live.close();
  ctx.dialog = null;
  render();
}

function setConn(status) {
  if (ctx.invalid) return;
  if (status === 'invalid') { goInvalid(); return; }
  if (status !== 'live') ctx.sockSince = Date.now();
  ctx.conn = status;
  if (status === 'live') sender.flush({ soon: true });
  render();
}

// ------------------------------------------------------------------ rendering

function render() {
  const t = ctx.t;
  document.documentElement.lang = ctx.lang === 'en' ? 'en' : 'zh-CN';
  renderHeader();
  renderNotices();
  renderTask();
  renderOrder();
  const langBtn = $('#lang');
  langBtn.textContent = t('switchLang');
  langBtn.setAttribute('aria-label', t('switchLangLabel'));
  langBtn.lang = ctx.lang === 'en' ? 'zh-CN' : 'en';
}


// The task card, then what depends on its shape (the confirmation, the timer in it).
function renderTask() {
  drawTask();
  renderDialog();
  tickTimer();
}

// ------------------------------------------------------------------ actions

function current() {
  const s = ctx.snap;
  return s && s.task.kind === 'score' ? s.task : null;
}

function onInput(ev) {
  const input = ev.target.closest('input[data-i]');
  const task = current();
  if (!input || !task) return;
  const c = ctx.snap.rubric.criteria[Number(input.dataset.i)];
  const ascii = toAscii(input.value);
  if (ascii !== input.value) {   // full-width digits from a Chinese keyboard: same length, caret kept
    const [a, b] = [input.selectionStart, input.selectionEnd];
    input.value = ascii;
    input.setSelectionRange(a, b);
  }
  records.update(task.project, task.round, (r) => {
    r.values[c.id] = input.value;
    r.touched = true;
    if (r.errors) delete r.errors[c.id];
  });
  ctx.formError = '';
  renderTask();
}

function onClick(ev) {
  const btn = ev.target.closest('[data-act]');
  if (!btn || btn.disabled) return;
  const act = btn.dataset.act;
  const task = current();
  if (act === 'dismiss') {
    records.update(btn.dataset.project, btn.dataset.round, (r) => {
      r.outcome = null; r.values = {}; r.editing = false; r.touched = false;
    });
    render();
    return;
  }
  if (act === 'dismiss-outcome') {   // scoring is open: the form keeps what it shows
    records.update(btn.dataset.project, btn.dataset.round, (r) => { r.outcome = null; });
    render();
    return;
  }
  if (act === 'back') { closeDialog(); const first = $('#m-0'); if (first) first.focus(); return; }
  if (act === 'confirm') { confirmSubmit(btn); return; }
  if (!task) return;
  const rubric = ctx.snap.rubric;
  if (act === 'minus' || act === 'plus') {
    const i = Number(btn.dataset.i);
    const c = rubric.criteria[i];
    const input = $(`#m-${i}`);
    input.value = stepValue(input.value, act === 'plus' ? 1 : -1, c, rubric);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  } else if (act === 'amend') {
    const saved = savedFor(task, records.get(task.project, task.round));
    records.update(task.project, task.round, (r) => {
      r.editing = true; r.values = asText(saved ? saved.values : r.values); r.errors = null; r.outcome = null;
    });
    render();
    const first = $('#m-0');
    if (first) first.focus();
  } else if (act === 'cancel-amend') {
    const saved = savedFor(task, records.get(task.project, task.round));
    records.update(task.project, task.round, (r) => {
      r.editing = false; r.values = asText(saved && saved.values); r.errors = null; r.touched = false;
    });
    ctx.showErrors.delete(records.key(task.project, task.round));
    render();
  } else if (act === 'amend-pending') {
    if (sender.isSending(task.project, task.round)) return;
    records.update(task.project, task.round, (r) => {
      if (!r.pending) return;
      r.values = asText(r.pending.marks); r.pending = null; r.editing = true; r.touched = true;
    });
    render();
  } else if (act === 'retry') {
    sender.failures = 0;
    sender.flush({ now: true });
  }
}

function onSubmit(ev) {
  ev.preventDefault();
  const task = current();
  if (!task) return;
  const rubric = ctx.snap.rubric;
  const rec = records.get(task.project, task.round);
  const errors = checkAll(rec.values, rubric);
  const key = records.key(task.project, task.round);
  if (Object.keys(errors).length || (rec.errors && Object.keys(rec.errors).length)) {
    ctx.showErrors.add(key);
    ctx.formError = ctx.t('errFix');
    renderTask();
    const bad = rubric.criteria.findIndex((c) => errors[c.id] || (rec.errors && rec.errors[c.id]));
    const input = $(`#m-${bad}`);
    if (input) input.focus();
    return;
  }
  ctx.showErrors.delete(key);
  ctx.formError = '';
  ctx.dialog = { project: task.project, round: task.round };
  renderDialog();
}

function confirmSubmit(btn) {
  const task = current();
  const d = ctx.dialog;
  if (!task || !d || task.project !== d.project || task.round !== d.round) { closeDialog(); render(); return; }
  btn.disabled = true;   // a double tap sends one mark set
  const rubric = ctx.snap.rubric;
  records.update(task.project, task.round, (r) => {
    if (Object.keys(checkAll(r.values, rubric)).length) return;
    r.pending = { sid: newSubmissionId(), marks: cleanValues(r.values, rubric), total: totalOf(r.values, rubric), at: Date.now() };
    r.outcome = null; r.errors = null; r.touched = false;
  });
  closeDialog();
  render();
  sender.flush({ now: true });
}

function onKey(ev) {
  if (ev.key === 'Escape' && ctx.dialog) { closeDialog(); return; }
  const input = ev.target.closest && ev.target.closest('input[data-i]');
  if (ev.key === 'Enter' && input) {
    const next = $(`#m-${Number(input.dataset.i) + 1}`);
    if (next) { ev.preventDefault(); next.focus(); }
  }
}

// ------------------------------------------------------------------ start

function switchLang() {
  ctx.lang = ctx.lang === 'en' ? 'zh' : 'en';
  saveLang(ctx.lang);
  ctx.t = translator(ctx.lang);
  ctx.formError = '';
  render();
}

// If the socket cannot get through (a proxy, a captive portal), read the state over plain HTTP.
let pollTimer = null;
function poll(delay = 5000) {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(async () => {
    if (ctx.invalid) return;
    if (ctx.conn !== 'live' && navigator.onLine !== false) {
      try {
        const askedAt = Date.now();
        const res = await fetch('/api/judge/state', {
          headers: { authorization: `Bearer ${token}` }, cache: 'no-store', redirect: 'error',
        });
        const body = await res.json().catch(() => null);
        const ours = !!body && typeof body === 'object';
        if (res.status === 401 && ours && typeof body.error === 'string') goInvalid();
        else if (res.ok && ours && body.type === 'state' && ctx.conn !== 'live') {
          onState({ ...body, receivedAt: Date.now() }, askedAt);
        }
      } catch { /* still down, or a captive portal */ }
    }
    if (!ctx.invalid) poll();
  }, delay);
}

// With large text on a small screen fewer than ~38 lines fit: the submit bar stops being sticky.
function fitToTextSize() {
  const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  document.documentElement.classList.toggle('cramped', window.innerHeight / rem < 38);
  reserveBar();
}

function start() {
  const task = $('#task');
  task.addEventListener('input', onInput);
  document.addEventListener('click', onClick);
  task.addEventListener('submit', onSubmit);
  document.addEventListener('keydown', onKey);
  $('#lang').addEventListener('click', switchLang);
  window.addEventListener('online', () => { sender.flush({ soon: true }); render(); });
  window.addEventListener('offline', () => render());
  if (window.matchMedia('(min-width: 60em)').matches) $('#order').open = true;
  fitToTextSize();
  window.addEventListener('resize', fitToTextSize);
  setInterval(tickTimer, 1000);
  render();
  live = connect(`/ws/j/${encodeURIComponent(token)}`, { onState: (snap) => onState(snap), onStatus: setConn });
  if (ctx.invalid) live.close();
  else poll(3000);
}

start();
