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
//   #contest-name, #round-label   banner ("决赛" / "加时赛" / "颁奖" / "结果已锁定" + a phase chip)
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

import { connect, timerRaw, fmtClock, fmtOverrun, fmtNum, fmtScore, esc } from './live.js';

const stage = document.getElementById('stage');
const roundLabel = document.getElementById('round-label');
const conn = document.getElementById('conn');
const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)');

let snap = null;        // last snapshot
const scoreText = (x) => fmtScore(x, snap && snap.contest ? snap.contest.digits : 2);  // as published
let lastHtml = '';      // what the stage shows now
let lastKey = '';       // which "moment" it shows (a new moment animates, a refresh does not)
let tick = null;        // countdown interval (only while a running timer is visible)
let renders = 0;        // counts stage renders, so a late animation promise cannot mark a newer view

const PHASE_LABEL = {
  setup: '即将开始', idle: '', presenting: '路演中', scoring: '评分中', closed: '评分结束',
  result: '公布结果', ranking: '排名', reveal: '颁奖', locked: '最终结果',
};

// ------------------------------------------------------------------ formatting

// Only for amounts the server sent as a number alone (older snapshots); every page shows grant_text.
export function fmtMoney(x) {
  if (x === null || x === undefined) return '—';
  return '¥' + Number(x).toLocaleString('en-US', { maximumFractionDigits: 2 });
}

function fmtWeight(w) {
  return `${fmtNum(w * 100, 1)}%`;
}

function shortLabel(label) {        // "专家评审团 Expert panel" -> "专家评审团"
  return String(label || '').split(/\s+/)[0];
}

function en(label) {                // "专家评审团 Expert panel" -> "Expert panel"
  const parts = String(label || '').split(/\s+/);
  return parts.slice(1).join(' ');
}

function panelLabels(s) {
  const out = {};
  for (const p of s.panels || []) out[p.id] = p;
  return out;
}

// ------------------------------------------------------------------ pieces

function nextUp(s) {
  return (s.order || []).find((p) => p.status === 'pending') || null;
}

function nextUpBox(s, { compact = false } = {}) {
  const p = nextUp(s);
  if (!p) {
    return `<div id="next-up" class="next-up done"><div class="np-label">全部路演已完成 <span class="en">All roadshows done</span></div>
      <div class="np-wait">等待公布排名 <span class="en">Ranking coming up</span></div></div>`;
  }
  const of = (s.order || []).length;
  return `<div id="next-up" class="next-up${compact ? ' compact' : ''}" data-project="${esc(p.id)}">
    <div class="np-label">下一个上台 <span class="en">Next up</span></div>
    <div class="np-pos">第 ${p.position} / ${of} 个</div>
    <div class="np-name fit">${esc(p.name)}</div>
    <div class="np-org fit fit-line">${esc(p.organization)}${p.community ? ` · ${esc(p.community)}` : ''}</div></div>`;
}

function runningOrder(s) {
  const items = s.order || [];
  if (!items.length) {
    return `<div class="empty-note">出场顺序待抽签 <span class="en">Running order not drawn yet</span></div>`;
  }
  const cols = items.length > 8 ? 2 : 1;
  const rows = Math.ceil(items.length / cols);
  return `<ol id="running-order" style="--rows:${rows};--cols:${cols}">${items.map((p) => `
    <li data-project="${esc(p.id)}" data-status="${esc(p.status || 'pending')}">
      <span class="ro-pos">${p.position}</span><span class="ro-name fit">${esc(p.name)}</span>
      <span class="ro-org fit fit-line">${esc(p.organization)}</span></li>`).join('')}</ol>`;
}

// The server's tie words once per tie (rows of one tie share its tie_text), e.g.
// "项目A、项目B：并列 94.00，加时赛决出".
// skip: ties already worded elsewhere on the stage (the tie alert, #tie-resolved).
function tieNotes(rows, skip = new Set()) {
  const groups = new Map();
  for (const r of rows) {
    if (!r.tie || !r.tie_text || skip.has(r.tie)) continue;
    if (!groups.has(r.tie)) groups.set(r.tie, { text: r.tie_text, names: [] });
    groups.get(r.tie).names.push(r.name);
  }
  if (!groups.size) return '';
  return `<div id="tie-notes">${[...groups].map(([id, g]) => `<span class="tie-note" data-tie="${esc(id)}">${
    g.names.map(esc).join('、')}：${esc(g.text)}</span>`).join('')}</div>`;
}

const trackTag = (r) => (r.track ? `<span class="track">${esc(r.track)}</span>` : '');
const tieMark = (r, on) => (on && r.tie_text ? `<span class="tie-mark" title="${esc(r.tie_text)}">并列</span>` : '');

// Lists of projects (leaderboard, final list): more than this many rows take two columns; a name is never
// shrunk below NAME_MIN_U (1.46 --u: 28 px at 1920×1080, readable from the back of a hall) while two lines
// at that size hold it; names longer than LONG_NAME make a two-column list give up the panel scores.
const LIST_ONE_COLUMN = 10;
const NAME_MIN_U = 1.46;
const LONG_NAME = 12;
const NAME_MIN = `data-fit-min="${NAME_MIN_U}"`;

function leaderboard(s, rows, { ties = false } = {}) {
  const labels = panelLabels(s);
  const open = new Set((s.ties || []).filter((t) => !t.resolved_by).map((t) => t.id));
  const panelIds = (s.panels || []).map((p) => p.id);
  const n = rows.length;
  const cols = n > LIST_ONE_COLUMN ? 2 : 1;   // two columns (without organizations) for long lists
  const per = Math.ceil(n / cols);
  const long = rows.some((r) => [...(r.name || '')].length + (r.track ? 3 : 0) > LONG_NAME);
  const head = `<div class="lb-head"><span class="rank">名次</span><span class="name">项目 <span class="en">Project</span></span>
    <span class="org">申报机构</span>${panelIds.map((id) => `<span class="lb-panel">${esc(shortLabel(labels[id]?.label || id))}</span>`).join('')}
    <span class="total">总分</span></div>`;
  const row = (r) => `<div class="lb-row${open.has(r.tie) ? ' tie' : ''}" data-project="${esc(r.project)}" data-rank="${r.rank}"${r.tie ? ` data-tie="${esc(r.tie)}"` : ''}>
    <span class="rank">${r.rank}</span>
    <span class="name fit" ${NAME_MIN}>${trackTag(r)}${esc(r.name)}${r.pending_overtime ? '<span class="tag">待加时</span>' : ''}${tieMark(r, ties)}</span>
    <span class="org fit fit-line">${esc(r.organization)}</span>
    ${panelIds.map((id) => `<span class="lb-panel num">${scoreText((r.panels || {})[id])}</span>`).join('')}
    <span class="total num">${scoreText(r.total)}</span></div>`;
  let body = '';
  for (let c = 0; c < cols; c += 1) {
    body += `<div class="lb-col" style="--rows:${per}">${head}${rows.slice(c * per, (c + 1) * per).map(row).join('')}</div>`;
  }
  return `<div id="leaderboard" class="lb cols-${cols}${long ? ' long-names' : ''}" style="--panels:${panelIds.length}" data-count="${n}">${body}</div>`;
}

function overtimeStrip(s) {
  const items = s.order || [];
  return `<div id="overtime" class="ot-strip">
    <span class="ot-badge">加时赛 <span class="en">Overtime</span></span>
    ${items.map((p) => `<span class="ot-project" data-project="${esc(p.id)}" data-status="${esc(p.status)}">
      <span class="ot-name fit">${esc(p.name)}</span><span class="ot-status">${
        p.status === 'current' ? '正在进行' : p.status === 'done' ? '已评完' : '待路演'}</span></span>`).join('')}
  </div>`;
}

function presenterHead(s, { big = true } = {}) {
  const c = s.current;
  const pos = s.overtime ? `加时赛 第 ${c.position} / ${c.of} 个` : `第 ${c.position} / ${c.of} 个`;
  return `<div class="presenter${big ? ' big' : ' small'}">
    <div id="presenter-position" class="pos">${esc(pos)}</div>
    <h2 id="presenter-name" class="fit" style="--len:${[...(c.name || '')].length}">${esc(c.name)}</h2>
    <div class="who fit"><span id="presenter-org">${esc(c.organization)}</span>${c.community
      ? `<span class="sep">·</span><span id="presenter-community">${esc(c.community)}</span>` : ''}</div>
  </div>`;
}

function progressBox(s) {
  const p = s.progress || { submitted: 0, expected: 0 };
  const pct = p.expected ? Math.round((100 * p.submitted) / p.expected) : 0;
  return `<div id="progress" data-submitted="${p.submitted}" data-expected="${p.expected}">
    <div class="pg-text">已评 <b class="num">${p.submitted}/${p.expected}</b></div>
    <div class="pg-bar"><div class="pg-fill" style="width:${pct}%"></div></div>
    <div class="en pg-en">${p.submitted} of ${p.expected} judges have scored</div></div>`;
}

// ------------------------------------------------------------------ views

function viewOrder(s) {
  const title = s.phase === 'setup' ? '即将开始' : '比赛开始';
  return {
    view: 'order', key: `order:${s.phase}`,
    html: `<section class="view view-order">
      <div class="welcome"><div class="w-title">${title}</div><div class="en">${s.phase === 'setup' ? 'Starting soon' : 'The final begins'}</div>
      ${s.order && s.order.length ? nextUpBox(s) : ''}</div>
      <div class="order-wrap"><h2 class="section-title">出场顺序 <span class="en">Running order</span></h2>${runningOrder(s)}</div>
    </section>`,
  };
}

function viewBoard(s) {
  const done = (s.order || []).filter((p) => p.status === 'done').length;
  const total = (s.order || []).length;
  return {
    view: 'board', key: `board:${done}`,
    html: `<section class="view view-board">
      <div class="board-main"><h2 class="section-title">当前排名 <span class="en">Standings</span>
        <span class="sub">已完成 ${done} / ${total} 个项目</span></h2>${leaderboard(s, s.leaderboard || [])}</div>
      <aside class="board-side">${nextUpBox(s, { compact: true })}</aside>
    </section>`,
  };
}

function viewOvertimeIdle(s) {
  const groups = s.overtime_groups || [];
  const ties = (s.ties || []).filter((t) => !t.resolved_by);
  const totals = {};
  for (const t of ties) for (const p of t.projects) totals[p] = t.total;
  const next = nextUp(s);
  return {
    view: 'overtime', key: `overtime:${s.round}:${next ? next.id : ''}`,
    html: `<section class="view view-overtime" id="overtime">
      <div class="ot-title">加时赛 <span class="en">Overtime round${s.overtime > 1 ? ` ${s.overtime}` : ''}</span></div>
      <p class="ot-explain">以下项目总分并列，且跨越奖项分界，将依次加时路演、重新评分。<br>加时赛只决定并列项目之间的名次，不改变总分。
        <span class="en">Tied across a prize boundary: a short extra roadshow decides their order; totals do not change.</span></p>
      <div class="ot-groups">${groups.map((g, i) => `<div class="ot-group" data-group="${i + 1}">
        ${g.map((p) => {
          const o = (s.order || []).find((x) => x.id === p.id) || {};
          const st = o.status || 'pending';
          return `<div class="ot-project${next && next.id === p.id ? ' next' : ''}" data-project="${esc(p.id)}" data-status="${esc(st)}">
            <div class="ot-pos">${o.position ? `第 ${o.position} 个` : ''}</div>
            <div class="ot-name fit">${esc(p.name)}</div><div class="ot-org fit fit-line">${esc(p.organization)}</div>
            ${totals[p.id] !== undefined ? `<div class="ot-total">总分 <b class="num">${scoreText(totals[p.id])}</b></div>` : ''}
            <div class="ot-status">${st === 'done' ? '已完成加时' : (next && next.id === p.id ? '下一个上台' : '待加时路演')}</div></div>`;
        }).join('<div class="ot-vs">VS</div>')}</div>`).join('')}</div>
    </section>`,
  };
}

function viewPresenting(s) {
  return {
    view: 'presenting', key: `presenting:${s.round}:${s.current.id}`,
    html: `<section class="view view-presenting">
      <div class="now-label">正在路演 <span class="en">Now presenting</span></div>
      ${presenterHead(s)}
      <div id="countdown" class="countdown num" data-state="ready" role="timer"></div>
      ${s.overtime ? overtimeStrip(s) : ''}
    </section>`,
  };
}

function viewScoring(s) {
  return {
    view: 'scoring', key: `scoring:${s.round}:${s.current.id}`,
    html: `<section class="view view-scoring">
      ${presenterHead(s, { big: false })}
      <div class="phase-note scoring-note">评委评分中 <span class="en">Judges are scoring</span></div>
      ${progressBox(s)}
      ${s.overtime ? overtimeStrip(s) : ''}
    </section>`,
  };
}

function viewClosed(s) {
  return {
    view: 'closed', key: `closed:${s.round}:${s.current.id}`,
    html: `<section class="view view-closed">
      ${presenterHead(s, { big: false })}
      <div id="closed-note" class="phase-note">评分已结束<span class="dot-sep">·</span>结果即将公布
        <div class="en">Scoring closed · the result follows</div></div>
      ${s.progress ? `<div class="closed-count">共 <b class="num">${s.progress.submitted}</b> 位评委评分 <span class="en">judges scored</span></div>` : ''}
      ${s.overtime ? overtimeStrip(s) : ''}
    </section>`,
  };
}

// Result reveal: panel by panel — marks pop in, the dropped ones are struck, then the panel score;
// finally the total.  Every step is under 3 s; the delays are inline custom properties.
function resultTimeline(panels) {
  let t = 0.3;
  const plan = panels.map((p) => {
    const n = p.marks.length || 1;
    const stagger = Math.min(0.12, 1.6 / n);
    const marks = p.marks.map((_, i) => t + i * stagger);
    t += n * stagger + 0.4;
    const strike = t + 0.1;
    t = strike + 0.7;
    const score = t;
    t += 0.6;
    return { marks, strike, score };
  });
  return { plan, total: t + 0.1 };
}

function viewResult(s) {
  const r = s.result;
  if (!r) return viewClosed(s);
  const overtime = s.overtime > 0;
  const { plan, total } = resultTimeline(r.panels);
  const rankLine = !overtime && r.rank ? `<div class="res-rank">暂列第 <b class="num">${r.rank}</b> 名 <span class="en">provisional rank</span></div>` : '';
  return {
    view: 'result', key: `result:${r.round}:${r.project}`,
    html: `<section class="view view-result">
      ${presenterHead(s, { big: false })}
      <div id="result" data-project="${esc(r.project)}" data-round="${esc(r.round)}">
        <div class="panels" style="--panels:${r.panels.length}">${r.panels.map((p, k) => panelBox(p, plan[k], !!s.hide_marks)).join('')}</div>
        <div class="res-foot anim pop" style="--d:${total.toFixed(2)}s">
          <div class="res-total-label">${overtime ? '加时赛得分' : '最终得分'} <span class="en">${overtime ? 'Overtime score' : 'Total'}</span></div>
          <div id="result-total" class="num">${scoreText(r.score)}</div>
          ${overtime ? '<div class="res-rank">加时赛只决定并列名次，不改变总分 <span class="en">decides the order only</span></div>' : rankLine}
        </div>
      </div>
      ${overtime ? overtimeStrip(s) : ''}
    </section>`,
  };
}

const METHOD = { mean: '平均', sum: '求和', median: '取中位数', trimmed_mean: '后平均', trimmed_sum: '后求和' };

// Decimals to show a panel's marks with, so a column reads 82.0 / 81.5, not 82 / 81.5.
export function markDigits(marks) {
  let d = 0;
  for (const m of marks) {
    const s = fmtNum(m.total);
    if (s.includes('.')) d = Math.max(d, s.split('.')[1].length);
  }
  return d;
}

function panelRule(p) {
  const how = METHOD[p.method] || '';
  if (p.drop_high || p.drop_low) return `去掉 ${p.drop_high} 个最高分、${p.drop_low} 个最低分${how}`;
  return how ? `${how}` : '';
}

// "大众评审团 13" -> "大众 13": the panel is named above the tiles, the tile keeps it short.
export function markLabel(label) {
  return String(label || '').replace(/评审团\s*(?=\d+$)/, ' ');
}

// Tiles per row: as few rows as possible, then as few empty tiles (20 marks -> 7×3, 7 marks -> 4×2).
export function markGrid(n) {
  let best = null;
  for (let c = Math.max(2, Math.ceil(Math.sqrt(n))); c <= Math.max(2, Math.min(8, Math.ceil(Math.sqrt(2 * n)))); c += 1) {
    const r = Math.max(1, Math.ceil(n / c));
    const score = r * 100 + (r * c - n);
    if (!best || score < best.score) best = { cols: c, rows: r, score };
  }
  return best;
}

function panelBox(p, plan, hidden = false) {
  if (hidden) {  // the organizers show panel scores and the total only (the server sent no mark)
    return `<div class="panel no-marks" data-panel="${esc(p.id)}" data-marks="hidden" style="--cols:1">
    <div class="panel-head"><span class="panel-name">${esc(shortLabel(p.label))}</span>
      <span class="en">${esc(en(p.label))}</span><span class="panel-weight">权重 ${fmtWeight(p.weight)}</span></div>
    <div class="panel-score anim rise" style="--d:${plan.score.toFixed(2)}s">
      <span class="ps-label fit">${esc(panelRule(p))}</span>
      <span class="ps-value num">${scoreText(p.score)}</span><span class="ps-weight">× ${fmtWeight(p.weight)}</span></div>
  </div>`;
  }
  const { cols, rows } = markGrid(p.marks.length);
  const digits = markDigits(p.marks);
  return `<div class="panel" data-panel="${esc(p.id)}" style="--cols:${cols};--rows:${rows}">
    <div class="panel-head"><span class="panel-name">${esc(shortLabel(p.label))}</span>
      <span class="en">${esc(en(p.label))}</span><span class="panel-weight">权重 ${fmtWeight(p.weight)}</span></div>
    <div class="marks">${p.marks.map((m, i) => `<div class="mark anim pop${m.dropped ? ' dropped' : ''}"${m.dropped ? ` data-dropped="${esc(m.dropped)}"` : ''} style="--d:${plan.marks[i].toFixed(2)}s;--ds:${plan.strike.toFixed(2)}s">
        <span class="mark-label fit">${esc(markLabel(m.label))}</span><span class="mark-value num">${Number(m.total).toFixed(digits)}</span>
        ${m.dropped ? `<span class="drop-tag">${m.dropped === 'high' ? '最高' : '最低'}</span>` : ''}</div>`).join('')}</div>
    <div class="panel-score anim rise" style="--d:${plan.score.toFixed(2)}s">
      <span class="ps-label fit">${esc(panelRule(p))}</span>
      <span class="ps-value num">${scoreText(p.score)}</span><span class="ps-weight">× ${fmtWeight(p.weight)}</span></div>
  </div>`;
}

function viewRanking(s) {
  const open = (s.ties || []).filter((t) => !t.resolved_by);
  const resolved = (s.ties || []).filter((t) => t.resolved_by);
  const alert = open.length ? `<aside id="tie-alert" role="alert">
      <div class="ta-title">并列！<span class="en">Tie</span></div>
      ${open.map((t) => `<div class="tie-group" data-tie="${esc(t.id)}">
        <div class="ta-total">总分同为 <b class="num">${scoreText(t.total)}</b></div>
        <ul>${t.names.map((nm, i) => `<li data-project="${esc(t.projects[i])}" class="fit">${esc(nm)}</li>`).join('')}</ul></div>`).join('')}
      <div class="ta-note"><span class="keep">并列跨越奖项分界，</span><span class="keep">${(s.needs_overtime || []).length ? '将进行加时赛' : '按规则决出名次'}</span>
        <div class="en">${(s.needs_overtime || []).length ? 'Across a prize boundary: an overtime round decides' : 'Across a prize boundary: the rules decide'}</div></div>
    </aside>` : '';
  const names = {};
  for (const r of s.leaderboard || []) names[r.project] = r.name;
  const note = resolved.length ? `<div id="tie-resolved">${resolved.map((t) => `${esc(t.text)}：${
    (t.order || []).map((g) => g.map((p) => esc(names[p] || p)).join('、')).join(' ＞ ')}`).join('；')}</div>` : '';
  return {
    view: 'ranking', key: `ranking:${s.round}:${open.length}`,
    html: `<section class="view view-ranking${alert ? ' with-alert' : ''}${alert ? ' alert-top' : ''}">
      <div class="board-main"><h2 class="section-title">${s.overtime ? '最终排名' : '总排名'} <span class="en">Ranking</span>
        <span class="sub">获奖名单将在颁奖环节揭晓</span></h2>
        ${note}${leaderboard(s, s.leaderboard || [], { ties: true })}${tieNotes(s.leaderboard || [], new Set((s.ties || []).map((t) => t.id)))}</div>
      ${alert}
    </section>`,
  };
}

function viewReveal(s) {
  const rv = s.reveal || { step: 0, total_tiers: 0, tiers: [] };
  const tiers = rv.tiers || [];
  const head = `<div id="reveal" data-step="${rv.step}" data-total="${rv.total_tiers}">`;
  if (!tiers.length) {
    return {
      view: 'reveal', key: 'reveal:0',
      html: `<section class="view view-reveal">${head}<div class="rv-intro anim rise" style="--d:0.1s">
        <div class="rv-title">颁奖典礼</div><div class="en rv-en">Awards ceremony</div>
        <div class="rv-sub">共 ${rv.total_tiers} 个奖项，即将揭晓 <span class="en">${rv.total_tiers} award tiers, revealed one by one</span></div>
      </div></div></section>`,
    };
  }
  const latest = tiers[tiers.length - 1];
  const earlier = tiers.slice(0, -1).reverse();   // most recent first
  const n = latest.projects.length;
  const cols = n <= 3 ? Math.max(1, n) : n === 4 ? 2 : n <= 9 ? 3 : 4;
  const size = n === 1 ? 'one' : n <= 3 ? 'few' : 'many';
  const stagger = Math.min(0.35, 2.0 / Math.max(1, n));
  return {
    view: 'reveal', key: `reveal:${rv.step}`,
    html: `<section class="view view-reveal">${head}
      <div class="tier latest" data-tier="${esc(latest.id)}">
        <div class="tier-head anim pop" style="--d:0.1s"><span class="tier-label">${esc(latest.label)}</span>
          <span class="tier-amount">每项创投资金 <b>${esc(latest.amount_text ?? fmtMoney(latest.amount))}</b></span></div>
        <div class="winners ${size}" style="--cols:${cols};--rows:${Math.ceil(n / cols)}">${latest.projects.map((p, i) => `
          <div class="winner anim rise" data-project="${esc(p.id)}" style="--d:${(0.6 + i * stagger).toFixed(2)}s">
            <div class="w-name fit">${trackTag(p)}${esc(p.name)}</div><div class="w-org fit fit-line">${esc(p.organization)}</div>
            <div class="w-meta"><span class="w-total">总分 <b class="num">${scoreText(p.total)}</b></span>
              <span class="grant">${esc(p.grant_text ?? fmtMoney(p.grant))}</span></div></div>`).join('')}</div>
      </div>
      ${earlier.length ? `<div class="earlier"><span class="earlier-label">已揭晓 <span class="en">Revealed</span></span>${earlier.map((t) => `
        <div class="tier done" data-tier="${esc(t.id)}"><span class="tier-label">${esc(t.label)}</span>
          <span class="tier-count">${t.projects.length} 个项目 · ${esc(t.amount_text ?? fmtMoney(t.amount))}</span></div>`).join('')}</div>` : ''}
    </div></section>`,
  };
}

function viewLocked(s) {
  const rows = s.leaderboard || [];
  const money = s.money || {};
  const n = rows.length;
  const cols = n > LIST_ONE_COLUMN ? 2 : 1;   // two columns (without organizations) for long lists
  const per = Math.ceil(n / cols);
  const head = `<div class="final-head"><span class="rank">名次</span><span class="award">奖项</span><span class="name">项目 <span class="en">Project</span></span>
    <span class="org">申报机构</span><span class="total">总分</span><span class="grant">创投资金</span></div>`;
  const row = (r) => `<div class="final-row" data-project="${esc(r.project)}" data-rank="${r.rank}" data-award="${esc(r.award || '')}">
    <span class="rank">${r.rank}</span><span class="award">${esc(r.award_label || '')}</span>
    <span class="name fit" ${NAME_MIN}>${trackTag(r)}${esc(r.name)}${tieMark(r, true)}</span><span class="org fit fit-line">${esc(r.organization)}</span>
    <span class="total num">${scoreText(r.total)}</span><span class="grant num">${r.grant ? esc(r.grant_text) : '—'}</span></div>`;
  let body = '';
  for (let c = 0; c < cols; c += 1) {
    body += `<div class="lb-col" style="--rows:${per}">${head}${rows.slice(c * per, (c + 1) * per).map(row).join('')}</div>`;
  }
  return {
    view: 'locked', key: 'locked',
    html: `<section class="view view-locked">
      <h2 class="section-title">最终结果 <span class="en">Final results</span>
        <span class="sub">结果已锁定 · 创投资金合计 <b>${esc(money.awarded_text || '¥0')}</b></span></h2>
      <div id="final" class="lb final cols-${cols}">${body}</div>
      ${tieNotes(rows)}${money.line ? `<div id="money-line">${esc(money.line)}${(money.notes || []).length
        ? `<span id="money-notes">（${money.notes.map(esc).join('；')}）</span>` : ''}</div>` : ''}
    </section>`,
  };
}

function viewHolding(s) {
  const c = s.contest || {};
  return {
    view: 'holding', key: 'holding',
    html: `<section class="view view-holding" id="holding">
      <div class="h-title fit">${esc(c.name || '')}</div>
      ${c.date ? `<div class="h-date">${esc(c.date)}</div>` : ''}
      ${c.venue ? `<div class="h-venue fit fit-line">${esc(c.venue)}</div>` : ''}
    </section>`,
  };
}

export function chooseView(s) {
  if (s.holding) return viewHolding(s);
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

function roundText(s) {
  if (s.holding) return '';
  if (s.phase === 'reveal') return '颁奖 <span class="en">Awards</span>';
  if (s.phase === 'locked') return '结果已锁定 <span class="en">Final</span>';
  if (s.overtime) return `加时赛${s.overtime > 1 ? ` 第 ${s.overtime} 轮` : ''} <span class="en">Overtime</span>`;
  const label = PHASE_LABEL[s.phase];
  return `决赛 <span class="en">Final</span>${label ? `<span class="phase-chip">${label}</span>` : ''}`;
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
  if (roundLabel.innerHTML !== rt) roundLabel.innerHTML = rt;
  const name = document.getElementById('contest-name');
  if (s.contest && name.textContent !== s.contest.name) { name.textContent = s.contest.name; fitAll(); }

  if (v.html !== lastHtml) {
    const animate = v.key !== lastKey && !reduceMotion.matches;
    stage.classList.toggle('no-anim', !animate);
    stage.innerHTML = v.html;
    lastHtml = v.html;
    lastKey = v.key;
    fitMarks();
    fitAll();
    markSettled(++renders);
  }
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

// Shrink text marked .fit until it fits its box and its box fits its parent (names of any length
// never overflow).  One-line text that still does not fit at 70 % wraps onto two lines and shrinks
// further: two readable lines beat one tiny one (.fit-line, e.g. organizations: wraps only below 50 %).  A
// second pass tightens what a sibling's wrapping squeezed afterwards.
function overflows(el) {
  const box = el.parentElement;
  return el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight + 1   // +1: sub-pixel rounding
    || (!!box && box.clientHeight > 0 && box.scrollHeight > box.clientHeight + 1);
}

function shrink(el, size, min) {
  let s = size;
  while (overflows(el) && s > min) { s = Math.max(min, s * 0.93); el.style.fontSize = `${s.toFixed(1)}px`; }
  return s;
}

// data-fit-min="1.46": never below 1.46 --u while two lines at that size hold the text (project names in
// lists); only a name too long even for that goes smaller, shown whole.
function fitFloor(el) {
  const u = Math.min(window.innerWidth / 100, (window.innerHeight * 1.7778) / 100);
  return el.dataset.fitMin ? Number(el.dataset.fitMin) * u : 0;
}

function fitOne(el) {
  const st = el.style;
  st.fontSize = ''; st.whiteSpace = ''; st.lineHeight = ''; st.maxHeight = ''; st.wordBreak = '';
  const base = parseFloat(getComputedStyle(el).fontSize) || 16;
  el.dataset.fitBase = String(base);
  const floor = Math.min(base, fitFloor(el));
  const oneLine = getComputedStyle(el).whiteSpace === 'nowrap';
  shrink(el, base, Math.max(floor, base * (!oneLine ? 0.45 : el.classList.contains('fit-line') ? 0.5 : 0.7)));
  const [lh, mh] = floor ? ['1.08', '2.32em'] : ['1.15', '2.35em'];   // names in lists: two tight lines
  if (overflows(el) && oneLine) {
    st.whiteSpace = 'normal'; st.lineHeight = lh; st.maxHeight = mh;
    shrink(el, parseFloat(getComputedStyle(el).fontSize), Math.max(floor, base * 0.3));
  }
  if (overflows(el) && floor) {  // rather than go under the floor: break anywhere, not only between phrases
    st.whiteSpace = 'normal'; st.lineHeight = lh; st.maxHeight = mh; st.wordBreak = 'normal';
    shrink(el, parseFloat(getComputedStyle(el).fontSize), floor);
    if (overflows(el)) shrink(el, parseFloat(getComputedStyle(el).fontSize), base * 0.3);
  }
}

function fitAll() {
  const els = [...document.querySelectorAll('.fit')];
  for (const el of els) fitOne(el);
  for (const el of els) {
    if (overflows(el)) {
      const size = parseFloat(getComputedStyle(el).fontSize);
      shrink(el, size, Math.min(size, Math.max(fitFloor(el), Number(el.dataset.fitBase) * 0.3)));
      if (overflows(el)) shrink(el, parseFloat(getComputedStyle(el).fontSize), Number(el.dataset.fitBase) * 0.3);
    }
  }
}

// Mark tiles: the largest type at which every tile holds its value, and its label with the
// 最高/最低 tag in the corner clear of it.
function fitMarks() {
  for (const grid of stage.querySelectorAll('.marks')) {
    const cells = [...grid.querySelectorAll('.mark')];
    if (!cells.length) continue;
    grid.style.fontSize = '';
    let size = Math.min(parseFloat(getComputedStyle(grid).fontSize) || 16, cells[0].clientHeight / 1.8);
    const fits = () => cells.every((c) => {
      const w = c.clientWidth;
      const value = c.querySelector('.mark-value');
      const label = c.querySelector('.mark-label');
      const tag = c.querySelector('.drop-tag');
      return (!value || value.offsetWidth <= w * 0.92)
        && (!label || label.scrollWidth + 2 * (tag ? tag.offsetWidth : 0) <= w);
    });
    grid.style.fontSize = `${size.toFixed(1)}px`;
    while (!fits() && size > 8) {
      size *= 0.94;
      grid.style.fontSize = `${size.toFixed(1)}px`;
    }
  }
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
  resizeTimer = setTimeout(() => { resizeTimer = null; fitMarks(); fitAll(); }, 150);
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
