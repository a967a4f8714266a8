// The live console's boards: the judges' submissions and connections, the alerts (outliers, an action's
// error, ties across an award boundary, a full disk, warnings), the live results, the running order and
// this roadshow's result.  Each board is rebuilt only when what it shows changed (renderKept keeps focus).
// What it does not do: send anything or listen to clicks (console.js wires the boards to the marks dialog
// and the actions), or decide anything: it draws the console snapshot, in the server's words (tie texts,
// outlier messages, grant_text and money.line exactly as sent).

import { $, el, renderKept } from './shared/dom.js';
import { fmtNum, fmtPercent, fmtScore, scoreDigits, splitLabel, zhPart } from './shared/format.js';
import { bi, biNodes, setBi, setPair } from './shared/lang.js';

const score = (s, x) => fmtScore(x, scoreDigits(s));   // as published: the rules' decimals

// ------------------------------------------------------------------ judges
function judgeState(s, j) {
  const live = ['scoring', 'closed', 'result'].includes(s.phase);
  if (j.recused) return 'recused';
  if (!live) return 'neutral';
  return j.submitted ? 'submitted' : 'missing';
}

export function renderJudges(s) {
  const key = JSON.stringify([s.phase, s.setup.panels.map((p) => [p.id, p.label]), s.judges_status.map((j) =>
    [j.id, j.name, j.panel, j.connected, j.recused, j.submitted, j.total, j.outlier])]);
  renderKept($('judges'), key, () => drawJudges(s));
  const online = s.judges_status.filter((j) => j.connected).length;
  const missing = s.judges_status.filter((j) => judgeState(s, j) === 'missing');
  const live = ['scoring', 'closed', 'result'].includes(s.phase);
  setPair($('judges-summary'), `在线 ${online}/${s.judges_status.length}${live ? ` · 未提交 ${missing.length}` : ''}`,
    `online ${online}/${s.judges_status.length}${live ? ` · missing ${missing.length}` : ''}`);
}

function drawJudges(s) {
  const groups = s.setup.panels.map((p) => {
    const js = s.judges_status.filter((j) => j.panel === p.id);
    return el('div', { class: 'panel-group' },
      el('h3', {}, ...biNodes(p.label), ' ', el('span', { class: 'count' },
        ...bi(`在线 ${js.filter((j) => j.connected).length}/${js.length}`, `online ${js.filter((j) => j.connected).length}/${js.length}`))),
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


// ------------------------------------------------------------------ alerts
export function renderAlerts(s, actionError) {
  const out = s.outliers || [];   // worst first, as the server flagged them (judging/core/outliers.py)
  const oa = $('outlier-alert');
  oa.hidden = out.length === 0;
  if (out.length) {  // redrawn only when it changed: a live region is announced again on every redraw
    const panels = Object.fromEntries(s.setup.panels.map((p) => [p.id, zhPart(p.label)]));
    renderKept(oa, JSON.stringify([s.current && s.current.id, out.map((j) => [j.judge, j.total, j.message])]), () => oa.replaceChildren(el('strong', {}, '⚠ ', ...biNodes('异常分提醒 Outlier warning')), ' ',
      el('span', {}, `${s.current ? `${s.current.id} ${s.current.name}：` : ''}`),
      ...out.map((j) => el('span', { class: 'outlier-item', 'data-judge': j.judge },
        `${j.name}（${panels[j.panel] || j.panel}）${fmtNum(j.total)} 分 — ${j.message}`)),
      ' ', ...bi('请主持人请该评委核对是否输入有误；系统不会自动修改成绩。', 'Ask the judge to check for a typo; the result is not changed automatically.')));
  }
  const ea = $('error-alert');
  if (actionError && Date.now() < actionError.until) {   // an action's error stays readable for a while
    ea.hidden = false;
    setBi(ea, actionError.message);
  } else {
    ea.hidden = !s.results_error;
    const [rz, re] = splitLabel(s.results_error || '');
    setBi(ea, s.results_error ? `成绩无法计算：${rz} / the results cannot be computed: ${re || rz}` : '');
  }
  const ta = $('tie-alert');
  const crossing = s.ties.filter((t) => t.crosses_boundary);
  const open = crossing.filter((t) => !t.resolved_by);
  ta.hidden = crossing.length === 0 && s.needs_overtime.length === 0;
  if (!ta.hidden) {
    // how each tie was settled, in the server's words (judging/core/tie_labels.py): 加时赛决出, 专家评审团得分高者胜 …
    const lines = crossing.map((t) => `${t.names.join('、')}（${score(s, t.total)} 分）`
      + (t.resolved_by ? ` — ${t.how}` : ' — 未决'));
    const linesEn = crossing.map((t) => `${t.names.join(', ')} (${score(s, t.total)})`
      + (t.resolved_by ? ` — ${t.how} resolved` : ' — undecided'));
    let next = ['', ''];
    if (s.needs_overtime.length) {
      next = s.phase === 'ranking' ? [' → 需要加时赛，请点「开始加时赛」。', ' → Overtime needed.']
        : [' → 加时赛进行中。', ' → Overtime in progress.'];
    }
    ta.className = `alert ${open.length || s.needs_overtime.length ? 'warn' : 'info'}`;
    renderKept(ta, JSON.stringify([lines, next]), () => ta.replaceChildren(
      ...bi(`${'并列跨越奖项线：'} ${lines.join('；')}${next[0]}`, `Tie across an award boundary: ${linesEn.join('; ')}${next[1]}`)));
  }
  const sa = $('storage-alert');  // the server's disk is full: writes are refused until there is room again
  sa.hidden = !s.storage || s.storage.ok !== false;
  setBi(sa, sa.hidden ? '' : `⚠ ${s.storage.message}`);
  const wa = $('warn-alert');
  wa.hidden = !s.warnings.length;
  wa.replaceChildren(...(s.warnings.length ? [...biNodes('提示 Notes'), ': ', ...s.warnings.flatMap((w, i) => [i ? '；' : '', ...biNodes(w)])] : []));
}

// ------------------------------------------------------------------ results
// Money is shown as the server writes it (grant_text, money.line: ¥80,000.50 / ¥8万), never re-formatted here.
export function renderResults(s) {
  const key = JSON.stringify([s.setup.panels.map((p) => [p.id, p.label]), s.results, s.ties,
    s.current && s.current.id, s.contest.digits]);
  renderKept($('results'), key, () => drawResults(s));
  setPair($('results-count'), s.results.length ? `（${s.results.length} 项）` : '', s.results.length ? `(${s.results.length} projects)` : '');
  const m = s.money;
  const ml = $('money-line');
  ml.hidden = !(m && s.results.length);
  ml.replaceChildren(...(m ? [...biNodes('创投资金 Grants'), `：${m.line}${m.notes.length ? `（${m.notes.join('；')}）` : ''}`] : []));
}

function drawResults(s) {
  const table = $('results');
  const panels = s.setup.panels;
  const hasOT = s.results.some((r) => r.overtime && Object.keys(r.overtime).length);
  const hasTrack = s.results.some((r) => r.track);
  table.tHead.replaceChildren(el('tr', {},
    el('th', { class: 'num', title: 'Rank' }, ...bi('名次', 'Rank')), hasTrack ? el('th', { title: 'Track' }, ...bi('赛道', 'Track')) : null,
    el('th', { title: 'Project' }, ...bi('项目', 'Project')),
    panels.map((p) => el('th', { class: 'num', title: p.label }, ...bi(zhPart(p.label).replace('评审团', ''), splitLabel(p.label)[1].replace(/ panel$/, '')))),
    el('th', { class: 'num', title: 'Total' }, ...bi('总分', 'Total')), hasOT ? el('th', { class: 'num', title: 'Overtime' }, ...bi('加时', 'Overtime')) : null,
    el('th', { title: 'Tie' }, ...bi('并列', 'Tie')), el('th', { title: 'Award' }, ...bi('奖项', 'Award')), el('th', { class: 'num', title: 'Grant' }, ...bi('奖金', 'Grant'))));
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
      panels.map((p) => el('td', { class: 'num' }, score(s, r.panels[p.id]))),
      el('td', { class: 'num total' }, score(s, r.total)),
      hasOT ? el('td', { class: 'num' }, Object.values(r.overtime || {}).map((x) => score(s, x)).join(' / ')) : null,
      el('td', {}, tie ? el('span', { class: `badge ${tie.crosses_boundary ? 'bad' : ''}`, title: tie.text || '' },
        tie.crosses_boundary ? (tie.resolved_by ? '已决' : '需加时') : '并列') : ''),
      el('td', {}, r.pending_overtime ? '待定' : (r.award_label || '')),
      el('td', { class: 'num' }, r.pending_overtime ? '—' : (r.award ? r.grant_text : '')));
  }));
}


// ------------------------------------------------------------------ running order
export function renderOrder(s, canPresent, busy) {
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


// ------------------------------------------------------------------ roadshow result
export function renderRoadshow(s) {
  renderKept($('roadshow'), JSON.stringify([s.result, s.phase === 'scoring', s.contest.digits]), () => drawRoadshow(s));
}

function drawRoadshow(s) {
  const box = $('roadshow');
  const r = s.result;
  if (!r) {
    box.replaceChildren(el('p', { class: 'hint' }, ...(s.phase === 'scoring'
      ? bi('评分进行中，结束评分后显示。', 'Scoring is open: shown once it closes.') : bi('评分结束后显示。', 'Shown once scoring closes.'))));
    return;
  }
  box.replaceChildren(
    ...r.panels.map((p) => el('div', { class: 'rs-panel' },
      el('div', { class: 'rs-head' }, el('strong', {}, ...biNodes(p.label)), ' ',
        ...bi(`权重 ${fmtPercent(p.weight)} · 得分 ${score(s, p.score)}`, `weight ${fmtPercent(p.weight)} · score ${score(s, p.score)}`)),
      el('div', { class: 'rs-marks' }, p.marks.map((m) => el('button', {
        type: 'button', class: `mk ${m.dropped ? 'dropped' : ''}`, 'data-judge': m.judge,
        title: `${m.name}（${m.judge}）${m.dropped ? ' · 去掉 dropped' : ''} · 点击更正 click to correct`,
      }, el('span', { class: 'mk-name' }, m.name), el('span', { class: 'num' }, fmtNum(m.total))))))),
    el('div', { class: 'rs-total' }, ...bi(`本场得分 ${score(s, r.score)}${r.total !== null ? ` · 总分 ${score(s, r.total)}` : ''}${r.rank ? ` · 当前第 ${r.rank} 名` : ''}`,
      `Score ${score(s, r.score)}${r.total !== null ? ` · Total ${score(s, r.total)}` : ''}${r.rank ? ` · rank ${r.rank} so far` : ''}`)));
}

