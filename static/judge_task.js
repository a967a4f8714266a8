// The judge's task card (#task[data-view]): waiting, presenting (with the timer's box), the score form, the
// pending and submitted marks, scoring closed, recused, finished, an invalid link.  The card is rebuilt
// only when what it shows changes shape, so typing is never interrupted by a snapshot; within one shape
// only the live parts (total, field messages) are updated.
// What it does not do: handle input or submit (judge.js), draw the header, notices, running order or the
// confirmation (judge_page.js), or decide anything: the task is the snapshot's, the checks judge_marks.js's
// (the bounds and step the server sent), the words judge_i18n.js's.

import { esc, q as $ } from './shared/dom.js';
import { pick, splitLabel } from './shared/format.js';
import { roundLabel } from './shared/labels.js';
import { checkAll, total as totalOf, maxTotal, fmt } from './judge_marks.js';
import { ctx, records, myMarks, voidedMarks, savedFor } from './judge_state.js';

export function outcomeText(outcome) {
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
export function renderTask() {
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
}

// Nothing under the sticky submit bar: the page's scroll padding at the bottom is the bar's height, so
// focusing or scrolling to a field (Tab, 下一项, a tap) stops above the bar, not behind it.
export function reserveBar() {
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
  const round = roundLabel(`overtime${s.overtime}`);   // the vocabulary's name: 加时赛 第 1 轮 / Overtime 1
  return `<p class="ot-banner"><span class="ot-tag">${esc(ctx.lang === 'en' ? round.en : round.zh)}</span></p>`;
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

export function valuesList(values, rubric) {
  return `<dl class="values">${rubric.criteria.map((c) => `<div><dt>${esc(pick(c.label, ctx.lang))}</dt>
    <dd class="num">${esc(fmt(values[c.id]))}</dd></div>`).join('')}</dl>`;
}

export function statusLine(state, savedAt) {
  const t = ctx.t;
  const text = state === 'saved'
    ? (savedAt ? t('statusSavedAt', new Date(savedAt * 1000).toLocaleTimeString(ctx.lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false })) : t('statusSaved'))
    : t(state === 'sending' ? 'statusSending' : state === 'full' ? 'statusFull' : 'statusPending');
  return `<p class="status" id="submit-status" role="${state === 'full' ? 'alert' : 'status'}" data-state="${state}">${esc(text)}</p>`;
}

// A pending mark set's state: sending now, refused by a full server disk (NOT saved), or waiting to send.
export function pendingState(rec, sending) {
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
    const sending = ctx.sender.isSending(task.project, task.round);
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
    const sending = ctx.sender.isSending(task.project, task.round);
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
    key: [task.project, task.round, !!rec.pending, rec.pending && ctx.sender.isSending(task.project, task.round),
          rec.outcome, mine && mine.submission_id, voided && voided.submission_id, s.next && s.next.id],
    html: () => `<div class="card">${overtimeBanner(s)}${projectHead(s.current, t('closed'))}${body}
      ${s.next ? nextCard(s.next) : ''}</div>`,
  };
}
