// The big screen's result of one roadshow: panel by panel, the marks pop in, the dropped ones are struck,
// then the panel score and the total (about 8 s, every step under 3 s; the delays are inline custom
// properties).  Marks are the server's anonymous labels and totals; the panel's rule is worded from the
// snapshot's method and drop counts.
// What it does not do: compute a score, drop a mark or decide the rank (the snapshot says all of it), or show
// marks the console hid (the server sent none).

import { esc } from './shared/dom.js';
import { fmtNum, fmtPercent, zhPart, enPart } from './shared/format.js';
import { overtimeStrip, presenterHead, score } from './screen_parts.js';
import { viewClosed } from './screen_views.js';
import { audienceResult, isAudiencePanel } from './screen_audience.js';

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

export function viewResult(s) {
  const r = s.result;
  if (!r) return viewClosed(s);
  const overtime = s.overtime > 0;
  // The audience's ballots are never tiles: #aud-result stands for its panel (or, without one, its score alone).
  const audience = audienceResult(s, r.project);
  const panels = r.panels.filter((p) => !(audience && isAudiencePanel(s, p)));
  const { plan, total } = resultTimeline(panels);
  const rankLine = !overtime && r.rank ? `<div class="res-rank"><span class="zh" lang="zh-CN">暂列第 <b class="num">${r.rank}</b> 名</span> <span class="en">provisional rank <b class="num">${r.rank}</b></span></div>` : '';
  return {
    view: 'result', key: `result:${r.round}:${r.project}`,
    html: `<section class="view view-result">
      ${presenterHead(s, { big: false })}
      <div id="result" data-project="${esc(r.project)}" data-round="${esc(r.round)}">
        <div class="panels" style="--panels:${panels.length}">${panels.map((p, k) => panelBox(s, p, plan[k], !!s.hide_marks || isAudiencePanel(s, p))).join('')}</div>
        ${audience}
        <div class="res-foot anim pop" style="--d:${total.toFixed(2)}s">
          <div class="res-total-label">${overtime ? '加时赛得分' : '最终得分'} <span class="en">${overtime ? 'Overtime score' : 'Total'}</span></div>
          <div id="result-total" class="num">${score(s, r.score)}</div>
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

function panelBox(s, p, plan, hidden = false) {
  if (hidden) {  // the organizers show panel scores and the total only (the server sent no mark)
    return `<div class="panel no-marks" data-panel="${esc(p.id)}" data-marks="hidden" style="--cols:1">
    <div class="panel-head"><span class="panel-name"><span class="zh" lang="zh-CN">${esc(zhPart(p.label))}</span>
      <span class="en">${esc(enPart(p.label))}</span></span><span class="panel-weight">权重 <span class="en">weight</span> ${fmtPercent(p.weight)}</span></div>
    <div class="panel-score anim rise" style="--d:${plan.score.toFixed(2)}s">
      <span class="ps-label fit">${esc(panelRule(p))}</span>
      <span class="ps-value num">${score(s, p.score)}</span><span class="ps-weight">× ${fmtPercent(p.weight)}</span></div>
  </div>`;
  }
  const { cols, rows } = markGrid(p.marks.length);
  const digits = markDigits(p.marks);
  return `<div class="panel" data-panel="${esc(p.id)}" style="--cols:${cols};--rows:${rows}">
    <div class="panel-head"><span class="panel-name"><span class="zh" lang="zh-CN">${esc(zhPart(p.label))}</span>
      <span class="en">${esc(enPart(p.label))}</span></span><span class="panel-weight">权重 <span class="en">weight</span> ${fmtPercent(p.weight)}</span></div>
    <div class="marks">${p.marks.map((m, i) => `<div class="mark anim pop${m.dropped ? ' dropped' : ''}"${m.dropped ? ` data-dropped="${esc(m.dropped)}"` : ''} style="--d:${plan.marks[i].toFixed(2)}s;--ds:${plan.strike.toFixed(2)}s">
        <span class="mark-label fit">${esc(markLabel(m.label))}</span><span class="mark-value num">${Number(m.total).toFixed(digits)}</span>
        ${m.dropped ? `<span class="drop-tag">${m.dropped === 'high' ? '最高' : '最低'}</span>` : ''}</div>`).join('')}</div>
    <div class="panel-score anim rise" style="--d:${plan.score.toFixed(2)}s">
      <span class="ps-label fit">${esc(panelRule(p))}</span>
      <span class="ps-value num">${score(s, p.score)}</span><span class="ps-weight">× ${fmtPercent(p.weight)}</span></div>
  </div>`;
}
