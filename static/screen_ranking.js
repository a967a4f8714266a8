// The big screen after the roadshows: the ranking (with the tie alert and how resolved ties were settled,
// in the server's words), the awards revealed tier by tier, and the locked final list with the money line.
// What it does not do: rank, break ties or allocate money (the snapshot holds ranks, tie texts, award labels
// and every amount already written: grant_text, amount_text, money.line), or show an award before the
// server revealed it.

import { esc } from './shared/dom.js';
import { fmtMoney } from './shared/format.js';
import { LIST_ONE_COLUMN, NAME_MIN, leaderboard, score, tieMark, tieNotes, trackTag } from './screen_parts.js';

export function viewRanking(s) {
  const open = (s.ties || []).filter((t) => !t.resolved_by);
  const resolved = (s.ties || []).filter((t) => t.resolved_by);
  const alert = open.length ? `<aside id="tie-alert" role="alert">
      <div class="ta-title">并列！<span class="en">Tie</span></div>
      ${open.map((t) => `<div class="tie-group" data-tie="${esc(t.id)}">
        <div class="ta-total">总分同为 <b class="num">${score(s, t.total)}</b></div>
        <ul>${t.names.map((nm, i) => `<li data-project="${esc(t.projects[i])}" class="fit">${esc(nm)}</li>`).join('')}</ul></div>`).join('')}
      <div class="ta-note"><span class="zh" lang="zh-CN"><span class="keep">并列跨越奖项分界，</span><span class="keep">${(s.needs_overtime || []).length ? '将进行加时赛' : '按规则决出名次'}</span></span>
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
        <span class="sub">获奖名单将在颁奖环节揭晓 <span class="en">The awards are revealed at the ceremony</span></span></h2>
        ${note}${leaderboard(s, s.leaderboard || [], { ties: true })}${tieNotes(s.leaderboard || [], new Set((s.ties || []).map((t) => t.id)))}</div>
      ${alert}
    </section>`,
  };
}

export function viewReveal(s) {
  const rv = s.reveal || { step: 0, total_tiers: 0, tiers: [] };
  const tiers = rv.tiers || [];
  const head = `<div id="reveal" data-step="${rv.step}" data-total="${rv.total_tiers}">`;
  if (!tiers.length) {
    return {
      view: 'reveal', key: 'reveal:0',
      html: `<section class="view view-reveal">${head}<div class="rv-intro anim rise" style="--d:0.1s">
        <div class="rv-title">颁奖典礼 <span class="en">Awards ceremony</span></div>
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
            <div class="w-meta"><span class="w-total">总分 <b class="num">${score(s, p.total)}</b></span>
              <span class="grant">${esc(p.grant_text ?? fmtMoney(p.grant))}</span></div></div>`).join('')}</div>
      </div>
      ${earlier.length ? `<div class="earlier"><span class="earlier-label">已揭晓 <span class="en">Revealed</span></span>${earlier.map((t) => `
        <div class="tier done" data-tier="${esc(t.id)}"><span class="tier-label">${esc(t.label)}</span>
          <span class="tier-count">${t.projects.length} 个项目 · ${esc(t.amount_text ?? fmtMoney(t.amount))}</span></div>`).join('')}</div>` : ''}
    </div></section>`,
  };
}

export function viewLocked(s) {
  const rows = s.leaderboard || [];
  const money = s.money || {};
  const n = rows.length;
  const cols = n > LIST_ONE_COLUMN ? 2 : 1;   // two columns (without organizations) for long lists
  const per = Math.ceil(n / cols);
  const head = `<div class="final-head"><span class="rank">名次 <span class="en">Rank</span></span><span class="award">奖项 <span class="en">Award</span></span><span class="name">项目 <span class="en">Project</span></span>
    <span class="org">申报机构 <span class="en">Organization</span></span><span class="total">总分 <span class="en">Total</span></span><span class="grant">创投资金 <span class="en">Grant</span></span></div>`;
  const row = (r) => `<div class="final-row" data-project="${esc(r.project)}" data-rank="${r.rank}" data-award="${esc(r.award || '')}">
    <span class="rank">${r.rank}</span><span class="award">${esc(r.award_label || '')}</span>
    <span class="name fit" ${NAME_MIN}>${trackTag(r)}${esc(r.name)}${tieMark(r, true)}</span><span class="org fit fit-line">${esc(r.organization)}</span>
    <span class="total num">${score(s, r.total)}</span><span class="grant num">${r.grant ? esc(r.grant_text) : '—'}</span></div>`;
  let body = '';
  for (let c = 0; c < cols; c += 1) {
    body += `<div class="lb-col" style="--rows:${per}">${head}${rows.slice(c * per, (c + 1) * per).map(row).join('')}</div>`;
  }
  return {
    view: 'locked', key: 'locked',
    html: `<section class="view view-locked">
      <h2 class="section-title">最终结果 <span class="en">Final results</span>
        <span class="sub"><span class="zh" lang="zh-CN">结果已锁定 · 创投资金合计 <b>${esc(money.awarded_text || '¥0')}</b></span> <span class="en">Results locked · grants in all <b>${esc(money.awarded_text || '¥0')}</b></span></span></h2>
      <div id="final" class="lb final cols-${cols}">${body}</div>
      ${tieNotes(rows)}${money.line ? `<div id="money-line">${esc(money.line)}${(money.notes || []).length
        ? `<span id="money-notes">（${money.notes.map(esc).join('；')}）</span>` : ''}</div>` : ''}
    </section>`,
  };
}
