// The console's paper block: the paper sheets typed once (waiting for their second entry) and those whose
// entries differ, with both values per criterion, straight from the console snapshot's `paper`
// (judging/app/paper.py paper_view).  Shown only while the contest has paper entries.
// What it does not do: enter or discard anything (the entry screen /console/<cid>/paper does), or compare marks.

import { el, renderKept } from './shared/dom.js';
import { bi } from './shared/lang.js';

const fmt = (v) => (v === null || v === undefined ? '—' : String(Number(v)));

export function renderPaper(card, paper) {
  if (!card || !paper) return;
  card.hidden = paper.entries === 0;
  const summary = card.querySelector('#paper-summary');
  renderKept(card.querySelector('#paper-console'), JSON.stringify(paper), () => {
    summary.replaceChildren(...bi(`已计分 ${paper.agreed} 张 · 不一致 ${paper.mismatches} 张`,
      `${paper.agreed} counted · ${paper.mismatches} differ`));
    card.querySelector('#paper-console').replaceChildren(...paper.sheets.map((s) => {
      const row = el('div', { class: `paper-sheet${s.mismatches.length ? ' mismatch' : ''}`, 'data-sheet': s.code },
        el('strong', {}, `${s.judge_name} · ${s.project} ${s.project_name}`), ' ');
      if (!s.mismatches.length) {
        row.append(...bi('已录入 1 次，待第二次录入', 'entered once, waiting for the second entry'));
        return row;
      }
      const labels = Object.fromEntries(s.criteria.map((c) => [c.id, c.label]));
      row.append(el('span', { class: 'mismatch-note' }, ...bi('录入不一致，不计分：', 'entries differ, not counted: ')),
        ...s.mismatches.flatMap((m) => Object.entries(m.differences).map(([c, [a, b]]) =>
          el('span', { class: 'paper-diff', 'data-criterion': c }, `${labels[c] || c || '总分'} ${fmt(a)} ≠ ${fmt(b)}`))));
      return row;
    }));
  });
}
