// 请尽快提交: the console's nudge buttons, one per judge the server says may be nudged now (judges_status
// can_nudge: scoring open, expected, not yet submitted) and "nudge all missing".  A press POSTs
// /api/contests/<cid>/nudge; the server audits it and pushes a banner to those judges' phones only.
// It decides nothing: who may be nudged comes from the snapshot; the page only draws and sends.

import { api } from './shared/api.js';
import { el, renderKept } from './shared/dom.js';
import { bi } from './shared/lang.js';
import { toast } from './console_ui.js';

const clock = (at) => new Date(at * 1000).toLocaleTimeString('zh-CN', { hour12: false });

export function renderNudges(box, s) {
  // a role that may not act (scorekeeper, viewer: the snapshot's role, the server's word) gets no nudge buttons
  const rows = s.access && !s.access.can.act ? [] : s.judges_status.filter((j) => j.can_nudge);
  box.hidden = rows.length === 0;
  renderKept(box, JSON.stringify(rows.map((j) => [j.id, j.name, j.nudged_at])), () => box.replaceChildren(
    el('span', { class: 'nudge-title' }, ...bi('请尽快提交', 'Nudge')),
    el('button', { type: 'button', class: 'btn small nudge-all', 'data-nudge-all': '' },
      ...bi(`提醒全部未提交（${rows.length}）`, `Nudge all missing (${rows.length})`)),
    ...rows.map((j) => el('button', {
      type: 'button', class: `btn secondary small nudge${j.nudged_at ? ' nudged' : ''}`, 'data-nudge': j.id,
      title: j.nudged_at ? `${clock(j.nudged_at)} 已提醒，可再次提醒 / nudged at ${clock(j.nudged_at)}` : '',
    }, ...(j.nudged_at ? bi(`已提醒 ${j.name} ↻`, `Nudged ${j.name} ↻`) : bi(`提醒 ${j.name}`, `Nudge ${j.name}`))))));
}

export function wireNudges(box, cid) {
  box.addEventListener('click', async (ev) => {
    const btn = ev.target.closest('[data-nudge], [data-nudge-all]');
    if (!btn || btn.disabled) return;
    btn.disabled = true;
    try {
      const body = btn.hasAttribute('data-nudge-all') ? {} : { judges: [btn.dataset.nudge] };
      const res = await api('POST', `/api/contests/${encodeURIComponent(cid)}/nudge`, body);
      toast(`已提醒 ${res.nudged.length} 位评委尽快提交 / nudged ${res.nudged.length} judge(s)`);
    } catch (e) {
      toast(e.message, 'bad');
    } finally {
      btn.disabled = false;
    }
  });
}
