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

import { connect, timerRaw, fmtClock, fmtOverrun, fmtNum, fmtScore } from './live.js';
import { api, toast, confirmDialog, dialogOpen, el, phaseLabel, renderKept, signedOut } from './console_api.js';
import { openMarks, refreshMarks } from './console_marks.js';
import { renderNudges, wireNudges } from './console_nudge.js';

const main = document.querySelector('main');
const cid = main.dataset.cid;
const $ = (id) => document.getElementById(id);
let snap = null;
const scoreText = (x) => fmtScore(x, snap && snap.contest ? snap.contest.digits : 2);  // as published
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
  document.title = `控制台 Console · ${s.contest.name}`;
  const phase = $('phase');
  phase.textContent = phaseLabel(s.phase);
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
  renderAlerts(s);
  renderResults(s);
  renderOrder(s);
  renderRoadshow(s);
  refreshMarks(s);
  if (liveConfirm) liveConfirm(s);
  tick();
}

// an action was sent from the version shown and its answer (or a newer state) has not arrived yet
function waiting() {
  return !!snap && typeof snap.version === 'number' && snap.version <= sentFrom;
}

// ------------------------------------------------------------------ stage
function renderStage(s) {
  const cur = s.current;
  $('cur-pos').textContent = cur && cur.position ? `${cur.position} / ${cur.of}` : '';
  $('cur-name').textContent = cur ? `${cur.id} ${cur.name}` : (s.phase === 'setup' ? '比赛尚未开始 Not started' : '—');
  $('cur-org').textContent = cur ? [cur.organization, cur.community].filter(Boolean).join(' · ') : '';
  if (s.phase === 'locked') {  // the final state: nothing is on stage any more
    const n = s.reveal ? s.reveal.total_tiers : 0;
    $('cur-pos').textContent = '';
    $('cur-name').textContent = '结果已锁定 Results locked';
    $('cur-org').textContent = `全部 ${n} 个奖项已揭晓 · all ${n} award tiers revealed`;
  } else if (s.reveal) {  // the awards: what the screen shows now
    const rv = s.reveal;
    const last = rv.tiers.at(-1);
    $('cur-name').textContent = last ? `颁奖：${last.label}（${last.projects.length} 项）` : '颁奖即将开始 Awards next';
    $('cur-org').textContent = `已揭晓 ${rv.step} / ${rv.total_tiers} 个奖项 tiers revealed`
      + (rv.tiers.length ? `：${rv.tiers.map((t) => t.label).join(' → ')}` : '');
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
    label.textContent = p ? `${nxt.label} · ${p.id} ${p.name}` : nxt.label;
    btn.dataset.next = nxt.action;
  } else {
    label.textContent = s.phase === 'locked' ? '结果已锁定 Results locked'
      : (s.phase === 'setup' ? '请先在设置页抽签 / draw the running order on the setup page first' : '—');
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

// which actions can do something now: the server's list (judging/core/contest.py allowed_actions)
function allowed(s, action) {
  if (action === 'back' && !s.can_go_back) return false;
  return (s.allowed || []).includes(action);
}

// The screen and timer switches (holding view, hidden marks, timer with 请上台), as the server labels them.
function renderOptions(s) {
  renderKept($('options'), JSON.stringify([s.options, busy]), () => $('options').replaceChildren(
    ...(s.options || []).map((o) => el('button', {
      type: 'button', class: `btn small option${o.on ? ' on' : ''}`, 'data-option': o.id, 'data-action': o.action,
      'aria-pressed': String(o.on), disabled: busy,
    }, `${o.on ? '✓ ' : ''}${o.label}`))));
}

function renderButtons(s) {
  for (const b of document.querySelectorAll('[data-action]')) {
    b.disabled = busy || !allowed(s, b.dataset.action);
    b.classList.toggle('suggested', !!(s.next_step && s.next_step.action === b.dataset.action));
  }
  // the big button keeps keyboard focus while it waits (a disabled button would drop it): inert, not disabled
  const next = $('next-step');
  const inert = busy || waiting();
  next.toggleAttribute('data-waiting', inert);
  next.setAttribute('aria-disabled', String(inert || !s.next_step));
}

// ------------------------------------------------------------------ judges
function judgeState(s, j) {
  const live = ['scoring', 'closed', 'result'].includes(s.phase);
  if (j.recused) return 'recused';
  if (!live) return 'neutral';
  return j.submitted ? 'submitted' : 'missing';
}

function renderJudges(s) {
  const key = JSON.stringify([s.phase, s.setup.panels.map((p) => [p.id, p.label]), s.judges_status.map((j) =>
    [j.id, j.name, j.panel, j.connected, j.recused, j.submitted, j.total, j.outlier])]);
  renderKept($('judges'), key, () => drawJudges(s));
  const online = s.judges_status.filter((j) => j.connected).length;
  const missing = s.judges_status.filter((j) => judgeState(s, j) === 'missing');
  $('judges-summary').textContent = `在线 ${online}/${s.judges_status.length}`
    + (['scoring', 'closed', 'result'].includes(s.phase) ? ` · 未提交 ${missing.length}` : '');
}

function drawJudges(s) {
  const groups = s.setup.panels.map((p) => {
    const js = s.judges_status.filter((j) => j.panel === p.id);
    return el('div', { class: 'panel-group' },
      el('h3', {}, `${p.label}`, el('span', { class: 'count' },
        ` 在线 ${js.filter((j) => j.connected).length}/${js.length}`)),
      el('div', { class: 'chips' }, js.map((j) => {
        const state = judgeState(s, j);
        const title = [`${j.name}（${j.id}）`, j.connected ? '在线 online' : '离线 offline',
          { recused: '回避本项目 recused', submitted: `已提交 ${fmtNum(j.total)}`, missing: '未提交 not submitted', neutral: '' }[state],
          j.outlier ? `⚠ ${j.outlier}` : ''].filter(Boolean).join(' · ');
        return el('button', { type: 'button', class: `chip ${state}${j.outlier ? ' outlier' : ''}`, 'data-judge': j.id, title },
          el('span', { class: `dot ${j.connected ? 'on' : 'off'}`, role: 'img', 'aria-label': j.connected ? '在线 online' : '离线 offline' }),
          el('span', { class: 'jname' }, j.name),
          state === 'submitted' ? el('span', { class: 'jtotal num' }, fmtNum(j.total)) : null,
          state === 'recused' ? el('span', { class: 'jtag' }, '回避') : null,
          state === 'missing' ? el('span', { class: 'jtag' }, '未交') : null,
          j.outlier ? el('span', { class: 'jflag', role: 'img', 'aria-label': '异常分 outlier' }, '⚠') : null);
      })));
  });
  $('judges').replaceChildren(...groups);
}

wireNudges($('nudges'), cid);
$('judges').addEventListener('click', (ev) => {
  const chip = ev.target.closest('[data-judge]');
  if (!chip || !snap || !snap.current) return;
  openMarks(snap, snap.current.id, snap.round, chip.dataset.judge);
});

// ------------------------------------------------------------------ alerts
function renderAlerts(s) {
  const out = s.outliers || [];   // worst first, as the server flagged them (judging/core/outliers.py)
  const oa = $('outlier-alert');
  oa.hidden = out.length === 0;
  if (out.length) {  // redrawn only when it changed: a live region is announced again on every redraw
    const panels = Object.fromEntries(s.setup.panels.map((p) => [p.id, p.label.split(' ')[0]]));
    renderKept(oa, JSON.stringify([s.current && s.current.id, out.map((j) => [j.judge, j.total, j.message])]), () => oa.replaceChildren(el('strong', {}, '⚠ 异常分提醒 Outlier warning'), ' ',
      el('span', {}, `${s.current ? `${s.current.id} ${s.current.name}：` : ''}`),
      ...out.map((j) => el('span', { class: 'outlier-item', 'data-judge': j.judge },
        `${j.name}（${panels[j.panel] || j.panel}）${fmtNum(j.total)} 分 — ${j.message}`)),
      el('span', { class: 'en' }, ' 请主持人请该评委核对是否输入有误；系统不会自动修改成绩。Ask the judge to check for a typo; the result is not changed automatically.')));
  }
  const ea = $('error-alert');
  if (actionError && Date.now() < actionError.until) {   // an action's error stays readable for a while
    ea.hidden = false;
    ea.textContent = actionError.message;
  } else {
    ea.hidden = !s.results_error;
    ea.textContent = s.results_error ? `成绩无法计算 / the results cannot be computed: ${s.results_error}` : '';
  }
  const ta = $('tie-alert');
  const crossing = s.ties.filter((t) => t.crosses_boundary);
  const open = crossing.filter((t) => !t.resolved_by);
  ta.hidden = crossing.length === 0 && s.needs_overtime.length === 0;
  if (!ta.hidden) {
    // how each tie was settled, in the server's words (judging/core/tie_labels.py): 加时赛决出, 专家评审团得分高者胜 …
    const lines = crossing.map((t) => `${t.names.join('、')}（${scoreText(t.total)} 分）`
      + (t.resolved_by ? ` — ${t.how} resolved` : ' — 未决 undecided'));
    let next = '';
    if (s.needs_overtime.length) {
      next = s.phase === 'ranking' ? ' → 需要加时赛，请点「开始加时赛」。/ Overtime needed.'
        : ' → 加时赛进行中。/ Overtime in progress.';
    }
    ta.className = `alert ${open.length || s.needs_overtime.length ? 'warn' : 'info'}`;
    renderKept(ta, JSON.stringify([lines, next]), () => ta.replaceChildren(
      el('strong', {}, '并列跨越奖项线 Tie across an award boundary：'), ' ', lines.join('；'), next));
  }
  const sa = $('storage-alert');  // the server's disk is full: writes are refused until there is room again
  sa.hidden = !s.storage || s.storage.ok !== false;
  sa.textContent = sa.hidden ? '' : `⚠ ${s.storage.message}`;
  const wa = $('warn-alert');
  wa.hidden = !s.warnings.length;
  wa.textContent = s.warnings.length ? `提示 Notes: ${s.warnings.join('；')}` : '';
}

function showError(message) {
  actionError = { message, until: Date.now() + ERROR_MS };
  const ea = $('error-alert');
  ea.hidden = false;
  ea.textContent = message;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => { actionError = null; if (snap) renderAlerts(snap); }, ERROR_MS);
  toast(message, 'bad');
}

// ------------------------------------------------------------------ results
// Money is shown as the server writes it (grant_text, money.line: ¥80,000.50 / ¥8万), never re-formatted here.
function renderResults(s) {
  const key = JSON.stringify([s.setup.panels.map((p) => [p.id, p.label]), s.results, s.ties,
    s.current && s.current.id, s.contest.digits]);
  renderKept($('results'), key, () => drawResults(s));
  $('results-count').textContent = s.results.length ? `（${s.results.length} 项 projects）` : '';
  const m = s.money;
  const ml = $('money-line');
  ml.hidden = !(m && s.results.length);
  ml.textContent = m ? `创投资金 Grants：${m.line}${m.notes.length ? `（${m.notes.join('；')}）` : ''}` : '';
}

function drawResults(s) {
  const table = $('results');
  const panels = s.setup.panels;
  const hasOT = s.results.some((r) => r.overtime && Object.keys(r.overtime).length);
  const hasTrack = s.results.some((r) => r.track);
  table.tHead.replaceChildren(el('tr', {},
    el('th', { class: 'num', title: 'Rank' }, '名次'), hasTrack ? el('th', { title: 'Track' }, '赛道') : null,
    el('th', { title: 'Project' }, '项目'),
    panels.map((p) => el('th', { class: 'num', title: p.label }, p.label.split(' ')[0].replace('评审团', ''))),
    el('th', { class: 'num', title: 'Total' }, '总分'), hasOT ? el('th', { class: 'num', title: 'Overtime' }, '加时') : null,
    el('th', { title: 'Tie' }, '并列'), el('th', { title: 'Award' }, '奖项'), el('th', { class: 'num', title: 'Grant' }, '奖金')));
  const ties = Object.fromEntries(s.ties.map((t) => [t.id, t]));
  table.tBodies[0].replaceChildren(...s.results.map((r) => {
    const tie = r.tie ? ties[r.tie] : null;
    const cls = [tie && tie.crosses_boundary ? 'tie-cross' : '', r.pending_overtime ? 'pending-ot' : '',
      s.current && s.current.id === r.project ? 'current' : ''].filter(Boolean).join(' ');
    return el('tr', { class: cls, 'data-project': r.project, tabIndex: 0 },
      el('td', { class: 'num rank' }, String(r.rank)),
      hasTrack ? el('td', { class: 'track' }, r.track || '') : null,
      el('td', { class: 'pname', title: `${r.project} ${r.name}` },
        el('span', { class: 'clip' }, el('span', { class: 'pid' }, r.project), ' ', r.name)),
      panels.map((p) => el('td', { class: 'num' }, scoreText(r.panels[p.id]))),
      el('td', { class: 'num total' }, scoreText(r.total)),
      hasOT ? el('td', { class: 'num' }, Object.values(r.overtime || {}).map((x) => scoreText(x)).join(' / ')) : null,
      el('td', {}, tie ? el('span', { class: `badge ${tie.crosses_boundary ? 'bad' : ''}`, title: tie.text || '' },
        tie.crosses_boundary ? (tie.resolved_by ? '已决' : '需加时') : '并列') : ''),
      el('td', {}, r.pending_overtime ? '待定' : (r.award_label || '')),
      el('td', { class: 'num' }, r.pending_overtime ? '—' : (r.award ? r.grant_text : '')));
  }));
}

$('results').addEventListener('click', (ev) => {
  const tr = ev.target.closest('tr[data-project]');
  if (tr && snap) openMarks(snap, tr.dataset.project, null, null);
});
$('results').addEventListener('keydown', (ev) => {
  const tr = ev.target.closest('tr[data-project]');
  if (tr && snap && ev.key === 'Enter') openMarks(snap, tr.dataset.project, null, null);
});

// ------------------------------------------------------------------ running order
function renderOrder(s) {
  const canPresent = allowed(s, 'present');
  renderKept($('order'), JSON.stringify([s.order, canPresent, busy]), () => $('order').replaceChildren(...s.order.map((o) => el('li', { class: `st-${o.status || 'pending'}`, 'data-project': o.id },
    el('span', { class: 'pos num' }, String(o.position)),
    el('span', { class: 'pid' }, o.id),
    el('span', { class: 'pname' }, o.name || ''),
    o.status === 'done' ? el('span', { class: 'st' }, '✓') : null,
    o.status === 'current' ? el('span', { class: 'st now' }, '▶ 台上') : null,
    o.status === 'pending' && canPresent
      ? el('button', { type: 'button', class: 'btn secondary small', 'data-present': o.id, disabled: busy },
        '请上台') : null))));
}

$('order').addEventListener('click', (ev) => {
  const b = ev.target.closest('[data-present]');
  if (b) act('present', b.dataset.present);
});

// ------------------------------------------------------------------ roadshow result
function renderRoadshow(s) {
  renderKept($('roadshow'), JSON.stringify([s.result, s.phase === 'scoring', s.contest.digits]), () => drawRoadshow(s));
}

function drawRoadshow(s) {
  const box = $('roadshow');
  const r = s.result;
  if (!r) {
    box.replaceChildren(el('p', { class: 'hint' }, s.phase === 'scoring'
      ? '评分进行中，结束评分后显示。Scoring is open: shown once it closes.' : '评分结束后显示。Shown once scoring closes.'));
    return;
  }
  box.replaceChildren(
    ...r.panels.map((p) => el('div', { class: 'rs-panel' },
      el('div', { class: 'rs-head' }, el('strong', {}, p.label), ` 权重 ${fmtNum(p.weight * 100, 1)}% · `,
        el('span', { class: 'num' }, `得分 ${scoreText(p.score)}`)),
      el('div', { class: 'rs-marks' }, p.marks.map((m) => el('button', {
        type: 'button', class: `mk ${m.dropped ? 'dropped' : ''}`, 'data-judge': m.judge,
        title: `${m.name}（${m.judge}）${m.dropped ? ' · 去掉 dropped' : ''} · 点击更正 click to correct`,
      }, el('span', { class: 'mk-name' }, m.name), el('span', { class: 'num' }, fmtNum(m.total))))))),
    el('div', { class: 'rs-total' }, `本场得分 Score ${scoreText(r.score)}`,
      r.total !== null ? ` · 总分 Total ${scoreText(r.total)}` : '', r.rank ? ` · 当前第 ${r.rank} 名` : ''));
}

$('roadshow').addEventListener('click', (ev) => {
  const b = ev.target.closest('[data-judge]');
  if (b && snap && snap.result) openMarks(snap, snap.result.project, snap.result.round, b.dataset.judge);
});

// ------------------------------------------------------------------ actions
function judgeList(js) {
  return el('ul', { class: 'missing-list' }, js.map((j) => el('li', {},
    el('span', { class: `dot ${j.connected ? 'on' : 'off'}` }), ` ${j.name}（${j.id}）`,
    el('span', { class: j.connected ? 'ok' : 'bad' }, j.connected ? ' 在线 online' : ' 离线 offline'))));
}

function closeBody(s) {
  const missing = s.judges_status.filter((j) => !j.recused && !j.submitted);
  if (!missing.length) return el('p', {}, '所有评委均已提交。/ Every judge has submitted.');
  return el('div', {}, el('p', {}, `还有 ${missing.length} 位评委未提交。结束后他们的分数不再计入本项目。`
    + `/ ${missing.length} judge(s) have not submitted; their marks will not count for this project.`), judgeList(missing));
}

function backBody(s) {
  const cur = s.current ? `（${s.current.id} ${s.current.name}）` : '';
  return el('p', {}, `当前阶段「${phaseLabel(s.phase)}」${cur}将退回上一步，大屏与评委手机同步退回（已提交的评分保留）。`
    + '/ The screen and phones follow; submitted marks are kept.');
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
    receive(await api('GET', `/api/contests/${cid}`));
    return true;
  } catch (e) {
    if (e.status !== 401) toast(`无法读取当前状态 / could not reload the state: ${e.message}`, 'bad');
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
    const s = await api('POST', `/api/contests/${cid}/actions`, body);
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
    const go = await confirmDialog({ title: recent.split(' / ')[0], body: `${recent.split(' / ')[1] || ''}`,
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
const STATUS = { connecting: '连接中 connecting', live: '已连接 live', reconnecting: '重新连接中… reconnecting',
  invalid: '登录已失效，请重新登录 signed out' };

function onStatus(status) {
  const c = $('conn');
  c.className = `conn ${status}`;
  c.textContent = STATUS[status] || status;
  // no reset on reconnect: within one boot an older snapshot is never applied; a new boot resets (receive)
  if (status === 'invalid') signedOut(); // the session is gone (e.g. the organizer key was rotated)
}

document.addEventListener('marks-changed', (ev) => receive(ev.detail));
connect(`/ws/console/${cid}`, { onState: (s) => receive(s), onStatus });
