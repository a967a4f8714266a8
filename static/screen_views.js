// The big screen's views before a result: the running order (setup, the first idle), the leaderboard
// between roadshows, the overtime call-up, presenting (with the countdown's box), scoring, scoring closed,
// and the holding view.  Each returns {view, key, html}: key names the moment (a new one animates).
// What it does not do: count the timer down (screen.js does, once per frame), show a mark or a result
// (screen_result.js), rank or award (screen_ranking.js).

import { esc } from './shared/dom.js';
import { leaderboard, nextUp, nextUpBox, overtimeStrip, presenterHead, progressBox, runningOrder, score } from './screen_parts.js';

export function viewOrder(s) {
  const title = s.phase === 'setup' ? '即将开始' : '比赛开始';
  return {
    view: 'order', key: `order:${s.phase}`,
    html: `<section class="view view-order">
      <div class="welcome"><div class="w-title">${title} <span class="en">${s.phase === 'setup' ? 'Starting soon' : 'The final begins'}</span></div>
      ${s.order && s.order.length ? nextUpBox(s) : ''}</div>
      <div class="order-wrap"><h2 class="section-title">出场顺序 <span class="en">Running order</span></h2>${runningOrder(s)}</div>
    </section>`,
  };
}

export function viewBoard(s) {
  const done = (s.order || []).filter((p) => p.status === 'done').length;
  const total = (s.order || []).length;
  return {
    view: 'board', key: `board:${done}`,
    html: `<section class="view view-board">
      <div class="board-main"><h2 class="section-title">当前排名 <span class="en">Standings</span>
        <span class="sub">已完成 ${done} / ${total} 个项目 <span class="en">${done} of ${total} done</span></span></h2>${leaderboard(s, s.leaderboard || [])}</div>
      <aside class="board-side">${nextUpBox(s, { compact: true })}</aside>
    </section>`,
  };
}

export function viewOvertimeIdle(s) {
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
            ${totals[p.id] !== undefined ? `<div class="ot-total">总分 <b class="num">${score(s, totals[p.id])}</b></div>` : ''}
            <div class="ot-status">${st === 'done' ? '已完成加时' : (next && next.id === p.id ? '下一个上台' : '待加时路演')}</div></div>`;
        }).join('<div class="ot-vs">VS</div>')}</div>`).join('')}</div>
    </section>`,
  };
}

export function viewPresenting(s) {
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

export function viewScoring(s) {
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

export function viewClosed(s) {
  return {
    view: 'closed', key: `closed:${s.round}:${s.current.id}`,
    html: `<section class="view view-closed">
      ${presenterHead(s, { big: false })}
      <div id="closed-note" class="phase-note"><span class="zh" lang="zh-CN">评分已结束<span class="dot-sep">·</span>结果即将公布</span>
        <div class="en">Scoring closed · the result follows</div></div>
      ${s.progress ? `<div class="closed-count"><span class="zh" lang="zh-CN">共 <b class="num">${s.progress.submitted}</b> 位评委评分</span> <span class="en"><b class="num">${s.progress.submitted}</b> judges scored</span></div>` : ''}
      ${s.overtime ? overtimeStrip(s) : ''}
    </section>`,
  };
}


export function viewHolding(s) {
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
