// The live console: follows /ws/console/<cid> and drives the evening through POST …/actions.
// One big "next step" button (space bar) does what the server's next_step says; explicit buttons do
// every other action.  Closing scoring with judges missing and locking ask for confirmation; "back"
// asks too, and an open confirmation follows the state (it refuses to confirm once the state moved on).
// Shows the judges' submissions and connections, outlier warnings, the live results, ties,
// the running order and the roadshow's result; marks are corrected or voided (with a reason) in
// console_marks.js.  Two consoles stay in sync because both only render what the socket pushes (plus
// the fresher snapshot an action's response carries).  It decides nothing: the server does.
//
// Every action names the state version it was pressed on (expect_version): if that press's answer is
// lost on the Wi-Fi and the operator presses again, or another console acted first, the server refuses
// (409) instead of acting twice, and the console shows the current state.  At most one action is sent per
// state version; a held key never repeats a step.  A section is rebuilt only when what it shows changed,
// and keyboard focus goes back to the same control, so updates never throw the operator's focus away.

import { connect, timerRaw } from './live.js';
import { api, signedOut } from './shared/api.js';
import { $, el, renderKept } from './shared/dom.js';
import { fmtClock, fmtOverrun, splitLabel } from './shared/format.js';
import { both, label, zh } from './shared/labels.js';
import { bi, biNodes, setBi, setPair, say } from './shared/lang.js';
import { toast, confirmDialog, dialogOpen, showConn } from './console_ui.js';
import { renderAlerts, renderJudges, renderOrder, renderResults, renderRoadshow } from './console_board.js';
import { openMarks, refreshMarks } from './console_marks.js';
import { renderNudges, wireNudges } from './console_nudge.js';
import { renderPaper } from './console_paper.js';
import { renderRehearsal } from './console_rehearsal.js';
import { renderAudience, wireAudience } from './console_audience.js';

const main = document.querySelector('main');
const cid = main.dataset.cid;
let snap = null;
let lastSeq = 0;
let lastBoot = null;       // the server run lastSeq belongs to
let busy = false;          // an action (or the reload after a failed one) is under way
let sentFrom = -1;         // the version the last action was sent from: nothing more is sent until a newer one
let cooldownUntil = 0;
let errorTimer = null;
let actionError = null;    // {message, until}: the last action's error, shown above everything for a while
const ERROR_MS = 8000;
let liveConfirm = null;    // while a confirmation is open: keeps it in step with the state
const COOLDOWN_MS = 500;
// this tab's name: two tabs of one signed-in browser are two consoles to the server (issue 13 item 9)
const TAB = (() => {
  try {
    let t = sessionStorage.getItem('console-tab');
    if (!t) { t = `t${Math.random().toString(36).slice(2, 12)}`; sessionStorage.setItem('console-tab', t); }
    return t;
  } catch { return `t${Math.random().toString(36).slice(2, 12)}`; }
})();
const STALE_NOTE = '状态已经变化（可能另一台控制台刚刚操作过），此确认已失效：请取消，看清当前状态后再操作。'
  + ' / The state changed while this was open: cancel, check it and press again.';

// ------------------------------------------------------------------ state in
// Socket pushes and action responses may cross on the wire (another console acting at the same
// moment): whichever arrives, only a snapshot newer than the one shown is applied.  seq compares only
// within one run of the server (boot): a snapshot from another boot (a restart, maybe with the clock
// set back) is applied whatever its seq, and counting starts again from it.
function receive(s) {
  if (!s || s.type !== 'state') return;
  if (s.boot === lastBoot && s.seq <= lastSeq) return;
  if (!s.receivedAt) s.receivedAt = Date.now();
  lastBoot = s.boot;
  lastSeq = s.seq;
  snap = s;
  render();
}

function render() {
  const s = snap;
  $('contest-name').textContent = s.contest.name;
  $('contest-name').title = s.contest.name;
  const whenWhere = [s.setup?.date, s.setup?.venue].filter(Boolean).join(' · ');
  $('when-where').textContent = whenWhere;
  $('when-where').hidden = !whenWhere;
  document.title = `${say('控制台 Console')} · ${s.contest.name}`;
  const phase = $('phase');
  setBi(phase, both('phase', s.phase));
  phase.className = `phase phase-${s.phase}`;
  const round = $('round');
  round.hidden = !s.round_badge;          // the server's words; none once the overtime round is over
  round.textContent = s.round_badge || '';
  if (s.setup && s.setup.screen_link) $('screen-link').href = s.setup.screen_link;
  renderStage(s);
  renderButtons(s);
  renderOptions(s);
  renderJudges(s);
  renderNudges($('nudges'), s);
  renderPaper($('paper-card'), s.paper);
  renderRehearsal(s);
  renderAlerts(s, actionError);
  renderResults(s);
  renderOrder(s, allowed(s, 'present'), busy);
  renderRoadshow(s);
  renderAudience(s);
  refreshMarks(s);
  if (liveConfirm) liveConfirm(s);
  tick();
  document.dispatchEvent(new CustomEvent('console:snapshot', { detail: s }));  // console_review.js: the stages
}

// an action was sent from the version shown and its answer (or a newer state) has not arrived yet
function waiting() {
  return !!snap && typeof snap.version === 'number' && snap.version <= sentFrom;
}

// ------------------------------------------------------------------ stage
function renderStage(s) {
  const cur = s.current;
  $('cur-pos').textContent = cur && cur.position ? `${cur.position} / ${cur.of}` : '';
  if (cur) $('cur-name').textContent = `${cur.id} ${cur.name}`;
  else setBi($('cur-name'), s.phase === 'setup' ? '比赛尚未开始 Not started' : '—');
  $('cur-org').textContent = cur ? [cur.organization, cur.community].filter(Boolean).join(' · ') : '';
  if (s.phase === 'locked') {  // the final state: nothing is on stage any more
    const n = s.reveal ? s.reveal.total_tiers : 0;
    $('cur-pos').textContent = '';
    setBi($('cur-name'), '结果已锁定 Results locked');
    setPair($('cur-org'), `全部 ${n} 个奖项已揭晓`, `all ${n} award tiers revealed`);
  } else if (s.reveal) {  // the awards: what the screen shows now
    const rv = s.reveal;
    const last = rv.tiers.at(-1);
    if (last) $('cur-name').textContent = `颁奖：${last.label}（${last.projects.length} 项）`;
    else setBi($('cur-name'), '颁奖即将开始 Awards next');
    const tiers = rv.tiers.length ? rv.tiers.map((t) => t.label).join(' → ') : '';
    setPair($('cur-org'), `已揭晓 ${rv.step} / ${rv.total_tiers} 个奖项${tiers ? `：${tiers}` : ''}`,
      `${rv.step} of ${rv.total_tiers} award tiers revealed${tiers ? `: ${tiers}` : ''}`);
  }
  const prog = $('progress');
  prog.hidden = !s.progress;
  if (s.progress) {
    const { submitted, expected } = s.progress;
    prog.textContent = `已评 ${submitted} / ${expected}`;
    prog.className = `progress ${submitted >= expected ? 'complete' : ''}`;
  }
  const nxt = s.next_step;
  const label = $('next-label');
  const btn = $('next-step');
  btn.disabled = !nxt;
  if (nxt) {
    const p = nxt.project ? s.order.find((o) => o.id === nxt.project) : null;
    label.replaceChildren(...biNodes(nxt.label), ...(p ? [` · ${p.id} ${p.name}`] : []));
    btn.dataset.next = nxt.action;
  } else {
    setBi(label, s.phase === 'locked' ? '结果已锁定 Results locked'
      : (s.phase === 'setup' ? '请先在设置页抽签 / draw the running order on the setup page first' : '—'));
    delete btn.dataset.next;
  }
}

function tick() {
  if (!snap) return;
  const t = $('timer');
  const shown = !!(snap.timer && snap.timer.shown !== false);   // none once the roadshows are over
  t.hidden = !shown;
  $('timer-buttons').hidden = !shown;
  const raw = timerRaw(snap);
  const over = raw <= 0 && !!snap.timer && (snap.timer.running || snap.timer.overrun > 0);
  t.textContent = over ? fmtOverrun(-raw) : fmtClock(Math.max(0, raw));   // 超时 +0:23, counting up
  t.classList.toggle('running', !!(snap.timer && snap.timer.running));
  t.classList.toggle('warn', !over && snap.phase === 'presenting' && raw <= 30);
  t.classList.toggle('over', over);
}
setInterval(tick, 250);

// which actions can do something now: the server's list (judging/core/contest.py allowed_actions);
// nothing is re-decided here
function allowed(s, action) {
  return (s.allowed || []).includes(action);
}

// The screen and timer switches (holding view, hidden marks, timer with 请上台), as the server labels them.
function renderOptions(s) {
  $('options').hidden = !!s.access && !s.access.can.act;   // a role that may not act has no switches either
  renderKept($('options'), JSON.stringify([s.options, busy]), () => $('options').replaceChildren(
    ...(s.options || []).map((o) => el('button', {
      type: 'button', class: `btn small option${o.on ? ' on' : ''}`, 'data-option': o.id, 'data-action': o.action,
      'aria-pressed': String(o.on), disabled: busy,
    }, o.on ? '✓ ' : '', ...biNodes(o.label)))));
}

// Every action button is enabled from the snapshot's allowed list; a disabled one says why, in the server's
// words, when the snapshot carries them (refused: {action: reason}); without them it keeps its own label.
function renderButtons(s) {
  const refused = s.refused || {};
  for (const b of document.querySelectorAll('[data-action]')) {
    const action = b.dataset.action;
    const can = allowed(s, action);
    b.hidden = !!s.access && !s.access.actions.includes(action);   // the role's buttons only (the server says which)
    b.disabled = busy || !can;
    b.classList.toggle('suggested', !!(s.next_step && s.next_step.action === action));
    const why = !can && typeof refused[action] === 'string' ? refused[action] : '';
    if (why) b.title = why;
    else if (b.title) b.removeAttribute('title');
  }
  // the big button keeps keyboard focus while it waits (a disabled button would drop it): inert, not disabled
  const next = $('next-step');
  const inert = busy || waiting();
  next.toggleAttribute('data-waiting', inert);
  next.setAttribute('aria-disabled', String(inert || !s.next_step));
}


function showError(message) {
  actionError = { message, until: Date.now() + ERROR_MS };
  const ea = $('error-alert');
  ea.hidden = false;
  setBi(ea, message);
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => { actionError = null; if (snap) renderAlerts(snap, actionError); }, ERROR_MS);
  toast(message, 'bad');
}

// ------------------------------------------------------------------ boards: clicks open the marks dialog
wireNudges($('nudges'), cid);
$('judges').addEventListener('click', (ev) => {
  const chip = ev.target.closest('[data-judge]');
  if (!chip || !snap || !snap.current) return;
  openMarks(snap, snap.current.id, snap.round, chip.dataset.judge);
});
$('results').addEventListener('click', (ev) => {
  const tr = ev.target.closest('tr[data-project]');
  if (tr && snap) openMarks(snap, tr.dataset.project, null, null);
});
$('results').addEventListener('keydown', (ev) => {
  const tr = ev.target.closest('tr[data-project]');
  if (tr && snap && ev.key === 'Enter') openMarks(snap, tr.dataset.project, null, null);
});
$('order').addEventListener('click', (ev) => {
  const b = ev.target.closest('[data-present]');
  if (b) act('present', b.dataset.present);
});
$('roadshow').addEventListener('click', (ev) => {
  const b = ev.target.closest('[data-judge]');
  if (b && snap && snap.result) openMarks(snap, snap.result.project, snap.result.round, b.dataset.judge);
});

// ------------------------------------------------------------------ actions
function judgeList(js) {
  return el('ul', { class: 'missing-list' }, js.map((j) => el('li', {},
    el('span', { class: `dot ${j.connected ? 'on' : 'off'}` }), ` ${j.name}（${j.id}）`,
    el('span', { class: j.connected ? 'ok' : 'bad' }, ' ', ...biNodes(j.connected ? '在线 online' : '离线 offline')))));
}

function closeBody(s) {
  const missing = s.judges_status.filter((j) => !j.recused && !j.submitted);
  if (!missing.length) return el('p', {}, ...biNodes('所有评委均已提交。 / Every judge has submitted.'));
  return el('div', {}, el('p', {}, ...bi(`还有 ${missing.length} 位评委未提交。结束后他们的分数不再计入本项目。`,
    `${missing.length} judge(s) have not submitted; their marks will not count for this project.`, ' / ')), judgeList(missing));
}

function backBody(s) {
  const cur = s.current ? `（${s.current.id} ${s.current.name}）` : '';
  const ph = label('phase', s.phase);
  return el('p', {}, ...bi(`当前阶段「${ph.zh}」${cur}将退回上一步，大屏与评委手机同步退回（已提交的评分保留）。`,
    `The phase “${ph.en}”${cur} goes back one step; the screen and phones follow; submitted marks are kept.`, ' / '));
}

// A confirmation about the state shown: its body follows every update, and once the state has moved on
// from the version it was opened on, confirming is refused (that version is what the request carries).
async function ask(options, describe) {
  const shown = snap.version;
  const go = await confirmDialog({
    ...options, bodyNode: describe ? describe(snap) : null,
    onOpen: (ctl) => {
      liveConfirm = (s) => {
        if (!ctl.open) return;
        if (describe) ctl.body.replaceChildren(describe(s));
        if (s.version !== shown) ctl.block(STALE_NOTE);
      };
    },
  });
  liveConfirm = null;
  return { go, version: shown };
}

// {go, confirm, version}: whether to send, with confirm=true, and the version the operator acted on
async function confirmFor(action) {
  const s = snap;
  if (action === 'close_scoring') {
    if (!s.judges_status.some((j) => !j.recused && !j.submitted)) return { go: true, confirm: false, version: s.version };
    const { go, version } = await ask({ title: '有评委未提交，仍要结束评分？ Close scoring anyway?',
      confirm: '仍然结束评分 Close anyway', danger: true }, closeBody);
    return { go, confirm: true, version };
  }
  if (action === 'lock') {
    const { go, version } = await ask({
      title: '锁定结果？此操作不可撤销 Lock the results? This cannot be undone',
      body: '锁定后不能再更正评分、撤回步骤或更改任何结果；之后可导出成绩与评分表。/ After locking, no mark, step or result can change; exports stay available.',
      check: '我已核对全部成绩，确认锁定 I have checked the results',
      confirm: '确认锁定 Lock', danger: true });
    return { go, confirm: false, version };
  }
  if (action === 'back') {
    const { go, version } = await ask({ title: '撤回上一步？ Go back one step?', confirm: '撤回 Go back' }, backBody);
    return { go, confirm: false, version };
  }
  return { go: true, confirm: false, version: s.version };
}

// the current state from the server (after a lost answer, or a refused stale action)
async function reload() {
  try {
    receive(await api('GET', `/api/contests/${encodeURIComponent(cid)}`));
    return true;
  } catch (e) {
    if (e.status !== 401) {
      const [mz, me] = splitLabel(e.message);
      toast(`无法读取当前状态：${mz} / could not reload the state: ${me || mz}`, 'bad');
    }
    return false;
  }
}

async function act(action, project = null) {
  if (busy || !snap || waiting()) return;
  const asked = await confirmFor(action);
  if (asked.go) await send(action, project, asked.confirm, asked.version);
}

async function send(action, project, confirm, version, confirmRecent = false) {
  if (busy) return;
  busy = true;
  sentFrom = typeof version === 'number' ? version : -1;
  document.body.dataset.busy = action;
  renderButtons(snap);
  let askAgain = false;
  let recent = null;
  let error = '';
  try {
    const body = { action, expect_version: version, tab: TAB };
    if (project) body.project = project;
    if (confirm) body.confirm = true;
    if (confirmRecent) body.confirm_recent = true;
    const s = await api('POST', `/api/contests/${encodeURIComponent(cid)}/actions`, body);
    s.receivedAt = Date.now();
    receive(s);
    sentFrom = -1; // the answer is the newer state (or the server found nothing to change: nothing to wait for)
  } catch (e) {
    sentFrom = -1;
    if (e.status === 401) return;                     // on the way to the sign-in page
    if (e.network) {
      // the request may or may not have been applied: show what the server has now before anything else
      const reloaded = await reload();
      if (!reloaded) {
        error = `${e.message}。无法确认操作是否生效；再按一次是安全的：服务器会拒绝重复的操作。`
          + ' / Could not tell whether it took effect; pressing again is safe: the server refuses a repeat.';
      } else if (typeof version === 'number' && snap.version > version) {
        error = '没有收到服务器的应答，但状态已经变化：刚才的操作很可能已经生效，请先核对当前状态。'
          + ' / No answer came back, but the state has moved on: the action most likely took effect. Check before pressing again.';
      } else {
        error = '没有收到服务器的应答，刚才的操作没有生效，可以再按一次。'
          + ' / No answer came back and the action did not take effect: you can press again.';
      }
    } else if (e.status === 409 && e.data && e.data.code === 'recent_change') {
      recent = e.message;                             // another console just acted: ask before going on
    } else if (e.stale) {
      error = e.message;
      await reload();
    } else if (e.status === 409 && action === 'close_scoring' && !confirm && e.message.includes('未提交')) {
      await reload();                                 // someone's mark was withdrawn meanwhile: ask with the fresh list
      askAgain = true;
    } else error = e.message;
  } finally {
    busy = false;
    delete document.body.dataset.busy;
    if (snap) render();
  }
  if (error) showError(error);
  if (recent) {
    const go = await confirmDialog({ title: recent, body: '',
      confirm: '仍要继续 Continue', cancel: '取消 Cancel' });
    if (go) await send(action, project, confirm, snap.version, true);
  }
  if (askAgain) {
    const again = await confirmFor('close_scoring');
    if (again.go) await send('close_scoring', null, again.confirm, again.version);
  }
}

function nextStep() {
  if (!snap || !snap.next_step || busy || waiting() || Date.now() < cooldownUntil) return;
  cooldownUntil = Date.now() + COOLDOWN_MS; // a double press never skips a step
  const btn = $('next-step');
  btn.dataset.cooling = '1';
  setTimeout(() => { delete btn.dataset.cooling; }, COOLDOWN_MS);
  act(snap.next_step.action, snap.next_step.project);
}

$('next-step').addEventListener('click', nextStep);
document.querySelector('.stage').addEventListener('click', (ev) => {
  const b = ev.target.closest('[data-action]');
  if (b && !b.disabled) act(b.dataset.action);
});

// ------------------------------------------------------------------ keyboard
function typing(target) {
  return target instanceof Element && (target.closest('input, textarea, select, [contenteditable=""], [contenteditable=true]') !== null);
}

document.addEventListener('keydown', (ev) => {
  if (ev.repeat && (ev.key === 'Enter' || ev.key === ' ') && ev.target instanceof Element
      && ev.target.closest('#next-step, .stage button, #order button')) {
    ev.preventDefault(); // a held key is one press: its auto-repeat never "clicks" a step again
    return;
  }
  if (ev.ctrlKey || ev.metaKey || ev.altKey || dialogOpen() || typing(ev.target)) return;
  if (ev.code === 'Space' || ev.key === ' ') {
    ev.preventDefault(); // also keeps a focused button from being "clicked" by the space bar
    if (!ev.repeat) nextStep();
    return;
  }
  if (ev.repeat || !snap) return;
  const key = ev.key.toLowerCase();
  if (key === 't') {
    const which = snap.timer && snap.timer.running ? 'timer_pause' : 'timer_start';
    if (allowed(snap, which)) act(which);
  }
  else if (key === 'r' && allowed(snap, 'timer_reset')) act('timer_reset');
  else if (key === 'z' && allowed(snap, 'back')) act('back');
});
document.addEventListener('keyup', (ev) => {
  if ((ev.code === 'Space' || ev.key === ' ') && !typing(ev.target) && !dialogOpen()) ev.preventDefault();
});

// ------------------------------------------------------------------ connection
function onStatus(status) {
  showConn($('conn'), status);
  // no reset on reconnect: within one boot an older snapshot is never applied; a new boot resets (receive)
  if (status === 'invalid') signedOut(); // the session is gone (e.g. the organizer key was rotated)
}

document.addEventListener('marks-changed', (ev) => receive(ev.detail));
wireAudience(cid);
connect(`/ws/console/${encodeURIComponent(cid)}`, { onState: (s) => receive(s), onStatus });
