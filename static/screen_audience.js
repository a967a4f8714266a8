// The big screen's audience parts (docs/AUDIENCE.md), from the snapshot's `audience` (absent: no audience part):
//   * the join card (#join-card: the audience link's QR code, server-drawn at /a/<token>/qr.svg, and the short
//     address) while audience.join.shown — a card beside the stage, drawn in place;
//   * the popularity vote's live chart (the view "popularity": #aud-chart .bar-row[data-project][data-votes],
//     .pop-total .aud-total: the phones that voted;
//     .leader on the leading project): the rows are drawn once, then each snapshot only sets the bars' widths
//     and counts, so the bars grow with a CSS transition (Hi现场-style) at the snapshot rate;
//   * the score window's ballot count (#aud-count[data-count]) while a roadshow is on stage;
//   * after a roadshow's result, the audience's part next to the panels' (#aud-result[data-fallback]: its score
//     and ballots, or "票数不足，按规则不计入").
// What it does not do: count, rank or decide anything (the server's counts, leader and result are shown).

import { esc } from './shared/dom.js';
import { score } from './screen_parts.js';

export const audienceOf = (s) => (s && s.audience) || null;

// The popularity vote is open: the stage shows the chart.
export function popularityOpen(s) {
  const a = audienceOf(s);
  if (!a) return false;
  if (a.popularity && a.popularity.state) return a.popularity.state === 'open';
  return !!(a.window && a.window.kind === 'popularity' && a.window.open);
}

// The chart's view: one row per project (the bars are set by drawAudience, never by a new stage).
export function viewPopularity(s) {
  const a = audienceOf(s);
  const rows = a.chart || [];
  return {
    view: 'popularity', key: 'popularity',
    html: `<section class="view view-popularity">
      <h2 class="pop-title">最佳人气奖 · 观众投票中 <span class="en">Popularity vote · the audience is voting</span></h2>
      <div id="aud-chart" style="--rows:${Math.max(rows.length, 1)}">${rows.map((r) => `
        <div class="bar-row" data-project="${esc(r.project)}" data-votes="0">
          <span class="bar-name fit">${esc(r.name)}</span>
          <span class="bar-track"><span class="bar-fill" style="width:0%"></span></span>
          <span class="bar-votes num">0</span></div>`).join('')}</div>
      <p class="pop-total"><span class="zh" lang="zh-CN"><b class="num aud-total">0</b> 人已投票</span> <span class="en"><b class="num aud-total">0</b> have voted</span></p>
    </section>`,
  };
}

// The audience's part of one roadshow's result, beside the panels (empty when the snapshot has none for it).
export function audienceResult(s, project) {
  const r = (audienceOf(s) || {}).result;
  if (!r || r.project !== project) return '';
  const ballots = `<span class="zh" lang="zh-CN"><b class="num">${r.ballots}</b> 票</span> <span class="en"><b class="num">${r.ballots}</b> ballots</span>`;
  return `<div id="aud-result" class="aud-result" data-fallback="${r.fallback ? '1' : '0'}">
    <span class="ar-label">现场观众 <span class="en">Audience</span></span>
    ${r.fallback
      ? `<span class="ar-note">票数不足，按规则不计入 <span class="en">too few ballots: not counted, as the rules say</span></span>`
      : `<span class="ar-score num">${score(s, r.score)}</span>`}
    <span class="ar-ballots">${ballots}</span></div>`;
}

// A panel of the result that is the audience (its ballots are not shown as marks: #aud-result stands for it).
// Which it is: the panel's kind when the snapshot names it, else the audience part's panel id ("audience" as the
// presets and docs/AUDIENCE.md call it).
export function isAudiencePanel(s, p) {
  const a = audienceOf(s);
  if (!a) return false;
  const def = (s.panels || []).find((x) => x.id === p.id) || {};
  if (p.kind || def.kind) return (p.kind || def.kind) === 'audience';
  return p.id === (a.panel || 'audience');
}

// ------------------------------------------------------------------ drawn in place, every snapshot
// The QR code's address on this server: /a/<token>/qr.svg (the join card's path, else its URL's).
function qrSrc(j) {
  if (j.path) return `${j.path}/qr.svg`;
  try { return `${new URL(j.url, location.href).pathname.replace(/\/$/, '')}/qr.svg`; } catch { return ''; }
}

function joinCard(a) {
  let card = document.getElementById('join-card');
  const j = a && a.join;
  if (!j || !j.shown || !j.url) { if (card) card.remove(); return; }
  const key = `${j.url}\u0001${j.short || ''}\u0001${j.path || ''}`;
  if (card && card.dataset.key === key) return;
  if (!card) {
    card = document.createElement('aside');
    card.id = 'join-card';
    card.setAttribute('aria-label', '扫码参与观众投票 Scan to vote');
    document.body.append(card);
  }
  card.dataset.key = key;
  card.innerHTML = `<div class="jc-title">扫码投票 <span class="en">Scan to vote</span></div>
    <img class="jc-qr" src="${esc(qrSrc(j))}" alt="观众投票二维码 Audience QR code" width="250" height="250">
    <div class="jc-url">${esc(j.short || j.url)}</div>`;
}

function countBadge(s, a) {
  let badge = document.getElementById('aud-count');
  const w = a && a.window;
  const show = !!w && w.kind === 'score' && ['presenting', 'scoring', 'closed'].includes(s.phase);
  if (!show) { if (badge) badge.remove(); return; }
  if (!badge) {
    badge = document.createElement('div');
    badge.id = 'aud-count';
    badge.innerHTML = '<span class="zh" lang="zh-CN">观众投票 <b class="num"></b> 票</span><span class="en">audience ballots <b class="num"></b></span>';
    (document.getElementById('banner') || document.body).append(badge);  // inside a landmark
  }
  const n = String(w.count || 0);
  if (badge.dataset.count !== n) {
    badge.dataset.count = n;
    for (const b of badge.querySelectorAll('b')) b.textContent = n;
  }
  badge.dataset.open = w.open ? '1' : '0';
}

function chartBars(a) {
  const chart = document.getElementById('aud-chart');
  if (!chart) return;
  const rows = a.chart || [];
  const top = Math.max(1, ...rows.map((r) => r.votes || 0));
  let total = 0;
  for (const r of rows) {
    total += r.votes || 0;
    const row = chart.querySelector(`.bar-row[data-project="${CSS.escape(r.project)}"]`);
    if (!row) continue;
    const v = String(r.votes || 0);
    if (row.dataset.votes !== v) {
      row.dataset.votes = v;
      row.querySelector('.bar-votes').textContent = v;
    }
    const fill = row.querySelector('.bar-fill');   // relative to the leader's: a new top count resizes every bar
    const width = `${+((100 * (r.votes || 0)) / top).toFixed(1)}%`;
    if (fill.style.width !== width) fill.style.width = width;
    row.classList.toggle('leader', !!a.leader && a.leader === r.project);
  }
  const voters = String(a.popularity && typeof a.popularity.count === 'number' ? a.popularity.count : total);
  for (const t of chart.closest('section').querySelectorAll('.aud-total')) if (t.textContent !== voters) t.textContent = voters;
}

// After every render of the screen: the join card, the ballot count and the chart's bars.
export function drawAudience(s) {
  const a = audienceOf(s);
  joinCard(a);
  countBadge(s, a);
  if (a) chartBars(a);
  document.body.dataset.audience = a ? (a.join && a.join.shown ? 'join' : 'on') : 'off';
}
