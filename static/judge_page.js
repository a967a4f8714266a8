// The judge page around the task card: the header (connection, the judge, the contest), the notices
// (drafts not saved on this phone, 请尽快提交, marks still pending or not counted for other roadshows), the
// running order, the confirmation before submitting, and the presentation timer.
// What it does not do: the task card (judge_task.js), input, sending or state changes (judge.js,
// judge_state.js); it draws ctx and the records as they are.

import { timerLeft } from './live.js';
import { esc, q as $ } from './shared/dom.js';
import { fmtClock, pick } from './shared/format.js';
import { cleanValues, total as totalOf, fmt } from './judge_marks.js';
import { ctx, records, project } from './judge_state.js';
import { outcomeText, pendingState, valuesList } from './judge_task.js';

// 确认提交 opens where 提交评分 was: a double tap's second tap would land on it.  It takes taps only after this.
const CONFIRM_ARM_MS = 400;

export function renderHeader() {
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
  $('#rehearsal-banner').hidden = !s.contest.rehearsal;  // 彩排: these marks are a test
  document.title = `${s.me.name} · ${s.contest.name}`;
}

export function renderNotices() {
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
        const sending = ctx.sender.isSending(rec.project, rec.round);
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

export function renderOrder() {
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

export function renderDialog() {
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

export function closeDialog() {
  ctx.dialog = null;
  renderDialog();
}

export function tickTimer() {
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
