// The contest lifecycle on the console pages (issue 14): a confirmation dialog that needs the contest id
// typed (delete, reset), and the contest list's duplicate and delete buttons (templates/console_index.html).
// Duplicate asks for the copy's name and date, then opens the copy's setup page; delete asks for the typed
// id and reloads the list (a contest with marks is refused by the server until its JSON archive has been
// exported: its message is shown).  What it does not do: decide whether a contest may be deleted or reset
// (the server does, judging/app/lifecycle.py), or keep any label of the vocabulary.

import { api } from './shared/api.js';
import { el } from './shared/dom.js';
import { setBi } from './shared/lang.js';
import { confirmDialog, toast } from './console_ui.js';

// Resolves true once the organizer typed `cid` and pressed the (danger) button; false on cancel.
export function typedConfirm({ cid, title, body, confirm }) {
  const input = el('input', { id: 'typed-confirm', autocomplete: 'off', 'aria-describedby': 'typed-hint' });
  const text = el('p', {});
  setBi(text, body);
  const hint = el('label', { for: 'typed-confirm', id: 'typed-hint' });
  setBi(hint, `请输入大赛编号「${cid}」以确认 Type the contest id ${cid} to confirm`);
  const node = el('div', {}, text, hint, input);
  return confirmDialog({
    title, bodyNode: node, confirm, danger: true,
    onOpen: (d) => {
      const ok = d.body.closest('dialog').querySelector('#confirm-ok');
      ok.disabled = true;
      input.addEventListener('input', () => { ok.disabled = input.value.trim() !== cid; });
      input.focus();
    },
  });
}

async function duplicate(row) {
  const cid = row.dataset.contest;
  const name = el('input', { id: 'copy-name', value: `${row.dataset.name}（副本）`, maxLength: 120 });
  const date = el('input', { id: 'copy-date', type: 'date' });
  const nameLabel = el('label', { for: 'copy-name' });
  setBi(nameLabel, '新大赛名称 Name of the copy');
  const dateLabel = el('label', { for: 'copy-date' });
  setBi(dateLabel, '日期（可留空） Date (optional)');
  const note = el('p', { class: 'hint' });
  setBi(note, '沿用评分规则、项目、评委和出场顺序；评委和大屏获得新的链接，不复制任何评分。'
    + ' Rules, projects, judges and order are copied; judges and the screen get new links; no marks are copied.');
  const ok = await confirmDialog({
    title: '复制大赛（沿用设置） Duplicate the contest', bodyNode: el('div', {}, note, nameLabel, name, dateLabel, date),
    confirm: '复制 Duplicate',
  });
  if (!ok) return;
  try {
    const body = { name: name.value.trim() || undefined };
    if (date.value) body.date = date.value;
    const snap = await api('POST', `/api/contests/${encodeURIComponent(cid)}/duplicate`, body);
    location.href = `/console/${encodeURIComponent(snap.contest.id)}/setup`;
  } catch (e) {
    toast(e.message, 'bad', 8000);
  }
}

async function remove(row, button) {
  const cid = row.dataset.contest;
  const marked = Number(row.dataset.marks) > 0;
  const ok = await typedConfirm({
    cid, title: `删除「${row.dataset.name}」？ Delete this contest?`,
    body: (marked ? '该大赛已有评分：须先导出完整存档（JSON），导出后没有新的改动才能删除。'
      : '大赛的设置、评委链接和大屏链接将被删除，无法恢复；审计日志保留。')
      + (marked ? ' It has marks: export its JSON archive first (and change nothing after).'
        : ' Its setup and links are deleted for good; its audit log is kept.'),
    confirm: '删除 Delete',
  });
  if (!ok) return;
  button.disabled = true;
  try {
    await api('DELETE', `/api/contests/${encodeURIComponent(cid)}`, { confirm: cid });
    location.reload();
  } catch (e) {
    toast(e.message, 'bad', 10000);
    button.disabled = false;
  }
}

export function wireContestList(table) {
  table?.addEventListener('click', (ev) => {
    const dup = ev.target.closest('[data-duplicate]');
    const del = ev.target.closest('[data-delete]');
    if (dup) duplicate(dup.closest('tr'));
    else if (del) remove(del.closest('tr'), del);
  });
}
