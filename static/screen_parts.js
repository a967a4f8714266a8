// Pieces of the big screen's views, as HTML strings (pure: a snapshot in, markup out): next up, the
// running order, the leaderboard, the overtime strip, the presenter's heading, the scoring progress, the
// server's tie notes, and the score of a snapshot at the contest's decimals.
// What it does not do: choose a view (screen.js), animate or fit text (screen_fit.js), or compute
// anything: ranks, ties and tie wording (tie_text) are the snapshot's.

import { esc } from './shared/dom.js';
import { fmtScore, scoreDigits, zhPart } from './shared/format.js';

// A score as published: the rules' decimals (93.50)
export const score = (s, x) => fmtScore(x, scoreDigits(s));

export function panelLabels(s) {
  const out = {};
  for (const p of s.panels || []) out[p.id] = p;
  return out;
}

export function nextUp(s) {
  return (s.order || []).find((p) => p.status === 'pending') || null;
}

export function nextUpBox(s, { compact = false } = {}) {
  const p = nextUp(s);
  if (!p) {
    return `<div id="next-up" class="next-up done"><div class="np-label">全部路演已完成 <span class="en">All roadshows done</span></div>
      <div class="np-wait">等待公布排名 <span class="en">Ranking coming up</span></div></div>`;
  }
  const of = (s.order || []).length;
  return `<div id="next-up" class="next-up${compact ? ' compact' : ''}" data-project="${esc(p.id)}">
    <div class="np-label">下一个上台 <span class="en">Next up</span></div>
    <div class="np-pos">第 ${p.position} / ${of} 个 <span class="en">No. ${p.position} of ${of}</span></div>
    <div class="np-name fit">${esc(p.name)}</div>
    <div class="np-org fit fit-line">${esc(p.organization)}${p.community ? ` · ${esc(p.community)}` : ''}</div></div>`;
}

export function runningOrder(s) {
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
export function tieNotes(rows, skip = new Set()) {
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

export const trackTag = (r) => (r.track ? `<span class="track">${esc(r.track)}</span>` : '');
export const tieMark = (r, on) => (on && r.tie_text ? `<span class="tie-mark" title="${esc(r.tie_text)}">并列</span>` : '');

// Lists of projects (leaderboard, final list): more than this many rows take two columns; a name is never
// shrunk below NAME_MIN_U (1.46 --u: 28 px at 1920×1080, readable from the back of a hall) while two lines
// at that size hold it; names longer than LONG_NAME make a two-column list give up the panel scores.
export const LIST_ONE_COLUMN = 10;
const NAME_MIN_U = 1.46;
const LONG_NAME = 12;
export const NAME_MIN = `data-fit-min="${NAME_MIN_U}"`;

export function leaderboard(s, rows, { ties = false } = {}) {
  const labels = panelLabels(s);
  const open = new Set((s.ties || []).filter((t) => !t.resolved_by).map((t) => t.id));
  const panelIds = (s.panels || []).map((p) => p.id);
  const n = rows.length;
  const cols = n > LIST_ONE_COLUMN ? 2 : 1;   // two columns (without organizations) for long lists
  const per = Math.ceil(n / cols);
  const long = rows.some((r) => [...(r.name || '')].length + (r.track ? 3 : 0) > LONG_NAME);
  const head = `<div class="lb-head"><span class="rank">名次 <span class="en">Rank</span></span><span class="name">项目 <span class="en">Project</span></span>
    <span class="org">申报机构</span>${panelIds.map((id) => `<span class="lb-panel">${esc(zhPart(labels[id]?.label || id))}</span>`).join('')}
    <span class="total">总分 <span class="en">Total</span></span></div>`;
  const row = (r) => `<div class="lb-row${open.has(r.tie) ? ' tie' : ''}" data-project="${esc(r.project)}" data-rank="${r.rank}"${r.tie ? ` data-tie="${esc(r.tie)}"` : ''}>
    <span class="rank">${r.rank}</span>
    <span class="name fit" ${NAME_MIN}>${trackTag(r)}${esc(r.name)}${r.pending_overtime ? '<span class="tag">待加时</span>' : ''}${tieMark(r, ties)}</span>
    <span class="org fit fit-line">${esc(r.organization)}</span>
    ${panelIds.map((id) => `<span class="lb-panel num">${score(s, (r.panels || {})[id])}</span>`).join('')}
    <span class="total num">${score(s, r.total)}</span></div>`;
  let body = '';
  for (let c = 0; c < cols; c += 1) {
    body += `<div class="lb-col" style="--rows:${per}">${head}${rows.slice(c * per, (c + 1) * per).map(row).join('')}</div>`;
  }
  return `<div id="leaderboard" class="lb cols-${cols}${long ? ' long-names' : ''}" style="--panels:${panelIds.length}" data-count="${n}">${body}</div>`;
}

export function overtimeStrip(s) {
  const items = s.order || [];
  return `<div id="overtime" class="ot-strip">
    <span class="ot-badge">加时赛 <span class="en">Overtime</span></span>
    ${items.map((p) => `<span class="ot-project" data-project="${esc(p.id)}" data-status="${esc(p.status)}">
      <span class="ot-name fit">${esc(p.name)}</span><span class="ot-status">${
        p.status === 'current' ? '正在进行' : p.status === 'done' ? '已评完' : '待路演'}</span></span>`).join('')}
  </div>`;
}

export function presenterHead(s, { big = true } = {}) {
  const c = s.current;
  const pos = s.overtime ? `加时赛 第 ${c.position} / ${c.of} 个 <span class="en">Overtime · ${c.position} of ${c.of}</span>` : `第 ${c.position} / ${c.of} 个 <span class="en">No. ${c.position} of ${c.of}</span>`;
  return `<div class="presenter${big ? ' big' : ' small'}">
    <div id="presenter-position" class="pos">${pos}</div>
    <h2 id="presenter-name" class="fit" style="--len:${[...(c.name || '')].length}">${esc(c.name)}</h2>
    <div class="who fit"><span id="presenter-org">${esc(c.organization)}</span>${c.community
      ? `<span class="sep">·</span><span id="presenter-community">${esc(c.community)}</span>` : ''}</div>
  </div>`;
}

export function progressBox(s) {
  const p = s.progress || { submitted: 0, expected: 0 };
  const pct = p.expected ? Math.round((100 * p.submitted) / p.expected) : 0;
  return `<div id="progress" data-submitted="${p.submitted}" data-expected="${p.expected}">
    <div class="pg-text"><span class="zh" lang="zh-CN">已评 <b class="num">${p.submitted}/${p.expected}</b></span><span class="en"><b class="num">${p.submitted}/${p.expected}</b> judges have scored</span></div>
    <div class="pg-bar"><div class="pg-fill" style="width:${pct}%"></div></div></div>`;
}
