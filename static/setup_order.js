// The setup page's recusals and running order: the lists as the organizer edits them before saving (the
// recusals typed here, the order moved by hand), drawn from the contest's setup and redrawn on every edit.
// What it does not do: save (setup.js sends currentRecusals() and currentOrder() with its sections' forms), draw lots
// (the server draws with a recorded seed) or check anything (the server refuses what does not fit).

import { $, el } from './shared/dom.js';
import { biNodes } from './shared/lang.js';
import { clearFieldErrors } from './console_ui.js';

let recusals = [];

export function renderRecusals(setup) {
  recusals = setup.recusals.map((r) => ({ ...r }));
  drawRecusals(setup);
  $('rec-judge').replaceChildren(...setup.judges.map((j) => el('option', { value: j.id }, `${j.name}（${j.id}）`)));
  $('rec-project').replaceChildren(...setup.projects.map((p) => el('option', { value: p.id }, `${p.id} ${p.name}`)));
  clearFieldErrors($('recusals-form'));
}

function drawRecusals(setup) {
  const judges = Object.fromEntries(setup.judges.map((j) => [j.id, j]));
  const projects = Object.fromEntries(setup.projects.map((p) => [p.id, p]));
  const list = $('recusal-list');
  if (!recusals.length) {
    list.replaceChildren(el('li', { class: 'hint' }, ...biNodes('没有回避 / no recusals')));
    return;
  }
  list.replaceChildren(...recusals.map((r, i) => el('li', { 'data-field': `recusals[${r.judge},${r.project}]` },
    el('span', {}, `${judges[r.judge]?.name || r.judge}（${r.judge}）回避 ${r.project} ${projects[r.project]?.name || ''}`),
    el('button', { type: 'button', class: 'btn secondary small', 'data-recusal': String(i) }, '删除'))));
}

let order = [];

export function renderOrder(setup) {
  order = setup.order.length ? [...setup.order] : setup.projects.map((p) => p.id);
  $('order-empty').hidden = setup.order.length > 0;
  $('seed-box').hidden = !setup.draw_seed;
  $('seed-value').textContent = setup.draw_seed || '';
  drawOrder(setup);
}

function drawOrder(setup) {
  const projects = Object.fromEntries(setup.projects.map((p) => [p.id, p]));
  $('order-list').replaceChildren(...order.map((pid, i) => el('li', { 'data-project': pid },
    el('span', { class: 'pos num' }, String(i + 1)),
    el('span', { class: 'pid' }, pid),
    el('span', { class: 'pname' }, projects[pid]?.name || ''),
    el('span', { class: 'moves' },
      el('button', { type: 'button', class: 'btn secondary small', 'data-move': '-1', disabled: i === 0,
        'aria-label': `上移 move ${pid} up` }, '↑'),
      el('button', { type: 'button', class: 'btn secondary small', 'data-move': '1', disabled: i === order.length - 1,
        'aria-label': `下移 move ${pid} down` }, '↓')))));
}

// the lists as edited here, for saving
export const currentRecusals = () => recusals;
export const currentOrder = () => order;

// Buttons that edit the lists; an edit marks its section dirty (setup.js then keeps it through updates).
export function wireOrder(dirty, setupNow) {
  $('add-recusal').addEventListener('click', () => {
    const judge = $('rec-judge').value;
    const project = $('rec-project').value;
    if (!judge || !project) return;
    if (!recusals.some((r) => r.judge === judge && r.project === project)) recusals.push({ judge, project });
    dirty.add('recusals');
    drawRecusals(setupNow());
  });

  $('recusal-list').addEventListener('click', (ev) => {
    const b = ev.target.closest('[data-recusal]');
    if (!b) return;
    recusals.splice(Number(b.dataset.recusal), 1);
    dirty.add('recusals');
    drawRecusals(setupNow());
  });

  $('order-list').addEventListener('click', (ev) => {
    const b = ev.target.closest('[data-move]');
    if (!b) return;
    const i = order.indexOf(b.closest('li').dataset.project);
    const j = i + Number(b.dataset.move);
    if (i < 0 || j < 0 || j >= order.length) return;
    [order[i], order[j]] = [order[j], order[i]];
    dirty.add('order');
    drawOrder(setupNow());
    $('order-list').querySelector(`li[data-project="${CSS.escape(order[j])}"] [data-move="${b.dataset.move}"]`)?.focus();
  });
}
