// Marks of one roadshow on the live console, and their correction or voiding by the organizer.
// A correction or a void always needs a reason; the server records it in the audit log and refuses
// it while that roadshow's scoring is still open (the judge can amend it then) or after the lock.
// The fresh console snapshot the server answers with is handed back as a 'marks-changed' event.
// Console updates redraw the open dialog only where something it shows changed, keeping keyboard focus;
// the correction form is never redrawn by an update, so the operator's typing stays.

import { api } from './shared/api.js';
import { $, el, renderKept } from './shared/dom.js';
import { fmtNum } from './shared/format.js';
import { biNodes, setBi } from './shared/lang.js';
import { roundBoth as roundLabel, sayRound } from './shared/labels.js';
import { showFieldErrors, clearFieldErrors, toast } from './console_ui.js';

const cid = document.querySelector('main').dataset.cid;
const dlg = $('marks-dialog');
const fixDlg = $('fix-dialog');
const fixForm = $('fix-form');
let snap = null;
let view = { project: null, round: null, judge: null };
let fix = null; // {mode, project, round, judge}

function roundsOf(s, project) {
  const rounds = new Set(s.marks.filter((m) => m.project === project).map((m) => m.round));
  if (s.current && s.current.id === project) rounds.add(s.round);
  if (!rounds.size) rounds.add('final');
  return [...rounds].sort((a, b) => (a === 'final' ? -1 : b === 'final' ? 1 : a.localeCompare(b, 'en', { numeric: true })));
}

// The roadshow whose scoring the snapshot shows open (its phase, project on stage and round): the judges
// amend their own marks then.  The buttons only follow it; the server refuses a correction there anyway.
function isOpen(s, project, round) {
  return s.phase === 'scoring' && s.current && s.current.id === project && s.round === round;
}

export function openMarks(s, project, round, judge) {
  snap = s;
  view = { project, round: round || roundsOf(s, project).at(-1), judge };
  draw();
  if (!dlg.open) dlg.showModal();
  const row = judge ? dlg.querySelector(`tr[data-judge="${CSS.escape(judge)}"]`) : null;
  if (row) { row.classList.add('focus'); row.scrollIntoView({ block: 'center' }); }
}

export function refreshMarks(s) {
  snap = s;
  if (dlg.open) draw();
}

function draw() {
  const s = snap;
  const projects = s.setup.projects;
  const psel = $('md-project');
  renderKept(psel, JSON.stringify([projects.map((p) => [p.id, p.name]), view.project]), () => psel.replaceChildren(
    ...projects.map((p) => el('option', { value: p.id, selected: p.id === view.project }, `${p.id} ${p.name}`))));
  const rounds = roundsOf(s, view.project);
  if (!rounds.includes(view.round)) view.round = rounds.at(-1);
  const rsel = $('md-round');
  renderKept(rsel, JSON.stringify([rounds, view.round]), () => rsel.replaceChildren(
    ...rounds.map((r) => el('option', { value: r, selected: r === view.round }, sayRound(r)))));
  const open = isOpen(s, view.project, view.round);
  const locked = s.phase === 'locked';
  const shown = s.marks.filter((m) => m.project === view.project && m.round === view.round);
  const recusals = s.setup.recusals.filter((r) => r.project === view.project);
  const key = JSON.stringify([view, open, locked, shown, recusals, s.setup.panels, s.setup.judges.map((j) => [j.id, j.name, j.panel])]);
  renderKept($('md-body'), key, () => drawBody(s, open, locked, shown, recusals));
}

function drawBody(s, open, locked, shown, recusals) {
  const marks = Object.fromEntries(shown.map((m) => [m.judge, m]));
  const recused = new Set(recusals.map((r) => r.judge));
  const body = [];
  if (open) body.push(el('p', { class: 'alert info' }, ...biNodes('该路演正在评分，评委可自行修改；结束评分后才能更正。/ Scoring is open: judges amend their own marks; correct after closing.')));
  if (locked) body.push(el('p', { class: 'alert info' }, ...biNodes('结果已锁定，不能再更正。/ Locked: no more corrections.')));
  for (const p of s.setup.panels) {
    const crit = p.criteria;
    const judges = s.setup.judges.filter((j) => j.panel === p.id);
    body.push(el('h3', {}, ...biNodes(p.label)));
    body.push(el('div', { class: 'table-wrap' }, el('table', { class: 'table marks-table' },
      el('thead', {}, el('tr', {}, el('th', {}, ...biNodes('评委 Judge')), crit.map((c) => el('th', { class: 'num' }, c.label.split(' ')[0])),
        el('th', { class: 'num' }, ...biNodes('合计 Total')), el('th', {}, ...biNodes('状态 Status')), el('th', {}, ''))),
      el('tbody', {}, judges.map((j) => {
        const m = marks[j.id];
        const active = m && m.status === 'active';
        const total = active ? crit.reduce((a, c) => a + (c.weight ?? 1) * (Number(m.values[c.id]) || 0), 0) : null;
        const status = recused.has(j.id) ? '回避 recused'
          : (!m ? '未提交 none' : (m.status === 'voided' ? '已作废 voided' : (m.updated_by.startsWith('judge:') ? '评委提交 judge' : '已更正 corrected')));
        const can = !open && !locked && !recused.has(j.id);
        const corrects = !s.access || s.access.can.correct;   // a role that may not correct sees no buttons
        return el('tr', { 'data-judge': j.id, class: `${view.judge === j.id ? 'focus' : ''} ${m && m.status === 'voided' ? 'voided' : ''}` },
          el('td', {}, `${j.name}（${j.id}）`),
          crit.map((c) => el('td', { class: 'num' }, m ? fmtNum(m.values[c.id]) : '')),
          el('td', { class: 'num' }, total === null ? '' : fmtNum(total)),
          el('td', {}, ...biNodes(status)),
          el('td', { class: 'row-actions' }, !corrects ? '' : [
            el('button', { type: 'button', class: 'btn secondary small', 'data-fix': 'correct', 'data-judge': j.id, disabled: !can },
              ...biNodes(m ? '更正 Correct' : '补录 Enter')),
            el('button', { type: 'button', class: 'btn secondary small', 'data-fix': 'void', 'data-judge': j.id,
              disabled: !can || !active }, ...biNodes('作废 Void'))]));
      })))));
  }
  $('md-body').replaceChildren(...body);
}

$('md-project').addEventListener('change', (ev) => { view = { project: ev.target.value, round: null, judge: null }; draw(); });
$('md-round').addEventListener('change', (ev) => { view.round = ev.target.value; draw(); });
$('md-close').addEventListener('click', () => dlg.close());
$('md-body').addEventListener('click', (ev) => {
  const b = ev.target.closest('[data-fix]');
  if (b && !b.disabled) openFix(b.dataset.fix, b.dataset.judge);
});

// ------------------------------------------------------------------ correct / void
function openFix(mode, judgeId) {
  const s = snap;
  const judge = s.setup.judges.find((j) => j.id === judgeId);
  const panel = s.setup.panels.find((p) => p.id === judge.panel);
  const m = s.marks.find((x) => x.project === view.project && x.round === view.round && x.judge === judgeId);
  fix = { mode, project: view.project, round: view.round, judge: judgeId };
  setBi($('fix-h'), mode === 'void' ? '作废评分 Void marks' : '更正评分 Correct marks');
  $('fix-who').textContent = `${judge.name}（${judge.id}，${panel.label}）· ${view.project} · ${roundLabel(view.round)}`;
  const b = s.setup.marks_bounds;
  $('fix-marks').replaceChildren(...(mode === 'void'
    ? [el('p', {}, ...biNodes('作废后该评委本项目的评分不再计入成绩。/ These marks stop counting.'))]
    : panel.criteria.map((c, i) => el('label', { class: 'fix-row' }, el('span', {}, `${c.label}（${fmtNum(b.min)}–${fmtNum(c.max)}）`),
      el('input', { type: 'number', inputMode: 'decimal', min: String(b.min), max: String(c.max), step: String(b.step || 'any'),
        value: m && m.values[c.id] !== undefined ? String(m.values[c.id]) : '', 'data-field': c.id, 'data-criterion': c.id,
        id: `fix-c${i}` })))));
  $('fix-reason').value = '';
  setBi($('fix-ok'), mode === 'void' ? '确认作废 Void' : '保存更正 Save');
  $('fix-ok').classList.toggle('danger', mode === 'void');
  clearFieldErrors(fixForm);
  fixDlg.showModal();
  (fixForm.querySelector('input') || $('fix-reason')).focus();
}

$('fix-cancel').addEventListener('click', () => fixDlg.close());

fixForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearFieldErrors(fixForm);
  const reason = $('fix-reason').value.trim();
  if (!reason) {
    showFieldErrors(fixForm, { reason: '请填写原因，原因会记入审计日志 / a reason is required (it goes to the audit log)' });
    $('fix-reason').focus();
    return;
  }
  const body = { project: fix.project, round: fix.round, judge: fix.judge, reason };
  if (fix.mode === 'correct') {
    body.marks = Object.fromEntries([...fixForm.querySelectorAll('[data-criterion]')]
      .map((x) => [x.dataset.criterion, x.value === '' ? null : Number(x.value)]));
  }
  $('fix-ok').disabled = true;
  try {
    const s = await api('POST', `/api/contests/${encodeURIComponent(cid)}/marks/${fix.mode}`, body);
    fixDlg.close();
    toast(fix.mode === 'void' ? '已作废，并记入审计日志 / voided and logged' : '已更正，并记入审计日志 / corrected and logged');
    document.dispatchEvent(new CustomEvent('marks-changed', { detail: s }));
  } catch (e) {
    showFieldErrors(fixForm, e.errors, e.message);
  } finally {
    $('fix-ok').disabled = false;
  }
});
