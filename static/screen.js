// The big screen (大屏): renders the screen snapshot pushed over /ws/s/<token> for a projector.
//
// What it does: one view per phase (setup/idle running order and leaderboard, presenting with a
// local countdown, scoring progress, closed, animated result reveal, ranking with tie alert,
// overtime, awards reveal tier by tier, locked final list) and an unobtrusive connection
// indicator.  Every snapshot is a full state, so a reconnect (live.js) simply re-renders.
// What it does not do: compute or guess any score, rank or award — it shows only what the
// snapshot holds (the server never sends a mark before that roadshow's scoring closed, nor an
// award before it is revealed).
//
// Long-running safety: the stage is replaced (never appended to) and only when its HTML changes
// (a refresh of the same moment replays no animation); the one countdown interval runs only while
// a running timer is on screen and stops at 0; listeners are added once at start.
//
// Stable hooks for tests (keep them when changing the page).  Text is Chinese first; numbers are
// judges' marks written like fmtNum (93.5, not 93.50); panel scores and totals with the rules'
// decimals (fmtScore: 93.50); money exactly as the server writes it (grant_text, amount_text: ¥50,000,
// ¥80,000.50, or ¥5万 when the rules say money_unit = "wan"); tie notes as the server words them
// (tie_text: "并列 94.00，加时赛决出").
//   body[data-phase]   the snapshot's phase: setup|idle|presenting|scoring|closed|result|ranking|reveal|locked
//   body[data-view]    what is shown: holding (the console's holding view, any phase: #holding with
//                      .h-title, .h-date, .h-venue) | order (running order + next up: setup, idle before the first
//                      roadshow) | board (idle between roadshows: leaderboard + next up) | overtime
//                      (idle in an overtime round) | presenting | scoring | closed | result | ranking |
//                      reveal | locked
//   body[data-round]   final | overtime1 …     body[data-conn]  live|connecting|reconnecting|invalid
//   body[data-seq]     seq of the last snapshot rendered
//   #rehearsal-badge   彩排 REHEARSAL in a corner while the contest is in rehearsal mode (hidden otherwise)
//   #contest-name, #round-label   banner in the vocabulary's words ("决赛路演 Final" / "加时赛 第 1 轮 Overtime 1"
//                                 + a phase chip "评分中"; "颁奖 Awards", "已锁定 Locked")
//   #conn[data-status]            connection indicator; its text (.conn-text) shows only when not live:
//                                 "连接中断，正在重连…"
//   #next-up .np-name             next project to present ("下一个上台"); "全部路演已完成" when none
//   #running-order li[data-project][data-status=done|current|pending]
//   #presenter-name, #presenter-org, #presenter-community, #presenter-position ("第 3 / 15 个",
//                                 in overtime "加时赛 第 1 / 2 个")
//   #countdown[data-state=ready|running|paused|warn|over]  "04:59"; red under 30 s; "时间到" at 0, then
//                                 "超时 +0:23" counting up (red) while the timer runs past zero
//   #progress[data-submitted][data-expected]               "已评 12/27" (scoring)
//   #closed-note                  "评分已结束 · 结果即将公布"
//   #result[data-project][data-round][data-settled]        data-settled="1" once its animation ended
//                                 (about 8 s; a browser context with reduced_motion="reduce" shows
//                                 everything at once, so data-settled is set immediately)
//     .panel[data-panel=expert|public…][data-marks=hidden when the console hides individual marks]  .panel-weight ("权重 70%")  .ps-value (panel score)
//     .mark[data-dropped=high|low]  .mark.dropped (struck through)  .mark-label  .mark-value
//       .mark-label is the server's anonymous label with 评审团 dropped: "专家 1", "大众 13";
//       a panel's marks share one number of decimals (82.0 next to 81.5)
//     #result-total                the round's score ("最终得分"; in overtime "加时赛得分")
//   #leaderboard .lb-row[data-project][data-rank][data-tie]  (.rank .name .org .lb-panel .total;
//                                 .tie when in an undecided tie across an award boundary) — board and ranking views
//   #tie-alert .tie-group[data-tie] ("并列！", the names, "总分同为 95.81")   #tie-resolved (after overtime)
//   .tie-mark ("并列") on tied rows and #tie-notes .tie-note[data-tie] (names + the server's tie_text)
//                                 — ranking and locked views; .track (the row's 赛道) wherever a row has one
//   #overtime .ot-project[data-project][data-status=done|current|pending] — the overtime view, and a
//                                 strip under presenting/scoring/closed/result in an overtime round
//   #reveal[data-step][data-total][data-settled]  .tier[data-tier]  .tier.latest (.tier-label, .winner
//                                 [data-project] with .w-name .grant)  .tier.done (earlier tiers)
//   #final .final-row[data-project][data-rank][data-award] (.rank .award .name .total .grant) — locked
//   #money-line (预算 · 已分配 · 未分配) and #money-notes (where capped projects' excess went) — locked
//   the audience (screen_audience.js): #join-card (.jc-qr, .jc-url) while the console shows it; the view
//   popularity (#aud-chart .bar-row[data-project][data-votes], .leader; .aud-total) while the popularity vote
//   is open; #aud-count[data-count] (ballots of the roadshow on stage); #aud-result[data-fallback] in #result;
//   body[data-audience] off|on|join
//
// The views live in screen_views.js (before a result), screen_result.js (one roadshow's result) and
// screen_ranking.js (ranking, awards, final list); their pieces in screen_parts.js; text fitting in
// screen_fit.js.  This module chooses the view, renders it once per frame and runs the countdown.

import { connect, timerRaw } from './live.js';
import { esc } from './shared/dom.js';
import { fmtClock, fmtOverrun } from './shared/format.js';
import { en, roundLabel as roundName, zh } from './shared/labels.js';
import { fitAll, fitMarks } from './screen_fit.js';
import { viewBoard, viewClosed, viewHolding, viewOrder, viewOvertimeIdle, viewPresenting, viewScoring } from './screen_views.js';
import { viewResult } from './screen_result.js';
import { applyBrand } from './screen_brand.js';
import { viewLocked, viewRanking, viewReveal } from './screen_ranking.js';
import { drawAudience, popularityOpen, viewPopularity } from './screen_audience.js';

const stage = document.getElementById('stage');
const banner = document.getElementById('round-label');
const conn = document.getElementById('conn');
const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)');

let snap = null;        // last snapshot
let lastHtml = '';      // what the stage shows now
let lastKey = '';       // which "moment" it shows (a new moment animates, a refresh does not)
let tick = null;        // countdown interval (only while a running timer is visible)
let renders = 0;        // counts stage renders, so a late animation promise cannot mark a newer view

export function chooseView(s) {
  if (s.holding) return viewHolding(s);
  if (popularityOpen(s)) return viewPopularity(s);
  switch (s.phase) {
    case 'setup': return viewOrder(s);
    case 'idle': {
      if (s.overtime) return viewOvertimeIdle(s);
      const done = (s.order || []).some((p) => p.status === 'done');
      return done && (s.leaderboard || []).length ? viewBoard(s) : viewOrder(s);
    }
    case 'presenting': return s.current ? viewPresenting(s) : viewOrder(s);
    case 'scoring': return s.current ? viewScoring(s) : viewOrder(s);
    case 'closed': return s.current ? viewClosed(s) : viewOrder(s);
    case 'result': return s.current ? viewResult(s) : viewOrder(s);
    case 'ranking': return viewRanking(s);
    case 'reveal': return viewReveal(s);
    case 'locked': return viewLocked(s);
    default: return { view: 'unknown', key: s.phase, html: '' };
  }
}

// ------------------------------------------------------------------ rendering

// The banner, in the vocabulary's words: the round ("决赛路演 Final", "加时赛 第 1 轮 Overtime 1") with the
// phase as a chip, or the phase alone at the awards and once locked; nothing on the holding view (and no
// chip between roadshows: the view says what comes next).
function roundText(s) {
  if (s.holding) return '';
  const words = ({ zh: z, en: e }) => `${esc(z)} <span class="en">${esc(e)}</span>`;
  if (s.phase === 'reveal' || s.phase === 'locked') return words({ zh: zh('phase', s.phase), en: en('phase', s.phase) });
  const round = words(roundName(s.overtime ? s.round : 'final'));
  if (s.overtime || s.phase === 'idle') return round;
  return `${round}<span class="phase-chip">${esc(zh('phase', s.phase))} <span class="en">${esc(en('phase', s.phase))}</span></span>`;
}

function render() {
  const s = snap;
  if (!s) return;
  const v = chooseView(s);
  const body = document.body;
  body.dataset.phase = s.phase;
  body.dataset.view = v.view;
  body.dataset.round = s.round || '';
  body.dataset.seq = String(s.seq ?? '');
  const rt = roundText(s);
  if (banner.innerHTML !== rt) banner.innerHTML = rt;
  const name = document.getElementById('contest-name');
  if (s.contest && name.textContent !== s.contest.name) { name.textContent = s.contest.name; fitAll(); }
  document.getElementById('rehearsal-badge').hidden = !s.contest?.rehearsal;  // 彩排 REHEARSAL, a corner badge

  if (v.html !== lastHtml) {
    const animate = v.key !== lastKey && !reduceMotion.matches;
    stage.classList.toggle('no-anim', !animate);
    stage.innerHTML = v.html;
    lastHtml = v.html;
    lastKey = v.key;
    fitMarks(stage);
    fitAll();
    markSettled(++renders);
  }
  applyBrand(s, v.view);   // colours, logo, sponsor strip (screen_brand.js)
  drawAudience(s);
  updateCountdown();
}

// data-settled="1" on #result / #reveal once its entrance animations have finished (at once without
// animations).  Driven by the animations themselves, not by a timer that could outlive the view.
function markSettled(render) {
  const el = document.getElementById('result') || document.getElementById('reveal');
  if (!el) return;
  const finite = stage.getAnimations({ subtree: true })
    .filter((a) => a.effect && a.effect.getTiming().iterations !== Infinity);
  if (!finite.length) { el.dataset.settled = '1'; return; }
  Promise.all(finite.map((a) => a.finished)).then(() => {
    if (render === renders && el.isConnected) el.dataset.settled = '1';
  }, () => { /* replaced by a newer view */ });
}

function updateCountdown() {
  const el = document.getElementById('countdown');
  const running = !!(el && snap && snap.timer && snap.timer.running);  // past zero too: the overrun counts up
  if (el) {
    const left = timerRaw(snap);
    let state = 'ready';
    if (left <= 0) state = 'over';
    else if (left <= 30 && (running || left < snap.timer.duration)) state = 'warn';
    else if (running) state = 'running';
    else if (left < snap.timer.duration) state = 'paused';
    const text = state === 'over' ? fmtOverrun(-left) : fmtClock(left);   // 时间到, then 超时 +0:23
    if (el.dataset.state !== state) el.dataset.state = state;
    if (el.textContent !== text) el.textContent = text;
    const label = state === 'over' ? "Time's up" : state === 'paused' ? '计时暂停 Paused' : '剩余时间 Time left';
    if (el.getAttribute('aria-label') !== label) el.setAttribute('aria-label', label);
  }
  if (running && !tick) tick = setInterval(updateCountdown, 200);
  if (!running && tick) { clearInterval(tick); tick = null; }
}

// Double-click (or F11) for full screen on the projector laptop.
document.addEventListener('dblclick', () => {
  if (!document.fullscreenElement && document.documentElement.requestFullscreen) {
    document.documentElement.requestFullscreen().catch(() => { /* refused: F11 still works */ });
  }
});

let resizeTimer = null;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => { resizeTimer = null; fitMarks(stage); fitAll(); }, 150);
});

// ------------------------------------------------------------------ connection

const STATUS_TEXT = {
  live: '已连接 <span class="en">Live</span>',
  connecting: '正在连接… <span class="en">Connecting</span>',
  reconnecting: '连接中断，正在重连… <span class="en">Reconnecting</span>',
  invalid: '大屏链接已失效，请向组织者索取新链接 <span class="en">This screen link is no longer valid</span>',
};

function onStatus(status) {
  document.body.dataset.conn = status;
  conn.dataset.status = status;
  const text = conn.querySelector('.conn-text');
  if (text) text.innerHTML = STATUS_TEXT[status] || esc(status);
}

// Render the newest snapshot once per frame: a burst of snapshots (a 20-project ranking after a quick
// series of changes) must not queue up one costly layout-and-fit each, or the screen falls seconds behind.
// A hidden page (no frames) renders at once.
let renderDue = false;
function onState(s) {
  snap = s;
  if (document.hidden) { render(); return; }
  if (renderDue) return;
  renderDue = true;
  requestAnimationFrame(() => { renderDue = false; render(); });
}

const token = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
document.body.dataset.conn = 'connecting';
// A phone following the shared screen link asks for the small watcher snapshot (?view=watch, a few updates
// a second); the projector for the full one.  ?view=screen / ?view=watch in the page's address decide; else a
// device screen narrower than 1000 px is a phone (docs/PROTOCOL.md).
const asked = new URLSearchParams(location.search).get('view');
const view = asked === 'watch' || asked === 'screen' ? asked : (Math.max(screen.width, screen.height) < 1000 ? 'watch' : 'screen');
connect(`/ws/s/${encodeURIComponent(token)}${view === 'watch' ? '?view=watch' : ''}`, { onState, onStatus });
