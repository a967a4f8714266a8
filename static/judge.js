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

import { connect, timerLeft, fmtClock, esc } from '/static/live.js';
import { loadLang, saveLang, translator, pick, splitLabel } from '/static/judge_i18n.js';
import {
  checkAll, cleanValues, toAscii, total as totalOf, maxTotal, stepValue, fmt, sameValues, newSubmissionId, asText,
  hasDraft,
} from '/static/judge_marks.js';
import { Records, Sender } from '/static/judge_outbox.js';

const token = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
const $ = (sel) => document.querySelector(sel);
// An acknowledgement and a snapshot generated just before the commit race each other: a snapshot that
// disagrees with an acknowledgement (not yet seen in any snapshot) counts only when it arrives this much later.
const ACK_GRACE_MS = 3000;
// 确认提交 opens where 提交评分 was: a double tap's second tap would land on it.  It takes taps only after this.
const CONFIRM_ARM_MS = 400;

const ctx = {
  lang: loadLang(),
  t: null,
  snap: null,
  conn: 'connecting',
  invalid: false,          // the server said the link is not valid: final
  sockSince: 0,            // when the live connection was last (re)opened (Date.now())
  viewKey: null,
  showErrors: new Set(),   // record keys whose client-side errors are visible (after a Submit attempt)
  dialog: null,            // {project, round} while the confirmation is open
  formError: '',
  snapAt: 0,               // when the latest snapshot arrived (Date.now())
  names: new Map(),        // project id -> name, from every running order seen
  nudgedAt: null,          // the organizer's last 请尽快提交 this phone vibrated for
};
ctx.t = translator(ctx.lang);

const records = new Records(token);
const sender = new Sender(token, records, {
  onChange: () => { if (ctx.snap && !ctx.invalid) reconcile(); render(); },
  onInvalid: () => goInvalid(),
  isOpen: (p, r) => !!ctx.snap && ctx.snap.task.kind === 'score' && ctx.snap.task.project === p && ctx.snap.task.round === r,
});
let live = null;   // the live connection (connect() from live.js)

// ------------------------------------------------------------------ snapshot helpers

function project(id) {
  const s = ctx.snap;
  if (!s || !id) return null;
  if (s.current && s.current.id === id) return s.current;
  return (s.order || []).find((p) => p.id === id) || { id, name: ctx.names.get(id) || id };
}

// What the server holds for this judge and the task's roadshow (active or voided), or null.
function serverMarks(task) {
  const m = ctx.snap && ctx.snap.my_marks;
  return m && task.project && m.project === task.project && m.round === task.round ? m : null;
}

function myMarks(task) {
  const m = serverMarks(task);
  return m && m.status === 'active' ? m : null;
}

function voidedMarks(task) {
  const m = serverMarks(task);
  return m && m.status === 'voided' ? m : null;
}

// The counted mark set: the server's active one, or this phone's acknowledged submission while the
// snapshot showing it is still on its way (reconcile() drops an acknowledgement a newer snapshot contradicts).
function savedFor(task, rec) {
  const mine = myMarks(task);
  if (rec.saved && !(mine && mine.submission_id === rec.saved.sid)) return rec.saved;
  return mine;
}

// Typed on the phone and not submitted (or differing from what counts).
function isDraft(rec, counted, rubric) {
  return !!rec.touched && hasDraft(rec.values) && !(counted && sameValues(rec.values, counted.values, rubric));
}

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

// Bring the records on the phone in line with what the server says (idempotent).
function reconcile() {
  const s = ctx.snap;
  const task = s.task;
  const rubric = s.rubric;
  if (task.project && (task.kind === 'score' || task.kind === 'closed')) {
    const active = myMarks(task);
    const voided = voidedMarks(task);
    const rec = records.get(task.project, task.round);
    const was = JSON.stringify(rec);
    if (rec.pending && active && active.submission_id === rec.pending.sid) {
      // the server has it (its acknowledgement may have been lost on the way back)
      rec.saved = { sid: active.submission_id, values: active.values, total: active.total, at: Date.now(), seq: s.seq ?? null,
                    boot: s.boot ?? null };
      rec.pending = null; rec.editing = false; rec.outcome = null; rec.errors = null; rec.touched = false;
    }
    if (rec.saved && active && active.submission_id === rec.saved.sid && !rec.saved.seq) {
      rec.saved.seq = s.seq ?? null;
      rec.saved.boot = s.boot ?? null;
    }
    if (voided) {
      // the organizer voided these marks: they do not count, and resending them never brings them back
      if (rec.pending && rec.pending.sid === voided.submission_id) rec.pending = null;
      if (rec.saved && rec.saved.sid === voided.submission_id) { rec.saved = null; rec.editing = false; }
      if (rec.voidSeen !== voided.submission_id) {   // once: the form starts from the voided marks
        rec.voidSeen = voided.submission_id;
        if (!hasDraft(rec.values)) rec.values = asText(voided.values);
      }
    }
    if (task.kind === 'score' && rec.saved && !rec.pending && !(active && active.submission_id === rec.saved.sid)) {
      // A snapshot newer than the acknowledgement does not show it: do not trust the phone's copy.  Send it
      // again with the same id (the server keeps it once); its answer says whether it counts.
      // seq compares within one boot of the server; across boots the one the phone heard last is from the
      // newer run (a snapshot from the restarted server is newer than an acknowledgement from the old one).
      let newer;
      if (!rec.saved.seq) newer = ctx.snapAt - rec.saved.at > ACK_GRACE_MS;
      else if ((s.boot ?? null) === (rec.saved.boot ?? null)) newer = (s.seq ?? 0) > rec.saved.seq;
      else newer = ctx.snapAt > rec.saved.at;
      if (newer) {
        rec.pending = { sid: rec.saved.sid, marks: rec.saved.values, total: rec.saved.total, at: Date.now() };
        rec.saved = null;
      }
    }
    if (rec.outcome) {
      if (task.kind === 'closed') rec.outcome.open = false;   // seen closed: a reopening clears it
      else if (!rec.outcome.open) rec.outcome = null;          // scoring for it is open again: the judge can submit
    }
    if (task.kind === 'closed' && !rec.pending && !rec.outcome && isDraft(rec, active, rubric)) {
      rec.outcome = active
        ? { kind: 'amend', total: totalOf(rec.values, rubric), counted: active.total, open: false }
        : { kind: 'typing', total: totalOf(rec.values, rubric), open: false };
    }
    if (JSON.stringify(rec) !== was) records.put(rec);
  }
  // Finished roadshows: forget them once nothing is pending and nothing is left to tell the judge.  A draft
  // or an amendment never sent (the phone missed the closing, e.g. offline until the next presenter) is
  // reported as not counted instead of vanishing.
  for (const rec of records.all()) {
    if (task.project === rec.project && task.round === rec.round) continue;
    if (rec.pending || rec.outcome) continue;
    if (isDraft(rec, rec.saved, rubric)) {
      records.update(rec.project, rec.round, (r) => {
        r.outcome = r.saved
          ? { kind: 'amend', total: totalOf(r.values, rubric), counted: r.saved.total, open: false }
          : { kind: 'typing', total: totalOf(r.values, rubric), open: false };
      });
    } else {
      records.remove(rec.project, rec.round);
    }
  }
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

function renderHeader() {
  const t = ctx.t;
  const s = ctx.snap;
  const conn = $('#conn');
  const offline = navigator.onLine === false;
  const status = ctx.conn === 'invalid' ? 'invalid'
    : ctx.conn === 'live' && !offline ? 'live'
      : ctx.conn === 'connecting' && !offline ? 'connecting' : 'reconnecting';
  conn.dataset.status = status;
  $('#conn-text').textContent = status === 'reconnecting' && offline ? t('offline') : t(status);
  if (!s) return;
  $('#who-name').textContent = s.me.name;
  $('#who-panel').textContent = pick(s.me.panel_label, ctx.lang);
  $('#contest-name').textContent = s.contest.name;
  document.title = `${s.me.name} · ${s.contest.name}`;
}

function renderNotices() {
  const t = ctx.t;
  const s = ctx.snap;
  const box = $('#notices');
  const items = [];
  if (!records.persistent) items.push(`<p class="alert warn">${esc(t('storageOff'))}</p>`);
  if (s && s.nudge) {   // the organizer asked for this judge's marks: shown until they submit
    items.push(`<div class="alert nudge" id="nudge" role="alert"><strong>${esc(t('nudgeTitle'))}</strong>
      <span>${esc(t('nudgeHint'))}</span></div>`);
    if (ctx.nudgedAt !== s.nudge.at) {
      ctx.nudgedAt = s.nudge.at;
      if (navigator.vibrate) navigator.vibrate([200, 100, 200]);
    }
  }
  if (s) {
    for (const rec of records.all()) {
      if (s.task.project === rec.project && s.task.round === rec.round) continue;   // shown in the task card
      const name = (project(rec.project) || {}).name || rec.project;
      if (rec.pending) {
        const sending = sender.isSending(rec.project, rec.round);
        items.push(`<div class="alert info"><strong>${esc(name)}</strong>
          <span class="status" data-state="${pendingState(rec, sending)}">${esc(t({ sending: 'statusSending', full: 'statusFull' }[pendingState(rec, sending)] || 'statusPending'))}</span>
          <span>${esc(t('checking'))}</span></div>`);
      } else if (rec.outcome) {
        items.push(`<div class="alert bad" role="alert"><strong>${esc(t('rejected', name))}</strong>
          <span>${esc(outcomeText(rec.outcome))}</span>
          <button type="button" class="btn secondary small" data-act="dismiss" data-project="${esc(rec.project)}"
            data-round="${esc(rec.round)}">${esc(t('dismiss'))}</button></div>`);
      }
    }
  }
  const html = items.join('');
  if (box.dataset.html !== html) { box.innerHTML = html; box.dataset.html = html; }
}

function outcomeText(outcome) {
  const t = ctx.t;
  if (outcome.kind === 'typing') return t('notCountedTyping');
  if (outcome.kind === 'amend') return t('notCountedAmend', fmt(outcome.counted));
  if (outcome.kind === 'superseded') return t('notCountedSuperseded');
  return pick(outcome.message, ctx.lang) || t('notCountedServer');
}

// While scoring is open: a refusal of the judge's last attempt, above the form or the submitted marks.
function earlierOutcome(rec) {
  if (!rec.outcome) return '';
  const lost = rec.outcome.total !== null && rec.outcome.total !== undefined
    ? `<span>${esc(ctx.t('lostTotal', fmt(rec.outcome.total)))}</span>` : '';
  return `<div class="alert bad" role="alert" id="earlier"><strong>${esc(ctx.t('earlierNotCounted'))}</strong>
    <span>${esc(outcomeText(rec.outcome))}</span>${lost}
    <button type="button" class="btn secondary small" data-act="dismiss-outcome" data-project="${esc(rec.project)}"
      data-round="${esc(rec.round)}">${esc(ctx.t('dismiss'))}</button></div>`;
}

// The task card is rebuilt only when what it shows changes shape, so typing is never interrupted
// by a snapshot; within one shape only the live parts (status, total, timer, errors) are updated.
function renderTask() {
  const box = $('#task');
  const view = deriveView();
  const key = JSON.stringify([ctx.lang, view.kind, view.key]);
  box.dataset.view = view.kind;
  if (key !== ctx.viewKey) {
    const focused = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.i : undefined;
    box.innerHTML = view.html();
    ctx.viewKey = key;
    if (focused !== undefined) {
      const again = box.querySelector(`input[data-i="${focused}"]`);
      if (again) again.focus();
    }
  }
  if (view.update) view.update();
  reserveBar();
  renderDialog();
  tickTimer();
}

// Nothing under the sticky submit bar: the page's scroll padding at the bottom is the bar's height, so
// focusing or scrolling to a field (Tab, 下一项, a tap) stops above the bar, not behind it.
function reserveBar() {
  const bar = $('.submit-bar');
  const h = bar && getComputedStyle(bar).position === 'sticky' ? Math.ceil(bar.getBoundingClientRect().height) : 0;
  document.documentElement.style.setProperty('--bar-h', `${h}px`);
}

function deriveView() {
  const t = ctx.t;
  const s = ctx.snap;
  if (ctx.conn === 'invalid') {
    const unsent = records.all().some((r) => r.pending);
    return { kind: 'invalid', key: unsent, html: () => `<div class="card center">
      <h1>${esc(t('invalidTitle'))}</h1><p class="alert bad" role="alert">${esc(t('invalidHint'))}</p>
      ${unsent ? `<p class="alert warn" id="unsent">${esc(t('invalidUnsent'))}</p>` : ''}</div>` };
  }
  if (!s) {
    return { kind: 'connecting', key: '', html: () => `<div class="card center"><p class="lead">${esc(t('connecting'))}</p></div>` };
  }
  const task = s.task;
  switch (task.kind) {
    case 'presenting': return presentingView(s);
    case 'score': return scoreView(s);
    case 'closed': return closedView(s);
    case 'recused': return recusedView(s);
    case 'finished': return { kind: 'finished', key: '', html: () => `<div class="card center">
      <h1>${esc(t('finished'))}</h1><p class="lead">${esc(t('finishedHint'))}</p></div>` };
    default: return waitView(s);
  }
}

function overtimeBanner(s) {
  if (!s.overtime) return '';
  return `<p class="ot-banner"><span class="ot-tag">${esc(ctx.t('overtime'))}</span> ${esc(ctx.t('overtimeN', s.overtime))}</p>`;
}

function projectHead(p, eyebrow) {
  if (!p) return '';
  const where = p.position ? ` · ${ctx.t('orderWhere', p.position, p.of || (ctx.snap.order || []).length)}` : '';
  const sub = [p.organization, p.community].filter(Boolean).join(' · ');
  return `<p class="eyebrow">${esc(eyebrow)}${esc(where)}</p>
    <h1 class="project-name">${esc(p.name)}</h1>${sub ? `<p class="project-org">${esc(sub)}</p>` : ''}`;
}

function waitView(s) {
  const t = ctx.t;
  const [title, hint] = s.phase === 'setup' ? ['waitSetup', 'waitSetupHint']
    : s.phase === 'ranking' ? ['waitRanking', 'waitRankingHint']
      : s.phase === 'reveal' ? ['waitReveal', 'waitRevealHint'] : ['waitBetween', 'waitHint'];
  const next = s.next;
  return {
    kind: 'wait', key: [s.phase, s.overtime, next && next.id],
    html: () => `<div class="card center">${overtimeBanner(s)}<h1>${esc(t(title))}</h1>
      ${next ? nextCard(next) : ''}<p class="lead">${esc(t(hint))}</p></div>`,
  };
}

function nextCard(next) {
  return `<div class="next-card"><span class="next-label">${esc(ctx.t('waitNext'))}</span>
    <strong class="next-name">${esc(next.name)}</strong>
    ${next.organization ? `<span class="next-org">${esc(next.organization)}</span>` : ''}</div>`;
}

function presentingView(s) {
  const t = ctx.t;
  return {
    kind: 'presenting', key: [s.current && s.current.id, s.round, s.overtime],
    html: () => `<div class="card">${overtimeBanner(s)}${projectHead(s.current, t('presenting'))}
      <div class="timer" role="timer"><span class="timer-label" id="timer-label">${esc(t('timeLeft'))}</span>
        <strong class="timer-value num" id="timer" aria-labelledby="timer-label">--:--</strong></div>
      <p class="lead">${esc(t('presentingHint'))}</p></div>`,
  };
}

function recusedView(s) {
  const t = ctx.t;
  return {
    kind: 'recused', key: [s.current && s.current.id, s.round],
    html: () => `<div class="card">${overtimeBanner(s)}${projectHead(s.current, t('orderRecused'))}
      <div class="recused-box"><h2>${esc(t('recused'))}</h2><p>${esc(t('recusedHint'))}</p></div></div>`,
  };
}

function valuesList(values, rubric) {
  return `<dl class="values">${rubric.criteria.map((c) => `<div><dt>${esc(pick(c.label, ctx.lang))}</dt>
    <dd class="num">${esc(fmt(values[c.id]))}</dd></div>`).join('')}</dl>`;
}

function statusLine(state, savedAt) {
  const t = ctx.t;
  const text = state === 'saved'
    ? (savedAt ? t('statusSavedAt', new Date(savedAt * 1000).toLocaleTimeString(ctx.lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false })) : t('statusSaved'))
    : t(state === 'sending' ? 'statusSending' : state === 'full' ? 'statusFull' : 'statusPending');
  return `<p class="status" id="submit-status" role="${state === 'full' ? 'alert' : 'status'}" data-state="${state}">${esc(text)}</p>`;
}

// A pending mark set's state: sending now, refused by a full server disk (NOT saved), or waiting to send.
function pendingState(rec, sending) {
  return sending ? 'sending' : rec.pending && rec.pending.full ? 'full' : 'pending';
}

function scoreView(s) {
  const t = ctx.t;
  const task = s.task;
  const rubric = s.rubric;
  const rec = records.get(task.project, task.round);
  const mine = myMarks(task);
  const saved = savedFor(task, rec);
  const head = `${overtimeBanner(s)}${projectHead(s.current, t('scoring'))}`;
  const outcome = earlierOutcome(rec);
  const voided = !saved && !rec.pending ? voidedMarks(task) : null;
  if (rec.pending) {
    const sending = sender.isSending(task.project, task.round);
    return {
      kind: 'pending', key: [task.project, task.round, rec.pending.sid, pendingState(rec, sending)],
      html: () => `<div class="card">${head}
        <div class="pending-box">${statusLine(pendingState(rec, sending))}
          <p class="big-total">${esc(t('total'))} <strong class="num">${esc(fmt(rec.pending.total))}</strong></p></div>
        ${valuesList(rec.pending.marks, rubric)}
        <p class="hint">${esc(t('pendingHint'))}</p>
        <div class="actions"><button type="button" class="btn big" data-act="retry" ${sending ? 'disabled' : ''}>${esc(t('retry'))}</button>
          <button type="button" class="btn secondary big" data-act="amend-pending" ${sending ? 'disabled' : ''}>${esc(t('amend'))}</button></div></div>`,
    };
  }
  if (saved && !rec.editing) {
    return {
      kind: 'submitted', key: [task.project, task.round, saved.submission_id || saved.sid, saved.total, outcome],
      html: () => `<div class="card">${head}${outcome}
        <div class="done-box"><p class="done-title">${esc(t('submitted'))}</p>
          <p class="big-total">${esc(t('total'))} <strong class="num">${esc(fmt(saved.total))}</strong></p>
          ${statusLine('saved', saved === mine ? mine.updated_at : saved.at / 1000)}</div>
        ${valuesList(saved.values, rubric)}
        <p class="hint">${esc(t('submittedHint'))}</p>
        <button type="button" class="btn secondary big wide" data-act="amend">${esc(t('amend'))}</button></div>`,
    };
  }
  const notice = voided ? `<div class="alert bad" role="alert" id="voided"><strong>${esc(t('voidedNotice'))}</strong>
    <span>${esc(t('voidedWas', fmt(voided.total)))}</span></div>` : '';
  return formView(s, rec, saved, head, outcome + notice);
}

function formView(s, rec, saved, head, outcome) {
  const t = ctx.t;
  const task = s.task;
  const rubric = s.rubric;
  const max = maxTotal(rubric);
  const fields = rubric.criteria.map((c, i) => {
    const [main, second] = splitLabel(c.label);
    const label = ctx.lang === 'en' && second ? second : main;
    const other = ctx.lang === 'en' ? (second ? main : '') : second;
    const value = rec.values[c.id] ?? '';
    return `<div class="field" data-field="${i}">
      <div class="field-head"><label for="m-${i}" id="l-${i}">${esc(label)}${other ? ` <span class="other-lang">${esc(other)}</span>` : ''}</label>
        <span class="range" id="r-${i}">${esc(t('criterionRange', fmt(c.min), fmt(c.max)))}</span></div>
      <div class="stepper">
        <button type="button" class="step" data-act="minus" data-i="${i}" aria-label="${esc(t('minus', label))}">−</button>
        <input id="m-${i}" data-i="${i}" type="text" inputmode="decimal" autocomplete="off" autocorrect="off"
          spellcheck="false" enterkeyhint="${i + 1 < rubric.criteria.length ? 'next' : 'done'}"
          aria-describedby="r-${i} e-${i}" value="${esc(value)}">
        <button type="button" class="step" data-act="plus" data-i="${i}" aria-label="${esc(t('plus', label))}">+</button>
      </div>
      <p class="field-error" id="e-${i}"></p></div>`;
  }).join('');
  const amending = saved ? `<p class="alert info">${esc(t('amending', fmt(saved.total)))}</p>` : '';
  return {
    kind: 'score', key: [task.project, task.round, !!saved, outcome],
    html: () => `<div class="card">${head}${outcome}${amending}
      ${s.overtime ? `<p class="hint">${esc(t('overtimeHint'))}</p>` : ''}
      <form id="score-form" novalidate>${fields}
        <div class="submit-bar">
          <p class="live-total"><span class="total-line"><span>${esc(t('total'))}</span>
            <strong class="num" id="live-total">—</strong></span><span class="of" id="total-note"></span></p>
          <button type="submit" class="btn big" id="submit-btn">${esc(t('submit'))}</button>
          <p class="form-error" id="form-error" role="alert"></p>
        </div></form>
      ${saved ? `<div class="after-form"><button type="button" class="btn secondary wide" data-act="cancel-amend">${esc(t('cancelAmend'))}</button></div>` : ''}</div>`,
    update: () => updateForm(rec, rubric, max),
  };
}

// Live parts of the form: the total, and each field's message (after a Submit attempt or a 422).
function updateForm(rec, rubric, max) {
  const t = ctx.t;
  const key = records.key(rec.project, rec.round);
  const fresh = records.get(rec.project, rec.round);
  const tot = totalOf(fresh.values, rubric);
  $('#live-total').textContent = tot === null ? '—' : fmt(tot);
  $('#total-note').textContent = tot === null ? t('incomplete') : t('totalOf', fmt(max));
  const clientErrors = ctx.showErrors.has(key) ? checkAll(fresh.values, rubric) : {};
  rubric.criteria.forEach((c, i) => {
    const server = fresh.errors && fresh.errors[c.id];
    const local = clientErrors[c.id];
    const msg = server ? pick(server, ctx.lang) : local ? t(local.code, ...local.args) : '';
    const el = $(`#e-${i}`);
    const input = $(`#m-${i}`);
    if (!el || !input) return;
    el.textContent = msg;
    input.setAttribute('aria-invalid', msg ? 'true' : 'false');
    el.closest('.field').classList.toggle('invalid', !!msg);
  });
  $('#form-error').textContent = ctx.formError;
}

function closedView(s) {
  const t = ctx.t;
  const task = s.task;
  const rubric = s.rubric;
  const rec = records.get(task.project, task.round);
  const mine = myMarks(task);
  const voided = voidedMarks(task);
  let body = '';
  if (rec.pending) {
    const sending = sender.isSending(task.project, task.round);
    body += `<div class="pending-box">${statusLine(pendingState(rec, sending))}<p>${esc(t('checking'))}</p></div>`;
  }
  if (rec.outcome) {
    const lost = rec.outcome.total !== null && rec.outcome.total !== undefined
      ? `<span>${esc(t('lostTotal', fmt(rec.outcome.total)))}</span>` : '';
    body += `<div class="alert bad" role="alert"><strong>${esc(outcomeText(rec.outcome))}</strong>${lost}
      <button type="button" class="btn secondary small" data-act="dismiss" data-project="${esc(rec.project)}"
        data-round="${esc(rec.round)}">${esc(t('dismiss'))}</button></div>`;
  }
  if (mine) {
    body += `<div class="done-box"><p class="done-title">${esc(t('counted', fmt(mine.total)))}</p></div>${valuesList(mine.values, rubric)}`;
  } else if (voided && !rec.pending) {
    body += `<div class="void-box" id="voided"><p class="void-title">${esc(t('voidedTitle', fmt(voided.total)))}</p>
      <p>${esc(t('voidedClosed'))}</p></div>${valuesList(voided.values, rubric)}`;
  } else if (!rec.pending) {
    body += `<p class="lead">${esc(t(rec.outcome ? 'nothingCounted' : 'notSubmitted'))}</p>`;
  }
  return {
    kind: 'closed',
    key: [task.project, task.round, !!rec.pending, rec.pending && sender.isSending(task.project, task.round),
          rec.outcome, mine && mine.submission_id, voided && voided.submission_id, s.next && s.next.id],
    html: () => `<div class="card">${overtimeBanner(s)}${projectHead(s.current, t('closed'))}${body}
      ${s.next ? nextCard(s.next) : ''}</div>`,
  };
}

function renderOrder() {
  const t = ctx.t;
  const s = ctx.snap;
  const box = $('#order');
  if (!s || s.task.kind === 'finished') { box.hidden = true; return; }
  box.hidden = false;
  const order = s.order || [];
  const recused = new Set((s.me && s.me.recused) || []);
  const cur = order.find((p) => p.status === 'current');
  const title = `${s.overtime ? `${t('overtime')} · ` : ''}${t('order')}`;
  const where = cur ? ` · ${t('orderWhere', cur.position, order.length)}` : '';
  const rows = order.map((p) => {
    const label = recused.has(p.id) && p.status !== 'done' ? 'orderRecused'
      : p.status === 'done' ? 'orderDone' : p.status === 'current' ? 'orderNow' : 'orderPending';
    return `<li class="o-${p.status || 'pending'}${recused.has(p.id) ? ' o-recused' : ''}"${p.status === 'current' ? ' aria-current="step"' : ''}>
      <span class="o-pos num">${esc(p.position)}</span>
      <span class="o-name">${esc(p.name)}${p.organization ? `<span class="o-org">${esc(p.organization)}</span>` : ''}</span>
      <span class="o-state">${esc(t(label))}</span></li>`;
  }).join('');
  const html = `<summary><span class="o-title">${esc(title)}</span><span class="o-where">${esc(where)}</span></summary>
    ${order.length ? `<ol class="o-list">${rows}</ol>` : `<p class="lead">${esc(t('orderEmpty'))}</p>`}`;
  if (box.dataset.html !== html) {
    const open = box.open;
    box.innerHTML = html;
    box.dataset.html = html;
    box.open = open;
  }
}

function renderDialog() {
  const t = ctx.t;
  const root = $('#dialog-root');
  const main = $('#page');
  if (!ctx.dialog) {
    if (root.innerHTML) { root.innerHTML = ''; main.inert = false; main.removeAttribute('aria-hidden'); }
    return;
  }
  const key = JSON.stringify([ctx.lang, ctx.dialog]);
  if (root.dataset.for === key && root.innerHTML) return;
  const s = ctx.snap;
  const rubric = s.rubric;
  const rec = records.get(ctx.dialog.project, ctx.dialog.round);
  const p = project(ctx.dialog.project) || { name: ctx.dialog.project };
  root.dataset.for = key;
  root.innerHTML = `<div class="overlay"><div class="dialog" role="dialog" aria-modal="true" aria-labelledby="dlg-title">
    <h2 id="dlg-title">${esc(t('confirmTitle'))}</h2>
    <p class="dlg-project">${s.overtime ? `<span class="ot-tag">${esc(t('overtime'))}</span> ` : ''}${esc(p.name)}</p>
    ${valuesList(cleanValues(rec.values, rubric), rubric)}
    <p class="big-total">${esc(t('confirmTotal'))} <strong class="num" id="dlg-total">${esc(fmt(totalOf(rec.values, rubric)))}</strong></p>
    <div class="actions"><button type="button" class="btn secondary big" data-act="back">${esc(t('back'))}</button>
      <button type="button" class="btn big" data-act="confirm" id="confirm-btn" disabled data-arming>${esc(t('confirm'))}</button></div>
  </div></div>`;
  main.inert = true;
  main.setAttribute('aria-hidden', 'true');
  root.querySelector('.dialog').tabIndex = -1;
  root.querySelector('.dialog').focus();
  const confirmBtn = $('#confirm-btn');
  setTimeout(() => {   // a second tap of a double tap on 提交评分 finds this button disabled
    if (!confirmBtn.isConnected) return;
    confirmBtn.disabled = false;
    confirmBtn.removeAttribute('data-arming');
    if (document.activeElement === root.querySelector('.dialog')) confirmBtn.focus();
  }, CONFIRM_ARM_MS);
}

function closeDialog() {
  ctx.dialog = null;
  renderDialog();
}

function tickTimer() {
  const el = $('#timer');
  if (!el || !ctx.snap) return;
  const left = timerLeft(ctx.snap);
  el.textContent = fmtClock(left);
  el.classList.toggle('low', left <= 30);
  const label = $('#timer-label');
  const timer = ctx.snap.timer;
  const state = !timer || timer.running ? 'timeLeft' : timer.left >= timer.duration ? 'timerReady' : 'timerPaused';
  if (label) label.textContent = ctx.t(state);
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
